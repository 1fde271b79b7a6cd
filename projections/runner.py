"""Apply the event log to each projection: in position order, exactly once, one runner at a time.

A batch is applied set-based (projections/rows.py: the handlers fold over the rows the batch touches, which are
then written in bulk); a batch whose writes fail is applied again event by event to name the event to park.

A batch's read-model writes and its checkpoint commit in one read-DB transaction, under a row lock
on the checkpoint. A second runner waits briefly for that lock (a batch takes milliseconds) rather than
leaving at once: the holder may already have looked for new events, and the wake-up that arrived meanwhile
would otherwise be lost until the next periodic catch-up. A blue/green swap can hold the lock longer: past
LOCK_WAIT_MS the runner stops with `Busy`, and its task queues itself again (tasks.py), so the events it came
for are never left to the catch-up.
"""

import logging
import time
import traceback
from collections.abc import Callable, Collection, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import islice
from uuid import UUID

from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from commands.events import DomainEvent
from commands.models import Event
from config.correlation import correlation_of
from projections import segments
from projections.base import Projection
from projections.models import Checkpoint, ParkedEvent
from projections.recorded import LOG_FIELDS, LogRow, Recorded, log_rows, log_stream, recorded
from projections.rows import keys_of, unit_of_work

READ_DB = "read"
EVENT_DB = "default"
MAX_ATTEMPTS = 3
LOCK_WAIT_MS = 2000
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout expires
logger = logging.getLogger(__name__)
# The events of the batch being applied, decoded, by position: set by decoding_once (a shared-read rebuild).
_decoded: ContextVar["Decoded | None"] = ContextVar("decoded", default=None)


class Busy(Exception):
    """Another runner (a rebuild's swap) kept this projection's lock past LOCK_WAIT_MS; nothing was applied."""


class EventFailed(Exception):
    def __init__(self, event: LogRow, index: int, error: BaseException) -> None:
        super().__init__(f"{event} failed: {error!r}")
        self.event = event
        self.index = index
        self.error = "".join(traceback.format_exception(error))[-4000:]


def ensure_checkpoint(name: str) -> None:
    """A new projection starts at 0. A segment's checkpoints are created together, where the projection's lowest
    checkpoint of an earlier layout was (0 if none): one created later would skip its events (segments.py)."""
    if Checkpoint.objects.filter(name=name).exists():
        return
    base = segments.projection_of(name)
    layout = segments.checkpoint_names(base) if base != name or segments.segment_count(base) > 1 else [name]
    earlier = Checkpoint.objects.filter(Q(name=base) | Q(name__startswith=base + segments.SEPARATOR))
    start = min(earlier.exclude(name__in=layout).values_list("position", flat=True), default=0)
    try:
        with transaction.atomic(using=READ_DB):
            missing = set(layout) - set(Checkpoint.objects.filter(name__in=layout).values_list("name", flat=True))
            Checkpoint.objects.bulk_create([Checkpoint(name=each, position=start) for each in sorted(missing)])
    except IntegrityError:
        pass  # another runner created them first


def events_after(position: int, limit: int) -> list[LogRow]:
    return log_rows(Event.objects.using(EVENT_DB).filter(position__gt=position).order_by("position")[:limit])


def apply_batch(
    projection: Projection, events: Sequence[LogRow], *, held: Collection[UUID] = (), per_event: bool = False
) -> None:
    """Apply the events in order (set-based: projections/rows.py); one of an aggregate in `held` is parked behind
    that aggregate's parked event. A batch whose writes fail is applied again event by event, to name the event."""
    if per_event:
        _apply_each(projection, events, held)
        return
    try:
        with transaction.atomic(using=READ_DB):  # a savepoint: a failed flush leaves the transaction usable
            with unit_of_work(lambda: named_keys(projection, events)) as work:
                fold(projection, events, held)
            work.flush()
    except DatabaseError:
        _apply_each(projection, events, held)


def _apply_each(projection: Projection, events: Sequence[LogRow], held: Collection[UUID]) -> None:
    for index, event in enumerate(events):
        with unit_of_work(named_keys(projection, [event])) as work:
            fold(projection, [event], held, offset=index)
        try:
            work.flush()
        except DatabaseError as error:
            raise EventFailed(event, index, error) from error


def fold(projection: Projection, events: Sequence[LogRow], held: Collection[UUID] = (), *, offset: int = 0) -> None:
    """The handlers of the events this projection (segment) applies, in order, on the current unit of work."""
    for index, event in enumerate(events, start=offset):
        if event.aggregate_id in held:
            hold(projection, event)
            continue
        if not projection.wants(event.type) or not projection.covers(event.aggregate_id, event.type):
            continue
        if settings.PROJECTION_FAULT_DELAY_SECONDS:
            time.sleep(settings.PROJECTION_FAULT_DELAY_SECONDS)  # the fault hook of the SIGKILL-mid-batch test
        try:
            projection.apply(_decode(event))
        except Exception as error:
            raise EventFailed(event, index, error) from error


