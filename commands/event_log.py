"""The one append path of the event log."""

import dataclasses
import functools
import uuid
from datetime import datetime
from typing import Any, cast

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field
from django.utils import timezone

from commands.events import DomainEvent
from commands.log_head import publish_on_commit
from commands.models import Event
from commands.signals import events_recorded
from config.correlation import current_correlation_id

WRITE_DB = "default"
# Any constant works; it names the lock that serializes appends until commit.
_APPEND_LOCK_KEY = 0x0C0D5E7


@dataclasses.dataclass(frozen=True, kw_only=True)
class CommandContext:
    """Who sent a command and how: copied into every event's metadata."""

    command: str
    actor: str = "system"
    command_id: uuid.UUID = dataclasses.field(default_factory=uuid.uuid4)
    # The request's X-Correlation-ID (validated) wherever the command was sent from: API, admin, storefront.
    correlation_id: str = dataclasses.field(default_factory=current_correlation_id)
    idempotency_key: str = ""
    now: datetime = dataclasses.field(default_factory=timezone.now)

    def metadata(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "command_id": str(self.command_id),
            "actor": self.actor,
            "correlation_id": self.correlation_id or str(self.command_id),
            "idempotency_key": self.idempotency_key,
        }

    @classmethod
    def for_user(cls, user: Any, *, command: str, idempotency_key: str = "") -> "CommandContext":
        """The context of a command a person sends, from any screen: the actor is their login.

        The correlation id is the request's (config/correlation.py), as for every context.
        """
        return cls(command=command, actor=actor_of(user), idempotency_key=idempotency_key)


def actor_of(user: Any) -> str:
    """The one spelling of who sent a command, in every event's metadata: `user:<pk>` or `anonymous`."""
    return f"user:{user.pk}" if user is not None and user.is_authenticated else "anonymous"


def append(event: DomainEvent, *, aggregate_id: uuid.UUID, version: int, context: CommandContext) -> Event:
    """Append one event to the log inside the caller's write transaction and announce it.

    Positions come from a sequence, and a sequence value can commit after a higher one. A reader
    that remembers "everything up to N" would then skip the late one for good. Taking a
    transaction-scoped advisory lock before drawing the value makes appends, and so the visibility
    of positions, happen in commit order: a higher position is never visible before a lower one.
    The lock is held until commit, so it is taken as late as it can be: by the event's own INSERT,
    which a handler makes its last statement (handlers/recording.py).
    """
    connection = connections[WRITE_DB]
    if not connection.in_atomic_block:
        raise RuntimeError("events must be appended inside the command's transaction")
    row = insert_event(connection, event_row(event, aggregate_id, version, context.now, context.metadata()))
    events_recorded.send(sender=Event, events=[row], using=WRITE_DB)
    publish_on_commit(row.position, using=WRITE_DB)
    return row


def event_row(
    event: DomainEvent, aggregate_id: uuid.UUID, version: int, occurred_at: datetime, metadata: dict[str, Any]
) -> Event:
    """The log row of an event, not saved yet (its position is drawn when it is inserted)."""
    return Event(
        aggregate_type=event.aggregate_type,
        aggregate_id=aggregate_id,
        aggregate_version=version,
        type=event.type_name(),
        payload=event.payload(),
        occurred_at=occurred_at,
        metadata=metadata,
    )


def insert_event(connection: BaseDatabaseWrapper, row: Event) -> Event:
    """INSERT the row under the append lock; on PostgreSQL one statement takes the lock, then draws the position.

    The lock is a MATERIALIZED CTE the INSERT selects from: the row to insert (and so its position's nextval) is
    only formed once the lock's row exists. One round trip fewer, and that one inside the lock: every command's
    append waits for it. SQLite's IMMEDIATE transactions serialize writers already.
    """
    if connection.vendor != "postgresql":
        row.save(using=WRITE_DB, force_insert=True)
        return row
    fields = inserted_fields()
    values = [field.get_db_prep_save(field.pre_save(row, add=True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(locked_insert_sql(), [_APPEND_LOCK_KEY, *values])
        row.position = cursor.fetchone()[0]
    row._state.adding = False
    row._state.db = WRITE_DB
    return row


def inserted_fields() -> list[Field]:
    return [field for field in Event._meta.concrete_fields if not field.primary_key]


@functools.cache
def locked_insert_sql() -> str:
    """Built once from the model (PostgreSQL quotes alike on every connection)."""
    quote = connections[WRITE_DB].ops.quote_name
    columns = ", ".join(quote(cast(str, field.column)) for field in inserted_fields())
    return (
        "WITH append_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock(%s)) "
        f"INSERT INTO {quote(Event._meta.db_table)} ({columns}) "
        f"SELECT {', '.join(['%s'] * len(inserted_fields()))} FROM append_lock "
        f"RETURNING {quote(cast(str, Event._meta.get_field('position').column))}"
    )
