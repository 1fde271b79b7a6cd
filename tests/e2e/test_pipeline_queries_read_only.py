"""Queries never touch the write DB: every query endpoint answers with the write database blocked."""

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from config.routers import ReadWriteRouter
from projections import progress, runner
from queries.api import views
from tests.projections.history import mixed_history

pytestmark = pytest.mark.django_db(databases="__all__")

STAFF_QUERIES = [
    "/api/v1/products/",
    "/api/v1/products/?search=kettle&in_stock=true&min_price=1&max_price=100&ordering=-price",
    "/api/v1/products/?ordering=units_sold&page_size=1",
    "/api/v1/customers/",
    "/api/v1/customers/?search=ann&ordering=-total_spent",
    "/api/v1/orders/",
    "/api/v1/orders/?status=paid&ordering=-total",
    "/api/v1/events/",
    "/api/v1/events/?after=3&type=OrderPlaced",
]


@pytest.fixture
def projected():
    history = mixed_history()
    runner.run_all()
    history["position"] = progress.read_position()
    history["bob_user"] = get_user_model().objects.get(customer__pk=history["bob"])
    return history


def detail_queries(history: dict) -> list[str]:
    return [
        f"/api/v1/products/{history['kettle']}/",
        f"/api/v1/customers/{history['ann']}/",
        f"/api/v1/orders/{history['paid']}/",
        f"/api/v1/orders/?customer={history['ann']}",
        f"/api/v1/events/?aggregate_id={history['paid']}",
    ]


def test_every_staff_query_is_served_from_the_read_database(staff_api, projected, block_write_db):
    for path in STAFF_QUERIES + detail_queries(projected):
        for headers in ({}, {"HTTP_X_MIN_POSITION": str(projected["position"])}):
            response = staff_api.get(path, **headers)
            assert response.status_code == 200, (path, response.content)
            assert response["X-Read-Position"] == str(projected["position"])
            body = response.json()
            assert body.get("results", [body]), path  # real data, not an empty answer
    assert block_write_db == []


def test_customer_and_anonymous_queries_are_served_from_the_read_database(projected, block_write_db):
    customer = APIClient()
    customer.force_authenticate(projected["bob_user"])
    anonymous = APIClient()

    assert [c["id"] for c in customer.get("/api/v1/customers/").json()["results"]] == [str(projected["bob"])]
    assert customer.get(f"/api/v1/customers/{projected['ann']}/").status_code == 404
    assert {o["customer"]["id"] for o in customer.get("/api/v1/orders/").json()["results"]} == {str(projected["bob"])}
    assert anonymous.get("/api/v1/products/").status_code == 200
    assert anonymous.get(f"/api/v1/products/{projected['kettle']}/").status_code == 200
    assert block_write_db == []


@pytest.fixture
def staff_token(staff_user) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "staff", "password": "staff-pass-123"}, format="json"
    )
    return response.json()["token"]


def test_token_authenticated_queries_touch_only_the_authentication_tables(staff_token, projected, block_write_db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {staff_token}")
    for path in STAFF_QUERIES:
        assert client.get(path).status_code == 200, path
    assert block_write_db == []


def test_waiting_for_a_position_not_yet_projected_reads_only_the_read_database(
    staff_api, projected, block_write_db, settings
):
    settings.READ_POSITION_WAIT_SECONDS = 0.2
    response = staff_api.get("/api/v1/orders/", HTTP_X_MIN_POSITION=str(projected["position"] + 1))
    assert response.status_code == 503
    assert response.json()["read_position"] == projected["position"]
    assert block_write_db == []


def test_the_router_sends_every_read_model_and_query_to_the_read_database():
    router = ReadWriteRouter()
    for model in apps.get_models():
        expected = "read" if model._meta.app_label in {"queries", "projections"} else "default"
        assert router.db_for_read(model) == router.db_for_write(model) == expected, model
    for viewset in (views.ProductViewSet, views.CustomerViewSet, views.OrderViewSet, views.EventViewSet):
        assert viewset.queryset.db == "read", viewset
