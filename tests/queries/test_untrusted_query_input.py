"""Cursors, page sizes, positions and search terms come from the client: nothing in them is a 500."""

import base64

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from projections import progress, runner
from tests.factories import make_customer, make_product, place_order

pytestmark = pytest.mark.django_db(databases="__all__")
LISTS = ["/api/v1/products/", "/api/v1/customers/", "/api/v1/orders/", "/api/v1/events/"]
# Orderings by a number or a time (a name takes any text as its position).
ORDERINGS = {
    "/api/v1/products/": ["", "price", "units_sold", "created_at"],
    "/api/v1/customers/": ["", "total_spent", "-orders_count"],
    "/api/v1/orders/": ["", "total", "-created_at"],
    "/api/v1/events/": [""],
}
MADE_UP_POSITIONS = ["garbage", "", "\x00", "1" * 5000, "99999999999999999999", "NaN", "2026-13-45", "²"]


def cursor(querystring: str) -> str:
    return base64.b64encode(querystring.encode()).decode()


@pytest.fixture
def superuser_api() -> APIClient:
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create_superuser("root", password=None))
    return client


@pytest.fixture
def rows() -> None:
    customer = make_customer(name="Ann")
    place_order(customer, (make_product(price="3.00"), 1))
    runner.run_all()


@pytest.mark.parametrize("position", MADE_UP_POSITIONS)
@pytest.mark.parametrize("path", LISTS)
def test_a_made_up_cursor_is_404_invalid_cursor(superuser_api, rows, path, position):
    for ordering in ORDERINGS[path]:
        params = {"cursor": cursor(f"p={position}"), **({"ordering": ordering} if ordering else {})}
        response = superuser_api.get(path, params)
        assert response.status_code == 404, (ordering, response.content[:300])
        assert response.json() == {"detail": "Invalid cursor"}


@pytest.mark.parametrize("path", ["/api/v1/products/", "/api/v1/customers/"])
def test_a_name_position_with_a_nul_byte_is_404(superuser_api, rows, path):
    response = superuser_api.get(path, {"cursor": cursor("p=a%00b"), "ordering": "name"})
    assert response.status_code == 404 and response.json() == {"detail": "Invalid cursor"}


def test_anonymous_lists_answer_a_made_up_cursor_too(api, rows):
    response = api.get("/api/v1/products/", {"cursor": cursor("p=garbage")})
    assert response.status_code == 404 and response.json() == {"detail": "Invalid cursor"}


@pytest.mark.parametrize("querystring", ["o=²", "o=" + "1" * 5000, "r=x", "p=1&o=-1", "not base64 at all"])
def test_a_malformed_cursor_is_404(api, rows, querystring):
    raw = querystring if " " in querystring else cursor(querystring)
    response = api.get("/api/v1/products/", {"cursor": raw})
    assert response.status_code == 404 and response.json() == {"detail": "Invalid cursor"}


@pytest.mark.parametrize("path", LISTS)
def test_the_cursors_the_api_hands_out_still_work(superuser_api, path):
    for name in ("Bob", "Cy", "Di"):
        place_order(make_customer(name=name), (make_product(price="1.50"), 1))
    runner.run_all()
    named = path in ("/api/v1/products/", "/api/v1/customers/")
    for ordering in [*ORDERINGS[path], "name", "-name"] if named else ORDERINGS[path]:
        params = {"page_size": "1", **({"ordering": ordering} if ordering else {})}
        first = superuser_api.get(path, params).json()
        second = superuser_api.get(first["next"])
        assert second.status_code == 200, (ordering, second.content[:300])
        assert second.json()["results"] and second.json()["results"] != first["results"]


def test_page_size_is_read_as_ascii_digits_capped_at_100(api):
    for _ in range(101):
        make_product()
    runner.run_all()
    for size, served in [("²", 20), ("1" * 5000, 20), ("0", 20), (" 2", 20), ("٣", 20), ("2", 2), ("500", 100)]:
        response = api.get("/api/v1/products/", {"page_size": size})
        assert response.status_code == 200 and len(response.json()["results"]) == served, size[:10]


@pytest.mark.parametrize("value", ["²", "٣", "1" * 5000, " 1", "1_0", "+1", "99999999999999999999"])
def test_min_position_is_ascii_digits_only(api, value):
    response = api.get("/api/v1/products/", HTTP_X_MIN_POSITION=value)
    assert response.status_code == 400
    assert "X-Min-Position" in response.json()


@pytest.mark.parametrize("after", ["²", "1" * 5000, "99999999999999999999", "-1", "1.5", "x"])
def test_event_feed_after_must_be_a_position(superuser_api, after):
    response = superuser_api.get("/api/v1/events/", {"after": after})
    assert response.status_code == 400 and "after" in response.json()


def test_event_feed_after_still_filters(superuser_api, rows):
    positions = [event["position"] for event in superuser_api.get("/api/v1/events/").json()["results"]]
    later = superuser_api.get("/api/v1/events/", {"after": str(positions[0])}).json()["results"]
    assert [event["position"] for event in later] == positions[1:]


@pytest.mark.parametrize("term", ["²", "1" * 5000, "٣"])
def test_admin_event_search_takes_any_term(term):
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("admin-root", password=None))
    response = client.get("/admin/queries/eventrecord/", {"q": term})
    assert response.status_code == 200


def test_admin_event_search_by_position_still_finds_it(rows):
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("admin-root", password=None))
    position = progress.head_position()
    response = client.get("/admin/queries/eventrecord/", {"q": str(position)})
    assert response.status_code == 200
    assert [event.position for event in response.context["cl"].result_list] == [position]
