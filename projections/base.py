"""A projection: a class whose methods, one per event it handles, each declared with `@handles(EventClass)`."""

import zlib
from collections.abc import Callable
from typing import ClassVar, TypeVar
from uuid import UUID

from django.db import models

from commands.events import DomainEvent
from projections.recorded import Recorded

EventT = TypeVar("EventT", bound=DomainEvent)
ProjectionT = TypeVar("ProjectionT", bound="Projection")
HANDLES_ATTRIBUTE = "_handles_event"
Handler = Callable[[ProjectionT, Recorded[EventT]], None]


def handles(event_type: type[EventT]) -> Callable[[Handler[ProjectionT, EventT]], Handler[ProjectionT, EventT]]:
    """Declare the method as this projection's handler of `event_type` (mypy checks the method takes that event)."""

    def declare(method: Handler[ProjectionT, EventT]) -> Handler[ProjectionT, EventT]:
        setattr(method, HANDLES_ATTRIBUTE, event_type)
        return method

    return declare


class Projection:
    name: ClassVar[str]
    read_models: ClassVar[tuple[type[models.Model], ...]]
    # Event class → the name of its handler method; looked up when called, so a test may patch the method.
    handlers: ClassVar[dict[type[DomainEvent], str]] = {}
    handled_type_names: ClassVar[frozenset[str]] = frozenset()
    handles_every_event: ClassVar[bool] = False
    # Segments (see projections/segments.py): this instance applies the aggregates of segment `segment` of
    # `segments`, plus every event of a `broadcast_types` type (another aggregate's data it keeps a copy of).
    broadcast_types: ClassVar[frozenset[str]] = frozenset()
    segment: int = 0
    segments: int = 1
    # What a rebuild of it costs, relative to the others: a parallel rebuild deals the projections into shares of
    # about equal cost (filling.py). The seconds each took at a million events in `make bench --part replay`, in
    # 2 processes: the catalog and the customers shared one read of the log (24 s together, split by their times
    # alone), which costs less than two.
    rebuild_cost: ClassVar[int] = 10
    # Its one read model is the log's rows, column for column: a rebuild copies the log over in one COPY stream
    # (blue_green.copy_log) instead of applying event after event; the handlers still apply live events.
    copies_log: ClassVar[bool] = False
    # Its handlers read `recorded.metadata` (who sent the command): a rebuild of projections that do not reads the
    # log without it (recorded.log_stream). The architecture test checks it is declared where it is used.
    reads_metadata: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        declared: dict[type[DomainEvent], str] = {}
        for klass in reversed(cls.__mro__):
            for attribute, value in vars(klass).items():
                event_type = getattr(value, HANDLES_ATTRIBUTE, None)
                if event_type is not None:
                    if declared.get(event_type, attribute) != attribute:
                        raise TypeError(f"{cls.__name__} handles {event_type.__name__} twice")
                    declared[event_type] = attribute
        cls.handlers = declared
        cls.handled_type_names = frozenset(event_type.type_name() for event_type in declared)

    def wants(self, event_type: str) -> bool:
        """Whether an event of this type changes this projection (the runner decodes only those)."""
        return self.handles_every_event or event_type in self.handled_type_names

    def covers(self, aggregate_id: UUID | None, event_type: str) -> bool:
        """Whether this segment applies the event: its own aggregate's, or one every segment applies."""
        if self.segments == 1 or event_type in self.broadcast_types:
            return True
        return segment_of(aggregate_id, self.segments) == self.segment

    def in_segment(self, aggregate_id: UUID) -> bool:
        return self.segments == 1 or segment_of(aggregate_id, self.segments) == self.segment

    def apply(self, recorded: Recorded[DomainEvent]) -> None:
        method = self.handlers.get(type(recorded.event))
        if method is not None:
            getattr(self, method)(recorded)

    def clear(self) -> None:
        """Empty every read model this projection owns (the start of a rebuild)."""
        for model in self.read_models:
            model._base_manager.using("read").all()._raw_delete("read")  # type: ignore[attr-defined]


def segment_of(aggregate_id: UUID | None, count: int) -> int:
    """The segment of an aggregate: a hash stable across processes (unlike `hash()`), so never reassigned."""
    if aggregate_id is None or count == 1:
        return 0
    return zlib.crc32(aggregate_id.bytes) % count
