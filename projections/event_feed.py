"""The event feed: a copy of the log on the read side, so /api/v1/events/ never reads the write DB."""

from commands.events import DomainEvent
from projections.base import Projection
from projections.recorded import Recorded
from projections.rows import rows
from queries.models import EventRecord


class EventFeedProjection(Projection):
    name = "event_feed"
    read_models = (EventRecord,)
    handles_every_event = True

    def apply(self, recorded: Recorded[DomainEvent]) -> None:
        """Every event is copied the same way, as stored, so one method stands for all of them."""
        rows().create(
            EventRecord(
                position=recorded.position,
                type=recorded.type,
                aggregate_type=recorded.aggregate_type,
                aggregate_id=recorded.aggregate_id,
                aggregate_version=recorded.aggregate_version,
                occurred_at=recorded.occurred_at,
                payload=recorded.payload,
                metadata=recorded.metadata,
            )
        )
