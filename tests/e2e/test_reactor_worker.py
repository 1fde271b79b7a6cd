"""The order emails through a real worker process, also when it is SIGKILLed between the two steps.

The worker writes with Django's file-based backend (one file per message, readable from this process); the
fault is injected with REACTOR_FAULT in the worker's environment (projections.reactors.delivery).
"""

from pathlib import Path

import pytest

from projections.models import OutboxMessage
from tests.conftest import WorkerProcess, subprocess_env, wait_until
from tests.projections.broker import purge_wake_ups
from tests.projections.mailbox import by_message_id, history

pytestmark = [pytest.mark.django_db(transaction=True, databases="__all__"), pytest.mark.pipeline, pytest.mark.slow]
EMAILS = 8  # history(): per language, placed twice, shipped, cancelled


def worker(mail_dir: Path, *, beat: bool = True, **extra: str) -> WorkerProcess:
    env = subprocess_env() | {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    return WorkerProcess(env | extra, beat=beat)


def all_sent() -> bool:
    return OutboxMessage.objects.count() == EMAILS and not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


def assert_one_email_per_event(mail_dir: Path, *, copies: int = 1) -> None:
    grouped = by_message_id(mail_dir)
    expected = {row.message_id: row for row in OutboxMessage.objects.all()}
    assert set(grouped) == set(expected)
    for message_id, messages in grouped.items():
        row = expected[message_id]
        assert len(messages) <= copies
        assert {str(message["Subject"]) for message in messages} == {row.subject}
        assert str(messages[0]["Content-Language"]) == row.language
    languages = sorted(row.language for row in expected.values())
    assert languages == ["en"] * 4 + ["ru"] * 4


def test_each_email_once_in_the_customers_language(tmp_path: Path) -> None:
    purge_wake_ups()
    process = worker(tmp_path)
    try:
        history()
        wait_until(all_sent, timeout=60)
        assert_one_email_per_event(tmp_path)
        ru_shipped = OutboxMessage.objects.get(event_type="OrderShipped", language="ru")
        assert "TRACK-ru" in ru_shipped.body
    finally:
        process.stop()


@pytest.mark.parametrize("fault", ["before_send", "after_send"])
def test_a_worker_killed_in_delivery_loses_nothing_and_a_resend_keeps_its_message_id(
    tmp_path: Path, fault: str
) -> None:
    purge_wake_ups()
    # No beat: the embedded beat is a child process that outlives the worker's SIGKILL and would go on queueing
    # catch-ups into later tests. The commands' wake-ups hand the worker the work.
    crashing = worker(tmp_path, beat=False, REACTOR_FAULT=fault)
    try:
        history()
        assert crashing.process.wait(timeout=60) == -9  # SIGKILLed itself at the fault point
    finally:
        crashing.stop()
    pending = OutboxMessage.objects.filter(sent_at__isnull=True).count()
    assert pending >= 1  # the effect was recorded with the checkpoint; the kill came before the sent mark
    written_before = sum(len(each) for each in by_message_id(tmp_path).values())
    assert written_before == (1 if fault == "after_send" else 0)
    restarted = worker(tmp_path)
    try:
        wait_until(all_sent, timeout=60)
        # after_send: the message the backend had taken before the kill is sent again, with the same Message-ID.
        assert_one_email_per_event(tmp_path, copies=2 if fault == "after_send" else 1)
        duplicates = {key: len(each) for key, each in by_message_id(tmp_path).items() if len(each) > 1}
        assert len(duplicates) == (1 if fault == "after_send" else 0)
    finally:
        restarted.stop()
