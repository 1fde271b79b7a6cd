"""Send the outbox: each pending message through Django's email backend, then mark it sent.

What "exactly once" means here. Recording is exactly once: an event causes one outbox row, committed with the
reactor's checkpoint. Delivery is at least once: up to DELIVERY_BATCH rows are taken with SELECT ... FOR UPDATE
SKIP LOCKED (two workers never take the same row, neither waits for the other), sent over one connection, and
marked sent in that same transaction.
A crash before the send leaves the row pending and the next delivery sends it; nothing is lost. A crash after
the SMTP server accepted the message but before the commit cannot be told apart from a crash before it, so the
row is sent again: SMTP has no transaction to join. That second copy carries the same Message-ID, derived from
the outbox key (`OutboxMessage.message_id`), so a mail server or client that de-duplicates by Message-ID shows
it once, and anyone can recognise it as a resend. The window is the time between the server's "250 OK" and
the commit: a batch's sending time (a message and a connection per row cost a transaction, a lock, a mark
and a commit each: 2.7 ms a message in-process, before batches).

A message the backend refuses (a bad address, a mail server down) is tried again later, backing off: after
OUTBOX_RETRY_SECONDS, doubling up to OUTBOX_RETRY_MAX_SECONDS, and given up after OUTBOX_MAX_ATTEMPTS tries
(`gave_up_at`; the admin shows it and can send it again). Before the backoff every catch-up, every 10 s,
tried every refused message again, forever.

Fault injection for the crash tests: REACTOR_FAULT=before_send or after_send (read from the environment by the
worker process) kills the process with SIGKILL at that point of delivery.
"""

import logging
import os
import signal
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from projections.models import OutboxMessage

READ_DB = "read"
DELIVERY_BATCH = 50
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


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th refused try: doubling from OUTBOX_RETRY_SECONDS, capped."""
    seconds = settings.OUTBOX_RETRY_SECONDS * 2 ** min(attempts - 1, 32)
    return timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


def due(now: datetime) -> Q:
    """Pending rows whose next try has come: never tried, or refused and waited out; not given up."""
    return Q(sent_at__isnull=True, gave_up_at__isnull=True) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def deliver_batch(skip: set[int]) -> int:
    """Send and mark up to DELIVERY_BATCH due rows not in `skip`; returns how many were tried (0: none is free).
    A refused row joins `skip` and waits (or is given up) before its next try."""
    with transaction.atomic(using=READ_DB):
        now = timezone.now()
        pending = OutboxMessage.objects.using(READ_DB).select_for_update(skip_locked=True)
        batch = list(pending.filter(due(now)).exclude(pk__in=skip).order_by("id")[:DELIVERY_BATCH])
        if not batch:
            return 0
        _fault("before_send")
        sent: list[int] = []
        refused: dict[int, tuple[OutboxMessage, Exception]] = {}
        try:
            with get_connection() as connection:  # the file backend writes one file per connection
                for row in batch:
                    try:
                        connection.send_messages([email_of(row)])
                    except Exception as error:
                        refused[row.pk] = (row, error)
                    else:
                        _fault("after_send")
                        sent.append(row.pk)
        except Exception as unreachable:  # the connection itself: the server down, a login refused
            untried = [row for row in batch if row.pk not in sent and row.pk not in refused]
            refused.update({row.pk: (row, unreachable) for row in untried})
        OutboxMessage.objects.using(READ_DB).filter(pk__in=sent).update(
            sent_at=timezone.now(), attempts=F("attempts") + 1
        )
    for row, failure in refused.values():
        record_refusal(row, failure, now)
        skip.add(row.pk)
    return len(batch)


def record_refusal(row: OutboxMessage, failure: Exception, now: datetime) -> None:
    attempts = row.attempts + 1
    later: dict[str, datetime | None] = {"next_attempt_at": now + retry_delay(attempts), "gave_up_at": None}
    if attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        later = {"next_attempt_at": None, "gave_up_at": now}
        logger.error("outbox message %s given up after %s attempts", row.pk, attempts, exc_info=failure)
    else:
        logger.warning("outbox message %s not sent; tried again at %s", row.pk, later["next_attempt_at"])
    OutboxMessage.objects.using(READ_DB).filter(pk=row.pk, sent_at__isnull=True).update(
        attempts=attempts, last_error=repr(failure)[:2000], **later
    )


def send_again(rows: QuerySet[OutboxMessage]) -> int:
    """Staff's "send again" for given-up or waiting messages: due at once, attempts kept; returns how many."""
    return rows.filter(sent_at__isnull=True).update(next_attempt_at=None, gave_up_at=None)


def deliver_pending() -> int:
    """Send every due message; a refused one waits for its next try. Returns the tries."""
    tried, skip = 0, set[int]()
    while batch := deliver_batch(skip):
        tried += batch
    return tried
