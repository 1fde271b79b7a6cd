"""Parked events: the one entry point for retrying or skipping them (the admin and operators call these).

An aggregate's parked events form a chain in position order: the head failed, the rest are held behind it
(see ParkedEvent). Retry replays the chain in order until one fails again, which becomes the new head;
skip drops the head and retries the rest. Both take the projection's checkpoint lock the way the runner
does, so a retry never races a batch or a rebuild of the same projection.
"""

import dataclasses

from django.db import transaction

from commands.models import Event
from projections import runner, segments
from projections.models import ParkedEvent
from projections.recorded import log_rows


class ProjectionBusy(Exception):
    """Another runner (a batch or a rebuild) kept the projection's lock past the runner's lock wait."""


@dataclasses.dataclass(frozen=True)
class Replayed:
    applied: int  # parked events applied, in order
    stuck_at: int | None = None  # the position that failed again: it and those behind it stay parked
    failure: runner.EventFailed | None = None


def retry(parked_id: int) -> Replayed:
    """Replay the parked event's aggregate chain from its head; EventFailed (after noting it) if the head fails."""
    with transaction.atomic(using=runner.READ_DB):
        parked = _locked(parked_id)
        replayed = _replay(_chain(parked))
    if replayed.failure is not None and not replayed.applied:
        raise replayed.failure
    return replayed


def skip(parked_id: int) -> Replayed:
    """Drop the parked event for good (its effect never reaches the read models); the events it held are retried."""
    with transaction.atomic(using=runner.READ_DB):
        parked = _locked(parked_id)
        rest = [each for each in _chain(parked) if each.pk != parked.pk]
        ParkedEvent.objects.filter(pk=parked.pk).delete()
        if parked.held:
            return Replayed(applied=0)  # the head before it still holds the rest
        return _replay(rest)


def _locked(parked_id: int) -> ParkedEvent:
    parked = ParkedEvent.objects.get(pk=parked_id)
    if runner.lock_checkpoint(parked.projection) is None:
        raise ProjectionBusy(parked.projection)
    return parked


def _chain(parked: ParkedEvent) -> list[ParkedEvent]:
    if parked.aggregate_id is None:
        return [parked]
    chain = ParkedEvent.objects.filter(projection=parked.projection, aggregate_id=parked.aggregate_id)
    return list(chain.order_by("position"))


def _replay(chain: list[ParkedEvent]) -> Replayed:
    """Apply the chain in order, each event in its own savepoint; the first that fails heads what is left."""
    if not chain:
        return Replayed(applied=0)
    projection = segments.consumers()[chain[0].projection]  # a reactor's parked event is retried the same way
    log = Event.objects.using(runner.EVENT_DB).filter(position__in=[each.position for each in chain])
    events = {row.position: row for row in log_rows(log)}
    for applied, parked in enumerate(chain):
        try:
            with transaction.atomic(using=runner.READ_DB):
                runner.apply_batch(projection, [events[parked.position]])
                ParkedEvent.objects.filter(pk=parked.pk).delete()  # through the queryset: `parked` keeps its pk
        except runner.EventFailed as failure:
            ParkedEvent.objects.filter(pk=parked.pk).update(
                held=False, error=failure.error, attempts=parked.attempts + 1
            )
            return Replayed(applied=applied, stuck_at=parked.position, failure=failure)
    return Replayed(applied=len(chain))
