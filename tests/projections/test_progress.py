"""The one public answer to "how far has the read side got", and the one entry point for parked events."""

import threading
import time

import pytest
from django.db import connections

from commands.models import Event
from projections import parking, progress, runner
from projections.models import ParkedEvent
from projections.registry import PROJECTIONS
from queries.models import ProductView
from tests.factories import make_product
from tests.projections.concurrency import CheckpointHolder

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def test_waiting_returns_once_the_named_projections_reach_the_position():
    make_product()
    runner.run_all()
    wanted = Event.objects.get(aggregate_id=make_product()).position
    assert progress.read_position(("catalog",)) == wanted - 1

    def project_a_little_later() -> None:
        try:
            time.sleep(0.3)  # an injected delay, not a wait: the write is projected while the reader waits
            runner.run_projection(PROJECTIONS["catalog"])
        finally:
            connections.close_all()

    later = threading.Thread(target=project_a_little_later)
    later.start()
    try:
        assert progress.wait_for_position(("catalog",), wanted, timeout=10) == wanted
    finally:
        later.join()
    assert progress.read_position(("orders",)) == wanted - 1  # a projection not asked for is not waited on


def test_waiting_too_long_says_where_the_read_side_is():
    make_product()
    runner.run_all()
    projected = progress.head_position()
    make_product()  # committed, not projected
    head = progress.head_position()

    started = time.monotonic()
    with pytest.raises(progress.NotYetProjected) as late:
        progress.wait_for_position(("catalog",), head, timeout=0.3)

    assert (late.value.wanted, late.value.position) == (head, projected)
    assert 0.3 <= time.monotonic() - started < 3
    assert progress.has_reached(("catalog",), projected, timeout=0) is True
    assert progress.has_reached(("catalog",), head, timeout=0) is False


def parked_product() -> ParkedEvent:
    product_id = make_product(name="Parked")
    event = Event.objects.get(aggregate_id=product_id)
    runner.ensure_checkpoint("catalog")
    return ParkedEvent.objects.create(
        projection="catalog", position=event.position, event_type=event.type, error="boom", attempts=3
    )


def test_retry_and_skip_wait_for_the_projection_lock_like_the_runner(monkeypatch):
    parked = parked_product()
    monkeypatch.setattr(runner, "LOCK_WAIT_MS", 200)
    holder = CheckpointHolder()
    holder.start()
    assert holder.holding.wait(timeout=10)
    try:
        with pytest.raises(parking.ProjectionBusy):
            parking.retry(parked.pk)
        with pytest.raises(parking.ProjectionBusy):
            parking.skip(parked.pk)
        assert ParkedEvent.objects.filter(pk=parked.pk).exists()
        assert not ProductView.objects.exists()
    finally:
        holder.release.set()
        holder.join()

    parking.retry(parked.pk)
    assert ProductView.objects.get().name == "Parked"
    assert not ParkedEvent.objects.exists()
