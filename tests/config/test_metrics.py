"""/metrics: the counters move with the commands, queries and wake-ups; the lag gauges read the databases."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from commands.models import Event
from projections import runner
from projections.models import ParkedEvent
from tests.factories import make_product
from tests.projections.broker import purge_wake_ups, unreachable_broker

pytestmark = pytest.mark.django_db(databases="__all__")
TOKEN = "metrics-test-token"


@pytest.fixture(autouse=True)
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []


def scrape(api) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = api.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_command_counts_by_outcome_and_latency_move_after_commands(api, staff_api):
    before = scrape(api)
    created = staff_api.post(
        "/api/v1/commands/create-product/", {"sku": "MET-1", "name": "Mug", "price": "3.00"}, format="json"
    )
    assert created.status_code == 202
    assert staff_api.post("/api/v1/commands/create-product/", {"sku": "MET-2"}, format="json").status_code == 400
    refused = staff_api.post(
        "/api/v1/commands/adjust-stock/", {"product_id": created.json()["aggregate_id"], "delta": -5}, format="json"
    )
    assert refused.status_code == 422
    assert staff_api.post("/api/v1/commands/create-product", {"sku": "MET-3"}, format="json").status_code == 400
    after = scrape(api)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("shop_commands_total", command="create-product", outcome="202") == 1
    assert moved("shop_commands_total", command="create-product", outcome="400") == 2  # both URL forms
    assert moved("shop_commands_total", command="adjust-stock", outcome="422") == 1
    assert moved("shop_command_duration_seconds_count", command="create-product") == 3
    assert moved("shop_command_duration_seconds_sum", command="create-product") > 0


def test_query_latency_is_recorded_per_view(api):
    before = scrape(api)
    assert api.get("/api/v1/products/").status_code == 200
    assert api.get("/").status_code == 200
    after = scrape(api)
    for view in ("product-list", "storefront:catalog"):
        count = "shop_query_duration_seconds_count"
        assert value(after, count, view=view) - value(before, count, view=view) == 1, view
    assert value(after, "shop_query_duration_seconds_count", view="metrics") == 0


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_wake_ups_sent_and_failed_are_counted(api):
    before = scrape(api)
    make_product()  # commits: its wake-up goes to the broker
    purge_wake_ups()  # and is gone (its flag too), so the next commit sends one
    with unreachable_broker():
        make_product()
    purge_wake_ups()
    after = scrape(api)
    for outcome in ("sent", "failed"):
        name = "shop_projection_wake_ups_total"
        assert value(after, name, outcome=outcome) - value(before, name, outcome=outcome) == 1, outcome


def test_projection_lag_and_parked_events_are_read_from_the_databases(api):
    make_product()
    runner.run_all()
    make_product()
    make_product()
    ParkedEvent.objects.create(projection="orders", position=1, event_type="OrderPlaced", error="boom", attempts=3)
    samples = scrape(api)
    assert value(samples, "shop_projection_events_behind", projection="catalog") == 2
    assert value(samples, "shop_projection_seconds_behind", projection="catalog") > 0
    assert value(samples, "shop_projection_parked_events", projection="orders") == 1
    assert value(samples, "shop_projection_parked_events", projection="catalog") == 0
    assert value(samples, "shop_projection_status_up") == 1
    runner.run_all()
    assert Event.objects.count() == 3
    assert value(scrape(api), "shop_projection_events_behind", projection="catalog") == 0


@pytest.mark.parametrize("authorization", ["", "Bearer wrong", f"Token {TOKEN}", "Bearer \u00ff\u00fe"])
def test_a_scrape_without_the_token_is_refused(api, authorization):
    response = api.get("/metrics", HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"shop_commands" not in response.content


def test_the_allowed_networks_may_scrape_without_a_token(api, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert api.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert api.get("/metrics", REMOTE_ADDR="192.168.1.5").status_code == 403
    settings.METRICS_ALLOWED_NETWORKS = []
    assert api.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 403  # nothing configured: nobody
