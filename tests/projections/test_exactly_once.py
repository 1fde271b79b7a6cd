"""Exactly-once effect: duplicate and concurrent runs leave exactly the rows of a single run."""

import itertools
import threading

import pytest
from django.core.cache import cache

from commands.models import Event
from projections import blue_green, progress, runner, segments, tasks
from projections.models import Checkpoint
from projections.registry import CONSUMERS, PROJECTIONS
from tests.projections.broker import purge_wake_ups, queued_wake_ups
from tests.projections.concurrency import in_threads
from tests.projections.history import mixed_history, read_side_snapshot


def deliver_each() -> dict[str, int]:
    """One delivery of every projection's task, in this process (what the wake-up's fan-out queues)."""
    return {name: tasks.project.apply(args=[name]).get()[name] for name in PROJECTIONS}


def rebuilt_snapshot() -> dict:
    """The read side a single replay of the whole log produces."""
    for projection in PROJECTIONS.values():
        blue_green.rebuild(projection)
    return read_side_snapshot()


@pytest.mark.django_db(databases="__all__")
def test_the_task_delivered_twice_changes_nothing_the_second_time():
    mixed_history()
    events = Event.objects.count()

    first = deliver_each()
    once = read_side_snapshot()
    second = deliver_each()
    tasks.project.apply(args=["orders"], kwargs={"retry": False}).get()

    assert first == {name: events for name in PROJECTIONS}
    assert second == {name: 0 for name in PROJECTIONS}
    assert read_side_snapshot() == once
    assert rebuilt_snapshot() == once


@pytest.mark.django_db(transaction=True, databases="__all__")
@pytest.mark.parametrize("split", [pytest.param({}, id="unsplit"), pytest.param({"orders": 2}, id="orders-in-2")])
def test_concurrent_runners_apply_each_event_exactly_once(settings, split):
    settings.PROJECTION_SEGMENTS = split  # split: each segment is a unit of its own (projections/segments.py)
    settings.PROJECTION_BATCH_SIZE = 3  # many small batches, so the runners really take turns
    for _ in range(3):
        mixed_history()
    events = Event.objects.count()

    applied = in_threads(*[runner.run_all] * 4)

    for name in segments.units():
        assert sum(each[name] for each in applied) == events, name  # no event applied by two runners
    assert sum(1 for each in applied if each["event_feed"]) > 1  # the work was shared, not done by one
    assert set(Checkpoint.objects.values_list("position", flat=True)) == {progress.head_position()}
    concurrent = read_side_snapshot()
    assert rebuilt_snapshot() == concurrent


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_task_deliveries_racing_the_writers_match_a_single_run(settings):
    settings.PROJECTION_BATCH_SIZE = 2
    written = threading.Event()

    def write() -> int:
        try:
            for _ in range(3):
                mixed_history()
        finally:
            written.set()
        return 0

    def deliver_until_written() -> int:
        """How many deliveries started while the writer was still writing."""
        racing = 0
        names = itertools.cycle(PROJECTIONS)
        while not written.is_set():
            racing += 1
            tasks.project.apply(args=[next(names)]).get()  # one projection's task at a time, as workers take them
        return racing

    _, *deliveries = in_threads(write, deliver_until_written, deliver_until_written)
    deliver_each()  # the wake-up of the last command

    # Both deliverers raced the writer (under load a delivery can wait on the lock for most of the writing).
    assert min(deliveries) >= 1
    assert set(Checkpoint.objects.values_list("position", flat=True)) == {progress.head_position()}
    live = read_side_snapshot()
    assert rebuilt_snapshot() == live


@pytest.mark.django_db(transaction=True, databases="__all__")
@pytest.mark.parametrize("task", [tasks.project_events, tasks.catch_up], ids=["wake-up", "catch-up"])
def test_the_wake_up_and_the_catch_up_fan_out_one_task_per_projection(task):
    purge_wake_ups()
    forget_queued_flags()
    try:
        assert task.apply().get() == list(CONSUMERS)
        assert queued_wake_ups() == len(CONSUMERS)
    finally:
        purge_wake_ups()
        forget_queued_flags()


def forget_queued_flags() -> None:
    cache.delete_many([tasks.queued_key(name) for name in CONSUMERS])


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_stream_of_wake_ups_queues_one_waiting_task_per_projection_and_a_started_task_clears_its_flag():
    purge_wake_ups()
    forget_queued_flags()
    try:
        for _ in range(5):
            tasks.wake_up()  # five commits while no worker has started anything
        assert queued_wake_ups() == len(CONSUMERS)
        assert tasks.catch_up.apply().get() == list(CONSUMERS)  # the safety net queues regardless
        assert queued_wake_ups() == 2 * len(CONSUMERS)

        tasks.project.apply(args=["orders"]).get()  # a worker starts the orders task
        assert tasks.wake_up() == ["orders"]  # the next commit needs a new orders task
    finally:
        purge_wake_ups()
        forget_queued_flags()
