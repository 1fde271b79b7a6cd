"""An event as projections receive it: the typed domain event, and where and when the log recorded it."""

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar
from uuid import UUID

from commands.events import EVENT_TYPES, DomainEvent
from commands.models import Event

if TYPE_CHECKING:
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
