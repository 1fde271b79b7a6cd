"""The pay step on the write side: the gateway's three answers, and why no order is ever charged twice."""

import datetime
import uuid
from decimal import Decimal

import pytest

from commands.errors import AggregateNotFound, CommandRejected
from commands.handlers import orders
from commands.models import Event, Order, OrderStatus, PaymentAttempt, PaymentAttemptStatus
from commands.payments.card_payment import pay_with_card
from commands.payments.gateway import Charge, configured_gateway
from commands.payments.sandbox import SandboxGateway
from tests.factories import context, make_customer, make_product, place_order

pytestmark = pytest.mark.django_db(databases="__all__")
ACCEPTED, DECLINED, TIMES_OUT = "4242 4242 4242 4242", "4000 0000 0000 0002", "4000 0000 0000 0119"


class CountingGateway(SandboxGateway):
    """The sandbox, counting the charges that reach it."""

    def __init__(self, **options):
        super().__init__(**options)
        self.calls = 0

    def charge(self, **arguments) -> Charge:
        self.calls += 1
        return super().charge(**arguments)


@pytest.fixture
def order():
    customer = make_customer()
    order_id = place_order(customer, (make_product(price="12.50", stock=5), 2)).aggregate_id
    return {"id": order_id, "customer": customer}


def pay(order, card, *, key=None, gateway=None, customer=None):
    return pay_with_card(
        context=context("pay-order"),
        order_id=order["id"],
        customer_id=customer or order["customer"],
        card_number=card,
        attempt_key=key or uuid.uuid4(),
        gateway=gateway or CountingGateway(),
    )


def test_an_accepted_card_pays_the_order_with_the_gateways_reference(order):
    outcome = pay(order, ACCEPTED)
    assert outcome.status == PaymentAttemptStatus.APPROVED and outcome.paid is not None
    assert Order.objects.get(pk=order["id"]).status == OrderStatus.PAID
    event = Event.objects.get(position=outcome.paid.position)
    assert event.type == "OrderPaid" and event.payload["amount"] == "25.00"
    assert event.payload["payment_reference"].startswith("sandbox_")
    attempt = PaymentAttempt.objects.get()
    assert (attempt.status, attempt.reference, attempt.amount) == ("approved", event.payload["payment_reference"], 25)


@pytest.mark.parametrize(
    ("card", "status"), [(DECLINED, "declined"), (TIMES_OUT, "timed_out"), ("5555" * 4, "declined")]
)
def test_a_declined_or_timed_out_card_leaves_the_order_pending(order, card, status):
    events = Event.objects.count()
    assert pay(order, card).status == status
    assert Order.objects.get(pk=order["id"]).status == OrderStatus.PENDING
    assert Event.objects.count() == events
    assert PaymentAttempt.objects.get().status == status
    assert pay(order, ACCEPTED).status == "approved"  # a new attempt may follow


def test_the_same_attempt_sent_again_charges_once_and_answers_the_same(order):
    gateway, key = CountingGateway(), uuid.uuid4()
    first = pay(order, ACCEPTED, key=key, gateway=gateway)
    again = pay(order, ACCEPTED, key=key, gateway=gateway)
    assert (first.status, again.status) == ("approved", "approved") and again.paid is None
    assert gateway.calls == 1
    assert Event.objects.filter(aggregate_id=order["id"], type="OrderPaid").count() == 1

    declined_key = uuid.uuid4()
    other = {
        "id": place_order(order["customer"], (make_product(stock=1), 1)).aggregate_id,
        "customer": order["customer"],
    }
    assert pay(other, DECLINED, key=declined_key, gateway=gateway).status == "declined"
    assert pay(other, ACCEPTED, key=declined_key, gateway=gateway).status == "declined"  # same attempt, same answer
    assert gateway.calls == 2


def test_a_paid_order_is_not_charged_again_by_a_new_attempt(order):
    gateway = CountingGateway()
    pay(order, ACCEPTED, gateway=gateway)
    with pytest.raises(CommandRejected) as refused:
        pay(order, ACCEPTED, gateway=gateway)
    assert refused.value.code == "invalid_state" and gateway.calls == 1


def test_while_one_attempt_is_charging_another_is_refused_until_it_goes_stale(order, settings):
    PaymentAttempt.objects.create(
        key=uuid.uuid4(),
        order_id=order["id"],
        amount=Decimal("25.00"),
        status="charging",
        created_at=datetime.datetime.now(tz=datetime.UTC),
    )
    with pytest.raises(CommandRejected, match="already under way"):
        pay(order, ACCEPTED)
    settings.PAYMENT_ATTEMPT_STALE_SECONDS = 0  # e.g. the process that sent it crashed long ago
    assert pay(order, ACCEPTED).status == "approved"
    assert set(PaymentAttempt.objects.values_list("status", flat=True)) == {"timed_out", "approved"}


@pytest.mark.parametrize("state", ["cancel_order", "pay_order"])
def test_only_a_pending_order_can_be_paid(order, state):
    getattr(orders, state)(context=context(), order_id=order["id"])
    gateway = CountingGateway()
    with pytest.raises(CommandRejected):
        pay(order, ACCEPTED, gateway=gateway)
    assert gateway.calls == 0 and not PaymentAttempt.objects.exists()


def test_another_customers_order_is_not_found(order):
    with pytest.raises(AggregateNotFound):
        pay(order, ACCEPTED, customer=make_customer())
    assert Order.objects.get(pk=order["id"]).status == OrderStatus.PENDING and not PaymentAttempt.objects.exists()


def test_the_gateway_comes_from_the_settings(settings):
    settings.PAYMENT_GATEWAY = "tests.commands.test_card_payment.CountingGateway"
    settings.PAYMENT_GATEWAY_OPTIONS = {"approved": ["5555 5555 5555 4444"], "declined": []}
    gateway = configured_gateway()
    assert isinstance(gateway, CountingGateway)
    charge = gateway.charge(amount=Decimal(1), currency="EUR", card_number="5555555555554444", idempotency_key="k")
    assert charge.status == "approved"
    refused = gateway.charge(amount=Decimal(1), currency="EUR", card_number="4242424242424242", idempotency_key="j")
    assert refused.status == "declined"


class CancellingGateway(SandboxGateway):
    """Approves, but the customer cancels the order while the charge is in flight."""

    def __init__(self, order_id):
        super().__init__()
        self.order_id = order_id

    def charge(self, **arguments) -> Charge:
        orders.cancel_order(context=context("cancel-order"), order_id=self.order_id)
        return super().charge(**arguments)


def test_a_charge_that_lands_on_an_order_cancelled_meanwhile_is_recorded_for_a_refund(order):
    outcome = pay(order, ACCEPTED, gateway=CancellingGateway(order["id"]))
    assert outcome.status == PaymentAttemptStatus.REFUND_DUE and outcome.paid is None
    assert Order.objects.get(pk=order["id"]).status == OrderStatus.CANCELLED
    assert not Event.objects.filter(aggregate_id=order["id"], type="OrderPaid").exists()
    attempt = PaymentAttempt.objects.get()
    assert attempt.status == "refund_due" and attempt.reference.startswith("sandbox_")
