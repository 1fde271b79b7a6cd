"""Events read back from the log's JSON as the types they were appended with (commands/events.py)."""

from decimal import Decimal
from uuid import uuid4

import pytest

from commands.events import OrderCancelled, OrderPlaced, PlacedLine, ProductUpdated
from commands.models import OrderStatus


def placed(delivery_address: dict[str, str] | None) -> OrderPlaced:
    line = PlacedLine(product_id=uuid4(), sku="MUG-1", name="Mug", unit_price=Decimal("12.50"), quantity=2)
    return OrderPlaced(
        customer_id=uuid4(),
        lines=[line, {**line, "product_id": uuid4(), "quantity": 1}],
        total=Decimal("37.50"),
        currency="EUR",
        delivery_address=delivery_address,
    )


def test_every_field_reads_back_as_its_type_nested_lines_too():
    event = placed({"line1": "1 Main St", "city": "Lyon"})

    again = OrderPlaced.from_payload(event.payload())

    assert again == event
    assert type(again.customer_id) is type(event.customer_id)
    assert [type(line["product_id"]) for line in again.lines] == [type(event.customer_id)] * 2
    assert [line["unit_price"] for line in again.lines] == [Decimal("12.50")] * 2


def test_an_optional_field_written_as_null_reads_back_as_none():
    event = placed(None)

    assert event.payload()["delivery_address"] is None
    assert OrderPlaced.from_payload(event.payload()).delivery_address is None


def test_enums_and_partial_typed_dicts_read_back():
    cancelled = OrderCancelled(
        customer_id=uuid4(),
        previous_status=OrderStatus.PAID,
        reason="changed my mind",
        total=Decimal("5.00"),
        lines=[{"product_id": uuid4(), "quantity": 3}],
    )
    updated = ProductUpdated(changes={"price": Decimal("9.99")})

    assert OrderCancelled.from_payload(cancelled.payload()) == cancelled
    assert OrderCancelled.from_payload(cancelled.payload()).previous_status is OrderStatus.PAID
    assert ProductUpdated.from_payload(updated.payload()).changes == {"price": Decimal("9.99")}


def test_an_id_named_again_reads_back_equal_and_a_bad_one_still_fails():
    event = placed(None)
    payload = event.payload()

    first, second = OrderPlaced.from_payload(payload), OrderPlaced.from_payload(payload)  # the second from the cache

    assert first.customer_id == second.customer_id == event.customer_id
    with pytest.raises(ValueError):
        OrderPlaced.from_payload({**payload, "customer_id": "not-a-uuid"})
