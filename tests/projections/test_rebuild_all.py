"""Rebuilding several projections from one read of the log (blue_green.rebuild_all), and the read filtered by type."""

import pytest
from django.db import connections

from commands.models import Event
from projections import blue_green, runner, verification
from projections.models import Checkpoint
from projections.progress import head_position
from projections.registry import PROJECTIONS
from tests.factories import make_customer, make_product
from tests.projections.concurrency import rebuild_running
from tests.projections.history import mixed_history, read_side_snapshot
from tests.spying import calls_to

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def schemas() -> set[str]:
    with connections["read"].cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild_%%'")
        return {row[0] for row in cursor.fetchall()}


def test_one_read_rebuild_of_every_projection_equals_rebuilding_each_and_the_live_read_models(settings, monkeypatch):
    settings.PROJECTION_REBUILD_BATCH_SIZE = 7  # many batches, each fanned out to every projection
    settings.PROJECTION_REBUILD_PROCESSES = 1  # all in this process (in parallel: test_parallel_rebuild.py)
    for _ in range(2):
        mixed_history(between=runner.run_all)
    runner.run_all()
    live = read_side_snapshot()
    for projection in PROJECTIONS.values():
        blue_green.rebuild(projection)
    each = read_side_snapshot()
    reads = calls_to(monkeypatch, runner, "batches")
    seen: dict[str, int] = {}

    positions = blue_green.rebuild_all(
        list(PROJECTIONS.values()), progress=lambda name, count: seen.update({name: seen.get(name, 0) + count})
    )

    assert len(reads) == 1  # the log read once for the three that apply events; the event feed copies it
    head = head_position()
    assert positions == {name: head for name in PROJECTIONS}
    assert seen == blue_green.events_to_read(list(PROJECTIONS.values()))  # each event reported once
    assert seen["event_feed"] == Event.objects.count()
    assert read_side_snapshot()["rows"] == each["rows"] == live["rows"]
    assert Checkpoint.objects.get(name="catalog").position == head
    assert not Checkpoint.objects.filter(name__endswith="~next").exists() and schemas() == set()
    for projection in PROJECTIONS.values():
        assert verification.verify(projection) == [], projection.name


def test_each_event_is_decoded_once_however_many_projections_apply_it(settings, monkeypatch):
    settings.PROJECTION_REBUILD_BATCH_SIZE = 1000  # the whole log in one streamed batch: no swap-time tail
    settings.PROJECTION_REBUILD_PROCESSES = 1
    mixed_history()
    runner.run_all()
    decoded = calls_to(monkeypatch, runner, "recorded")
    applied = blue_green.wanted_types([each for each in PROJECTIONS.values() if not each.copies_log])

    blue_green.rebuild_all(list(PROJECTIONS.values()))

    assert len(decoded) == Event.objects.filter(type__in=applied).count()  # not once per projection applying it
    for projection in PROJECTIONS.values():
        assert verification.verify(projection) == [], projection.name


def test_a_one_projection_rebuild_reads_only_the_event_types_it_applies_and_still_takes_over_at_the_head(
    settings, monkeypatch
):
    settings.PROJECTION_REBUILD_BATCH_SIZE = 3
    mixed_history()
    make_customer()  # the log ends with events of a type the catalog does not apply
    runner.run_all()
    reads = calls_to(monkeypatch, runner, "batches")
    catalog = PROJECTIONS["catalog"]

    assert blue_green.rebuild(catalog) == head_position()

    assert [call["types"] for call in reads] == [catalog.handled_type_names]
    assert Checkpoint.objects.get(name="catalog").position == head_position()
    assert verification.verify(catalog) == []
    # The event feed applies every type: a rebuild with it reads them all.
    assert blue_green.wanted_types([catalog, PROJECTIONS["event_feed"]]) is None


def test_a_one_read_rebuild_is_refused_whole_while_a_rebuild_of_one_of_its_projections_runs():
    make_product()
    runner.run_all()
    with rebuild_running(PROJECTIONS["customers"]):
        with pytest.raises(blue_green.RebuildRunning):
            blue_green.rebuild_all(list(PROJECTIONS.values()))
        assert schemas() == set()  # refused before any generation was made, the catalog's included
    assert blue_green.rebuild(PROJECTIONS["catalog"]) == head_position()  # its lock was given back


def test_a_new_generation_gets_its_keys_at_once_and_its_other_indexes_before_the_swap(settings):
    settings.PROJECTION_REBUILD_BATCH_SIZE = 2
    for _ in range(3):
        make_product()
    runner.run_all()

    def index_names(schema: str) -> set[str]:
        with connections["read"].cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = %s AND tablename = 'queries_productview'", [schema]
            )
            return {row[0] for row in cursor.fetchall()}

    live = index_names("public")
    during: list[set[str]] = []
    blue_green.rebuild(PROJECTIONS["catalog"], progress=lambda _count: during.append(index_names("rebuild_catalog")))

    keys = {"queries_productview_pkey", "queries_productview_sku_key"}  # the replay relies on these
    assert during[0] == keys and {"product_search", "product_price"} <= live - keys
    assert index_names("public") == live  # all of them, under their names, once swapped in
