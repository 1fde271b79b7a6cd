"""The admin shows an order whose money goes back (refund due, with a filter), and the email outbox read-only."""

import pytest
from django.urls import reverse
from django.utils import timezone

from commands.handlers import orders
from projections import runner
from projections.models import OutboxMessage
from projections.registry import CONSUMERS
from tests.factories import context, make_customer, make_product, place_order
from tests.queries.admin_clients import staff_client

pytestmark = pytest.mark.django_db(databases="__all__")
ORDERS = reverse("admin:queries_orderview_changelist")


def paid_then_cancelled_and_plain_cancelled() -> tuple[str, str]:
    kettle, ann = make_product(price="10.00"), make_customer(name="Ann")
    refunded = place_order(ann, (kettle, 1)).aggregate_id
    orders.pay_order(context=context("pay-order"), order_id=refunded)
    orders.cancel_order(context=context("cancel-order"), order_id=refunded)
    plain = place_order(ann, (kettle, 2)).aggregate_id
    orders.cancel_order(context=context("cancel-order"), order_id=plain)
    for consumer in CONSUMERS.values():
        runner.run_projection(consumer)
    return str(refunded), str(plain)


def test_the_refund_due_filter_finds_the_order_paid_then_cancelled_and_its_page_says_so() -> None:
    refunded, plain = paid_then_cancelled_and_plain_cancelled()
    client = staff_client("queries.view_orderview")
    listed = client.get(ORDERS, {"refund_due": "yes"})
    ids = [str(order.pk) for order in listed.context["cl"].result_list]
    assert ids == [refunded]
    page = client.get(reverse("admin:queries_orderview_change", args=[refunded])).content.decode()
    assert "Yes: paid, then cancelled. Refund 10.00" in page
    plain_page = client.get(reverse("admin:queries_orderview_change", args=[plain])).content.decode()
    assert "Yes: paid" not in plain_page


def test_the_outbox_is_listed_by_delivery_state_and_cannot_be_changed() -> None:
    paid_then_cancelled_and_plain_cancelled()
    client = staff_client(superuser=True)
    url = reverse("admin:projections_outboxmessage_changelist")
    pending = client.get(url, {"sent": "pending"})
    assert len(pending.context["cl"].result_list) == OutboxMessage.objects.count() == 4
    assert not client.get(url, {"sent": "sent"}).context["cl"].result_list
    row = OutboxMessage.objects.first()
    assert row is not None
    response = client.post(reverse("admin:projections_outboxmessage_change", args=[row.pk]), {"subject": "x"})
    assert response.status_code == 403
    assert client.get(reverse("admin:projections_outboxmessage_add")).status_code == 403


def test_staff_with_the_outbox_change_permission_send_a_given_up_message_again() -> None:
    paid_then_cancelled_and_plain_cancelled()
    row = OutboxMessage.objects.order_by("id").first()
    assert row is not None
    OutboxMessage.objects.filter(pk=row.pk).update(attempts=12, gave_up_at=timezone.now(), last_error="refused")
    url = reverse("admin:projections_outboxmessage_changelist")
    action = {"action": "send_again", "_selected_action": [row.pk]}

    viewer = staff_client("projections.view_outboxmessage", username="viewer")
    failed = viewer.get(url, {"sent": "failed"})
    assert [each.pk for each in failed.context["cl"].result_list] == [row.pk]
    assert "given up" in failed.content.decode()
    assert "send_again" not in failed.content.decode()  # no change permission: no action offered
    viewer.post(url, action)
    row.refresh_from_db()
    assert row.gave_up_at is not None

    operator = staff_client("projections.view_outboxmessage", "projections.change_outboxmessage", username="op")
    response = operator.post(url, action, follow=True)
    assert "1 message(s) will be sent" in response.content.decode()
    row.refresh_from_db()
    assert row.gave_up_at is None and row.next_attempt_at is None and row.attempts == 12
    assert not operator.get(url, {"sent": "failed"}).context["cl"].result_list
