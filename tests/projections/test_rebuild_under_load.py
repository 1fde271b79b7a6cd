"""Rebuild under load (issue 11): a blue/green rebuild of the orders projection over more than 100k events
(seeded by COPY) runs in one real worker while a second one projects live, and API clients keep writing and
reading all along.

What it proves: a reader polling one order never gets an error and never sees the order or its read position
go backwards; a client reading its own last write (X-Min-Position) is served within the usual wait while the new
generation fills, so live projection never stops; after the swap the read side reaches the head, the rebuilt
projection equals a fresh replay (verify_projections' check) and every write the clients made is in the read
models.
"""

import threading
import time
from typing import Any

import pytest
from rest_framework.test import APIClient

from benchmarks.shop_plan import Scale
from benchmarks.shop_seed import seed_shop
from config.celery import app
from projections import verification
from projections.models import Checkpoint
from projections.progress import head_position, read_position
from projections.registry import PROJECTIONS
from projections.tasks import rebuild
from queries.models import CustomerView, OrderView
from tests.commands.command_api import post_command, token_for
from tests.conftest import WorkerProcess, subprocess_env, wait_until
from tests.projections.broker import purge_wake_ups
from tests.projections.load import ClientThread, LockWatch, OwnWriteReader, Watcher, Writer, mid_rebuild, rebuild_share

pytestmark = [
    pytest.mark.django_db(transaction=True, databases="__all__"),
    pytest.mark.pipeline,
    pytest.mark.slow,
    pytest.mark.timeout(600),  # 3 minutes on the 2 cores shared at load 5-9, 5 minutes at load 12
]

SCALE = Scale("under-load", customers=2_000, products=200, orders=58_000)
SEEN_BEFORE_AND_AFTER = 3  # reads of one's own write served before the rebuild starts and after the swap
# The rebuilt projection. The others were projected live throughout and their writes are checked below, but a
# replay of each copies the whole log again: verifying orders, customers and catalog took 216 s of a 5-minute
# run on the shared 2-core machine (the rebuild itself 74 s).
VERIFIED = ("orders",)
# At most one read in this many may wait longer than READ_POSITION_WAIT_SECONDS. Seen on the shared machine at
# load 11-12 only: 1 of 111 and 2 of 123 reads (0 of 81-141 in four runs at load 5-9), each 503 with the orders
# read position exactly one event short of the wanted one. The likeliest cause: the live task for that event
# met the swap's lock past LOCK_WAIT_MS and ended, leaving the event to the next commit's wake-up or the
# catch-up; such a task now queues itself again (projections/tasks.py, tests/projections/test_runner_lock.py).
# 0 of 56 late in the first run after it, at load 6; the allowance stays until high-load runs show none.
LATE_AT_MOST = 50


def workers_answering() -> int:
    return len(app.control.ping(timeout=0.5))


def test_writers_and_readers_go_on_through_a_blue_green_rebuild_of_100k_events_and_it_verifies(staff_user: Any) -> None:
    started = time.monotonic()
    phases: dict[str, float] = {}
    seeded = seed_shop(SCALE)
    phases["seed"] = time.monotonic() - started
    assert seeded.events >= 100_000
    token = token_for(staff_user)
    purge_wake_ups()
    env = subprocess_env()
    # Two solo workers, as a shop runs several: whichever takes the rebuild, the other projects live meanwhile.
    workers = [WorkerProcess(env, beat=True), WorkerProcess(env, beat=False)]
    try:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        placed = post_command(
            client,
            "create-order",
            {"customer_id": seeded.customer_ids[0], "lines": [{"product_id": seeded.product_ids[0], "quantity": 1}]},
        )
        assert placed.status_code == 202, placed.content
        watched = placed.json()["aggregate_id"]
        wait_until(lambda: workers_answering() >= 2, timeout=60)
        wait_until(lambda: read_position(("orders",)) >= placed.json()["position"], timeout=60)

        stop = threading.Event()
        writer = Writer(token, stop, seeded, watched)
        watcher = Watcher(token, stop, watched)
        own = OwnWriteReader(token, stop, writer)
        locks = LockWatch(stop)
        clients: list[ClientThread | LockWatch] = [writer, watcher, own, locks]
        for each in clients:
            each.start()
        try:
            wait_until(lambda: len(own.answers) >= SEEN_BEFORE_AND_AFTER, timeout=60)  # the load flows first
            phases["rebuild sent"] = time.monotonic() - started
            rebuild.apply_async(args=["orders"])
            wait_until(lambda: rebuild_share() is not None, timeout=60)
            wait_until(
                lambda: rebuild_share() is None and Checkpoint.objects.get(name="orders").rebuilt_at is not None,
                timeout=240,
            )
            phases["swapped"] = time.monotonic() - started
            swapped = len(own.answers)
            wait_until(lambda: len(own.answers) >= swapped + SEEN_BEFORE_AND_AFTER, timeout=60)
        finally:
            stop.set()
            for each in clients:
                each.join(timeout=60)
        for each in clients:
            assert not each.is_alive() and each.errors == [], each.errors

        # The watched order: always served, never older, its read position never back; it moved mid-rebuild.
        print(f"\n{watcher.summary()}\n{own.summary()}\n{writer.summary()}\n{locks.summary()}")
        assert {answer.status for answer in watcher.answers} == {200}
        versions = [answer.version for answer in watcher.answers if answer.version is not None]
        positions = [answer.read_position for answer in watcher.answers]
        assert versions == sorted(versions) and positions == sorted(positions)
        assert [command for command, _ in writer.watched_moves] == ["pay-order", "ship-order"]
        assert all(mid_rebuild(share) for _, share in writer.watched_moves), writer.watched_moves
        assert any(mid_rebuild(answer.share) and answer.version == 3 for answer in watcher.answers)

        # Reading one's own write: served (200: within READ_POSITION_WAIT_SECONDS, else a 503) with the document
        # at least as new as the command left it; many of them wholly inside the rebuild.
        late = own.late()
        assert {answer.status for answer in own.answers} <= {200, 503}, own.summary()
        assert len(late) <= len(own.answers) // LATE_AT_MOST, f"{own.summary()}\n{locks.summary()}"
        served = [answer for answer in own.answers if answer.status == 200]
        assert all((answer.version or 0) >= answer.wanted_version for answer in served)
        assert all(answer.read_position >= answer.wanted for answer in served)
        during = [answer for answer in own.answers if mid_rebuild(answer.share_before) and mid_rebuild(answer.share)]
        assert len(during) >= SEEN_BEFORE_AND_AFTER, own.summary()

        # After the swap: the read side reaches the head, equals a replay, and holds every write made.
        wait_until(lambda: read_position() >= head_position(), timeout=60)
        for name in VERIFIED:
            assert verification.verify(PROJECTIONS[name]) == [], name
            phases[f"{name} verified"] = time.monotonic() - started
        print(", ".join(f"{phase} at {seconds:.0f}s" for phase, seconds in phases.items()))
        documents = dict(OrderView.objects.filter(pk__in=writer.orders).values_list("pk", "version"))
        assert {str(pk): version for pk, version in documents.items()} == writer.orders
        assert CustomerView.objects.filter(pk__in=writer.customers).count() == len(writer.customers)
        assert OrderView.objects.get(pk=watched).status == "shipped"
    finally:
        for worker in workers:
            worker.stop()
