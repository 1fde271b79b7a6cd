"""`verify`: are a projection's live read models what a fresh replay of the log gives? Without blocking it.

The live rows and the checkpoints are read in one REPEATABLE READ snapshot, without the checkpoint lock, so
the live runner keeps applying batches (and commands keep becoming visible) while a verify runs. The replay
goes into a scratch schema (generations.copy_tables: empty copies of the read-model tables) that the unqualified
table names resolve to first, each segment up to its own checkpoint as of that snapshot; the scratch schema is
rolled back with the transaction. SQLite (the embedded `make run`) has no schemas: there the replay runs in
place under the lock and is rolled back, as before.
"""

import os

from django.db import connections, transaction

from projections import generations, runner, segments
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
            live = snapshot(projection)
            scratch = f"verify_{projection.name}_{os.getpid()}"
            generations.copy_tables(connection, projection, scratch)
            with generations.writing_to(connection, projection, scratch):
                for part in segments.parts(projection):
                    for batch in runner.batches(positions[part.name]):
                        runner.apply_batch(part, batch)
                replayed = snapshot(projection)
        except runner.EventFailed as failure:
            return [failed(failure)]
        finally:
            transaction.set_rollback(True, using=READ_DB)  # a verification changes nothing, the scratch schema goes
    return describe_differences(live, replayed)


def verify_in_place(projection: Projection, names: list[str]) -> list[str]:
    with transaction.atomic(using=READ_DB):
        positions = [each.position for each in Checkpoint.objects.select_for_update().filter(name__in=names)]
        live = snapshot(projection)
        try:
            runner.replay(projection, up_to=min(positions))
            replayed = snapshot(projection)
        except runner.EventFailed as failure:
            return [failed(failure)]
        finally:
            transaction.set_rollback(True, using=READ_DB)
    return describe_differences(live, replayed)


def failed(failure: runner.EventFailed) -> str:
    """Typically a parked event whose handler still fails: the live rows lack its effect."""
    return f"replay fails at {failure.event}: {failure.error.strip().splitlines()[-1]}"


def snapshot(projection: Projection) -> dict[str, dict[object, dict]]:
    return {
        model._meta.label: {row["pk"]: row for row in model._default_manager.values("pk", *_fields(model))}
        for model in projection.read_models
    }


def _fields(model: type) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]  # type: ignore[attr-defined]


def describe_differences(live: dict, replayed: dict) -> list[str]:
    differences = []
    for label, live_rows in live.items():
        replay_rows = replayed[label]
        for pk in live_rows.keys() - replay_rows.keys():
            differences.append(f"{label} {pk}: live only")
        for pk in replay_rows.keys() - live_rows.keys():
            differences.append(f"{label} {pk}: replay only")
        for pk in live_rows.keys() & replay_rows.keys():
            if live_rows[pk] != replay_rows[pk]:
                changed = sorted(k for k in live_rows[pk] if live_rows[pk][k] != replay_rows[pk].get(k))
                differences.append(f"{label} {pk}: differs in {', '.join(changed)}")
    return differences
