"""The projections page: status, rebuild as a Celery task, and parked events to retry or skip."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from commands.handlers import orders
from commands.models import Event
from projections import blue_green, progress, runner, tasks
from projections.models import Checkpoint, ParkedEvent
from projections.registry import CONSUMERS, PROJECTIONS, REACTORS
from queries.models import OrderView, ProductView
from tests.factories import context, make_customer, make_product, place_order
from tests.queries.admin_clients import messages_of, staff_client

pytestmark = pytest.mark.django_db(databases="__all__")

PAGE = reverse("admin:projections_checkpoint_changelist")
REBUILD = reverse("admin:projections_rebuild")
OPERATOR = (
    "projections.view_checkpoint",
    "projections.change_checkpoint",
    "projections.change_parkedevent",
    "projections.delete_parkedevent",
)


@pytest.fixture
def queued(monkeypatch):
    """The rebuild tasks the admin queued (the broker is not needed to see that it asked)."""
    calls = []
    monkeypatch.setattr(tasks.rebuild, "apply_async", lambda args, **options: calls.append(args))
    return calls


def park(projection, event):
    runner.ensure_checkpoint(projection)
    Checkpoint.objects.filter(name=projection).update(position=event.position)
    return ParkedEvent.objects.create(
        projection=projection, position=event.position, event_type=event.type, error="boom", attempts=3
    )


def test_the_page_shows_checkpoint_head_and_lag_of_every_projection():
    make_product()
    runner.run_all()
    runner.run_projection(REACTORS["order_emails"])
    make_product()  # not projected yet
    head = progress.head_position()
    client = staff_client(*OPERATOR)

    response = client.get(PAGE)

    rows = {row.status.name: row.status for row in response.context["rows"]}
    assert set(rows) == set(CONSUMERS)  # the reactors too
    assert all(
        (status.head, status.checkpoint, status.events_behind) == (head, head - 1, 1) for status in rows.values()
    )
    page = response.content.decode()
    assert all(f'data-projection="{name}"' in page for name in CONSUMERS)


def test_rebuild_queues_the_task_and_the_page_follows_it(queued):
    make_product()
    runner.run_all()
    client = staff_client(*OPERATOR)

    response = client.post(REBUILD, {"projection": "catalog"})

    assert response.status_code == 302
    assert queued == [["catalog"]]
    assert LogEntry.objects.filter(object_id="catalog", change_message="Rebuild requested.").exists()
    page = client.get(PAGE)
    assert page.context["refresh_seconds"]  # polls while the rebuild is outstanding
    assert "Rebuilding…" in page.content.decode()

    blue_green.rebuild(PROJECTIONS["catalog"])  # what the worker does with the task

    page = client.get(PAGE)
    assert page.context["refresh_seconds"] is None
    assert "Rebuilt (requested" in page.content.decode()


def test_rebuild_all_queues_one_task_per_projection(queued):
    client = staff_client(*OPERATOR)
    client.post(REBUILD, {})
    assert sorted(args[0] for args in queued) == sorted(PROJECTIONS)


def test_an_unreachable_broker_is_reported_and_nothing_is_noted(monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.rebuild, "apply_async", refuse)
    client = staff_client(*OPERATOR)
    response = client.post(REBUILD, {"projection": "orders"})
    assert "Could not queue the rebuild of orders: broker down" in messages_of(response)
    assert not LogEntry.objects.exists()


def test_retry_applies_a_parked_event_and_removes_it():
    product_id = make_product(name="Parked kettle")
    parked = park("catalog", Event.objects.get(aggregate_id=product_id))
    client = staff_client(*OPERATOR)
    assert f'data-parked="{parked.pk}"' in client.get(PAGE).content.decode()

    response = client.post(reverse("admin:projections_parked_retry", args=[parked.pk]))

    assert ProductView.objects.get(pk=product_id).name == "Parked kettle"
    assert not ParkedEvent.objects.exists()
    assert any("applied; no longer parked" in message for message in messages_of(response))
    assert LogEntry.objects.get(object_id=str(parked.pk)).change_message == "Retried: applied."


def test_a_retry_that_fails_again_keeps_the_event_parked():
    # The orders projection never saw the customer, so it cannot build this order's document.
    order = place_order(make_customer(), (make_product(), 1))
    parked = park("orders", Event.objects.get(aggregate_id=order.aggregate_id))
    client = staff_client(*OPERATOR)

    response = client.post(reverse("admin:projections_parked_retry", args=[parked.pk]))

    assert any("failed again" in message and "DoesNotExist" in message for message in messages_of(response))
    still = ParkedEvent.objects.get(pk=parked.pk)
    assert (still.attempts, "DoesNotExist" in still.error) == (4, True)
    assert not OrderView.objects.exists()


def test_skip_drops_a_parked_event_and_notes_it_in_the_admin_log():
    product_id = make_product()
    parked = park("catalog", Event.objects.get(aggregate_id=product_id))
    client = staff_client(*OPERATOR)

    client.post(reverse("admin:projections_parked_skip", args=[parked.pk]))

    assert not ParkedEvent.objects.exists()
    assert not ProductView.objects.exists()
    note = LogEntry.objects.get(object_id=str(parked.pk))
    assert (note.change_message, note.user_id) == ("Skipped: never applied.", client.user.pk)


def test_watching_needs_view_permission_and_each_button_its_own(queued):
    product_id = make_product()
    parked = park("catalog", Event.objects.get(aggregate_id=product_id))
    watcher = staff_client("projections.view_checkpoint", username="watcher")
    page = watcher.get(PAGE).content.decode()
    assert f'data-parked="{parked.pk}"' in page
    assert "data-rebuild=" not in page and "Rebuild all projections" not in page
    assert 'value="Retry"' not in page and 'value="Skip"' not in page

    assert watcher.post(REBUILD, {"projection": "catalog"}).status_code == 403
    assert watcher.post(reverse("admin:projections_parked_retry", args=[parked.pk])).status_code == 403
    assert watcher.post(reverse("admin:projections_parked_skip", args=[parked.pk])).status_code == 403
    assert queued == []
    assert ParkedEvent.objects.filter(pk=parked.pk).exists()
    assert staff_client(username="nobody").get(PAGE).status_code == 403


def test_a_rebuild_that_never_finishes_is_reported_and_no_longer_polled(queued):
    client = staff_client(*OPERATOR)
    client.post(REBUILD, {"projection": "customers"})
    LogEntry.objects.update(action_time=timezone.now() - timedelta(hours=2))
    Checkpoint.objects.update(updated_at=timezone.now() - timedelta(hours=3))  # untouched since before

    page = client.get(PAGE)

    assert page.context["refresh_seconds"] is None
    assert "No sign of the rebuild" in page.content.decode()


def test_a_running_rebuild_shows_how_many_events_it_has_replayed(queued, monkeypatch):
    for _ in range(3):
        make_product()
    runner.run_all()
    client = staff_client(*OPERATOR)
    client.post(REBUILD, {"projection": "catalog"})
    seen_during_rebuild = []
    original_report = progress.RebuildProgress.report

    def report_and_look(rebuild_progress, applied):
        original_report(rebuild_progress, applied)
        seen_during_rebuild.append(progress.rebuild_progress("catalog"))
        # What staff see while the rebuild's transaction is still open.
        seen_during_rebuild.append(client.get(PAGE).content.decode())

    monkeypatch.setattr(progress.RebuildProgress, "report", report_and_look)
    tasks.rebuild("catalog")  # the task body, as the worker runs it

    head = Event.objects.count()
    assert seen_during_rebuild[0] == {"applied": head, "total": head}
    assert f"{head} of {head} events replayed" in seen_during_rebuild[1]
    assert progress.rebuild_progress("catalog") is None  # cleared once done
    assert "events replayed" not in client.get(PAGE).content.decode()


def test_the_page_says_which_aggregates_are_held_and_retry_replays_the_chain_in_order():
    order = place_order(make_customer(), (make_product(), 1))
    events = list(Event.objects.filter(aggregate_id=order.aggregate_id))
    runner.run_all()
    OrderView.objects.all().delete()  # as if the orders projection had failed on the order ...
    head = park("orders", events[0])
    ParkedEvent.objects.filter(pk=head.pk).update(aggregate_id=order.aggregate_id)
    paid = orders.pay_order(context=context(), order_id=order.aggregate_id)
    runner.run_all()  # ... and its payment came after: held behind it, not applied
    client = staff_client(*OPERATOR)

    page = client.get(PAGE).content.decode()

    assert f'data-held="{order.aggregate_id}"' in page
    assert "held behind an earlier event of its aggregate" in page
    assert list(ParkedEvent.objects.values_list("position", "held")) == [(head.position, False), (paid.position, True)]

    response = client.post(reverse("admin:projections_parked_retry", args=[head.pk]))

    expected = f"orders #{head.position} OrderPlaced with the 1 held behind it applied; no longer parked."
    assert expected in messages_of(response)
    assert OrderView.objects.get(pk=order.aggregate_id).status == "paid"
    assert not ParkedEvent.objects.exists()
