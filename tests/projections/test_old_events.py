"""A log written before a field existed still replays beside the newer events (delivery address, line removal)."""

import uuid

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from commands.handlers import orders
from commands.models import Event
from projections import runner, verification
from projections.recorded import recorded
from projections.registry import PROJECTIONS
from queries.models import OrderView, ProductView
from tests.factories import context, make_customer, make_product
from tests.projections.history import mixed_history, read_side_snapshot

pytestmark = pytest.mark.django_db(databases="__all__")
ADDRESS = {"line1": "Main St 1", "line2": "", "city": "Berlin", "postal_code": "10115", "country": "DE"}


def append_pre_address_order_placed(*, customer_id: uuid.UUID, product_id: uuid.UUID) -> uuid.UUID:
    """An OrderPlaced row exactly as the log held them before orders had a delivery address."""
    order_id = uuid.uuid4()
    payload = {
        "customer_id": str(customer_id),
        "lines": [
            {"product_id": str(product_id), "sku": "OLD-1", "name": "Old Kettle", "unit_price": "12.00", "quantity": 2}
        ],
        "total": "24.00",
        "currency": "EUR",
    }
    with transaction.atomic(using="default"):
        Event.objects.create(
            aggregate_type="order",
            aggregate_id=order_id,
            aggregate_version=1,
            type="OrderPlaced",
            payload=payload,
            occurred_at=timezone.now(),
            metadata={"actor": "test"},
        )
    return order_id


def test_a_pre_address_order_placed_projects_rebuilds_and_verifies(staff_api):
    customer, kettle, mug = make_customer(), make_product(stock=10), make_product(stock=10)
    old_order = append_pre_address_order_placed(customer_id=customer, product_id=kettle)
    mixed_history(between=runner.run_all)  # new-shape events after the old one
    new_order = orders.place_order(
        context=context("create-order"),
        customer_id=customer,
        lines=[{"product_id": kettle, "quantity": 1}, {"product_id": mug, "quantity": 4}],
        delivery_address=ADDRESS,
    ).aggregate_id
    runner.run_all()
    orders.remove_order_line(context=context("remove-order-line"), order_id=new_order, product_id=mug)
    runner.run_all()
    assert ProductView.objects.get(pk=mug).units_sold == 0
    assert "delivery_address" not in Event.objects.get(aggregate_id=old_order).payload
    assert OrderView.objects.get(pk=old_order).delivery_address is None
    assert ProductView.objects.get(pk=kettle).units_sold == 3
    document = staff_api.get(f"/api/v1/orders/{old_order}/").json()
    assert document["delivery_address"] is None and document["total"] == "24.00"
    live = read_side_snapshot()

    call_command("rebuild_projections")
    call_command("verify_projections")  # raises CommandError on any difference

    assert read_side_snapshot() == live
    assert {name: verification.verify(projection) for name, projection in PROJECTIONS.items()} == {
        name: [] for name in PROJECTIONS
    }
    assert OrderView.objects.get(pk=new_order).delivery_address == ADDRESS


def test_a_pre_language_customer_registered_reads_as_english_and_replays() -> None:
    """CustomerRegistered as the log held it before customers had a language."""
    payload = {"email": "old@example.com", "name": "Old", "phone": "", "address": None, "user_id": None}
    with transaction.atomic(using="default"):
        row = Event.objects.create(
            aggregate_type="customer",
            aggregate_id=uuid.uuid4(),
            aggregate_version=1,
            type="CustomerRegistered",
            payload=payload,
            occurred_at=timezone.now(),
            metadata={"actor": "test"},
        )
    mixed_history(between=runner.run_all)  # it changes a language too
    runner.run_all()
    assert recorded(row).event.language == "en"
    live = read_side_snapshot()
    call_command("rebuild_projections")
    call_command("verify_projections")
    assert read_side_snapshot() == live
