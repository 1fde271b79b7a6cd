"""A projection: declared event types, one method per event type, the read models it owns."""

import re
from typing import ClassVar

from django.db import models

from commands.events import EVENT_TYPES
from commands.models import Event


def handler_name(event_type: str) -> str:
    """OrderPlaced → order_placed."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", event_type).lower()


class Projection:
    name: ClassVar[str]
    handles: ClassVar[tuple[str, ...]]
    read_models: ClassVar[tuple[type[models.Model], ...]]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        for event_type in cls.handles:
            if event_type not in EVENT_TYPES:
                raise TypeError(f"{cls.__name__} handles unknown event type {event_type}")
            if "apply" not in cls.__dict__ and not callable(getattr(cls, handler_name(event_type), None)):
                raise TypeError(f"{cls.__name__} declares {event_type} but has no {handler_name(event_type)}()")

    def apply(self, event: Event) -> None:
        if event.type in self.handles:
            getattr(self, handler_name(event.type))(event)

    def clear(self) -> None:
        """Empty every read model this projection owns (the start of a rebuild)."""
        for model in self.read_models:
            model._base_manager.using("read").all()._raw_delete("read")  # type: ignore[attr-defined]
