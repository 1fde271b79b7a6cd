"""Parked events: the one entry point for retrying or skipping them (the admin and operators call these).

Both take the projection's checkpoint lock the way the runner does, so a retry never races a batch or
a rebuild of the same projection.
"""

from django.db import transaction

from commands.models import Event
from projections import runner
from projections.models import ParkedEvent
from projections.registry import PROJECTIONS


class ProjectionBusy(Exception):
    """Another runner (a batch or a rebuild) kept the projection's lock past the runner's lock wait."""


def retry(parked_id: int) -> ParkedEvent:
    """Apply the parked event now; its read-model writes and the parked row's removal commit together.

    If it fails again it stays parked, with the new error and one more attempt counted (EventFailed is raised).
    """
    try:
        with transaction.atomic(using=runner.READ_DB):
            parked = ParkedEvent.objects.get(pk=parked_id)
            if runner.lock_checkpoint(parked.projection) is None:
                raise ProjectionBusy(parked.projection)
            event = Event.objects.using(runner.EVENT_DB).get(position=parked.position)
            runner.apply_batch(PROJECTIONS[parked.projection], [event])
            ParkedEvent.objects.filter(pk=parked.pk).delete()  # through the queryset: `parked` keeps its pk
            return parked
    except runner.EventFailed as failure:
        ParkedEvent.objects.filter(pk=parked_id).update(error=failure.error, attempts=parked.attempts + 1)
        raise


def skip(parked_id: int) -> ParkedEvent:
    """Drop the parked event for good: its effect never reaches the read models (until a rebuild)."""
    with transaction.atomic(using=runner.READ_DB):
        parked = ParkedEvent.objects.get(pk=parked_id)
        if runner.lock_checkpoint(parked.projection) is None:
            raise ProjectionBusy(parked.projection)
        ParkedEvent.objects.filter(pk=parked.pk).delete()
        return parked
