"""The event feed: a copy of the log on the read side, so /api/v1/events/ never reads the write DB."""

from commands.events import EVENT_TYPES
from commands.models import Event
from projections.base import Projection
from queries.models import EventRecord


class EventFeedProjection(Projection):
    name = "event_feed"
    handles = tuple(EVENT_TYPES)
    read_models = (EventRecord,)

    def apply(self, event: Event) -> None:
        """Every event is copied the same way, so one method stands for all of them."""
        EventRecord.objects.create(
            position=event.position,
            type=event.type,
            aggregate_type=event.aggregate_type,
            aggregate_id=event.aggregate_id,
            aggregate_version=event.aggregate_version,
            occurred_at=event.occurred_at,
            payload=event.payload,
            metadata=event.metadata,
        )
