"""/readyz: 200 only when both databases and the broker answer and every projection is within its allowed lag."""

from datetime import timedelta

import pytest
from django.utils import timezone

from commands.models import Event
from projections import runner
from tests.factories import make_product
from tests.projections.broker import unreachable_broker

pytestmark = pytest.mark.django_db(databases="__all__")


def test_ready_when_everything_answers_and_the_projections_are_caught_up(api):
    make_product()
    runner.run_all()
    response = api.get("/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ready"})
    assert "no-cache" in response["Cache-Control"]


def test_not_ready_while_a_projection_is_more_events_behind_than_allowed(api, settings):
    settings.PROJECTION_READY_MAX_LAG_EVENTS = 1
    make_product()
    assert api.get("/readyz").status_code == 200  # one event behind is allowed
    make_product()
    response = api.get("/readyz")
    assert response.status_code == 503
    lagging = {entry["name"]: entry for entry in response.json()["problems"]["projections"]}
    assert lagging["catalog"]["events_behind"] == 2
    runner.run_all()
    assert api.get("/readyz").status_code == 200


def test_not_ready_while_the_oldest_unapplied_event_is_older_than_allowed(api, settings):
    settings.PROJECTION_READY_MAX_LAG_EVENTS = 1000
    settings.PROJECTION_READY_MAX_LAG_SECONDS = 60
    make_product()
    assert api.get("/readyz").status_code == 200
    Event.objects.update(occurred_at=timezone.now() - timedelta(minutes=2))
    response = api.get("/readyz")
    assert response.status_code == 503
    catalog = next(entry for entry in response.json()["problems"]["projections"] if entry["name"] == "catalog")
    assert catalog["events_behind"] == 1 and catalog["seconds_behind"] >= 120


def test_not_ready_when_the_broker_does_not_answer(api):
    with unreachable_broker():
        response = api.get("/readyz")
    assert response.status_code == 503
    problems = response.json()["problems"]
    assert list(problems) == ["broker"] and problems["broker"]
    assert api.get("/readyz").status_code == 200


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_not_ready_and_names_the_database_when_the_read_database_does_not_answer(
    api,
    read_database_gone,
):
    response = api.get("/readyz")
    assert response.status_code == 503
    assert response.json()["problems"] == {"databases": ["read"]}


def test_healthz_stays_liveness_while_a_projection_lags(api, settings):
    settings.PROJECTION_READY_MAX_LAG_EVENTS = 0
    make_product()
    assert api.get("/readyz").status_code == 503
    assert api.get("/healthz").status_code == 200
