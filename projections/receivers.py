"""Wake the projection task when a write transaction that appended events commits.

The message is only a wake-up: the event log is the truth and the periodic catch-up projects whatever a
lost message left behind. So sending it must never fail or stall a command. After one failed send the
wake-ups pause for BROKER_PAUSE_SECONDS: while the broker is down only the first command pays the
connection timeout, the rest return at once.

At most one wake-up waits in the queue (tasks.WAKE_UP, a flag set with the cache's atomic add): a commit that
finds it set sends nothing, which costs it one Redis round trip instead of a broker message. No event is left
behind by that: the flag is cleared when the waiting wake-up *starts*, before it fans out, so this commit (which
committed before it looked at the flag) is in the log every task of that fan-out reads. A commit that lands
while a fan-out runs finds the flag cleared and sends the next wake-up: it is projected by the next round, not
by the periodic catch-up. A failed send clears the flag again; a lost message leaves it set until the next
catch-up clears it (tasks.catch_up) or it expires.
"""

import logging
import threading
import time
from typing import Any

from django.db import connections, transaction
from django.dispatch import receiver

from commands.signals import events_recorded
from config.metrics import WAKE_UPS

logger = logging.getLogger(__name__)
BROKER_PAUSE_SECONDS = 10.0


class BrokerPause:
    """Remembers a failed send so the next ones within the pause skip the broker."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until = 0.0

    def active(self) -> bool:
        return time.monotonic() < self._until

    def start(self) -> None:
        with self._lock:
            self._until = time.monotonic() + BROKER_PAUSE_SECONDS

    def end(self) -> None:
        with self._lock:
            self._until = 0.0


broker_pause = BrokerPause()


def wake_projections() -> None:
    from projections.tasks import WAKE_UP, forget_queued, mark_queued, project_events

    if broker_pause.active():
        WAKE_UPS.labels(outcome="skipped").inc()
        return
    if not mark_queued(WAKE_UP):
        WAKE_UPS.labels(outcome="pending").inc()  # the waiting wake-up will read this commit's events
        return
    try:
        # retry=False: with the broker down the command must not wait for it.
        project_events.apply_async(retry=False)
    except Exception:
        WAKE_UPS.labels(outcome="failed").inc()
        forget_queued(WAKE_UP)  # no message waits: after the pause, the next commit must send one
        broker_pause.start()
        logger.warning("broker unreachable: projections will catch up on the next periodic run", exc_info=True)
    else:
        WAKE_UPS.labels(outcome="sent").inc()


@receiver(events_recorded, dispatch_uid="projections.wake_on_commit")
def schedule_wake_up(sender: Any, using: str, **kwargs: Any) -> None:
    connection = connections[using]
    # Entries are (savepoint ids, callback, robust); a savepoint rollback drops the ones registered inside it.
    if any(entry[1] is wake_projections for entry in connection.run_on_commit):
        return  # once per transaction is enough
    transaction.on_commit(wake_projections, using=using, robust=True)
