"""An event as projections receive it: the typed domain event, and where and when the log recorded it."""

import dataclasses
import itertools
from collections.abc import Collection, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar
from uuid import UUID

from psycopg.types.datetime import TimestamptzLoader
from psycopg.types.json import set_json_loads

from commands.events import EVENT_TYPES, DomainEvent
from commands.models import Event
from projections import fast_json

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models import QuerySet

EventT = TypeVar("EventT", bound=DomainEvent, covariant=True)


@dataclasses.dataclass(frozen=True, slots=True)
class Recorded(Generic[EventT]):
    """`event` is built from the row by its own class (`DomainEvent.from_payload`): no handler parses JSON."""

    event: EventT
    position: int
    aggregate_type: str
    aggregate_id: UUID
    aggregate_version: int
    occurred_at: datetime
    payload: dict[str, Any]  # as stored: the event feed copies it verbatim
    metadata: dict[str, Any]

    @property
    def type(self) -> str:
        return type(self.event).type_name()

    @property
    def stamps(self) -> dict[str, Any]:
        """What this event sets on the read document it changes: when it last changed, and its version."""
        return {"updated_at": self.occurred_at, "version": self.aggregate_version}

    @property
    def birth_stamps(self) -> dict[str, Any]:
        """The stamps of a read document this event creates: `stamps`, and it was created now."""
        return {"created_at": self.occurred_at, **self.stamps}

    def __str__(self) -> str:
        return f"#{self.position} {self.type} {self.aggregate_type}:{self.aggregate_id} v{self.aggregate_version}"


class LogRow(NamedTuple):
    """An event of the log as the runner reads it: plain values from `values_list`, not a model instance (building
    a million `Event` instances was a fifth of a rebuild). It reads like an `Event` where the runner uses one."""

    position: int
    aggregate_type: str
    aggregate_id: UUID
    aggregate_version: int
    type: str
    payload: dict[str, Any]
    occurred_at: datetime
    metadata: dict[str, Any]

    def __str__(self) -> str:
        return f"#{self.position} {self.type} {self.aggregate_type}:{self.aggregate_id} v{self.aggregate_version}"


LOG_FIELDS = LogRow._fields


def log_rows(queryset: "QuerySet[Event]") -> list[LogRow]:
    return [LogRow._make(values) for values in queryset.values_list(*LOG_FIELDS)]


def log_stream(
    connection: "BaseDatabaseWrapper",
    up_to: int | None,
    size: int,
    *,
    after: int = 0,
    types: Collection[str] | None = None,
    metadata: bool = True,
) -> Iterator[list[LogRow]]:
    """PostgreSQL: the log's rows as LogRows through a psycopg server-side cursor of its own, in batches of `size`.

    Why not the queryset: Django decodes each row in Python (its timestamptz loader subclasses psycopg's and so
    loses the C one; its JSONField parses the text it has psycopg hand over), which was a third of a rebuild's
    time. Here psycopg's own loaders decode timestamps (in C) and jsonb, the JSON through orjson (fast_json); the
    values are the same (an aware UTC datetime, the same dicts). WITH HOLD outside a transaction, as Django's
    `iterator()`. `metadata=False` leaves the metadata column unread (each row gets an empty dict of its own): for
    a rebuild of projections none of which reads it (Projection.reads_metadata), where sending and parsing it was a
    quarter of reading the log.
    """
    conditions = ["position > %s"]
    parameters: list[Any] = [after]
    if up_to is not None:
        conditions.append("position <= %s")
        parameters.append(up_to)
    if types is not None:
        conditions.append("type = ANY(%s)")
        parameters.append(sorted(types))
    table = connection.ops.quote_name(Event._meta.db_table)
    column_of = {field.name: str(field.column) for field in Event._meta.concrete_fields}
    read = LOG_FIELDS if metadata else LOG_FIELDS[:-1]  # metadata is the last field
    columns = ", ".join(connection.ops.quote_name(column_of[name]) for name in read)
    query = f"SELECT {columns} FROM {table} WHERE {' AND '.join(conditions)} ORDER BY position"
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = connection.connection.cursor(
            name=f"log_stream_{next(_cursor_numbers)}", withhold=connection.get_autocommit()
        )
    cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
    set_json_loads(fast_json.loads, cursor)
    cursor.itersize = size
    try:
        with connection.wrap_database_errors:
            cursor.execute(query, parameters)
            while rows := cursor.fetchmany(size):
                if metadata:
                    yield [LogRow._make(values) for values in rows]
                else:
                    yield [LogRow._make((*values, {})) for values in rows]
    finally:
        with connection.wrap_database_errors:
            cursor.close()


_cursor_numbers = itertools.count()


def recorded(row: Event | LogRow) -> Recorded[DomainEvent]:
    return Recorded(
        event=EVENT_TYPES[row.type].from_payload(row.payload),
        position=row.position,
        aggregate_type=row.aggregate_type,
        aggregate_id=row.aggregate_id,
        aggregate_version=row.aggregate_version,
        occurred_at=row.occurred_at,
        payload=row.payload,
        metadata=row.metadata,
    )
