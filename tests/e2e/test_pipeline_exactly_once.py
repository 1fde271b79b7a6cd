"""Exactly-once and in parallel with real processes: two celery workers, one task and one lock per projection."""

import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest
from django.db import connections, transaction

from commands.handlers import products
from projections import blue_green, progress, runner
from projections.models import Checkpoint, ParkedEvent
from projections.registry import PROJECTIONS
from projections.tasks import project, project_events
from queries.models import ProductView
from tests.conftest import WorkerProcess, subprocess_env, wait_until
from tests.factories import context, make_customer, make_product
from tests.projections.broker import purge_wake_ups
from tests.projections.history import mixed_history, read_side_snapshot

pytestmark = [pytest.mark.django_db(transaction=True, databases="__all__"), pytest.mark.pipeline]


def start_two_workers(**extra_env: str) -> list[WorkerProcess]:
    """Two worker processes on the same queue; exactly one runs the beat, as in production."""
    purge_wake_ups()
    env = subprocess_env() | extra_env
    return [WorkerProcess(env, beat=True), WorkerProcess(env, beat=False)]


@pytest.fixture
def two_workers() -> Iterator[list[WorkerProcess]]:
    # Many short batches: the two workers' runs of one projection overlap and take turns.
    workers = start_two_workers(PROJECTION_BATCH_SIZE="2")
    try:
        yield workers
    finally:
        for worker in workers:
            worker.stop()


def test_two_workers_and_duplicate_deliveries_leave_the_rows_of_a_single_run(two_workers):
    for _ in range(3):
        mixed_history()  # each command commits and sends its own wake-up
        for _ in range(3):
            project_events.apply_async()  # duplicate wake-ups on top
            for name in PROJECTIONS:
                project.apply_async(args=[name])  # and duplicate deliveries of each projection's task
    head = progress.head_position()

    wait_until(lambda: progress.read_position() >= head, timeout=60)
    assert all(worker.process.poll() is None for worker in two_workers)  # neither worker died on the way

    live = read_side_snapshot()
    assert set(live["checkpoints"].values()) == {head}
    assert not ParkedEvent.objects.exists()
    for projection in PROJECTIONS.values():
        blue_green.rebuild(projection)  # a single run from position 0, in this process
    assert read_side_snapshot() == live


class RowHolder(threading.Thread):
    """Holds a row lock on one catalog row, so the catalog's handler for that product blocks until released."""

    def __init__(self, product_id: object) -> None:
        super().__init__()
        self.product_id = product_id
        self.holding = threading.Event()
        self.release = threading.Event()

    def run(self) -> None:
        try:
            with transaction.atomic(using="read"):
                ProductView.objects.select_for_update().get(pk=self.product_id)
                self.holding.set()
                self.release.wait(timeout=60)
        finally:
            connections.close_all()


@pytest.mark.slow
def test_a_stuck_projection_holds_back_only_itself_while_the_other_worker_goes_on():
    # No catch-up during the test: its fan-out could hand the free worker a task of the stuck projection.
    workers = start_two_workers(PROJECTION_CATCHUP_SECONDS="600")
    try:
        product_id = make_product(stock=5)
        wait_until(lambda: progress.read_position() >= progress.head_position(), timeout=60)
        holder = RowHolder(product_id)
        holder.start()
        assert holder.holding.wait(timeout=10)
        try:
            with transaction.atomic(using="default"):  # one commit, one wake-up, one fan-out
                products.adjust_stock(context=context(), product_id=product_id, delta=3)
                make_customer()
            head = progress.head_position()
            started = time.monotonic()
            others = tuple(name for name in PROJECTIONS if name != "catalog")
            wait_until(lambda: progress.read_position(others) >= head, timeout=30, interval=0.02)
            elapsed = time.monotonic() - started
            print(f"\nthe other projections caught up in {elapsed:.2f} s while the catalog was stuck")

            assert progress.read_position(("catalog",)) < head  # the catalog really was stuck meanwhile
            # One task for all projections would have made the free worker wait LOCK_WAIT_MS for the catalog first.
            assert elapsed < runner.LOCK_WAIT_MS / 1000
        finally:
            holder.release.set()
            holder.join()
        wait_until(lambda: progress.read_position(("catalog",)) >= head, timeout=30)
        assert ProductView.objects.get(pk=product_id).stock == 8
    finally:
        for worker in workers:
            worker.stop()


@pytest.fixture
def segmented(settings) -> dict[str, str]:
    """The orders projection in two segments, in this process and in the workers."""
    settings.PROJECTION_SEGMENTS = {"orders": 2}
    return {"PROJECTION_SEGMENTS": "orders=2"}


@pytest.mark.slow
def test_two_workers_on_segmented_orders_apply_every_event_exactly_once(segmented):
    workers = start_two_workers(PROJECTION_BATCH_SIZE="2", **segmented)
    try:
        for _ in range(3):
            mixed_history()
            for name in ("orders/0", "orders/1"):
                project.apply_async(args=[name])  # duplicate deliveries of each segment's task
        head = progress.head_position()
        wait_until(lambda: progress.read_position() >= head, timeout=60)
        assert all(worker.process.poll() is None for worker in workers)
    finally:
        for worker in workers:
            worker.stop()
    assert_single_run(head)


def assert_single_run(head: int) -> None:
    """Every checkpoint (every segment) at the head, nothing parked, and the rows a single replay gives."""
    assert set(Checkpoint.objects.exclude(name__endswith="~next").values_list("position", flat=True)) == {head}
    assert not ParkedEvent.objects.exists()
    live = read_side_snapshot()
    for projection in PROJECTIONS.values():
        blue_green.rebuild(projection)
    assert read_side_snapshot() == live


@pytest.mark.slow
def test_a_worker_killed_in_the_middle_of_a_segment_batch_converges_with_nothing_applied_twice(segmented):
    # Each applied event takes 20 ms in the first worker (the fault hook): a batch of 40 lasts most of a second.
    slow = segmented | {"PROJECTION_BATCH_SIZE": "40", "PROJECTION_FAULT_DELAY_SECONDS": "0.02"}
    purge_wake_ups()
    # No beat in this one: an embedded beat is a child process that a SIGKILL of the worker would leave running.
    # The commands' own wake-ups hand it the work.
    worker = WorkerProcess(subprocess_env() | slow, beat=False)
    try:
        for _ in range(3):
            mixed_history()
        head = progress.head_position()
        first = lambda: Checkpoint.objects.filter(name__in=("orders/0", "orders/1"), position__gt=0).exists()  # noqa: E731
        wait_until(first, timeout=60, interval=0.01)  # a segment committed a batch; its next one is under way
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.wait()
    finally:
        worker.stop()
    assert progress.read_position(("orders",)) < head  # killed midway
    restarted = WorkerProcess(subprocess_env() | segmented | {"PROJECTION_CATCHUP_SECONDS": "1"}, beat=True)
    try:
        wait_until(lambda: progress.read_position() >= head, timeout=60)
    finally:
        restarted.stop()
    assert_single_run(head)
