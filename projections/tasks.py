"""Celery tasks: one task per projection, queued by the commits that append events and by the periodic catch-up.

Each projection, or each segment of a split one (segments.py: `orders/0`, `orders/1`), is its own task under
its own checkpoint lock, so N workers work on N of them at once and a slow one holds back only itself. The
reactors' tasks go to a queue of their own (routing.py).
A projection whose task is already queued and not started is not queued again (a flag in the cache, cleared
when the task starts): under a stream of commits the queue holds at most one waiting task per projection, and a
commit that finds every flag set costs one Redis round trip (projections/receivers.py).
Why the commit queues the tasks itself, not one wake-up message that a worker fans out: that message waited in
the queue behind the previous fan-out's tasks, and the tasks it queued behind the others again; two queue waits
before a projection started. Now a projection's task is queued as soon as its previous one has started.
The catch-up always queues, so a flag left behind by a lost message costs at most one catch-up interval.
A task that finds its projection's lock kept (a blue/green swap) queues itself again after BUSY_RETRY_SECONDS
unless one is already waiting: the commits that woke it must not wait for the catch-up.
"""

import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

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


def fan_out(
    *, retry: bool, expires: float | None = None, always: bool = False, publish_retry: bool = True
) -> list[str]:
    """Queue one `project` task per projection (per segment) and reactor not already waiting; returns the names
    queued. `publish_retry=False` (a command's commit): a broker that fails raises at once, and the flag of the
    task it did not take is cleared again, so that the next commit tries that one anew."""
    names = list(segments.consumers())
    waiting = set() if always else already_queued(names)
    queued = []
    for name in names:
        if name in waiting or not (always or mark_queued(name)):
            continue
        try:
            project.apply_async(args=[name], kwargs={"retry": retry}, expires=expires, retry=publish_retry)
        except Exception:
            forget_queued(name)
            raise
        queued.append(name)
    return queued


def already_queued(names: list[str]) -> set[str]:
    """The names whose task waits, in one round trip (a stream of commits mostly finds them all waiting)."""
    try:
        found = cache.get_many([queued_key(name) for name in names])
    except Exception:
        return set()  # mark_queued decides, one name at a time
    return {name for name in names if queued_key(name) in found}


def wake_up() -> list[str]:
    """After a commit: queue the task of every consumer that has none waiting (it will read this commit's events:
    a task clears its flag before it reads the log, so a waiting one has not read yet)."""
    return fan_out(retry=True, publish_retry=False)


@shared_task(name="projections.project_events")
def project_events() -> list[str]:
    """A fan-out run by a worker: one `project` task per projection not already waiting, retried with backoff if
    one fails. Commits queue their tasks themselves (wake_up); this message is what older versions sent."""
    return fan_out(retry=True)


@shared_task(name="projections.catch_up")
def catch_up() -> list[str]:
    """The periodic safety net for a lost task message; a failing projection waits for the next round, not a retry.

    It queues whether or not a flag says a task waits: a lost message leaves its flag behind until it expires.
    """
    return fan_out(retry=False, expires=settings.PROJECTION_CATCHUP_SECONDS * 3, always=True)


@shared_task(name="projections.rebuild")
def rebuild(name: str | None = None) -> dict[str, int]:
    """One projection, or all of them from one read of the log (blue_green.rebuild_all)."""
    names = [name] if name else list(PROJECTIONS)
    rebuilt = [PROJECTIONS[each] for each in names]
    total = blue_green.events_to_read(rebuilt)
    progress = {each: RebuildProgress(each, total=total[each]) for each in names}
    try:
        return blue_green.rebuild_all(rebuilt, progress=lambda each, count: progress[each].report(count))
    finally:
        for each in progress.values():
            each.finish()
