"""(a) rebuild throughput against baselines on the same log, and (c) peak memory of a rebuild vs a bare read."""

import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from commands.models import Event
from projections import blue_green, runner
from projections.base import Projection
from projections.models import Checkpoint
from projections.recorded import LOG_FIELDS, LogRow

READ_BATCH = 2000  # the batch size runner.replay reads with


@dataclass(frozen=True)
class Timed:
    events: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def timed(work: Callable[[], int]) -> Timed:
    started = time.perf_counter()
    events = work()
    return Timed(events=events, seconds=time.perf_counter() - started)


def read_only() -> int:
    """The floor: fetch every event in position order, in the replay's batch size, and apply nothing."""
    position, count = 0, 0
    while batch := runner.events_after(position, READ_BATCH):
        count += len(batch)
        position = batch[-1].position
    return count


def rebuild(projection: Projection) -> int:
    counted = [0]
    blue_green.rebuild(projection, progress=lambda size: counted.__setitem__(0, counted[0] + size))
    return counted[0]


def reset(projection: Projection) -> None:
    with transaction.atomic(using=runner.READ_DB):
        projection.clear()
        Checkpoint.objects.filter(name=projection.name).update(position=0, last_event_at=None)


def live_catch_up(projection: Projection) -> int:
    """What the worker does after an outage: runner.run_projection from 0, a transaction per batch."""
    reset(projection)
    return runner.run_projection(projection)


def naive_replay(projection: Projection, *, limit: int) -> int:
    """The baseline: one read-DB transaction per event (apply it, advance the checkpoint), as a naive consumer would."""
    reset(projection)
    log = Event.objects.using(runner.EVENT_DB).order_by("position")[:limit].values_list(*LOG_FIELDS)
    count = 0
    for event in (LogRow._make(values) for values in log.iterator(chunk_size=READ_BATCH)):
        with transaction.atomic(using=runner.READ_DB):
            runner.apply_batch(projection, [event])
            Checkpoint.objects.filter(name=projection.name).update(
                position=event.position, last_event_at=event.occurred_at
            )
        count += 1
    return count


def peak_memory(work: Callable[[], int]) -> int:
    """Peak bytes Python allocated while `work` ran (tracemalloc: slower, so never mixed with the timings)."""
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def throughput(projection: Projection, *, naive_limit: int) -> dict[str, Timed]:
    return {
        "read events only": timed(read_only),
        "rebuild (runner.rebuild)": timed(lambda: rebuild(projection)),
        "catch-up from 0 (runner.run_projection)": timed(lambda: live_catch_up(projection)),
        f"naive: a transaction per event (first {naive_limit:,})": timed(
            lambda: naive_replay(projection, limit=naive_limit)
        ),
    }


def memory(projection: Projection) -> dict[str, int]:
    return {"read events only": peak_memory(read_only), "rebuild": peak_memory(lambda: rebuild(projection))}
