"""A rebuild of every projection fills their new generations in forked processes, a share each (filling.py)."""

import os
import signal
from pathlib import Path

import pytest
from django.db import connections, transaction

from commands.models import Event
from projections import blue_green, filling, runner, verification
from projections.catalog import CatalogProjection
from projections.models import Checkpoint
from projections.progress import head_position
from projections.registry import PROJECTIONS
from queries.models import EventRecord, ProductView
from tests.conftest import wait_until
from tests.factories import make_product
from tests.projections.concurrency import rebuild_process
from tests.projections.history import mixed_history, read_side_snapshot

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")
EVERY = list(PROJECTIONS.values())


def schemas() -> set[str]:
    with connections["read"].cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild_%%'")
        return {row[0] for row in cursor.fetchall()}


def test_the_shares_are_of_about_equal_cost_and_no_more_than_the_processes():
    costs = {each.name: each.rebuild_cost for each in EVERY}

    two = filling.shares(EVERY, 2)

    assert sorted(each.name for share in two for each in share) == sorted(costs)  # each projection once
    totals = sorted(sum(each.rebuild_cost for each in share) for share in two)
    assert totals[1] - totals[0] <= max(costs.values())  # dealt heaviest first, each to the lightest share
    assert [len(share) for share in filling.shares(EVERY, 1)] == [len(EVERY)]
    assert len(filling.shares(EVERY, 16)) == len(EVERY)  # a process per projection at most


def test_inside_a_transaction_the_rebuild_fills_in_this_process(settings):
    settings.PROJECTION_REBUILD_PROCESSES = 4  # a child would not see the generations made in this transaction
    with transaction.atomic(using="read"):
        assert blue_green.dealt_shares(connections["read"], EVERY) == [EVERY]
    assert len(blue_green.dealt_shares(connections["read"], EVERY)) == 4


def test_forked_shares_rebuild_every_projection_to_the_live_read_models(settings, monkeypatch, tmp_path):
    settings.PROJECTION_REBUILD_BATCH_SIZE = 5  # many commits in each child, each reported to this process
    settings.PROJECTION_REBUILD_PROCESSES = 2
    for _ in range(2):
        mixed_history(between=runner.run_all)
    runner.run_all()
    live = read_side_snapshot()
    fillers = tmp_path / "fillers"
    original = blue_green.fill_generations

    def noting_the_process(share, done, **options):  # runs in the child: it leaves its pid in a file
        with fillers.open("a") as out:
            out.write(f"{os.getpid()}\n")
        return original(share, done, **options)

    monkeypatch.setattr(blue_green, "fill_generations", noting_the_process)
    seen: dict[str, int] = {}

    positions = blue_green.rebuild_all(
        EVERY, progress=lambda name, count: seen.update({name: seen.get(name, 0) + count})
    )

    pids = {int(line) for line in fillers.read_text().split()}
    assert len(pids) == 2 and os.getpid() not in pids  # two children, one share each
    head = head_position()
    assert positions == {name: head for name in PROJECTIONS}
    assert seen == blue_green.events_to_read(EVERY)  # every child's commits reached this process's progress
    assert seen["event_feed"] == Event.objects.count()
    assert read_side_snapshot()["rows"] == live["rows"]
    assert {each.name: each.position for each in Checkpoint.objects.filter(name__in=PROJECTIONS)} == dict.fromkeys(
        PROJECTIONS, head
    )
    assert not Checkpoint.objects.filter(name__endswith="~next").exists() and schemas() == set()
    for projection in EVERY:
        assert verification.verify(projection) == [], projection.name
    make_product()  # this process's sessions survived the children (a freed inherited connection would end them)
    runner.run_all()
    assert ProductView.objects.count() == len(live["rows"]["catalog"]["queries.ProductView"]) + 1


def test_a_failing_share_fails_the_rebuild_and_leaves_the_live_generation_served(settings, monkeypatch):
    settings.PROJECTION_REBUILD_PROCESSES = 2
    mixed_history()
    runner.run_all()
    live = read_side_snapshot()

    def broken(self, recorded):
        raise RuntimeError("catalog handler bug")

    monkeypatch.setattr(CatalogProjection, "product_created", broken)  # the child inherits the bug

    with pytest.raises(filling.FillingFailed, match="catalog handler bug"):
        blue_green.rebuild_all(EVERY)

    assert read_side_snapshot() == live  # nothing swapped in, checkpoints where they were
    monkeypatch.undo()
    blue_green.rebuild_all(EVERY)  # the next one drops what the failed one left and starts from 0
    assert schemas() == set()
    assert read_side_snapshot()["rows"] == live["rows"]
    for projection in EVERY:
        assert verification.verify(projection) == [], projection.name


def test_the_event_feed_is_copied_over_but_the_per_event_baseline_applies_it_event_by_event(monkeypatch):
    mixed_history()
    runner.run_all()
    live = read_side_snapshot()["rows"]["event_feed"]
    feed = PROJECTIONS["event_feed"]
    applied = []
    monkeypatch.setattr(type(feed), "apply", lambda self, recorded: applied.append(recorded.position))

    blue_green.rebuild(feed)

    assert applied == []  # copied, not applied
    assert read_side_snapshot()["rows"]["event_feed"] == live
    assert EventRecord.objects.count() == Event.objects.count()

    blue_green.rebuild(feed, per_event=True)

    assert applied == list(Event.objects.order_by("position").values_list("position", flat=True))
    assert not EventRecord.objects.exists()  # what the patched handler wrote: nothing


def children_of(pid: int) -> list[int]:
    return [int(each) for each in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def gone(pid: int) -> bool:
    """Ended (a zombie waiting for a reaper counts as ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.slow
def test_a_parallel_rebuild_killed_midway_stops_its_children_and_the_next_one_converges():
    with rebuild_process(PROJECTION_REBUILD_PROCESSES="2") as rebuilding:
        live = read_side_snapshot()
        children = children_of(rebuilding.pid)
        assert len(children) == 2
        os.kill(rebuilding.pid, signal.SIGKILL)

    wait_until(lambda: all(gone(pid) for pid in children), timeout=30)  # each stopped at its next commit
    assert read_side_snapshot() == live  # the live generation is untouched
    blue_green.rebuild_all(EVERY)  # starts over from 0: nothing of the killed run is kept
    assert schemas() == set()
    assert read_side_snapshot()["rows"] == live["rows"]
    for projection in EVERY:
        assert verification.verify(projection) == [], projection.name
