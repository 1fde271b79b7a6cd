"""Projections receive typed events: each row becomes its DomainEvent class, and a handler is declared per class."""

from decimal import Decimal
from uuid import UUID

import pytest

from commands.events import EVENT_TYPES, OrderCancelled, OrderPlaced, ProductCreated, ProductUpdated
from commands.models import Event, OrderStatus
from projections.base import Projection, handles
from projections.recorded import Recorded, recorded
from tests.projections.history import mixed_history


@pytest.mark.django_db(databases="__all__")
def test_every_row_becomes_its_event_class_with_typed_fields_and_the_same_payload():
    mixed_history()
    rows = list(Event.objects.order_by("position"))
    events = [recorded(row) for row in rows]

    assert {type(each.event).__name__ for each in events} == set(EVENT_TYPES)
    for row, each in zip(rows, events, strict=True):
        assert type(each.event) is EVENT_TYPES[row.type]
        assert each.event.payload() == row.payload  # the class's fields are the whole shape, both ways
        assert (each.position, each.aggregate_id, each.aggregate_version) == (
            row.position,
            row.aggregate_id,
            row.aggregate_version,
        )
    placed = next(each.event for each in events if isinstance(each.event, OrderPlaced))
    assert isinstance(placed.total, Decimal) and isinstance(placed.customer_id, UUID)
    assert all(
        isinstance(line["unit_price"], Decimal) and isinstance(line["product_id"], UUID) for line in placed.lines
    )
    cancelled = [each.event for each in events if isinstance(each.event, OrderCancelled)]
    assert {event.previous_status for event in cancelled} == {OrderStatus.PENDING, OrderStatus.PAID}
    assert all(isinstance(event.previous_status, OrderStatus) for event in cancelled)
    price_changes = [
        each.event.changes["price"]
        for each in events
        if isinstance(each.event, ProductUpdated) and "price" in each.event.changes
    ]
    assert price_changes == [Decimal("5.00")]


class Seen(Projection):
    name = "test_seen"
    read_models = ()

    def __init__(self) -> None:
        self.seen: list[str] = []

    @handles(ProductCreated)
    def product_created(self, recorded: Recorded[ProductCreated]) -> None:
        self.seen.append(f"created {recorded.event.sku}")

    @handles(ProductUpdated)
    def product_updated(self, recorded: Recorded[ProductUpdated]) -> None:
        self.seen.append(f"updated {sorted(recorded.event.changes)}")


@pytest.mark.django_db(databases="__all__")
def test_a_projection_gets_only_the_events_it_declares_each_at_its_own_method():
    mixed_history()
    projection = Seen()

    for row in Event.objects.order_by("position"):
        if projection.wants(row.type):
            projection.apply(recorded(row))

    assert Seen.handled_type_names == {"ProductCreated", "ProductUpdated"}
    assert not projection.wants("OrderPlaced")
    assert len(projection.seen) == 5
    assert projection.seen[3:] == ["updated ['name']", "updated ['price']"]


def test_declaring_two_handlers_for_one_event_is_refused_when_the_class_is_made():
    with pytest.raises(TypeError, match="handles ProductCreated twice"):

        class Twice(Projection):
            name = "test_twice"
            read_models = ()

            @handles(ProductCreated)
            def product_created(self, recorded: Recorded[ProductCreated]) -> None: ...

            @handles(ProductCreated)
            def product_made(self, recorded: Recorded[ProductCreated]) -> None: ...
