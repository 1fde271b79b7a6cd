"""A blue/green rebuild over a log of more than 100k events (seeded in bulk by COPY), run by a real Celery worker
that is SIGKILLed midway: the live generation is untouched, the next run converges, nothing is applied twice."""

import os
import signal

import pytest
from django.db import connections
from django.db.models import Sum

from benchmarks.shop_plan import Scale
from benchmarks.shop_seed import seed_shop
from projections import verification
from projections.models import Checkpoint
from projections.registry import PROJECTIONS
from projections.tasks import rebuild
from queries.models import OrderView
from tests.conftest import WorkerProcess, subprocess_env, wait_until
from tests.projections.broker import purge_wake_ups
from tests.projections.history import read_side_snapshot

pytestmark = [pytest.mark.django_db(transaction=True, databases="__all__"), pytest.mark.pipeline, pytest.mark.slow]


def rebuild_schemas() -> set[str]:
    with connections["read"].cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild_%%'")
        return {row[0] for row in cursor.fetchall()}


def test_a_worker_killed_mid_rebuild_of_100k_events_leaves_live_alone_and_the_next_run_converges():
    seeded = seed_shop(Scale("kill", customers=2_000, products=200, orders=58_000))
    assert seeded.events >= 100_000
    orders = PROJECTIONS["orders"]
    live = read_side_snapshot()["rows"]["orders"]
    items = OrderView.objects.aggregate(items=Sum("item_count"))["items"]
    purge_wake_ups()

    worker = WorkerProcess(subprocess_env(), beat=False)
    try:
        rebuild.apply_async(args=["orders"])
        wait_until(lambda: Checkpoint.objects.filter(name="orders~next", position__gt=20_000).exists(), timeout=120)
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.wait(timeout=30)
    finally:
        worker.stop()

    assert rebuild_schemas() == {"rebuild_orders"}  # what the killed run left behind
    assert read_side_snapshot()["rows"]["orders"] == live  # the live generation served as before

    worker = WorkerProcess(subprocess_env(), beat=False)
    try:
        rebuild.apply_async(args=["orders"])  # started again (a redelivery of the killed task may come too)
        wait_until(
            lambda: not rebuild_schemas() and Checkpoint.objects.get(name="orders").rebuilt_at is not None,
            timeout=180,
        )
    finally:
        worker.stop()

    # Exactly once: every row as the single-pass seed wrote it, no order counted twice, nothing differs.
    assert read_side_snapshot()["rows"]["orders"] == live
    assert OrderView.objects.aggregate(items=Sum("item_count"))["items"] == items
    assert Checkpoint.objects.get(name="orders").position == seeded.head
    assert verification.verify(orders) == []
