"""The read models' snapshot as a cache keys it: read position, held check and rebuilt generation, in one prepared
statement (or as the first columns of a hot read's statement), on the database the rows are read from.

Used by the hot read path (hot.py) and the storefront's page cache (queries/response_cache.py). Prepared
(prepared.py): planning it took longer than running it.
"""

from functools import cache
from typing import Any

from django.db import connections, router
from django.db.models import Model

from projections import progress, segments
from queries.api.hot_cache import Snapshot
from queries.api.prepared import prepared_cursor

SNAPSHOT_COLUMNS = 3  # position, held, generation: the first columns of every hot statement (snapshot_sql)


def read_snapshot(model: type[Model], projections: tuple[str, ...]) -> Snapshot:
    """The read position, held check and generation alone, prepared, on the database the rows would be read from."""
    units = segments.expand(projections)
    with prepared_cursor(connections[router.db_for_read(model)]) as cursor:
        cursor.execute(snapshot_only_sql(len(units)), snapshot_params(units))
        return snapshot_of(cursor.fetchone())


def snapshot_of(columns: Any) -> Snapshot:
    position, held, generation = columns[:SNAPSHOT_COLUMNS]
    return Snapshot(int(position or 0), bool(held), generation)


@cache
def snapshot_sql(units: int) -> str:
    """progress.snapshot_sql's position and held check, and progress.generation_sql: the first columns selected."""
    position, held = progress.snapshot_sql(units)
    return f"{position}, {held}, {progress.generation_sql(units)}"


def snapshot_params(units: list[str]) -> list[Any]:
    return [len(units), *units, *units, *units]


@cache
def snapshot_only_sql(units: int) -> str:
    return f"SELECT {snapshot_sql(units)}"
