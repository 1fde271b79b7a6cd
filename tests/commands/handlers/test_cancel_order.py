"""cancel_order called directly: staff cancel pending or paid orders; a customer only their own pending ones."""

import pytest

from commands.errors import AggregateNotFound, CommandRejected, NotAllowed, RejectionCode, VersionConflict
from commands.handlers.orders import cancel_order, pay_order, ship_order
from commands.models import Event, Order, OrderStatus, Product
from tests.commands.command_api import write_state
from tests.factories import context, make_customer, make_product, place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def kettle():
    return make_product(stock=5)


@pytest.fixture
def customer():
    return make_customer()


@pytest.fixture
def pending(customer, kettle):
    return place_order(customer, (kettle, 2)).aggregate_id


def test_cancelling_returns_the_stock_and_records_the_previous_status(pending, kettle):
    result = cancel_order(context=context("cancel-order"), order_id=pending, reason="changed mind")

    assert Order.objects.get(pk=pending).status == OrderStatus.CANCELLED
    assert Product.objects.get(pk=kettle).stock == 5
    event = Event.objects.get(position=result.position)
    assert (event.type, event.aggregate_version) == ("OrderCancelled", 2)
    assert event.payload["previous_status"] == "pending"
    assert event.payload["reason"] == "changed mind"
    assert event.metadata["command"] == "cancel-order"


def test_staff_may_cancel_a_paid_order(pending):
    pay_order(context=context(), order_id=pending)

    cancel_order(context=context(), order_id=pending)

    assert Order.objects.get(pk=pending).status == OrderStatus.CANCELLED


def test_a_shipped_order_cannot_be_cancelled(pending):
    pay_order(context=context(), order_id=pending)
    ship_order(context=context(), order_id=pending)
    before = write_state()

    with pytest.raises(CommandRejected) as refused:
        cancel_order(context=context(), order_id=pending)

    assert refused.value.code == RejectionCode.INVALID_STATE
    assert write_state() == before


def test_a_customer_may_cancel_their_own_pending_order(pending, customer, kettle):
    cancel_order(context=context(), order_id=pending, as_customer=customer)

    assert Order.objects.get(pk=pending).status == OrderStatus.CANCELLED
    assert Product.objects.get(pk=kettle).stock == 5


def test_a_customer_may_not_cancel_their_paid_order(pending, customer):
    pay_order(context=context(), order_id=pending)
    before = write_state()

    with pytest.raises(NotAllowed):
        cancel_order(context=context(), order_id=pending, as_customer=customer)

    assert write_state() == before


def test_someone_elses_order_is_not_found_for_a_customer(pending):
    stranger = make_customer()
    before = write_state()

    with pytest.raises(AggregateNotFound):
        cancel_order(context=context(), order_id=pending, as_customer=stranger)

    assert write_state() == before


def test_a_stale_expected_version_is_a_conflict(pending, customer):
    before = write_state()

    with pytest.raises(VersionConflict) as conflict:
        cancel_order(context=context(), order_id=pending, expected_version=0, as_customer=customer)

    assert conflict.value.current_version == 1
    assert write_state() == before
