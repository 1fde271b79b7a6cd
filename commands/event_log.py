"""The one append path of the event log."""

import dataclasses
import uuid
from datetime import datetime
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
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
    """
    connection = connections[WRITE_DB]
    if not connection.in_atomic_block:
        raise RuntimeError("events must be appended inside the command's transaction")
    serialize_appends(connection)
    row = Event.objects.using(WRITE_DB).create(
        aggregate_type=event.aggregate_type,
        aggregate_id=aggregate_id,
        aggregate_version=version,
        type=event.type_name(),
        payload=event.payload(),
        occurred_at=context.now,
        metadata=context.metadata(),
    )
    events_recorded.send(sender=Event, events=[row], using=WRITE_DB)
    publish_on_commit(row.position, using=WRITE_DB)
    return row


def serialize_appends(connection: BaseDatabaseWrapper) -> None:
    """Hold the append lock until the caller's transaction ends (SQLite's IMMEDIATE transactions already do)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_APPEND_LOCK_KEY])
