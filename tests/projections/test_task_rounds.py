"""A `project` task applies what was committed before it read, in full batches, and then ends: it does not chase
a stream of commits (each of those queues a task of its own), so one busy projection cannot hold a worker child
while the others' tasks wait in the queue."""

import pytest

from commands.models import Event
from projections import progress, runner, tasks
from projections.models import Checkpoint
from tests.factories import make_product
from tests.projections.broker import purge_wake_ups

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


@pytest.fixture
def counted_batches(monkeypatch):
    reads: list[int] = []
    run_once = runner.run_once

    def counting(projection, batch_size):
        count = run_once(projection, batch_size)
        if projection.name == "catalog":
            reads.append(count or 0)
        return count

    monkeypatch.setattr(runner, "run_once", counting)
    return reads


def test_a_task_runs_full_batches_then_stops_after_the_first_short_one(settings, counted_batches):
    settings.PROJECTION_BATCH_SIZE = 3
    for _ in range(7):
        make_product()
    purge_wake_ups()

    assert tasks.project.apply(args=["catalog"]).get() == {"catalog": 7}
    assert counted_batches == [3, 3, 1]  # no fourth, empty read: the short batch had reached the head
    assert Checkpoint.objects.get(name="catalog").position == progress.head_position()


def test_a_backlog_of_whole_batches_ends_with_the_empty_read(settings, counted_batches):
    settings.PROJECTION_BATCH_SIZE = 3
    for _ in range(6):
        make_product()
    purge_wake_ups()

    assert tasks.project.apply(args=["catalog"]).get() == {"catalog": 6}
    assert counted_batches == [3, 3, 0]  # a full batch may have more behind it


def test_run_all_still_drains(settings, counted_batches):
    settings.PROJECTION_BATCH_SIZE = 3
    for _ in range(4):
        make_product()
    purge_wake_ups()

    assert runner.run_all()["catalog"] == Event.objects.count() == 4
    assert counted_batches == [3, 1, 0]
