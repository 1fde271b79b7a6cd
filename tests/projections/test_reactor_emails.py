"""The order emails reactor: one outbox row per event, in the customer's language, delivered once."""

import pytest
from django.core import mail

from commands.models import Customer
from projections import runner
from projections.models import OutboxMessage
from projections.reactors.delivery import deliver_pending
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


def test_reactors_are_not_projections() -> None:
    """Rebuild and verify walk PROJECTIONS: a reactor there would send every past email again."""
    assert not set(REACTORS) & set(PROJECTIONS)
