"""A failing handler: its batch commits nothing, the events before it do, and after MAX_ATTEMPTS it is parked."""

import pytest

from commands.handlers import products
from commands.models import Event
from projections import blue_green, progress, runner, tasks, verification
from projections.catalog import CatalogProjection
from projections.models import Checkpoint, ParkedEvent
from projections.registry import PROJECTIONS
from queries.models import EventRecord, ProductView
from tests.factories import context, make_product

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")
catalog = PROJECTIONS["catalog"]


class HandlerBug(Exception):
    pass


@pytest.fixture
def poisoned_history(monkeypatch):
    """Two products, a poisoned stock adjustment of the first (its handler writes, then raises), a third product."""
    real_handler = CatalogProjection.stock_adjusted

    def write_then_fail(self, recorded):
        real_handler(self, recorded)
        if recorded.event.reason == "poison":
            raise HandlerBug("the handler has a bug")

    monkeypatch.setattr(CatalogProjection, "stock_adjusted", write_then_fail)
    first = make_product(stock=5)
    second = make_product(stock=5)
    poison = products.adjust_stock(context=context(), product_id=first, delta=3, reason="poison")
    third = make_product(stock=5)
    return {"first": first, "second": second, "third": third, "poison": poison.position, "monkeypatch": monkeypatch}


def catalog_checkpoint() -> Checkpoint:
    return Checkpoint.objects.get(name="catalog")


def test_a_failing_batch_leaves_no_read_row_and_no_checkpoint_move(poisoned_history):
    runner.ensure_checkpoint("catalog")

    with pytest.raises(runner.EventFailed) as failure:
        runner.run_once(catalog, batch_size=10)

    assert failure.value.event.position == poisoned_history["poison"]
    assert failure.value.index == 2
    assert not ProductView.objects.exists()  # not the two products before it, not the handler's own write
    assert catalog_checkpoint().position == 0


def test_the_events_before_the_failure_commit_and_the_failure_is_counted(poisoned_history):
    with pytest.raises(runner.EventFailed):
        runner.run_projection(catalog)

    checkpoint = catalog_checkpoint()
    assert set(ProductView.objects.values_list("pk", flat=True)) == {
        poisoned_history["first"],
        poisoned_history["second"],
    }
    assert ProductView.objects.get(pk=poisoned_history["first"]).stock == 5  # the poisoned write was rolled back
    assert checkpoint.position == poisoned_history["poison"] - 1
    assert (checkpoint.failures, checkpoint.failed_position) == (1, poisoned_history["poison"])
    assert "the handler has a bug" in checkpoint.last_error
    assert not ParkedEvent.objects.exists()


def test_an_event_failing_max_attempts_times_is_parked_and_the_projection_goes_on(poisoned_history):
    for _ in range(runner.MAX_ATTEMPTS - 1):
        with pytest.raises(runner.EventFailed):
            runner.run_projection(catalog)
    assert catalog_checkpoint().failures == runner.MAX_ATTEMPTS - 1

    runner.run_projection(catalog)  # the last attempt parks it and carries on

    parked = ParkedEvent.objects.get()
    assert (parked.projection, parked.position, parked.event_type) == (
        "catalog",
        poisoned_history["poison"],
        "StockAdjusted",
    )
    assert parked.attempts == runner.MAX_ATTEMPTS and "the handler has a bug" in parked.error
    checkpoint = catalog_checkpoint()
    assert (checkpoint.position, checkpoint.failures, checkpoint.failed_position) == (progress.head_position(), 0, None)
    assert ProductView.objects.filter(pk=poisoned_history["third"]).exists()
    assert ProductView.objects.get(pk=poisoned_history["first"]).stock == 5  # the parked event's effect is missing

    # While the handler is still broken, verify says the replay fails; once fixed, that the rows differ.
    (difference,) = verification.verify(catalog)
    assert difference.startswith(f"replay fails at {Event.objects.get(pk=parked.position)}: ")
    assert difference.endswith("HandlerBug: the handler has a bug")
    poisoned_history["monkeypatch"].undo()
    assert verification.verify(catalog) == [
        f"queries.ProductView {poisoned_history['first']}: differs in stock, updated_at, version"
    ]
    blue_green.rebuild(catalog)  # the repair: replays the parked event too, and forgets it
    assert ProductView.objects.get(pk=poisoned_history["first"]).stock == 8
    assert not ParkedEvent.objects.exists()
    assert verification.verify(catalog) == []


def test_a_failing_projection_does_not_hold_back_the_others(poisoned_history):
    with pytest.raises(runner.EventFailed):
        runner.run_all()

    head = progress.head_position()
    positions = dict(Checkpoint.objects.values_list("name", "position"))
    assert positions == {name: head for name in PROJECTIONS} | {"catalog": poisoned_history["poison"] - 1}
    assert EventRecord.objects.count() == Event.objects.count()
    # The periodic run's task reports and waits for the next round instead of retrying.
    assert tasks.project.apply(args=["catalog"], kwargs={"retry": False}).get() == {"catalog": 0}


def test_a_task_queued_for_a_unit_that_no_longer_exists_is_dropped_not_failed(settings):
    make_product(name="Projected by orders/0 and orders/1 only")
    settings.PROJECTION_SEGMENTS = {"orders": 2}  # a task for "orders" was queued before the split
    assert tasks.project.apply(args=["orders"], kwargs={"retry": False}).get() == {"orders": 0}
    assert not Checkpoint.objects.filter(name="orders").exists()  # nothing projected under the old name
