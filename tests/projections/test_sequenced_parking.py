"""Sequenced parking: a poison event holds back only its own aggregate; retry replays the aggregate in order."""

import uuid
from io import StringIO

import pytest
from django.core.management import call_command

from commands.handlers import orders
from projections import parking, progress, runner
from projections.models import ParkedEvent
from projections.orders import OrderDetailsProjection
from queries.models import OrderView
from tests.factories import context, make_customer, make_product, place_order

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


class OrderBug(Exception):
    pass


@pytest.fixture
def poisoned(monkeypatch) -> set[uuid.UUID]:
    """The orders projection's OrderPlaced handler fails for the order ids in this set, and only for them."""
    ids: set[uuid.UUID] = set()
    real_handler = OrderDetailsProjection.order_placed

    def fail_for_poisoned(self, recorded):
        if recorded.aggregate_id in ids:
            raise OrderBug(f"cannot project order {recorded.aggregate_id}")
        real_handler(self, recorded)

    monkeypatch.setattr(OrderDetailsProjection, "order_placed", fail_for_poisoned)
    return ids


def project_until_parked() -> None:
    """What the retried task does: run until the poison event is parked and the runner goes on."""
    for _ in range(runner.MAX_ATTEMPTS):
        try:
            runner.run_all()
            return
        except runner.EventFailed:
            pass
    raise AssertionError("never got past the poison event")


def orders_parked() -> list[tuple[int, str, bool]]:
    rows = ParkedEvent.objects.filter(projection="orders").order_by("position")
    return list(rows.values_list("position", "event_type", "held"))


@pytest.mark.parametrize(
    "others", [pytest.param(10, id="10-others"), pytest.param(1000, id="1000-others", marks=pytest.mark.slow)]
)
def test_a_poison_order_holds_back_only_itself_and_retry_replays_it_in_order(poisoned, staff_api, others):
    product_id = make_product(stock=1_000_000)
    customer_id = make_customer()
    held = place_order(customer_id, (product_id, 1))
    poisoned.add(held.aggregate_id)
    paid = orders.pay_order(context=context(), order_id=held.aggregate_id)
    other_ids = [place_order(customer_id, (product_id, 1)).aggregate_id for _ in range(others)]
    shipped = orders.ship_order(context=context(), order_id=held.aggregate_id, tracking_number="T-1")

    project_until_parked()

    head = progress.head_position()
    assert progress.read_position() == head  # every projection went on to the head
    assert set(OrderView.objects.values_list("pk", flat=True)) == set(other_ids)  # all others projected
    assert orders_parked() == [
        (held.position, "OrderPlaced", False),  # the poison event
        (paid.position, "OrderPaid", True),  # its aggregate's later events wait behind it, in order
        (shipped.position, "OrderShipped", True),
    ]
    assert ParkedEvent.objects.get(position=held.position).attempts == runner.MAX_ATTEMPTS
    assert ParkedEvent.objects.exclude(projection="orders").count() == 0  # the other projections applied them
    assert progress.held_aggregates(("orders",)) == [str(held.aggregate_id)]
    response = staff_api.get("/api/v1/orders/", HTTP_X_MIN_POSITION=str(head))
    assert response.status_code == 200
    assert response["X-Read-Position"] == str(head)
    assert response["X-Held-Aggregates"] == str(held.aggregate_id)
    assert "X-Held-Aggregates" not in staff_api.get("/api/v1/products/")  # the catalog holds nothing back

    poisoned.clear()  # the fix is deployed
    later = orders.cancel_order(context=context(), order_id=other_ids[0])  # meanwhile, life goes on
    runner.run_all()
    replayed = parking.retry(ParkedEvent.objects.get(position=held.position).pk)

    assert replayed == parking.Replayed(applied=3)
    document = OrderView.objects.get(pk=held.aggregate_id)
    assert (document.status, document.tracking_number, document.version) == ("shipped", "T-1", 3)
    assert OrderView.objects.get(pk=other_ids[0]).version == 2 and progress.read_position() == later.position
    assert not ParkedEvent.objects.exists()
    assert "X-Held-Aggregates" not in staff_api.get("/api/v1/orders/")
    call_command("verify_projections", stdout=StringIO())  # raises on any difference


def test_a_retry_that_fails_again_keeps_the_chain_and_skip_drops_the_head_and_applies_the_rest(poisoned):
    product_id = make_product(stock=100)
    customer_id = make_customer()
    held = place_order(customer_id, (product_id, 1))
    poisoned.add(held.aggregate_id)
    orders.cancel_order(context=context(), order_id=held.aggregate_id)
    project_until_parked()
    head = ParkedEvent.objects.get(position=held.position)

    with pytest.raises(runner.EventFailed):
        parking.retry(head.pk)  # still broken
    assert [held for _, _, held in orders_parked()] == [False, True]
    assert ParkedEvent.objects.get(pk=head.pk).attempts == runner.MAX_ATTEMPTS + 1

    replayed = parking.skip(head.pk)  # give up on the OrderPlaced: the cancellation behind it is applied

    assert replayed == parking.Replayed(applied=1)
    assert not ParkedEvent.objects.exists()
    assert not OrderView.objects.filter(pk=held.aggregate_id).exists()  # nothing to cancel: the order never showed
