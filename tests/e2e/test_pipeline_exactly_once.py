"""Exactly-once with real processes: two celery workers and duplicate wake-ups leave the rows of a single run."""

import pytest

from projections import progress, runner
from projections.models import ParkedEvent
from projections.registry import PROJECTIONS
from projections.tasks import project_events
from tests.conftest import WorkerProcess, subprocess_env, wait_until
from tests.projections.broker import purge_wake_ups
from tests.projections.history import mixed_history, read_side_snapshot

pytestmark = [pytest.mark.django_db(transaction=True, databases="__all__"), pytest.mark.pipeline]


@pytest.fixture
def two_workers():
    """Two worker processes on the same queue; exactly one runs the beat, as in production."""
    purge_wake_ups()
    env = subprocess_env()
    env["PROJECTION_BATCH_SIZE"] = "2"  # many short batches: the two workers' runs overlap and take turns
    workers = [WorkerProcess(env, beat=True), WorkerProcess(env, beat=False)]
    try:
        yield workers
    finally:
        for worker in workers:
            worker.stop()


def test_two_workers_and_duplicate_deliveries_leave_the_rows_of_a_single_run(two_workers):
    for _ in range(3):
        mixed_history()  # each command commits and sends its own wake-up
        for _ in range(5):
            project_events.apply_async()  # duplicate deliveries on top
    head = progress.head_position()

    wait_until(lambda: progress.read_position() >= head, timeout=60)
    assert all(worker.process.poll() is None for worker in two_workers)  # neither worker died on the way

    live = read_side_snapshot()
    assert set(live["checkpoints"].values()) == {head}
    assert not ParkedEvent.objects.exists()
    for projection in PROJECTIONS.values():
        runner.rebuild(projection)  # a single run from position 0, in this process
    assert read_side_snapshot() == live
