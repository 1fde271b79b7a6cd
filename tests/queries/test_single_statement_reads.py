"""A query API read is one statement on the read database: the rows, their read position and the held check.

The position in X-Read-Position is the one selected with the rows (progress.snapshot_columns); only an
answer without rows reads it on its own. A held aggregate still shows in X-Held-Aggregates.
"""

import uuid
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connections
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from projections import progress, runner
from projections.models import Checkpoint, ParkedEvent
from queries.models import OrderView, ProductView
from tests.factories import make_customer, make_product, make_staff, place_order

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def shop() -> dict[str, str]:
    kettle = make_product(name="Steel kettle", price="25.00", stock=10)
    make_product(name="Clay teapot", price="40.00", stock=0)
    ann = make_customer(name="Ann", email="ann@example.com", password="correct-horse-battery-staple")
    placed = place_order(ann, (kettle, 1)).aggregate_id
    runner.run_all()
    return {"kettle": str(kettle), "ann": str(ann), "order": str(placed)}


def with_token(user: object) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")
    return client


def statements(client: APIClient, path: str, **headers: Any) -> tuple[object, list[str], list[str]]:
    """The response and the SQL it ran on the read and on the write database."""
    with CaptureQueriesContext(connections["read"]) as read, CaptureQueriesContext(connections["default"]) as write:
        response = client.get(path, **headers)
    return response, [each["sql"] for each in read.captured_queries], [each["sql"] for each in write.captured_queries]


def test_an_anonymous_product_read_is_one_statement(api, shop):
    response, read, write = statements(api, "/api/v1/products/?ordering=price&in_stock=true")
    assert response.status_code == 200
    assert (len(read), write) == (1, [])
    assert int(response["X-Read-Position"]) == progress.read_position(("catalog",)) == progress.head_position()


@pytest.mark.parametrize("path", ["/api/v1/products/{kettle}/", "/api/v1/products/?page_size=20"])
def test_a_hot_product_read_is_the_snapshot_alone_once_its_body_is_kept(api, shop, path):
    """queries/api/hot_cache.py: the first read at a position looks, then reads the rows; the next one only looks."""
    response, read, write = statements(api, path.format(**shop))
    assert response.status_code == 200
    assert (len(read), write) == (2, [])
    again, read, write = statements(api, path.format(**shop))
    assert again.content == response.content
    assert (len(read), write) == (1, []) and ProductView._meta.db_table not in read[0]
    assert int(again["X-Read-Position"]) == progress.read_position(("catalog",)) == progress.head_position()


def counting(calls: list[str], name: str, method: Any) -> Any:
    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return method(*args, **kwargs)

    return counted


def test_an_order_read_with_a_token_is_one_statement_and_one_cache_round_trip(shop, monkeypatch):
    """The token's cache entry holds its user with the permission sets filled: has_perm asks nothing more."""
    client = with_token(make_staff("integrator"))
    assert client.get(f"/api/v1/orders/{shop['order']}/").status_code == 200  # the token is cached now
    backend, calls = caches["default"], []
    for name in ("get", "get_many", "set", "add", "delete", "incr"):
        monkeypatch.setattr(backend, name, counting(calls, name, getattr(backend, name)))
    response, read, write = statements(client, f"/api/v1/orders/{shop['order']}/")
    assert response.status_code == 200 and response.json()["id"] == shop["order"]
    assert (len(read), write, calls) == (1, [], ["get_many"])
    assert int(response["X-Read-Position"]) == progress.read_position(("orders",))


def test_a_customers_own_order_is_one_statement_and_anothers_is_404(shop):
    client = with_token(get_user_model().objects.get(username="ann@example.com"))
    client.get("/api/v1/orders/")
    response, read, _ = statements(client, f"/api/v1/orders/{shop['order']}/")
    assert response.status_code == 200 and len(read) == 1
    bob = make_customer(name="Bob", email="bob@example.com", password="correct-horse-battery-staple")
    runner.run_all()
    other = with_token(get_user_model().objects.get(username="bob@example.com"))
    assert other.get(f"/api/v1/orders/{shop['order']}/").status_code == 404
    assert [order["id"] for order in other.get("/api/v1/orders/").json()["results"]] == []
    assert other.get(f"/api/v1/customers/{bob}/").json()["name"] == "Bob"