class Decoded:
    """What decoding_once keeps of the batch's events, by position: the decoded event and the ids it names."""

    __slots__ = ("events", "keys")

    def __init__(self) -> None:
        self.events: dict[int, Recorded[DomainEvent]] = {}
        self.keys: dict[int, tuple[UUID, ...]] = {}


def _decode(event: LogRow) -> Recorded[DomainEvent]:
    memo = _decoded.get()
    if memo is None:
        return recorded(event)
    found = memo.events.get(event.position)
    if found is None:
        found = memo.events[event.position] = recorded(event)
    return found


def _named(event: LogRow, memo: Decoded | None) -> Iterable[UUID]:
    if memo is None:
        return keys_of(event.aggregate_id, event.payload)
    found = memo.keys.get(event.position)
    if found is None:
        found = memo.keys[event.position] = tuple(keys_of(event.aggregate_id, event.payload))
    return found


@contextmanager
def decoding_once() -> Iterator[None]:
    """Inside, each event is decoded once (`recorded`, and the ids it names) however many projections apply it: a
    rebuild of several projections fans each batch out to all of them. The caller scopes it to a batch, so memory
    stays a batch."""
    token = _decoded.set(Decoded())
    try:
        yield
    finally:
        _decoded.reset(token)


def apply_to_segments(projection: Projection, events: Sequence[LogRow], *, per_event: bool = False) -> None:
    """A whole projection's replay: each segment applies its share (and the broadcast events) of the batch."""
    for part in segments.parts(projection):
        apply_batch(part, events, per_event=per_event)


def named_keys(projection: Projection, events: Sequence[LogRow]) -> set[UUID]:
    """The ids the events this segment applies name: the rows its unit of work loads up front (rows.py)."""
    applied = [
        each for each in events if projection.wants(each.type) and projection.covers(each.aggregate_id, each.type)
    ]
    memo = _decoded.get()
    return {key for event in applied for key in _named(event, memo)}


def held_aggregates(name: str) -> set[UUID]:
    """The aggregates that have a parked event in this projection: their later events wait behind it."""
    parked = ParkedEvent.objects.filter(projection=name, aggregate_id__isnull=False)
    return {each for each in parked.values_list("aggregate_id", flat=True).distinct() if each is not None}


def hold(projection: Projection, event: LogRow) -> None:
    ParkedEvent.objects.create(
        projection=projection.name,
        position=event.position,
        event_type=event.type,
        aggregate_id=event.aggregate_id,
        held=True,
    )


def _advance(checkpoint: Checkpoint, event: LogRow) -> None:
    checkpoint.position = event.position
    checkpoint.last_event_at = event.occurred_at
    checkpoint.failures = 0
    checkpoint.failed_position = None
    checkpoint.save()


def lock_checkpoint(name: str) -> Checkpoint | None:
    """Lock the projection's checkpoint for this transaction; None if another runner keeps it past LOCK_WAIT_MS."""
    connection = connections[READ_DB]
    if connection.vendor != "postgresql":
        return Checkpoint.objects.select_for_update().filter(name=name).first()
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = {int(LOCK_WAIT_MS)}")
    try:
        # A savepoint, so that a lock timeout leaves the surrounding transaction usable.
        with transaction.atomic(using=READ_DB):
            checkpoint = Checkpoint.objects.select_for_update().filter(name=name).first()
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        return None
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout TO DEFAULT")
    return checkpoint


def run_once(projection: Projection, batch_size: int) -> int | None:
    """Apply the next batch; None when another runner holds this projection."""
    with transaction.atomic(using=READ_DB):
        checkpoint = lock_checkpoint(projection.name)
        if checkpoint is None:
            return None
        events = events_after(checkpoint.position, batch_size)
        if events:
            apply_batch(projection, events, held=held_aggregates(projection.name))
            _advance(checkpoint, events[-1])
    if events:
        first, last = events[0].position, events[-1].position
        logger.info("projection %s applied %s-%s", projection.name, first, last, extra=correlation_of(events))
    return len(events)


