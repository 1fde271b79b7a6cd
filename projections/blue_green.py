"""Blue/green rebuild: a new generation of a projection's read models fills while the live one keeps serving.

Design (PostgreSQL): the new generation lives in its own schema, `rebuild_<projection>`, holding empty copies of
the projection's read-model tables (same columns, constraints and index names). The rebuild replays the log in
batches with `search_path` set to that schema first, so the projection's own handlers write there unchanged;
their rows are held from batch to batch and written with the generation's checkpoint (`<projection>~next`, in the
live checkpoint table) past a bound and at the end of the fill (held.py). The live generation meanwhile keeps
being projected under its own checkpoint lock and served. The new tables get their keys (primary and unique: the
replay relies on them) at once and their other indexes once the bulk of the log is in, built by the process that
filled them, before the swap (`index`). `rebuild_all` rebuilds several projections in parallel (filling.py).

Once the new generation is within a batch of the head, the rebuild takes the live checkpoint's lock (holding the
live runner back for that one transaction), applies the last events, drops the live tables, moves the new ones
into the live schema and sets the live checkpoint to the new generation's position, all in one transaction:
readers see the old generation up to the commit and the complete new one after it, never an empty or partial
one, and the read position never goes backwards. The old generation is dropped by that same commit.
A segmented projection (segments.py) is rebuilt as one generation; the swap locks every segment's checkpoint
and sets them all to the position it took over at.

A rebuild killed midway leaves only its schema behind; the next rebuild drops it and starts again from 0, so
nothing is applied twice. A session advisory lock keeps two rebuilds of one projection from running at once.
Parked events of the projection are replayed with everything else and forgotten at the swap.
SQLite (the embedded `make run`) has no schemas: there, the rebuild replays in place in one transaction.
"""

import functools
import gc
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, closing, contextmanager

from django.conf import settings
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from psycopg import sql

from commands.models import Event
from projections import filling, runner, segments, table_io
from projections.base import Projection
from projections.generations import (
    create_generation,
    create_indexes,
    next_name,
    save_next_checkpoint,
    schema_of,
    tables_of,
    writing_to,
)
from projections.held import HeldFill
from projections.models import Checkpoint, ParkedEvent
from projections.progress import head_position
from projections.recorded import LogRow

READ_DB = runner.READ_DB
LOCK_NAMESPACE = 0x0B1E


class RebuildRunning(Exception):
    """Another rebuild of the same projection holds its rebuild lock."""


def rebuild(projection: Projection, *, progress: Callable[[int], None] | None = None, per_event: bool = False) -> int:
    """Build a new generation from position 0 and swap it in once caught up; returns the position it took over at.

    `per_event` applies every event with its own writes (the baseline `make bench` measures beside the batch path).
    """
    report = (lambda _name, count: progress(count)) if progress else None
    return rebuild_all([projection], progress=report, per_event=per_event)[projection.name]


def rebuild_all(
    projections: Sequence[Projection],
    *,
    progress: Callable[[str, int], None] | None = None,
    per_event: bool = False,
) -> dict[str, int]:
    """Rebuild these projections together; returns the position each took over at, by name.

    They are dealt into one share per process (filling.py: PROJECTION_REBUILD_PROCESSES, by default one per CPU),
    each filled by a forked child from its own read of the log; with one share, in this process. Within a share
    each batch is read once, decoded once (runner.decoding_once) and applied to every projection's new
    generation in turn, in one transaction with all their checkpoints: a share reads the log once, not once per
    projection. Only the event types some projection of the share applies are read (the event feed's all).
    Each generation then swaps in on its own, as a single rebuild's does. `progress(name, events)` is called
    after each commit, outside any transaction, with the number of events read (of `events_to_read`).
    """
    for projection in projections:
        for name in segments.checkpoint_names(projection.name):
            runner.ensure_checkpoint(name)
    connection = connections[READ_DB]
    if connection.vendor != "postgresql":
        return {
            each.name: rebuild_in_place(each, progress=functools.partial(progress, each.name) if progress else None)
            for each in projections
        }
    size = settings.PROJECTION_REBUILD_BATCH_SIZE
    with ExitStack() as locks, collecting_between_batches():
        for projection in projections:
            locks.enter_context(rebuild_lock(connection, projection))
        for projection in projections:
            create_generation(connection, projection)
        # The log up to the head as it was at the start, streamed (each share of the projections in a process of
        # its own: filling.py); then what writers appended meanwhile, a batch at a time, until within a batch of
        # the head: the rest goes into each swap's transaction.
        head = head_position()
        dealt = dealt_shares(connection, projections)
        fill = functools.partial(fill_generations, head=head, per_event=per_event)
        if len(dealt) > 1:
            filling.fill_in_children(dealt, fill, progress)
        else:
            fill(projections, lambda projection, count: report([projection], count, progress))
        position = head  # the events after the last one read were of types none of them applies
        while len(batch := runner.events_after(position, size)) == size:
            position = apply_to_generations(connection, projections, batch, per_event=per_event)
            gc.collect(1)
            report(projections, len(batch), progress)
        return {
            each.name: swap_in(
                connection,
                each,
                position,
                progress=functools.partial(progress, each.name) if progress else None,
                per_event=per_event,
            )
            for each in projections
        }


