"""The order emails reactor: one outbox row per event, in the customer's language, delivered once."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from commands.models import Customer
from projections import runner
from projections.models import OutboxMessage
from projections.reactors.delivery import deliver_pending, send_again
from projections.registry import PROJECTIONS, REACTORS
from tests.projections.mailbox import history, register

pytestmark = pytest.mark.django_db(databases="__all__")


def test_language_defaults_to_the_request_language_and_old_events_read_as_english() -> None:
    assert Customer.objects.get(pk=register(None, accept="ru")).language == "ru"
    assert Customer.objects.get(pk=register(None, accept="de")).language == "en"
    from commands.events import CustomerRegistered

    old = {"email": "a@example.com", "name": "A", "phone": "", "address": None, "user_id": None}
    assert CustomerRegistered.from_payload(old).language == "en"


def test_each_event_records_one_email_in_the_customers_language_and_a_rerun_adds_none() -> None:
    history()
    reactor = REACTORS["order_emails"]
    runner.run_projection(reactor)
    runner.ensure_checkpoint(reactor.name)
    from projections.models import Checkpoint

    Checkpoint.objects.filter(name=reactor.name).update(position=0)  # an operator moves it back: nothing new
    runner.run_projection(reactor)
    rows = list(OutboxMessage.objects.order_by("position"))
    assert [(row.event_type, row.language) for row in rows] == [
        ("OrderPlaced", "en"),
        ("OrderShipped", "en"),
        ("OrderPlaced", "en"),
        ("OrderCancelled", "en"),
        ("OrderPlaced", "ru"),
        ("OrderShipped", "ru"),
        ("OrderPlaced", "ru"),
        ("OrderCancelled", "ru"),
    ]
    shipped_ru = next(row for row in rows if row.event_type == "OrderShipped" and row.language == "ru")
    assert shipped_ru.subject == "Ваш заказ отправлен"
    assert "TRACK-ru" in shipped_ru.body and "Номер для отслеживания" in shipped_ru.body
    placed_en = rows[0]
    assert placed_en.subject == "Your order is confirmed" and "Thank you for your order" in placed_en.body


def test_delivery_sends_each_pending_row_once_with_its_outbox_message_id() -> None:
    history()
    runner.run_projection(REACTORS["order_emails"])
    assert deliver_pending() == 8
    assert deliver_pending() == 0
    assert len(mail.outbox) == 8
    ids = [message.extra_headers["Message-ID"] for message in mail.outbox]
    assert len(set(ids)) == 8 and all(each.startswith("<outbox.order_emails.") for each in ids)
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


def test_a_refused_send_stays_pending_and_the_others_go(settings: object) -> None:
    history()
    runner.run_projection(REACTORS["order_emails"])
    first = OutboxMessage.objects.order_by("id").first()
    assert first is not None
    OutboxMessage.objects.filter(pk=first.pk).update(to_email="bad\nheader@example.com")
    deliver_pending()
    assert len(mail.outbox) == 7
    first.refresh_from_db()
    assert first.sent_at is None and first.attempts == 1 and first.last_error


def refused_first_row() -> OutboxMessage:
    """The reactor's outbox with its first row addressed so that the backend refuses it (a header injection)."""
    history()
    runner.run_projection(REACTORS["order_emails"])
    first = OutboxMessage.objects.order_by("id").first()
    assert first is not None
    OutboxMessage.objects.filter(pk=first.pk).update(to_email="bad\nheader@example.com")
    return first


def test_a_refused_send_waits_longer_each_time_and_is_given_up_after_the_last_attempt(settings: object) -> None:
    settings.OUTBOX_RETRY_SECONDS, settings.OUTBOX_RETRY_MAX_SECONDS, settings.OUTBOX_MAX_ATTEMPTS = 60, 150, 4
    first = refused_first_row()
    due_at = timezone.now()
    waits = []
    with mock.patch("django.utils.timezone.now") as now:
        for attempt in range(1, 5):
            now.return_value = due_at
            assert deliver_pending() == (8 if attempt == 1 else 1)
            now.return_value = now.return_value + timedelta(seconds=1)
            assert deliver_pending() == 0  # not due yet: nothing is tried
            first.refresh_from_db()
            assert first.attempts == attempt and first.sent_at is None
            if first.gave_up_at is not None:
                break
            assert first.next_attempt_at is not None
            waits.append((first.next_attempt_at - due_at).total_seconds())
            due_at = first.next_attempt_at
    assert waits == [60, 120, 150]  # doubling, capped
    assert first.attempts == 4 and first.gave_up_at is not None and first.next_attempt_at is None
    assert len(mail.outbox) == 7
    with mock.patch("django.utils.timezone.now", return_value=due_at + timedelta(days=30)):
        assert deliver_pending() == 0  # given up: never tried again by itself

    assert send_again(OutboxMessage.objects.all()) == 1  # sent rows are not touched
    OutboxMessage.objects.filter(pk=first.pk).update(to_email="fixed@example.com")
    assert deliver_pending() == 1
    first.refresh_from_db()
    assert first.sent_at is not None and first.attempts == 5
    assert len(mail.outbox) == 8


def test_reactors_are_not_projections() -> None:
    """Rebuild and verify walk PROJECTIONS: a reactor there would send every past email again."""
    assert not set(REACTORS) & set(PROJECTIONS)
