"""Prepared statements on Django's own read connection, for the hot read path (queries/api/hot.py).

Why: planning the hot path's statements took longer than running them (0.37 ms a detail unprepared, 0.08 ms
prepared, measured with psycopg alone). Django turns psycopg's prepared statements off (prepare_threshold=None,
for connection poolers that cannot keep them); a threshold no count reaches turns them back on for cursors
that ask (prepare=True, these cursors only): Django's own client-side-binding cursors never prepare.
"""

import sys
from datetime import datetime
from functools import cached_property
from typing import Any, cast

import psycopg
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg import pq
from psycopg.abc import Buffer
from psycopg.types.datetime import TimestamptzLoader

TIMESTAMPTZ_OID = 1184
ONLY_WHEN_ASKED = sys.maxsize  # a prepare_threshold no statement count reaches


class UtcTimestampLoader(TimestamptzLoader):
    """PostgreSQL's text for a timestamptz in a UTC session ("2026-12-02 04:05:49.63+00"), read by the C parser.

    psycopg's loader parses it in Python: a twentieth of a catalog page (py-spy, 40 timestamps). Anything
    else (another session time zone, BC dates, infinity) goes to the connection's own loader (Django's).
    """

    def load(self, data: Buffer) -> datetime:
        text = bytes(data).decode()
        if text.endswith("+00") and len(text) >= 22 and text[4] == "-":
            try:
                return datetime.fromisoformat(text)
            except ValueError:
                pass
        return cast(datetime, self.fallback.load(data))

    @cached_property
    def fallback(self) -> Any:
        own = self.connection.adapters.get_loader(TIMESTAMPTZ_OID, pq.Format.TEXT) if self.connection else None
        return (own or TimestamptzLoader)(TIMESTAMPTZ_OID, self.connection)


class PreparingCursor(psycopg.Cursor):
    """Server-side binding, each statement prepared on first use and executed by name afterwards."""

    def __init__(self, connection: psycopg.Connection) -> None:
        super().__init__(connection)
        self.adapters.register_loader(TIMESTAMPTZ_OID, UtcTimestampLoader)

    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, **options: Any) -> Any:
        return super().execute(query, params, prepare=True, **options)


class LoggedPreparingCursor(PreparingCursor):
    """For Django's query log (DEBUG, CaptureQueriesContext): psycopg keeps no text of a statement run by name."""

    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, **options: Any) -> Any:
        super().execute(query, params, **options)
        self._query = self._convert_query(query, params)
        return self


def prepared_cursor(connection: BaseDatabaseWrapper) -> Any:
    """A cursor whose statements PostgreSQL plans once per connection, wrapped as Django wraps its own."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = connection.connection
        if raw.prepare_threshold is None:
            raw.prepare_threshold = ONLY_WHEN_ASKED
        connection.validate_thread_sharing()
        if connection.queries_logged:
            return connection.make_debug_cursor(cast(Any, LoggedPreparingCursor(raw)))
        return connection.make_cursor(cast(Any, PreparingCursor(raw)))
