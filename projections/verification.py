"""`verify`: are a projection's live read models what a fresh replay of the log gives? Without blocking it.

The live rows and the checkpoints are read in one REPEATABLE READ snapshot, without the checkpoint lock, so
the live runner keeps applying batches (and commands keep becoming visible) while a verify runs. The replay
goes into a scratch schema (blue_green.copy_tables: empty copies of the read-model tables) that the unqualified
table names resolve to first, each segment up to its own checkpoint as of that snapshot; the scratch schema is
rolled back with the transaction. SQLite (the embedded `make run`) has no schemas: there the replay runs in
place under the lock and is rolled back, as before.
"""

import os

from django.db import connections, transaction

from projections import blue_green, runner, segments
from projections.base import Projection
from projections.models import Checkpoint

READ_DB = runner.READ_DB


def verify(projection: Projection) -> list[str]:
    """Differences between the live read models and a fresh replay up to the same position (per segment)."""
    names = segments.checkpoint_names(projection.name)
    for name in names:
        runner.ensure_checkpoint(name)
    connection = connections[READ_DB]
    if connection.vendor != "postgresql":
        return verify_in_place(projection, names)
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=READ_DB):
        if outermost:  # a test's transaction is already one snapshot; a real run must ask for one
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        try:
            positions = dict(Checkpoint.objects.filter(name__in=names).values_list("name", "position"))
            live = runner.snapshot(projection)
            scratch = f"verify_{projection.name}_{os.getpid()}"
            blue_green.copy_tables(connection, projection, scratch)
            with blue_green.writing_to(connection, projection, scratch):
                for part in segments.parts(projection):
                    for batch in runner.batches(positions[part.name]):
                        runner.apply_batch(part, batch)
                replayed = runner.snapshot(projection)
        except runner.EventFailed as failure:
            return [failed(failure)]
        finally:
            transaction.set_rollback(True, using=READ_DB)  # a verification changes nothing, the scratch schema goes
    return runner.describe_differences(live, replayed)


def verify_in_place(projection: Projection, names: list[str]) -> list[str]:
    with transaction.atomic(using=READ_DB):
        positions = [each.position for each in Checkpoint.objects.select_for_update().filter(name__in=names)]
        live = runner.snapshot(projection)
        try:
            runner.replay(projection, up_to=min(positions))
            replayed = runner.snapshot(projection)
        except runner.EventFailed as failure:
            return [failed(failure)]
        finally:
            transaction.set_rollback(True, using=READ_DB)
    return runner.describe_differences(live, replayed)


def failed(failure: runner.EventFailed) -> str:
    """Typically a parked event whose handler still fails: the live rows lack its effect."""
    return f"replay fails at {failure.event}: {failure.error.strip().splitlines()[-1]}"