def dealt_shares(connection: BaseDatabaseWrapper, projections: Sequence[Projection]) -> list[list[Projection]]:
    """The shares filled in parallel (filling.py); one, filled here, inside a transaction (a child would not see
    the generations it made) or with PROJECTION_REBUILD_PROCESSES = 1."""
    if connection.in_atomic_block:
        return [list(projections)]
    return filling.shares(projections, filling.process_count())


def fill_generations(
    share: Sequence[Projection], done: Callable[[Projection, int], None], *, head: int, per_event: bool
) -> None:
    """Fill the share's new generations with the log up to `head`: a projection that copies the log by one COPY
    stream (copy_log), the others from one streamed read of the types they apply, folded into rows held from batch
    to batch (held.py); `done(projection, events)` is called after each batch. The connection is looked up here: in
    a forked child it is the child's own."""
    connection = connections[READ_DB]
    copied, streamed = split_copied(share, per_event=per_event)
    for projection in copied:
        done(projection, copy_log(connection, projection, head))
        index(connection, projection)
    if not streamed:
        return
    size, types = settings.PROJECTION_REBUILD_BATCH_SIZE, wanted_types(streamed)
    metadata = any(each.reads_metadata for each in streamed)

    def apply_again(after: int, up_to: int) -> None:
        for batch in runner.batches(up_to, size, after=after, types=types, metadata=metadata):
            apply_to_generations(connection, streamed, batch, per_event=False)

    held = HeldFill(connection, streamed, redo=apply_again)
    with closing(runner.batches(head, size, types=types, metadata=metadata)) as batches:
        for batch in batches:
            if per_event:
                apply_to_generations(connection, streamed, batch, per_event=True)
                gc.collect(1)
            else:
                held.apply(batch)  # collects after each write, not each batch (held.py)
            for projection in streamed:
                done(projection, len(batch))
    held.write()
    for projection in streamed:
        index(connection, projection)


def index(connection: BaseDatabaseWrapper, projection: Projection) -> None:
    """The new generation's other indexes, once the bulk of the log is in (generations.create_indexes); built by
    the process that filled it, so the shares' index builds run in parallel too, outside the live lock."""
    with transaction.atomic(using=READ_DB):
        create_indexes(connection, projection, schema_of(projection))


def split_copied(share: Sequence[Projection], *, per_event: bool) -> tuple[list[Projection], list[Projection]]:
    """(the projections filled by copying the log, the ones filled through their handlers). The per-event
    baseline applies every projection through its handlers."""
    copied = [each for each in share if each.copies_log and not per_event]
    return copied, [each for each in share if each not in copied]


def copy_log(connection: BaseDatabaseWrapper, projection: Projection, head: int) -> int:
    """The log up to `head` into the new generation of a projection whose one read model is the log's rows,
    column for column (Projection.copies_log), in one transaction with its checkpoint; returns the rows copied."""
    (model,) = projection.read_models
    column_of = {field.name: str(field.column) for field in Event._meta.concrete_fields}
    columns = sql.SQL(", ").join(sql.Identifier(column_of[field.name]) for field in model._meta.concrete_fields)
    query = sql.SQL("SELECT {} FROM {} WHERE position <= {} ORDER BY position").format(
        columns, sql.Identifier(Event._meta.db_table), sql.Literal(head)
    )
    with transaction.atomic(using=READ_DB), writing_to(connection, projection):
        copied = table_io.copy_from(runner.EVENT_DB, model, query)
        save_next_checkpoint(projection, head)
    return copied


def wanted_types(projections: Sequence[Projection]) -> set[str] | None:
    """The event types any of these projections applies; None: every type (one of them applies them all)."""
    if any(each.handles_every_event for each in projections):
        return None
    return set().union(*(each.handled_type_names for each in projections))


def events_to_read(projections: Sequence[Projection]) -> dict[str, int]:
    """How many events of the log a rebuild of these projections reads for each, by name: its progress's total.
    A share filled in a process of its own reads only the types it applies (filling.py)."""
    events = Event.objects.using(runner.EVENT_DB)
    totals = {}
    for share in dealt_shares(connections[READ_DB], projections):
        copied, streamed = split_copied(share, per_event=False)
        totals.update(dict.fromkeys((each.name for each in copied), events.count()))
        if streamed:
            types = wanted_types(streamed)
            count = (events if types is None else events.filter(type__in=sorted(types))).count()
            totals.update(dict.fromkeys((each.name for each in streamed), count))
    return totals


