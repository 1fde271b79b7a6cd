"""Queue the projections' tasks when a write transaction that appended events commits.

The messages are only wake-ups: the event log is the truth and the periodic catch-up projects whatever a lost
message left behind. So sending them must never fail or stall a command. After one failed send the wake-ups
pause for BROKER_PAUSE_SECONDS: while the broker is down only the first command pays the connection timeout,
the rest return at once.

The commit queues one `project` task per projection (and reactor) that has none waiting (tasks.wake_up): a flag
per projection, set with the cache's atomic add and cleared when its task *starts*, before it reads the log.
So a commit that finds a projection's flag set sends nothing for it: the waiting task has not read yet and will
read this commit's events. A commit that lands while a projection's task runs finds the flag cleared and queues
the next one, which reads it; a task stops once it has read up to the head it found (runner.run_projection), so
no task chases the stream. A stream of commits mostly finds every flag set: one Redis round trip (a get_many),
no broker message. A failed send clears its flag again; a lost message leaves it set until the next catch-up
queues that projection anyway or the flag expires.
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
    from projections.tasks import wake_up

    if broker_pause.active():
        WAKE_UPS.labels(outcome="skipped").inc()
        return
    try:
        queued = wake_up()
    except Exception:
        WAKE_UPS.labels(outcome="failed").inc()
        broker_pause.start()
        logger.warning("broker unreachable: projections will catch up on the next periodic run", exc_info=True)
        return
    # pending: every projection had a task waiting, which will read this commit's events.
    WAKE_UPS.labels(outcome="sent" if queued else "pending").inc()


@receiver(events_recorded, dispatch_uid="projections.wake_on_commit")
def schedule_wake_up(sender: Any, using: str, **kwargs: Any) -> None:
    connection = connections[using]
    # Entries are (savepoint ids, callback, robust); a savepoint rollback drops the ones registered inside it.
    if any(entry[1] is wake_projections for entry in connection.run_on_commit):
        return  # once per transaction is enough
    transaction.on_commit(wake_projections, using=using, robust=True)
