"""The reactors' queue, with the workers Procfile.production runs: the projections' worker never takes a reactor's
task (the commands are read-visible with no reactor worker at all), and the reactors' worker sends each email once.

The projections' worker runs with REACTOR_FAULT=before_send: had it ever taken a delivery, it would have killed
itself (projections.reactors.delivery). Each worker writes its emails to a directory of its own.
"""

from pathlib import Path

import pytest

from config.processes import PROJECTION_WORKER_QUEUES, REACTOR_WORKER_QUEUES
from projections import progress
from projections.models import Checkpoint, OutboxMessage
from projections.routing import PROJECTION_QUEUE, REACTOR_QUEUE
from tests.conftest import WorkerProcess, subprocess_env, wait_until
from tests.e2e.test_reactor_worker import EMAILS, all_sent, assert_one_email_per_event
from tests.projections.broker import purge_wake_ups, queued_wake_ups
from tests.projections.mailbox import by_message_id, history

pytestmark = [pytest.mark.django_db(transaction=True, databases="__all__"), pytest.mark.pipeline]


def worker(mail_dir: Path, queues: tuple[str, ...], **extra: str) -> WorkerProcess:
    env = subprocess_env() | {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    # No beat: the commits' own wake-ups must do it, not a catch-up.
    return WorkerProcess(env | extra, beat=False, queues=queues)


def test_projections_do_not_wait_for_reactors_and_the_reactor_worker_sends_each_email_once(tmp_path: Path) -> None:
    projections_mail, reactors_mail = tmp_path / "projections", tmp_path / "reactors"
    purge_wake_ups()
    projections = worker(projections_mail, PROJECTION_WORKER_QUEUES, REACTOR_FAULT="before_send")
    reactors = None
    try:
        history()
        head = progress.head_position()
        wait_until(lambda: progress.read_position() >= head, timeout=60)  # every projection, no reactor worker
        emails_at = Checkpoint.objects.filter(name="order_emails").values_list("position", flat=True).first()
        assert (emails_at or 0) < head  # no row yet, or one behind: nobody ran the reactor
        assert not OutboxMessage.objects.exists()
        assert queued_wake_ups((REACTOR_QUEUE,)) >= 1  # the emails' task waits on its own queue
        wait_until(lambda: queued_wake_ups((PROJECTION_QUEUE,)) == 0, timeout=30)

        reactors = worker(reactors_mail, REACTOR_WORKER_QUEUES)
        wait_until(all_sent, timeout=60)
        assert OutboxMessage.objects.count() == EMAILS
        assert_one_email_per_event(reactors_mail)
        assert projections.process.poll() is None  # never took a delivery (it would have SIGKILLed itself)
        assert by_message_id(projections_mail) == {}
    finally:
        projections.stop()
        if reactors is not None:
            reactors.stop()
