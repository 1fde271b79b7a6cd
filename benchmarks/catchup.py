"""The catch-up part of `make bench`: a backlog of order events, projected by 1 worker vs 2 worker processes.

The orders projection is the heaviest, so it is the one PROJECTION_SEGMENTS splits (projections/segments.py).
Rows, all with real `celery worker --pool=solo` processes, in the same run: 1 worker on the unsplit
projection (the baseline), 1 worker on 2 segments (what splitting costs: each segment reads the whole log),
2 workers on 2 segments. Each row starts from an empty orders read side with the other projections already at
the head, and times from queueing the tasks (workers already up) to the read position reaching the head.
Size: --catchup-events (default 20,000; the issue's figure is 200,000). The ratio is only meaningful with at
least 2 CPUs free for the workers besides PostgreSQL: the report says how many the machine has.
"""

import os
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

ORDERS_PER_CUSTOMER = 20
INSERT_BATCH = 5000
POLL_SECONDS = 0.05


def seed_order_events(total: int) -> int:
    """About `total` events: customers, then per order OrderPlaced and OrderPaid (2 events), interleaved."""
    from django.db import transaction
    from django.utils import timezone

    from commands.event_log import CommandContext, event_row
    from commands.events import CustomerRegistered, DomainEvent, OrderPaid, OrderPlaced, PlacedLine
    from commands.models import Event

    metadata = CommandContext(command="bench-seed", actor="bench").metadata()
    started = timezone.now() - timedelta(hours=1)
    orders = max(total // 2 - total // (2 * ORDERS_PER_CUSTOMER), 1)
    customers = [uuid.uuid4() for _ in range(max(orders // ORDERS_PER_CUSTOMER, 1))]
    rows: list[Event] = []

    def append(aggregate: uuid.UUID, version: int, event: DomainEvent) -> None:
        occurred = started + timedelta(milliseconds=len(rows))
        rows.append(event_row(event, aggregate, version, occurred, metadata))

    for number, customer in enumerate(customers):
        append(
            customer,
            1,
            CustomerRegistered(email=f"c{number}@bench.test", name=f"C {number}", phone="", address=None, user_id=None),
        )
    product = uuid.uuid4()
    line = PlacedLine(product_id=product, sku="BENCH", name="Bench", unit_price=Decimal("9.99"), quantity=1)
    placed: list[tuple[uuid.UUID, uuid.UUID]] = []
    for number in range(orders):
        order, customer = uuid.uuid4(), customers[number % len(customers)]
        append(order, 1, OrderPlaced(customer_id=customer, lines=[line], total=Decimal("9.99"), currency="EUR"))
        placed.append((order, customer))
        if len(placed) > 50:  # paid a little later, so batches mix orders
            order, customer = placed.pop(0)
            append(order, 2, OrderPaid(customer_id=customer, amount=Decimal("9.99")))
    for order, customer in placed:
        append(order, 2, OrderPaid(customer_id=customer, amount=Decimal("9.99")))
    with transaction.atomic(using="default"):
        Event.objects.bulk_create(rows, batch_size=INSERT_BATCH)
    return len(rows)


def reset_orders(head: int) -> None:
    """An empty orders read side with no checkpoint; every other consumer already at the head (the email reactor
    too: catching up its mail for the whole backlog kept a solo worker from even answering the start-up ping)."""
    from projections import runner
    from projections.models import Checkpoint, ParkedEvent
    from projections.registry import CONSUMERS, PROJECTIONS

    PROJECTIONS["orders"].clear()
    Checkpoint.objects.filter(name__startswith="orders").delete()
    ParkedEvent.objects.all().delete()
    for name in CONSUMERS:
        if name != "orders":
            runner.ensure_checkpoint(name)
            Checkpoint.objects.filter(name=name).update(position=head)


def timed_catch_up(*, workers: int, segments: int, head: int) -> float:
    from django.conf import settings

    from benchmarks.latency import Worker
    from config.celery import app
    from projections import progress
    from projections import segments as segmenting
    from projections.tasks import project

    settings.PROJECTION_SEGMENTS = {"orders": segments}
    os.environ["PROJECTION_SEGMENTS"] = f"orders={segments}"
    os.environ["PROJECTION_CATCHUP_SECONDS"] = "600"  # no catch-up during the measure: the tasks are queued here
    reset_orders(head)
    app.control.purge()  # what the previous row's workers left queued is not this row's work
    # No beat: its first catch-up runs at start-up, and would project the backlog before the clock starts.
    started_workers = [Worker(solo=True, beat=False) for _ in range(workers)]
    try:
        deadline = time.monotonic() + 60
        while len(app.control.ping(timeout=0.5) or []) < workers:
            if time.monotonic() > deadline:
                raise RuntimeError("the bench workers did not start")
        started = time.monotonic()
        for name in segmenting.checkpoint_names("orders"):
            project.apply_async(args=[name], kwargs={"retry": False})
        while progress.read_position(("orders",)) < head:
            time.sleep(POLL_SECONDS)
        return time.monotonic() - started
    finally:
        for worker in started_workers:
            worker.stop()


def run_catchup_part(events: int) -> dict[str, Any]:
    from django.core.management import call_command

    from projections import progress

    for alias in ("default", "read"):
        call_command("migrate", database=alias, verbosity=0)
    print(f"seeding about {events:,} order events …", file=sys.stderr)
    seeded = seed_order_events(events)
    head = progress.head_position()
    rows = {}
    for label, workers, segments in (
        ("1 worker, orders unsplit", 1, 1),
        ("1 worker, orders in 2 segments", 1, 2),
        ("2 workers, orders in 2 segments", 2, 2),
    ):
        print(f"catch-up: {label} …", file=sys.stderr)
        seconds = timed_catch_up(workers=workers, segments=segments, head=head)
        rows[label] = {"seconds": round(seconds, 2), "events_per_second": round(seeded / seconds)}
        print(f"  {seconds:.1f} s", file=sys.stderr)
    baseline = rows["1 worker, orders unsplit"]["seconds"]
    return {
        "events": seeded,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "rows": rows,
        "2 workers vs 1 worker (speed-up)": round(baseline / rows["2 workers, orders in 2 segments"]["seconds"], 2),
    }
