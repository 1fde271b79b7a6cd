"""Celery tasks: wake-ups after commits, the periodic catch-up, and rebuilds."""

import logging

from celery import shared_task

from commands.models import Event
from projections import runner
from projections.progress import RebuildProgress
from projections.registry import PROJECTIONS

logger = logging.getLogger(__name__)


@shared_task(
    name="projections.project_events",
    bind=True,
    autoretry_for=(runner.EventFailed,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=None,
)
def project_events(self: object) -> dict[str, int]:
    """Bring every projection up to the head of the log. Safe to deliver twice or run concurrently."""
    return runner.run_all()


@shared_task(name="projections.catch_up")
def catch_up() -> dict[str, int]:
    """The periodic safety net: projects whatever a lost wake-up message left behind."""
    try:
        return runner.run_all()
    except runner.EventFailed as failure:
        logger.warning("catch-up stopped at %s; it will try again next round", failure.event)
        return {}


@shared_task(name="projections.rebuild")
def rebuild(name: str | None = None) -> dict[str, int]:
    names = [name] if name else list(PROJECTIONS)
    results = {}
    for each in names:
        progress = RebuildProgress(each, total=Event.objects.using(runner.EVENT_DB).count())
        try:
            results[each] = runner.rebuild(PROJECTIONS[each], progress=progress.report)
        finally:
            progress.finish()
    return results
