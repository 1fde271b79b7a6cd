"""The event feed: a copy of the log on the read side, so /api/v1/events/ never reads the write DB."""

from commands.events import DomainEvent
from projections.base import Projection
from projections.recorded import LOG_FIELDS, Recorded
from projections.rows import rows
from queries.models import EventRecord


class EventFeedProjection(Projection):
    name = "event_feed"
    read_models = (EventRecord,)
    handles_every_event = True
    copies_log = True  # its rows are the log's (LOG_FIELDS), as stored: a rebuild copies them over
    reads_metadata = True
    rebuild_cost = 9  # that copy (filling.py; base.Projection.rebuild_cost)

    def apply(self, recorded: Recorded[DomainEvent]) -> None:
        """Every event is copied the same way, as stored, so one method stands for all of them."""
        # The feed's columns are the log row's fields (recorded.LOG_FIELDS), copied as stored.
        rows().create(EventRecord(**{name: getattr(recorded, name) for name in LOG_FIELDS}))