def test_the_position_is_the_one_the_rows_were_read_at(api, shop):
    before = api.get(f"/api/v1/products/{shop['kettle']}/")
    make_product(name="Not projected yet")
    response = api.get("/api/v1/products/?page_size=20")
    assert response["X-Read-Position"] == before["X-Read-Position"]
    assert "Not projected yet" not in response.content.decode()
    runner.run_all()
    response = api.get("/api/v1/products/?page_size=20")
    assert int(response["X-Read-Position"]) == progress.head_position()
    assert "Not projected yet" in response.content.decode()


@pytest.mark.parametrize(
    ("path", "hot_misses"), [("/api/v1/products/{missing}/", 2), ("/api/v1/products/?min_price=1000", 0)]
)
def test_an_answer_without_rows_still_says_its_position(api, shop, path, hot_misses):
    """A plain detail is looked up by the hot path first (queries/api/hot.py: its body cache, then the row),
    which hands a miss to the viewset."""
    response, read, _ = statements(api, path.format(missing=uuid.uuid4()))
    assert response.status_code in (200, 404)
    assert response.status_code == 404 or response.json()["results"] == []
    assert int(response["X-Read-Position"]) == progress.head_position()
    assert len(read) == hot_misses + 3  # the miss, the position on its own, the second look after it


def test_x_min_position_waits_then_reads_once(api, shop):
    wanted = progress.head_position()
    response, read, _ = statements(api, f"/api/v1/products/{shop['kettle']}/", HTTP_X_MIN_POSITION=str(wanted))
    assert response.status_code == 200 and int(response["X-Read-Position"]) >= wanted
    assert len(read) == 2  # the checkpoints polled once (reached), then the one read


def test_a_held_aggregate_still_shows(staff_api, shop):
    ParkedEvent.objects.create(
        projection="orders", position=progress.head_position() + 1, event_type="OrderPaid", aggregate_id=shop["order"]
    )
    response, read, _ = statements(staff_api, f"/api/v1/orders/{shop['order']}/")
    assert response.status_code == 200
    assert response["X-Held-Aggregates"] == shop["order"]
    assert len(read) == 2  # the held ids are read only when the statement said something is held
    assert response["X-Held-Aggregates"] == staff_api.get("/api/v1/orders/")["X-Held-Aggregates"]
    assert "X-Held-Aggregates" not in staff_api.get(f"/api/v1/products/{shop['kettle']}/")
    assert OrderView.objects.filter(pk=shop["order"]).exists()


def test_the_statements_position_is_read_position_for_a_split_projection(settings, shop):
    settings.PROJECTION_SEGMENTS = {"orders": 2}
    assert progress.position_and_held(("orders",)) == (0, False) == (progress.read_position(("orders",)), False)
    Checkpoint.objects.create(name="orders/0", position=5)
    assert progress.position_and_held(("orders",)) == (0, False)  # orders/1 has no checkpoint yet
    Checkpoint.objects.create(name="orders/1", position=3)
    assert progress.position_and_held(("orders",)) == (3, False) == (progress.read_position(("orders",)), False)
    ParkedEvent.objects.create(projection="orders/1", position=4, event_type="OrderPaid", aggregate_id=uuid.uuid4())
    assert progress.position_and_held(("orders",)) == (3, True)
    assert progress.position_and_held(("catalog",))[1] is False


def test_django_filter_runs_only_when_a_parameter_names_one_of_its_filters(shop, monkeypatch) -> None:
    from queries.api.filters import ProductFilter

    built: list[dict[str, Any]] = []
    original = ProductFilter.__init__

    def counting(self: ProductFilter, *args: Any, **kwargs: Any) -> None:
        built.append(dict(kwargs.get("data") or {}))
        original(self, *args, **kwargs)

    monkeypatch.setattr(ProductFilter, "__init__", counting)
    client = APIClient()
    assert client.get(f"/api/v1/products/{shop['kettle']}/").status_code == 200
    assert client.get("/api/v1/products/?page_size=5&ordering=price").json()["results"][0]["name"] == "Steel kettle"
    assert built == []  # neither a detail nor a page without a filter builds a FilterSet
    answer = client.get("/api/v1/products/?in_stock=false&page_size=5").json()
    assert [each["name"] for each in answer["results"]] == ["Clay teapot"]  # a filter still filters
    assert client.get("/api/v1/products/?min_price=abc").status_code == 400  # and still refuses bad values
    assert len(built) == 2
