"""No skipped event: concurrent writers with random delays inside their transactions, a runner projecting meanwhile.

A sequence value can commit after a higher one; a runner that has moved its checkpoint past the higher one
would never see the lower one. The append lock prevents that; without it this test sees skips.
"""

import random
import threading
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db.models.signals import post_save

from commands import event_log
from commands.errors import CommandError
from commands.events import DomainEvent
from commands.handlers import customers, orders, products
from commands.models import Customer, Event, Order, Product
from commands.signals import events_recorded
from projections import progress, runner, verification
from projections.base import Projection
from projections.recorded import Recorded
from projections.registry import PROJECTIONS
from queries.models import EventRecord
from tests.factories import context, make_customer, make_product, place_order
from tests.projections.concurrency import in_threads

pytestmark = [pytest.mark.django_db(transaction=True, databases="__all__"), pytest.mark.slow]

WRITERS = 4
# The longest random pause inside a writer's transaction; a test may lengthen it (see below).
delay_seconds = {"max": 0.003}


class PositionRecorder(Projection):
    """Test-only projection: every position it is given, in the order given."""

    name = "test_positions"
    read_models = ()
    handles_every_event = True

    def __init__(self) -> None:
        self.applied: list[int] = []

    def apply(self, recorded: Recorded[DomainEvent]) -> None:
        self.applied.append(recorded.position)


def random_delay(**kwargs: Any) -> None:
    """Injected inside the writers' transactions (the torture itself); nothing here waits for a result."""
    time.sleep(random.uniform(0, delay_seconds["max"]))


@pytest.fixture
def delays_inside_transactions():
    """Sleep at random between a command's mutation and its append, and between its append and its commit."""
    aggregates = (Customer, Order, Product)
    for model in aggregates:
        post_save.connect(random_delay, sender=model, dispatch_uid="torture-before-append")
    events_recorded.connect(random_delay, dispatch_uid="torture-after-append")
    yield
    for model in aggregates:
        post_save.disconnect(sender=model, dispatch_uid="torture-before-append")
    events_recorded.disconnect(dispatch_uid="torture-after-append")


@pytest.fixture
def recorder(monkeypatch) -> PositionRecorder:
    recorder = PositionRecorder()
    monkeypatch.setitem(PROJECTIONS, recorder.name, recorder)
    return recorder


class Writer:
    """Sends a random mix of commands through the real handlers until `events` of them were accepted."""

    def __init__(self, *, events: int, product_ids: list[uuid.UUID], seed: int) -> None:
        self.events = events
        self.product_ids = product_ids
        self.random = random.Random(seed)
        self.customer_ids: list[uuid.UUID] = []
        self.order_ids: list[uuid.UUID] = []

    def __call__(self) -> int:
        accepted = 0
        self.customer_ids.append(make_customer())
        accepted += 1
        while accepted < self.events:
            try:
                self.send_one()
                accepted += 1
            except CommandError:
                pass  # refused (e.g. shipping an unpaid order): wrote nothing
        return accepted

    def send_one(self) -> None:
        pick = self.random.choices(
            ["order", "pay", "ship", "cancel", "stock", "rename", "price", "register"],
            weights=[30, 15, 10, 10, 10, 10, 5, 10],
        )[0]
        order_id = self.random.choice(self.order_ids) if self.order_ids else uuid.uuid4()
        product_id = self.random.choice(self.product_ids)
        if pick == "order":
            lines = {p: self.random.randint(1, 3) for p in self.random.sample(self.product_ids, 2)}
            self.order_ids.append(place_order(self.random.choice(self.customer_ids), *lines.items()).aggregate_id)
        elif pick == "pay":
            orders.pay_order(context=context(), order_id=order_id)
        elif pick == "ship":
            orders.ship_order(context=context(), order_id=order_id)
        elif pick == "cancel":
            orders.cancel_order(context=context(), order_id=order_id)
        elif pick == "stock":
            products.adjust_stock(context=context(), product_id=product_id, delta=self.random.randint(1, 5))
        elif pick == "rename":
            customer_id = self.random.choice(self.customer_ids)
            customers.update_customer_details(
                context=context(), customer_id=customer_id, name=f"Renamed {self.random.randint(1, 999)}"
            )
        elif pick == "price":
            price = Decimal(self.random.randint(100, 9999)) / 100
            products.update_product(context=context(), product_id=product_id, price=price)
        else:
            self.customer_ids.append(make_customer())


