"""A changelist paginator that does not COUNT(*) a million-row table on every page load."""

import json
from functools import cached_property

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet

# Below this many rows (by the planner's estimate) an exact count is cheap enough to take.
EXACT_COUNT_BELOW = 20_000


def planner_estimate(queryset: QuerySet) -> int | None:
    """PostgreSQL's own idea of how many rows the query returns; None on other databases."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        if not queryset.query.where:
            # Unfiltered: the table's row estimate, kept up to date by (auto)vacuum and analyze.
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table]
            )
            row = cursor.fetchone()
            # -1 means "never analyzed yet" (PostgreSQL 14+): no estimate to trust.
            return int(row[0]) if row and row[0] >= 0 else None
        sql, params = queryset.order_by().query.sql_with_params()
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """Exact counts for small results (and on SQLite); the planner's estimate for big ones.

    An estimate can be a little off, so the last page of a huge list may come up short or empty; the
    pagination template then says "about N".
    """

    is_estimated = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet):
            estimate = planner_estimate(queryset)
            if estimate is not None and estimate >= EXACT_COUNT_BELOW:
                self.is_estimated = True
                return estimate
        return super().count
