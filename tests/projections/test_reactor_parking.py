"""A reactor's poison event parks like a projection's, shows on the operators' pages, and retry brings its email."""

import importlib
import uuid
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connections
from django.urls import reverse

from commands.models import Event
from projections import parking, progress, runner
from projections.models import Checkpoint, OutboxMessage, ParkedEvent
from projections.reactors.emails import OrderEmailsReactor
from projections.registry import REACTORS
from tests.factories import make_customer, make_product, place_order
from tests.queries.admin_clients import staff_client

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


class TemplateBug(Exception):
    pass


def test_a_parked_reactor_event_is_reported_and_retried_into_exactly_one_email(monkeypatch):
    reactor = REACTORS["order_emails"]
    poisoned: set[uuid.UUID] = set()
    real_handler = OrderEmailsReactor.order_placed

    def fail_for_poisoned(self, recorded):
        if recorded.aggregate_id in poisoned:
            raise TemplateBug("the confirmation template is broken")
        real_handler(self, recorded)

    monkeypatch.setattr(OrderEmailsReactor, "order_placed", fail_for_poisoned)
    product, customer = make_product(stock=10), make_customer()
    bad = place_order(customer, (product, 1)).aggregate_id
    poisoned.add(bad)
    good = place_order(customer, (product, 1)).aggregate_id
    for _ in range(runner.MAX_ATTEMPTS):
        try:
            runner.run_projection(reactor)
            break
        except runner.EventFailed:
            pass
    parked = ParkedEvent.objects.get(projection="order_emails")
    assert parked.aggregate_id == bad
    assert set(OutboxMessage.objects.values_list("position", flat=True)) == {
        Event.objects.get(aggregate_id=good).position
    }
    status = {each.name: each for each in progress.projection_statuses()}["order_emails"]
    assert status.parked == 1 and status.events_behind == 0  # operators see the reactor and what it parked

    poisoned.clear()  # the template is fixed
    assert parking.retry(parked.pk).applied == 1
    runner.run_projection(reactor)
    positions = list(OutboxMessage.objects.order_by("position").values_list("position", flat=True))
    assert positions == sorted(Event.objects.filter(type="OrderPlaced").values_list("position", flat=True))
    assert not ParkedEvent.objects.exists()


def test_the_projections_page_lists_the_reactor_without_a_rebuild_button():
    runner.run_projection(REACTORS["order_emails"])
    client = staff_client(superuser=True)
    html = client.get(reverse("admin:projections_checkpoint_changelist")).content.decode()
    assert 'data-projection="order_emails"' in html
    assert 'data-rebuild="orders"' in html and 'data-rebuild="order_emails"' not in html


def test_a_read_database_migrated_onto_an_existing_log_emails_only_what_comes_after():
    """The outbox migration starts the reactor at the head: no email about orders placed before it existed."""
    product, customer = make_product(stock=10), make_customer()
    place_order(customer, (product, 1))
    Checkpoint.objects.filter(name="order_emails").delete()  # as before the migration ran
    migration = importlib.import_module("projections.migrations.0002_order_emails_start_at_head")
    migration.start_at_head(apps, SimpleNamespace(connection=connections["read"]))
    assert Checkpoint.objects.get(name="order_emails").position == progress.head_position()
    reactor = REACTORS["order_emails"]
    assert runner.run_projection(reactor) == 0 and not OutboxMessage.objects.exists()
    after = place_order(customer, (product, 1))
    runner.run_projection(reactor)
    assert list(OutboxMessage.objects.values_list("position", flat=True)) == [after.position]
