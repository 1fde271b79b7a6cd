"""Celery tasks: one task per projection, fanned out by the wake-up after commits and by the periodic catch-up.

Each projection, or each segment of a split one (segments.py: `orders/0`, `orders/1`), is its own task under
its own checkpoint lock, so N workers work on N of them at once and a slow one holds back only itself.
The wake-up sent by a command is one message (`project_events`); the worker that takes it fans it out, so a
command pays for one broker call whatever the number of projections.
A projection whose task is already queued and not started is not queued again (a flag in the cache, cleared
when the task starts): under a stream of commits the queue holds at most one waiting task per projection.
The wake-up itself is coalesced the same way (projections/receivers.py: its flag is WAKE_UP, cleared when
`project_events` starts), so a stream of commits costs one message per fan-out, not one per command.
The catch-up always queues, and clears the wake-up's flag, so a flag left behind by a lost message costs at
most one catch-up interval.
A task that finds its projection's lock kept (a blue/green swap) queues itself again after BUSY_RETRY_SECONDS
unless one is already waiting: the commits that woke it must not wait for the catch-up.
"""

import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from commands.models import Event
from projections import blue_green, runner, segments
from projections.progress import RebuildProgress
from projections.reactors.delivery import deliver_pending
from projections.registry import PROJECTIONS, REACTORS

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
    """Bring one projection (or reactor) up to the head of the log. Safe to deliver twice or run concurrently."""
    forget_queued(name)  # from here on, a new commit needs a new task: this one may have read the log already
    consumer = segments.consumers().get(name)
    if consumer is None:
        # Queued before PROJECTION_SEGMENTS changed (`orders` vs `orders/0`…): the current units have their own tasks.
        logger.warning("no projection unit named %s any more: its task is dropped", name)
        return {name: 0}
    try:
        done = {name: runner.run_projection(consumer, busy_raises=True, drain=False)}
        if name in REACTORS:
            deliver_pending()  # what a lost delivery wake-up left behind: the catch-up passes here too
        return done
    except runner.Busy:
        if mark_queued(name):
            project.apply_async(args=[name], kwargs={"retry": retry}, countdown=BUSY_RETRY_SECONDS)
        logger.info("%s is locked by another runner; its task is queued again", name)
        return {name: 0}
    except runner.EventFailed as failure:
        if retry:
            raise
        logger.warning("%s stopped at %s; the next catch-up tries again", name, failure.event)
        return {name: 0}


QUEUED_FLAG_SECONDS = 30
BUSY_RETRY_SECONDS = 0.2


# The flag of the wake-up message (`project_events`); no consumer has this name (it is not a projection's).
WAKE_UP = "wake-up"


def queued_key(name: str) -> str:
    return f"projections:queued:{name}"


def mark_queued(name: str) -> bool:
    """True if no task of this projection was waiting (now one is); a cache that fails says True."""
    try:
        return bool(cache.add(queued_key(name), 1, timeout=QUEUED_FLAG_SECONDS))
    except Exception:
        logger.warning("cache unavailable: queueing %s without the duplicate check", name, exc_info=True)
        return True


def forget_queued(name: str) -> None:
    try:
        cache.delete(queued_key(name))
    except Exception:
        logger.warning("cache unavailable: could not clear the queued flag of %s", name, exc_info=True)


def fan_out(*, retry: bool, expires: float | None = None, always: bool = False) -> list[str]:
    """Queue one `project` task per projection (per segment) not already waiting; returns the names queued."""
    queued = []
    for name in segments.consumers():
        if always or mark_queued(name):
            project.apply_async(args=[name], kwargs={"retry": retry}, expires=expires)
            queued.append(name)
    return queued


@shared_task(name="projections.project_events")
def project_events() -> list[str]:
    """The wake-up after commits: one `project` task per projection, retried with backoff if one fails.

    Its flag goes first: a commit from here on sends a new wake-up. One that found the flag set had committed
    before this line, so every task this fan-out queues (or finds waiting, not started) reads its events.
    """
    forget_queued(WAKE_UP)
    return fan_out(retry=True)


@shared_task(name="projections.catch_up")
def catch_up() -> list[str]:
    """The periodic safety net for a lost wake-up; a failing projection waits for the next round, not a retry.

    A lost wake-up message leaves its flag behind, which would keep commits from sending one until it expires:
    the catch-up clears it (at worst one wake-up too many: harmless).
    """
    forget_queued(WAKE_UP)
    return fan_out(retry=False, expires=settings.PROJECTION_CATCHUP_SECONDS * 3, always=True)


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