def record_failure(projection: Projection, failure: EventFailed) -> bool:
    """Note the failure on the checkpoint; park the event once it has failed MAX_ATTEMPTS times."""
    with transaction.atomic(using=READ_DB):
        checkpoint = Checkpoint.objects.select_for_update().get(name=projection.name)
        if checkpoint.position >= failure.event.position:
            return True  # someone else got past it meanwhile
        same = checkpoint.failed_position == failure.event.position
        checkpoint.failures = checkpoint.failures + 1 if same else 1
        checkpoint.failed_position = failure.event.position
        checkpoint.last_error = failure.error
        checkpoint.last_error_at = timezone.now()
        if checkpoint.failures < MAX_ATTEMPTS:
            checkpoint.save()
            return False
        ParkedEvent.objects.create(
            projection=projection.name,
            position=failure.event.position,
            event_type=failure.event.type,
            aggregate_id=failure.event.aggregate_id,
            error=failure.error,
            attempts=checkpoint.failures,
        )
        logger.error(
            "projection %s parked event %s; its aggregate's later events wait",
            projection.name,
            failure.event,
            extra=correlation_of([failure.event]),
        )
        _advance(checkpoint, failure.event)
        return True


def run_projection(
    projection: Projection, *, batch_size: int | None = None, busy_raises: bool = False, drain: bool = True
) -> int:
    """Loop until caught up (or another runner has the lock); returns the number of events read.

    `busy_raises`: a lock kept past LOCK_WAIT_MS raises Busy instead of returning (for a task that will try again).
    `drain=False` (the tasks): stop after the first batch that was not full. It read every event committed
    before it, and a commit after that read queues a task of its own (the unit's flag was cleared when this
    one started: tasks.py), so stopping there leaves nothing behind. Draining instead kept a task running for as
    long as commits kept coming, a batch of two or three events at a time, and with one worker child per CPU
    two such tasks held every child while the other projections' tasks waited in the queue behind them.
    A backlog still runs in full batches until it is gone.
    """
    size = batch_size or settings.PROJECTION_BATCH_SIZE
    ensure_checkpoint(projection.name)
    done = 0
    while True:
        wanted = size
        try:
            count = run_once(projection, size)
        except EventFailed as failure:
            if failure.index > 0:
                # Commit the good events ahead of the bad one, then meet it at the head of a batch.
                wanted = failure.index
                count = run_once(projection, wanted)
            elif record_failure(projection, failure):
                continue
            else:
                raise
        if count is None and busy_raises:
            raise Busy(projection.name)
        if not count:
            return done
        done += count
        if not drain and count < wanted:
            return done


def run_all() -> dict[str, int]:
    """Run every projection (each segment); one that fails does not hold the others back (raised after)."""
    done: dict[str, int] = {}
    failures: list[EventFailed] = []
    for name, projection in segments.units().items():
        try:
            done[name] = run_projection(projection)
        except EventFailed as failure:
            failures.append(failure)
    if failures:
        raise failures[0]
    return done


def replay(projection: Projection, *, up_to: int | None = None, progress: Callable[[int], None] | None = None) -> int:
    """Empty the projection's read models and apply the log from position 0 (caller holds the lock)."""
    projection.clear()
    position = 0
    # Only the types it applies are read; the events after the last of them it would have skipped.
    types = None if projection.handles_every_event else projection.handled_type_names
    if up_to is None:
        up_to = Event.objects.using(EVENT_DB).order_by("-position").values_list("position", flat=True).first() or 0
    for batch in batches(up_to, types=types):
        apply_to_segments(projection, batch)
        position = batch[-1].position
        if progress:
            progress(len(batch))
    return max(position, up_to)


def batches(
    up_to: int | None,
    size: int = 2000,
    *,
    after: int = 0,
    types: Collection[str] | None = None,
    metadata: bool = True,
) -> Generator[list[LogRow]]:
    """The log after `after` (up to `up_to`; only events of `types` if given) in batches of `size`, streamed
    through one server-side cursor: memory stays one batch, whatever the log's length. Outside a write-DB
    transaction the cursor is WITH HOLD (as Django's `iterator()`), so a rebuild keeps no transaction open on the
    write database while it runs. On PostgreSQL the rows come straight from psycopg (log_stream), with their
    metadata unless `metadata` is False (the embedded SQLite always reads it)."""
    if connections[EVENT_DB].vendor == "postgresql":
        yield from log_stream(connections[EVENT_DB], up_to, size, after=after, types=types, metadata=metadata)
        return
    queryset = Event.objects.using(EVENT_DB).filter(position__gt=after)
    if up_to is not None:
        queryset = queryset.filter(position__lte=up_to)
    if types is not None:
        queryset = queryset.filter(type__in=list(types))
    stream = queryset.order_by("position").values_list(*LOG_FIELDS).iterator(chunk_size=size)
    while batch := [LogRow._make(values) for values in islice(stream, size)]:
        yield batch
