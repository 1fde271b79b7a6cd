"""Celery tasks: wake-ups after commits, the periodic catch-up, and rebuilds."""

import logging

from celery import shared_task
from django.core.cache import cache

from commands.models import Event
from projections import runner
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


class RebuildProgress:
    """Counts a running rebuild's applied events in the cache, where the admin's projections page reads it."""

    def __init__(self, name: str, total: int) -> None:
        self.key = progress_key(name)
        self.total = total
        self.applied = 0

    def report(self, applied: int) -> None:
        self.applied += applied
        cache.set(self.key, {"applied": self.applied, "total": self.total}, timeout=24 * 3600)

    def finish(self) -> None:
        cache.delete(self.key)


def progress_key(name: str) -> str:
    return f"projections:rebuild-progress:{name}"


def rebuild_progress(name: str) -> dict[str, int] | None:
    return cache.get(progress_key(name))


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
