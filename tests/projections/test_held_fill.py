"""A rebuild folds into rows held from batch to batch (projections/held.py): none read, each written once, bounded."""

import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError

from projections import blue_green, held, runner, verification
from projections.catalog import CatalogProjection
from projections.progress import head_position
from projections.registry import PROJECTIONS
from projections.rows import Rows, rows
from queries.models import ProductView
from tests.projections.history import mixed_history, read_side_snapshot

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")
EVERY = list(PROJECTIONS.values())
FOLDED = [each for each in EVERY if not each.copies_log]  # the event feed's fill is one COPY, no unit of work


def spy(monkeypatch, owner, name):
    """Record the arguments of every call of `owner.name`, which still does its work."""
    calls = []
    real = getattr(owner, name)

    def recording(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, recording)
    return calls


@pytest.fixture
def history(settings):
    """Two mixed histories projected live; the rebuild in this process, a few events a batch."""
    settings.PROJECTION_REBUILD_PROCESSES = 1
    settings.PROJECTION_REBUILD_BATCH_SIZE = 3  # many batches, each naming rows earlier ones made or changed
    for _ in range(2):
        mixed_history()
    runner.run_all()
    return read_side_snapshot()


def test_under_the_bound_the_fill_reads_no_row_and_writes_each_unit_of_work_once(history, monkeypatch):
    loads = spy(monkeypatch, Rows, "_load")
    flushes = spy(monkeypatch, Rows, "flush")

    blue_green.rebuild_all(EVERY)

    assert loads == []  # every row the handlers asked for was held, or known never made
    assert len(flushes) == len(FOLDED)  # each projection's rows went out once, at the end of the fill
    assert read_side_snapshot()["rows"] == history["rows"]


def test_past_the_bound_rows_are_written_let_go_and_read_back_and_the_rebuild_equals_the_live_one(
    history, settings, monkeypatch
):
    settings.PROJECTION_REBUILD_HELD_ROWS = 4
    loads = spy(monkeypatch, Rows, "_load")
    checkpoints = spy(monkeypatch, held, "save_next_checkpoint")

    positions = blue_green.rebuild_all(EVERY)

    assert loads, "no row that was let go was read back"
    for projection in FOLDED:
        written = [position for each, position in checkpoints if each is projection]
        assert len(written) > 1 and written == sorted(set(written)), projection.name  # several writes, in order
        assert written[-1] <= positions[projection.name]
    assert read_side_snapshot()["rows"] == history["rows"]
    for projection in EVERY:
        assert verification.verify(projection) == [], projection.name


def test_a_write_the_database_refuses_is_applied_again_batch_by_batch_and_names_its_event(history, monkeypatch):
    real = CatalogProjection.product_created

    def too_long_a_name(self, recorded):
        real(self, recorded)
        if recorded.event.name == "Lamp":  # the handler succeeds; the write is refused (the column holds 200)
            rows().require(ProductView, recorded.aggregate_id).name = "L" * 500

    monkeypatch.setattr(CatalogProjection, "product_created", too_long_a_name)

    with pytest.raises(runner.EventFailed) as failed:
        blue_green.rebuild(PROJECTIONS["catalog"])

    assert failed.value.event.type == "ProductCreated"
    assert failed.value.event.payload["name"] == "Lamp"
    assert read_side_snapshot() == history  # the live generation served on, untouched
    monkeypatch.undo()
    assert blue_green.rebuild(PROJECTIONS["catalog"]) == head_position()
    assert verification.verify(PROJECTIONS["catalog"]) == []


def test_a_unit_of_work_holding_every_row_refuses_a_row_it_let_go_and_reads_it_back_when_asked():
    work = Rows(holds_every_row=True)
    product = ProductView(id=uuid.uuid4(), sku="SKU-HELD", name="Held", price=Decimal("1.00"), stock=1, version=1)
    work.create(product)
    work.let_go(ProductView)

    with pytest.raises(IntegrityError, match="already exists"):
        work.create(ProductView(id=product.id, sku="SKU-AGAIN", name="Again", price=Decimal("1.00")))
    assert work.get(ProductView, uuid.uuid4()) is None  # never made: not looked for
    assert work.get(ProductView, product.id) is None  # let go, so looked for: it was never written, here


def test_a_fill_reads_the_log_without_its_metadata_for_projections_that_do_not_read_it(history, monkeypatch):
    read_with_metadata = []
    real = runner.log_stream

    def stream(*args, metadata=True, **kwargs):
        read_with_metadata.append(metadata)
        yield from real(*args, metadata=metadata, **kwargs)

    monkeypatch.setattr(runner, "log_stream", stream)

    blue_green.rebuild_all([PROJECTIONS["catalog"], PROJECTIONS["customers"]])
    assert read_with_metadata == [False]  # the fill's one read; neither projection reads who sent the command
    assert read_side_snapshot()["rows"] == history["rows"]
