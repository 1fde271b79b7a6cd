"""Segments (projections/segments.py): exactly once, every aggregate in order, read position = minimum, parking."""

import contextlib
import threading
import uuid

import pytest

from commands.handlers import orders as order_commands
from commands.models import Event
from projections import blue_green, generations, progress, runner, segments, verification
from projections.models import Checkpoint, ParkedEvent
from projections.orders import OrderDetailsProjection
from projections.registry import PROJECTIONS
from queries.models import OrderCustomer, OrderView
from tests.factories import context, make_customer, make_product, place_order
from tests.projections.concurrency import in_threads
from tests.projections.history import mixed_history


@pytest.fixture
def two_segments(settings):
    settings.PROJECTION_SEGMENTS = {"orders": 2}
    return settings


def order_documents() -> dict:
    return verification.snapshot(PROJECTIONS["orders"])["queries.OrderView"]


@pytest.mark.django_db(databases="__all__")
def test_two_segments_give_the_order_documents_of_one_unsplit_projection(two_segments):
    for _ in range(3):
        mixed_history()

    assert set(runner.run_all()) == {"catalog", "customers", "orders/0", "orders/1", "event_feed"}
    assert "orders" not in Checkpoint.objects.values_list("name", flat=True)
    documents = order_documents()
    assert {segments.segment_of(uuid.UUID(str(pk)), 2) for pk in documents} == {0, 1}  # both segments hold orders
    assert OrderCustomer.objects.filter(segment=1).count() == OrderCustomer.objects.filter(segment=0).count() > 0
    assert verification.verify(PROJECTIONS["orders"]) == []

    two_segments.PROJECTION_SEGMENTS = {}
    blue_green.rebuild(PROJECTIONS["orders"])  # one unsplit replay of the same log
    assert order_documents() == documents


@pytest.mark.django_db(databases="__all__")
def test_the_read_position_is_the_slowest_segment_and_a_rebuild_sets_every_segment(two_segments):
    mixed_history()
    units = segments.units()
    runner.run_projection(units["orders/0"])
    head = progress.head_position()

    assert Checkpoint.objects.get(name="orders/0").position == head
    assert progress.read_position(("orders",)) == Checkpoint.objects.get(name="orders/1").position < head

    blue_green.rebuild(PROJECTIONS["orders"])
    assert dict(Checkpoint.objects.filter(name__startswith="orders").values_list("name", "position")) == {
        "orders/0": head,
        "orders/1": head,
    }
    assert verification.verify(PROJECTIONS["orders"]) == []


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_under_concurrent_writers_a_reader_never_sees_position_n_with_an_order_up_to_n_missing(two_segments):
    two_segments.PROJECTION_BATCH_SIZE = 2
    product = make_product(price="5.00", stock=10_000)
    customers = [make_customer() for _ in range(4)]
    writing = threading.Event()
    writing.set()
    missing: list[tuple[int, set]] = []
    checked: list[int] = []

    def write() -> None:
        for customer in customers:
            for _ in range(6):
                place_order(customer, (product, 1))

    def project() -> None:
        while writing.is_set():
            runner.run_all()
        runner.run_all()

    def read() -> None:
        # Until the writers are done and the read side has caught up with them (a bounded number of looks).
        for _ in range(100_000):
            if not writing.is_set() and checked and checked[-1] == progress.head_position():
                return
            position = progress.read_position(("orders",))
            placed = Event.objects.filter(type="OrderPlaced", position__lte=position)
            wanted = set(placed.values_list("aggregate_id", flat=True))
            lacking = wanted - set(OrderView.objects.filter(pk__in=wanted).values_list("pk", flat=True))
            if lacking:
                missing.append((position, lacking))
            checked.append(position)

    def writers_then_stop() -> None:
        in_threads(write, write)
        writing.clear()

    in_threads(writers_then_stop, project, project, read)

    assert missing == []
    assert max(checked) > 0  # the reader saw the read side move while the writers wrote
    assert progress.read_position(("orders",)) == progress.head_position()
    assert OrderView.objects.count() == 48


@pytest.mark.django_db(databases="__all__")
def test_a_parked_order_holds_back_only_itself_in_its_own_segment(two_segments, monkeypatch):
    product = make_product(price="5.00", stock=100)
    customer = make_customer()
    orders = [place_order(customer, (product, 1)).aggregate_id for _ in range(6)]
    poison = orders[0]
    segment = f"orders/{segments.segment_of(poison, 2)}"
    real_handler = OrderDetailsProjection.order_placed

    def fail_for_poison(self, recorded):
        if recorded.aggregate_id == poison:
            raise RuntimeError("cannot project this order")
        real_handler(self, recorded)

    monkeypatch.setattr(OrderDetailsProjection, "order_placed", fail_for_poison)
    for _ in range(runner.MAX_ATTEMPTS):
        with contextlib.suppress(runner.EventFailed):  # until the poison event is parked
            runner.run_all()
    order_commands.cancel_order(context=context("cancel-order"), order_id=poison)
    runner.run_all()

    parked = ParkedEvent.objects.order_by("position")
    assert list(parked.values_list("projection", "aggregate_id", "held")) == [
        (segment, poison, False),
        (segment, poison, True),  # its later event waits behind it, in its segment only
    ]
    assert set(OrderView.objects.values_list("pk", flat=True)) == set(orders) - {poison}
    assert progress.read_position(("orders",)) == progress.head_position()
    assert progress.held_aggregates(("orders",)) == [str(poison)]


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_live_projection_goes_on_while_a_verify_is_in_progress(monkeypatch):
    product = make_product(price="5.00", stock=100)
    customer = make_customer()
    runner.run_all()
    inside, release = threading.Event(), threading.Event()
    real_copy = generations.copy_tables

    def copy_then_hold(*args):
        real_copy(*args)
        inside.set()
        assert release.wait(30), "the test never released the verify"

    monkeypatch.setattr(generations, "copy_tables", copy_then_hold)

    def command_while_verifying() -> int:
        assert inside.wait(30), "the verify never started"
        try:
            order = place_order(customer, (product, 1)).aggregate_id
            applied = runner.run_projection(PROJECTIONS["orders"])
            assert OrderView.objects.filter(pk=order).exists()  # visible while the verify still runs
            return applied
        finally:
            release.set()

    differences, applied = in_threads(lambda: verification.verify(PROJECTIONS["orders"]), command_while_verifying)

    assert applied > 0  # the live runner got the lock at once: the verify does not hold it
    assert differences == []
