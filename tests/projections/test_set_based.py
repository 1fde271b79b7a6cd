"""The set-based batch path (projections/rows.py) writes exactly what the per-event path writes, fan-outs included,
and a batch that fails only when written still finds and parks its poison event."""

import pytest

from commands.handlers import customers
from projections import blue_green, rows, runner, segments, verification
from projections.models import ParkedEvent
from projections.registry import PROJECTIONS
from queries.models import OrderCustomer, OrderView, ProductView
from tests.factories import context, make_customer, make_product, place_order
from tests.projections.history import mixed_history, read_side_snapshot

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture(params=["copy", "orm"])
def writes(request, monkeypatch):
    """Both ways a flush writes on PostgreSQL (projections/table_io.py): COPY, and the ORM below COPY_MIN_ROWS."""
    if request.param == "copy":
        monkeypatch.setattr(rows, "COPY_MIN_ROWS", 1)
    return request.param


def rebuild_all(*, per_event: bool) -> None:
    for projection in PROJECTIONS.values():
        blue_green.rebuild(projection, per_event=per_event)


@pytest.mark.parametrize("count", [1, 2])
def test_a_set_based_rebuild_equals_a_per_event_one_and_the_live_rows(settings, count, writes):
    settings.PROJECTION_SEGMENTS = {"orders": count}
    mixed_history(between=runner.run_all)
    runner.run_all()
    live = read_side_snapshot()
    assert len(live["rows"]["orders"]["queries.OrderView"]) == 6  # the comparisons below compare something

    rebuild_all(per_event=True)
    per_event = read_side_snapshot()
    rebuild_all(per_event=False)

    assert read_side_snapshot() == per_event == live


@pytest.mark.parametrize("count", [1, 2])
def test_a_rename_in_the_same_batch_as_orders_reaches_every_order_document(settings, count, writes):
    """Split in two, each segment renames its own copy of the customer and only its own order documents."""
    settings.PROJECTION_SEGMENTS = {"orders": count}
    kettle = make_product(stock=50)
    ann = make_customer(name="Ann")
    earlier = [place_order(ann, (kettle, 1)).aggregate_id]
    while len({segments.segment_of(pk, 2) for pk in earlier}) < 2:  # Ann has an order in each of two segments
        earlier.append(place_order(ann, (kettle, 1)).aggregate_id)
    runner.run_all()
    customers.update_customer_details(context=context("update-customer-details"), customer_id=ann, name="Ann B.")
    later = place_order(ann, (kettle, 2)).aggregate_id  # placed after the rename, in the same batch
    customers.update_customer_details(context=context("update-customer-details"), customer_id=ann, name="Ann C.")

    for part in segments.parts(PROJECTIONS["orders"]):
        runner.run_projection(part)  # one batch each: both renames and the new order

    names = dict(OrderView.objects.filter(pk__in=[*earlier, later]).values_list("pk", "customer_name"))
    assert names == dict.fromkeys([*earlier, later], "Ann C.")
    copies = OrderCustomer.objects.filter(id=ann).values_list("segment", "name")
    assert sorted(copies) == [(segment, "Ann C.") for segment in range(count)]
    assert verification.verify(PROJECTIONS["orders"]) == []


def test_a_batch_that_fails_only_when_written_parks_the_event_that_broke_it(writes):
    first = make_product(stock=5, sku="FIRST-1")
    runner.run_all()
    # A read row the log knows nothing about takes the SKU the next product will claim: its INSERT fails at the
    # flush, after the whole batch has folded, so only the per-event fallback can say which event it was.
    ProductView.objects.filter(pk=first).update(sku="CLASH-1")
    second = make_product(stock=5, sku="SECOND-1")
    poison = make_product(stock=5, sku="CLASH-1")
    third = make_product(stock=5, sku="THIRD-1")

    for _ in range(runner.MAX_ATTEMPTS):
        try:
            runner.run_projection(PROJECTIONS["catalog"])
            break
        except runner.EventFailed as failure:
            assert failure.event.aggregate_id == poison

    parked = ParkedEvent.objects.get(projection="catalog")
    assert parked.aggregate_id == poison
    assert "IntegrityError" in parked.error
    assert set(ProductView.objects.values_list("pk", flat=True)) == {first, second, third}
