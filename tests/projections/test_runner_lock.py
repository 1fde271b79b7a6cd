"""One runner per projection at a time: a second one waits for a batch in progress, not for a rebuild."""

import threading
import time
from collections.abc import Iterator

import pytest
from django.db import connections

from projections import runner, tasks
from projections.models import Checkpoint
from projections.registry import PROJECTIONS
from queries.models import ProductView
from tests.conftest import wait_until
from tests.factories import make_product
from tests.projections.concurrency import CheckpointHolder

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")
catalog = PROJECTIONS["catalog"]


@pytest.fixture
def holder() -> Iterator[CheckpointHolder]:
    runner.ensure_checkpoint("catalog")
    holder = CheckpointHolder()
    holder.start()
    assert holder.holding.wait(timeout=10)
    yield holder
    holder.release.set()
    holder.join()


def waiting_for_a_lock() -> int:
    with connections["read"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_a_second_runner_waits_for_the_batch_in_progress_and_then_applies_what_came_after(holder):
    # The holder may have read the log before this product committed: if the wake-up for it left at once,
    # the product would wait for the periodic catch-up.
    product_id = make_product()
    applied: list[int] = []

    def second_runner() -> None:
        try:
            applied.append(runner.run_projection(catalog))
        finally:
            connections.close_all()

    second = threading.Thread(target=second_runner)
    second.start()

    wait_until(waiting_for_a_lock, timeout=10)
    holder.release.set()
    second.join(timeout=30)

    assert applied == [1]
    assert ProductView.objects.filter(pk=product_id).exists()


def test_a_runner_gives_up_on_a_projection_held_longer_than_the_lock_wait(holder, monkeypatch):
    monkeypatch.setattr(runner, "LOCK_WAIT_MS", 200)  # a rebuild holds the lock for its whole replay
    make_product()

    started = time.monotonic()
    assert runner.run_projection(catalog) == 0
    assert time.monotonic() - started < 5
    assert Checkpoint.objects.get(name="catalog").position == 0
    assert not ProductView.objects.exists()

    holder.release.set()
    holder.join()
    assert runner.run_projection(catalog) == 1  # and the same connection works normally afterwards


def test_a_task_that_finds_the_lock_kept_queues_itself_again_and_that_one_applies_the_events(holder, monkeypatch):
    """A blue/green swap holding the lock past the wait must not leave the commits that woke the task to the
    catch-up (up to PROJECTION_CATCHUP_SECONDS later): the task comes back shortly after."""
    monkeypatch.setattr(runner, "LOCK_WAIT_MS", 200)
    product_id = make_product()
    queued: list[dict] = []
    monkeypatch.setattr(tasks.project, "apply_async", lambda **options: queued.append(options))
    tasks.forget_queued("catalog")

    assert tasks.project("catalog") == {"catalog": 0}
    assert queued == [{"args": ["catalog"], "kwargs": {"retry": True}, "countdown": tasks.BUSY_RETRY_SECONDS}]
    assert not ProductView.objects.filter(pk=product_id).exists()
    assert tasks.project("catalog") == {"catalog": 0} and len(queued) == 2  # still kept: again

    holder.release.set()
    holder.join()
    assert tasks.project(*queued[-1]["args"], **queued[-1]["kwargs"]) == {"catalog": 1}
    assert ProductView.objects.filter(pk=product_id).exists()
    assert len(queued) == 2