def apply_to_generations(
    connection: BaseDatabaseWrapper, projections: Sequence[Projection], batch: list[LogRow], *, per_event: bool
) -> int:
    """One batch into every new generation, with their checkpoints, in one transaction; returns its last position."""
    with transaction.atomic(using=READ_DB), runner.decoding_once():
        for projection in projections:
            with writing_to(connection, projection):
                runner.apply_to_segments(projection, batch, per_event=per_event)
            save_next_checkpoint(projection, batch[-1].position)
    return batch[-1].position


@contextmanager
def collecting_between_batches() -> Iterator[None]:
    """No automatic garbage collection inside a batch; the young generations are collected after each one.

    Why: a batch is tens of thousands of live objects (decoded events, rows), and the collector, triggered by
    allocations, walked them again and again: a sixth of a rebuild's CPU (py-spy). What a batch leaves is freed by
    reference counting when it ends; the collection after it finds any cycles, so memory stays a batch.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def report(projections: Sequence[Projection], count: int, progress: Callable[[str, int], None] | None) -> None:
    if progress:
        for projection in projections:
            progress(projection.name, count)


@contextmanager
def rebuild_lock(connection: BaseDatabaseWrapper, projection: Projection) -> Iterator[None]:
    key = LOCK_NAMESPACE << 32 | zlib.crc32(projection.name.encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        if not cursor.fetchone()[0]:
            raise RebuildRunning(projection.name)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def swap_in(
    connection: BaseDatabaseWrapper,
    projection: Projection,
    position: int,
    *,
    progress: Callable[[int], None] | None,
    per_event: bool = False,
) -> int:
    """Catch the new generation up to the head under the live lock, then make it the live one in the same commit.

    The head is read once the lock is held: with appends serialized, every position up to it is visible, and
    what commits later is the live runner's to apply, to the new generation, after the swap. So the lock is
    held for at most a batch or so, however fast writers go.
    """
    with transaction.atomic(using=READ_DB):
        checkpoints = [lock_live(name) for name in segments.checkpoint_names(projection.name)]
        head = head_position()
        with writing_to(connection, projection):
            while position < head and (batch := runner.events_after(position, settings.PROJECTION_REBUILD_BATCH_SIZE)):
                batch = [event for event in batch if event.position <= head]
                runner.apply_to_segments(projection, batch, per_event=per_event)
                position = batch[-1].position
                if progress:
                    progress(len(batch))
        schema = connection.ops.quote_name(schema_of(projection))
        with connection.cursor() as cursor:
            for table in tables_of(projection):
                quoted = connection.ops.quote_name(table)
                cursor.execute(f"DROP TABLE {quoted}")
                cursor.execute(f"ALTER TABLE {schema}.{quoted} SET SCHEMA {live_schema(connection)}")
            cursor.execute(f"DROP SCHEMA {schema}")
        for checkpoint in checkpoints:  # every segment takes over at the same position
            took_over(checkpoint, position)
        ParkedEvent.objects.filter(projection__in=segments.checkpoint_names(projection.name)).delete()
        Checkpoint.objects.filter(name=next_name(projection.name)).delete()
    return position


def lock_live(name: str) -> Checkpoint:
    """The live runner holds a checkpoint for a batch at a time; a retry loop waits it out."""
    runner.ensure_checkpoint(name)
    checkpoint = None
    while checkpoint is None:
        checkpoint = runner.lock_checkpoint(name)
    return checkpoint


def took_over(checkpoint: Checkpoint, position: int) -> None:
    last = Event.objects.using(runner.EVENT_DB).filter(position=position).first()
    checkpoint.position = position
    checkpoint.last_event_at = last.occurred_at if last else None
    checkpoint.failures = 0
    checkpoint.failed_position = None
    checkpoint.last_error = ""
    checkpoint.rebuilt_at = timezone.now()
    checkpoint.save()


def live_schema(connection: BaseDatabaseWrapper) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return connection.ops.quote_name(cursor.fetchone()[0])


def rebuild_in_place(projection: Projection, *, progress: Callable[[int], None] | None = None) -> int:
    """SQLite: replay into emptied tables in one transaction; readers see the old rows until it commits."""
    with transaction.atomic(using=READ_DB):
        names = segments.checkpoint_names(projection.name)
        checkpoints = list(Checkpoint.objects.select_for_update().filter(name__in=names))
        ParkedEvent.objects.filter(projection__in=names).delete()
        position = runner.replay(projection, progress=progress)
        for checkpoint in checkpoints:
            took_over(checkpoint, position)
        return position
