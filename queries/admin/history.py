"""An aggregate's event timeline, read from the event feed in the read database."""

import dataclasses
import json
import uuid
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model

from config.integer_input import non_negative_int
from queries.models import EventRecord

TIMELINE_LIMIT = 100


@dataclasses.dataclass(frozen=True)
class TimelineEntry:
    position: int
    version: int
    type: str
    occurred_at: datetime
    actor: str
    command: str
    payload: dict[str, Any]

    @property
    def details(self) -> str:
        """The payload as staff read it: key=value with JSON values (not Python reprs)."""
        return ", ".join(f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in self.payload.items())


def user_names(actors: set[str]) -> dict[str, str]:
    """ "user:7" → "user:7 (alice)": staff want to know who, not which number."""
    ids = {actor.split(":", 1)[1] for actor in actors if actor.startswith("user:")}
    numeric = [pk for pk in map(non_negative_int, ids) if pk is not None]
    names = get_user_model().objects.filter(pk__in=numeric).values_list("pk", "username")
    return {f"user:{pk}": f"{username} (user:{pk})" for pk, username in names}


def aggregate_timeline(aggregate_id: uuid.UUID | str) -> list[TimelineEntry]:
    """The latest events of one aggregate, newest first."""
    records = list(EventRecord.objects.filter(aggregate_id=aggregate_id).order_by("-position")[:TIMELINE_LIMIT])
    names = user_names({record.metadata.get("actor", "") for record in records})
    return [
        TimelineEntry(
            position=record.position,
            version=record.aggregate_version,
            type=record.type,
            occurred_at=record.occurred_at,
            actor=names.get(record.metadata.get("actor", ""), record.metadata.get("actor", "")),
            command=record.metadata.get("command", ""),
            payload=record.payload,
        )
        for record in records
    ]
