"""Celery tasks: one task per projection, fanned out by the wake-up after commits and by the periodic catch-up.

Each projection is its own task under its own checkpoint lock, so N workers work on N projections at once and
a slow projection holds back only itself. The wake-up sent by a command is one message (`project_events`);
the worker that takes it fans it out, so a command pays for one broker call whatever the number of projections.
"""

import logging
from typing import Any

from celery import shared_task
from django.conf import settings

from commands.models import Event
from projections import blue_green, runner
from projections.progress import RebuildProgress
from projections.registry import PROJECTIONS

logger = logging.getLogger(__name__)


@shared_task(
    name="projections.project",
    bind=True,
    autoretry_for=(runner.EventFailed,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=None,
)
def project(self: Any, name: str, *, retry: bool = True) -> dict[str, int]:
    """Bring one projection up to the head of the log. Safe to deliver twice or run concurrently."""
    try:
        return {name: runner.run_projection(PROJECTIONS[name])}
    except runner.EventFailed as failure:
        if retry:
            raise
        logger.warning("%s stopped at %s; the next catch-up tries again", name, failure.event)
        return {name: 0}


def fan_out(*, retry: bool, expires: float | None = None) -> list[str]:
    """Queue one `project` task per projection; returns their names."""
    for name in PROJECTIONS:
        project.apply_async(args=[name], kwargs={"retry": retry}, expires=expires)
    return list(PROJECTIONS)


@shared_task(name="projections.project_events")
def project_events() -> list[str]:
    """The wake-up after a commit: one `project` task per projection, retried with backoff if one fails."""
    return fan_out(retry=True)


@shared_task(name="projections.catch_up")
def catch_up() -> list[str]:
    """The periodic safety net for a lost wake-up; a failing projection waits for the next round, not a retry."""
    return fan_out(retry=False, expires=settings.PROJECTION_CATCHUP_SECONDS * 3)


@shared_task(name="projections.rebuild")
def rebuild(name: str | None = None) -> dict[str, int]:
    names = [name] if name else list(PROJECTIONS)
    results = {}
    for each in names:
        progress = RebuildProgress(each, total=Event.objects.using(runner.EVENT_DB).count())
        try:
            results[each] = blue_green.rebuild(PROJECTIONS[each], progress=progress.report)
        finally:
            progress.finish()
    return results