def torture(*, recorder: PositionRecorder, events_per_writer: int, project: Callable[[], object]) -> dict[str, Any]:
    """Writers and one runner (calling `project` in a loop) at once; then a last run. Returns what tests assert on."""
    product_ids = [make_product(stock=1_000_000) for _ in range(6)]
    writing = threading.Event()
    remaining = [WRITERS]
    lock = threading.Lock()

    def writer(seed: int):
        def write() -> int:
            try:
                return Writer(events=events_per_writer, product_ids=product_ids, seed=seed)()
            finally:
                with lock:
                    remaining[0] -= 1
                    if not remaining[0]:
                        writing.set()

        return write

    def project_while_writing() -> int:
        rounds = 0
        while not writing.is_set():
            project()
            rounds += 1
            writing.wait(0.002)  # a tight polling loop, like many quick wake-ups
        return rounds

    started = time.monotonic()
    *accepted, rounds = in_threads(*[writer(seed) for seed in range(WRITERS)], project_while_writing)
    applied_by_racing_runner = len(recorder.applied)
    runner.run_all()
    return {
        "seconds": time.monotonic() - started,
        "accepted": sum(accepted),
        "rounds": rounds,
        "applied_by_racing_runner": applied_by_racing_runner,
        "positions": list(Event.objects.values_list("position", flat=True)),
    }


def test_every_event_is_applied_exactly_once_in_order_under_concurrent_writers(delays_inside_transactions, recorder):
    result = torture(recorder=recorder, events_per_writer=500, project=runner.run_all)
    positions = result["positions"]
    print(
        f"\ngap torture: {len(positions)} events, {WRITERS} writers, {result['seconds']:.1f} s, "
        f"{result['rounds']} runner rounds, {result['applied_by_racing_runner']} applied by the racing runner"
    )

    assert len(positions) == result["accepted"] + 6 >= 2000
    assert result["applied_by_racing_runner"] > len(positions) // 2  # the runner really raced the writers
    assert recorder.applied == positions  # each once, in position order, none skipped
    assert list(EventRecord.objects.values_list("position", flat=True)) == positions
    assert set(progress.read_position((name,)) for name in PROJECTIONS) == {positions[-1]}
    for name, projection in PROJECTIONS.items():
        if name != recorder.name:
            assert verification.verify(projection) == [], name  # the read models equal a replay, too


def unlocked_insert(connection: Any, row: Event) -> Event:
    row.save(using="default", force_insert=True)  # the position is drawn without the append lock
    return row


def test_without_the_append_lock_the_same_torture_skips_events(delays_inside_transactions, recorder, monkeypatch):
    """The test above can fail: with appends no longer serialized, the runner passes over late commits."""
    monkeypatch.setattr(event_log, "insert_event", unlocked_insert)
    monkeypatch.setitem(delay_seconds, "max", 0.01)  # longer windows in which a lower position is still uncommitted
    # Only the recorder runs, so the runner polls every millisecond or two and meets the short windows
    # in which a higher position is visible and a lower one not yet.
    result = torture(recorder=recorder, events_per_writer=150, project=lambda: runner.run_projection(recorder))
    skipped = set(result["positions"]) - set(recorder.applied)
    print(f"\nwithout the append lock: {len(skipped)} of {len(result['positions'])} events skipped")

    assert skipped
    assert progress.read_position((recorder.name,)) == result["positions"][-1]  # and it believes it is caught up
