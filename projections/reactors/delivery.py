"""Send the outbox: each pending message through Django's email backend, then mark it sent.

What "exactly once" means here. Recording is exactly once: an event causes one outbox row, committed with the
reactor's checkpoint. Delivery is at least once: a row is taken with SELECT ... FOR UPDATE SKIP LOCKED (two
workers never take the same row, neither waits for the other), sent, and marked sent in that same transaction.
A crash before the send leaves the row pending and the next delivery sends it; nothing is lost. A crash after
the SMTP server accepted the message but before the commit cannot be told apart from a crash before it, so the
row is sent again: SMTP has no transaction to join. That second copy carries the same Message-ID, derived from
the outbox key (`OutboxMessage.message_id`), so a mail server or client that de-duplicates by Message-ID shows
it once, and anyone can recognise it as a resend. The window is the time between the server's "250 OK" and
the commit: milliseconds.

Fault injection for the crash tests: REACTOR_FAULT=before_send or after_send (read from the environment by the
worker process) kills the process with SIGKILL at that point of delivery.
"""

import logging
import os
import signal

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from projections.models import OutboxMessage

READ_DB = "read"
logger = logging.getLogger(__name__)


def _fault(point: str) -> None:
    if os.environ.get("REACTOR_FAULT") == point:
        os.kill(os.getpid(), signal.SIGKILL)


def email_of(row: OutboxMessage) -> EmailMessage:
    return EmailMessage(
        subject=row.subject,
        body=row.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.to_email],
        headers={"Message-ID": row.message_id, "Content-Language": row.language},
    )


def deliver_one(skip: set[int]) -> bool:
    """Send and mark one pending row not in `skip`; False when none is free. A row the backend refuses joins `skip`."""
    with transaction.atomic(using=READ_DB):
        pending = OutboxMessage.objects.using(READ_DB).select_for_update(skip_locked=True)
        row = pending.filter(sent_at__isnull=True).exclude(pk__in=skip).order_by("id").first()
        if row is None:
            return False
        _fault("before_send")
        try:
            with get_connection() as connection:  # one connection per message: the file backend's one file each
                connection.send_messages([email_of(row)])
        except Exception as error:
            failure: Exception | None = error
        else:
            failure = None
            _fault("after_send")
            row.sent_at = timezone.now()
            row.attempts += 1
            row.save(update_fields=["sent_at", "attempts"])
    if failure is not None:
        logger.warning("outbox message %s not sent; the next round tries again", row.pk, exc_info=failure)
        OutboxMessage.objects.using(READ_DB).filter(pk=row.pk, sent_at__isnull=True).update(
            attempts=row.attempts + 1, last_error=repr(failure)[:2000]
        )
        skip.add(row.pk)
    return True


def deliver_pending() -> int:
    """Send every pending message; one the backend refuses stays pending for the next round. Returns the tries."""
    tried, skip = 0, set[int]()
    while deliver_one(skip):
        tried += 1
    return tried
