"""Wake the projection task when a write transaction that appended events commits."""

import logging
from typing import Any

from django.db import connections, transaction
from django.dispatch import receiver

from commands.signals import events_recorded

logger = logging.getLogger(__name__)


def wake_projections() -> None:
    from projections.tasks import project_events

    try:
        # retry=False: with the broker down the command must not hang; the beat catch-up repairs it.
        project_events.apply_async(retry=False)
    except Exception:
        logger.warning("broker unreachable: projections will catch up on the next periodic run", exc_info=True)


@receiver(events_recorded, dispatch_uid="projections.wake_on_commit")
def schedule_wake_up(sender: Any, using: str, **kwargs: Any) -> None:
    connection = connections[using]
    if any(callback is wake_projections for _, callback, _ in connection.run_on_commit):
        return  # once per transaction is enough
    transaction.on_commit(wake_projections, using=using, robust=True)
