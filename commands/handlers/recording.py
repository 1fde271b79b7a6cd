"""What every handler does last: bump the aggregate's version, save it, append its event."""

import dataclasses
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.db import models

from commands.errors import AggregateNotFound, VersionConflict
from commands.event_log import CommandContext, append
from commands.events import DomainEvent
from commands.models import Aggregate


@dataclasses.dataclass(frozen=True)
class CommandResult:
    aggregate_id: uuid.UUID
    version: int
    position: int


AggregateT = TypeVar("AggregateT", bound=Aggregate)


def load_for_update(
    queryset: "models.QuerySet[AggregateT]",
    aggregate_id: uuid.UUID,
    *,
    expected_version: int | None,
    label: str,
) -> AggregateT:
    """Lock the command's target row, or refuse with 404 / 409."""
    aggregate = queryset.select_for_update().filter(pk=aggregate_id).first()
    if aggregate is None:
        raise AggregateNotFound(label)
    check_expected_version(aggregate, expected_version)
    return aggregate


def check_expected_version(aggregate: Aggregate, expected_version: int | None) -> None:
    if expected_version is not None and aggregate.version != expected_version:
        raise VersionConflict(current_version=aggregate.version, expected_version=expected_version)


def record(
    aggregate: Aggregate, event: DomainEvent, context: CommandContext, *, also: Callable[[], object] | None = None
) -> CommandResult:
    """Save the aggregate's next version, then `also` (the command's other writes), then append its event.

    The append goes last because it takes the log's append lock, held until commit (event_log.append):
    every statement after it would hold back every other command's append.
    """
    aggregate.version += 1
    aggregate.updated_at = context.now
    if aggregate.version == 1:
        aggregate.created_at = context.now
    aggregate.save()
    if also is not None:
        also()
    row = append(event, aggregate_id=aggregate.pk, version=aggregate.version, context=context)
    return CommandResult(aggregate_id=aggregate.pk, version=aggregate.version, position=row.position)
