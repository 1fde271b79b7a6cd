"""The hot read path (queries/api/hot.py) answers exactly what the viewsets answer, byte for byte.

Each request is sent twice through the whole middleware stack: once as served (the hot view in front),
once with HOT_READS off (the DRF viewset alone). Status, body bytes and every header but Date and the
correlation id must be equal. Each case also says which path must have answered it, so a hot path that
silently handed everything to DRF would fail here too.
"""

import uuid
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client
from django.test.utils import override_settings
from knox.models import AuthToken

from projections import progress, runner
from projections.models import ParkedEvent
from queries.api import hot, hot_cache
from queries.models import CustomerView, OrderView, ProductView
from tests.factories import make_customer, make_product, make_staff, place_order
from tests.spying import calls_to

pytestmark = pytest.mark.django_db(databases="__all__")
PER_REQUEST = {"Date", "X-Correlation-ID"}


@pytest.fixture
def shop() -> dict[str, Any]:
    kettle = make_product(name="Steel kettle “Ω”\u2028", price="25.5", stock=10)
    teapot = make_product(name="Clay teapot", price="40.00", stock=1)
    gone = make_product(name="Old mug", price="3.00")
    for _ in range(3):
        make_product(price="1.00")
    ann = make_customer(name="Ann", email="ann@example.com", password="correct-horse-battery-staple")
    bob = make_customer(name="Bob", email="bob@example.com", password="correct-horse-battery-staple")
    several = place_order(ann, (kettle, 2), (teapot, 1)).aggregate_id
    single = place_order(bob, (kettle, 1)).aggregate_id
    runner.run_all()
    ProductView.objects.filter(pk=kettle).update(image="products/kettle.png")
    ProductView.objects.filter(pk=gone).update(deleted=True)
    OrderView.objects.filter(pk=several).update(
        delivery_address={"line1": "1 Main St", "line2": None, "city": "Oslo", "postal_code": "0150", "country": "NO"}
    )
    return {
        "kettle": str(kettle),
        "teapot": str(teapot),
        "gone": str(gone),
        "several": str(several),
        "single": str(single),
        "ann": token_of(ann),
        "bob": token_of(bob),
        "staff": AuthToken.objects.create(make_staff("integrator"))[1],
        "clerk": AuthToken.objects.create(get_user_model().objects.create_user("clerk", is_staff=True))[1],
    }


def token_of(customer_id: uuid.UUID) -> str:
    user = get_user_model().objects.get(pk=int(CustomerView.objects.get(pk=customer_id).user_id or 0))
    return AuthToken.objects.create(user)[1]


def answered(client: Client, path: str, headers: dict[str, Any], *, hot_reads: bool) -> tuple[Any, ...]:
    with override_settings(HOT_READS=hot_reads):
        response = client.get(path, **headers)
    kept = sorted((name, value) for name, value in response.headers.items() if name not in PER_REQUEST)
    return response.status_code, response.content, kept, sorted(response.cookies)


def both_paths(path: str, headers: dict[str, str], monkeypatch: Any, client: Client | None = None) -> tuple[Any, bool]:
    """The viewset's answer and whether the hot path answered the same request (it must answer it the same).

    The hot path is asked twice: rendered from the rows, then from its body cache (hot_cache.py), where the
    first answer is kept; both must be the viewset's answer.
    """
    client = client or Client()
    hot_answers = calls_to(monkeypatch, hot, "answer")
    served = answered(client, path, headers, hot_reads=True)
    took_it = bool(hot_answers)
    kept_before = len(hot_cache.BODIES.entries)
    again = answered(client, path, headers, hot_reads=True)
    took_again = len(hot_answers) - took_it
    if took_it:  # the second answer was the kept body, if one was kept
        assert len(hot_cache.BODIES.entries) == kept_before
    viewset = answered(client, path, headers, hot_reads=False)
    assert len(hot_answers) == took_it + took_again  # with HOT_READS off the viewset alone answered
    assert took_again >= took_it  # what the hot path answered once, it answers again
    for hot_answer in (served, again):
        assert hot_answer[0] == viewset[0], (hot_answer[0], viewset[0], hot_answer[1][:300], viewset[1][:300])
        assert hot_answer[1] == viewset[1]
        assert hot_answer[2] == viewset[2]
        assert hot_answer[3] == viewset[3]
    return viewset, took_it


PRODUCT_CASES = [
    # (path, headers, answered by the hot path, status)
    ("/api/v1/products/{kettle}/", {}, True, 200),  # with an image: an absolute URL; a U+2028 in the name
    ("/api/v1/products/{teapot}/", {}, True, 200),  # no image, out of stock once ordered
    ("/api/v1/products/{kettle}/", {"HTTP_ACCEPT": "application/json"}, True, 200),
    ("/api/v1/products/{kettle}/", {"HTTP_ACCEPT": "*/*"}, True, 200),
    ("/api/v1/products/{kettle}/", {"HTTP_ACCEPT": "application/json; indent=4"}, False, 200),
    ("/api/v1/products/{kettle}/", {"HTTP_ACCEPT": "text/csv"}, False, 406),
    ("/api/v1/products/{kettle}/", {"HTTP_X_FORWARDED_PROTO": "https"}, True, 200),
    ("/api/v1/products/{kettle}/?format=json", {}, False, 200),
    ("/api/v1/products/{kettle}/?unknown=1", {}, False, 200),
    ("/api/v1/products/{gone}/", {}, False, 404),  # deleted
    ("/api/v1/products/{missing}/", {}, False, 404),
    ("/api/v1/products/not-a-uuid/", {}, False, 404),
    ("/api/v1/products/{kettle_hex}/", {}, True, 200),  # a UUID without dashes is the same product, as the ORM reads it
    ("/api/v1/products/{kettle}/", {"HTTP_X_MIN_POSITION": "{head}"}, False, 200),
    ("/api/v1/products/{kettle}/", {"HTTP_X_MIN_POSITION": "x"}, False, 400),
    ("/api/v1/products/{kettle}/", {"HTTP_AUTHORIZATION": "Token nonsense"}, False, 401),
    ("/api/v1/products/{kettle}/", {"HTTP_AUTHORIZATION": "{ann}"}, False, 200),
    ("/api/v1/products/", {}, True, 200),
    ("/api/v1/products/?page_size=2", {}, True, 200),  # a next link
    ("/api/v1/products/?page_size=500", {}, True, 200),  # capped at 100, no next link
    ("/api/v1/products/?page_size=0", {}, True, 200),
    ("/api/v1/products/?page_size=abc", {}, True, 200),
    ("/api/v1/products/?page_size=1&page_size=3", {}, True, 200),
    ("/api/v1/products/?page_size=2", {"HTTP_X_FORWARDED_PROTO": "https"}, True, 200),
    ("/api/v1/products/?page_size=2&ordering=price", {}, False, 200),
    ("/api/v1/products/?search=kettle", {}, False, 200),
    ("/api/v1/products/?cursor=bogus", {}, False, 404),
]


@pytest.mark.parametrize(("path", "headers", "hot_answers", "status"), PRODUCT_CASES)
def test_product_reads_match_the_viewset(shop, monkeypatch, path, headers, hot_answers, status):
    viewset, took_it = both_paths(*fill(shop, path, headers), monkeypatch)
    assert (viewset[0], took_it) == (status, hot_answers)


ORDER_CASES = [
    ("/api/v1/orders/{several}/", {"HTTP_AUTHORIZATION": "{ann}"}, True, 200),  # own order, two lines, an address
    ("/api/v1/orders/{single}/", {"HTTP_AUTHORIZATION": "{bob}"}, True, 200),
    ("/api/v1/orders/{several}/", {"HTTP_AUTHORIZATION": "{staff}"}, True, 200),  # the view permission: every order
    ("/api/v1/orders/{single}/", {"HTTP_AUTHORIZATION": "{ann}"}, False, 404),  # another customer's
    ("/api/v1/orders/{single}/", {"HTTP_AUTHORIZATION": "{clerk}"}, False, 404),  # is_staff alone shows nothing
    ("/api/v1/orders/{missing}/", {"HTTP_AUTHORIZATION": "{staff}"}, False, 404),
    ("/api/v1/orders/not-a-uuid/", {"HTTP_AUTHORIZATION": "{staff}"}, False, 404),
    ("/api/v1/orders/{several}/", {}, False, 401),
    ("/api/v1/orders/{several}/", {"HTTP_AUTHORIZATION": "Token nonsense"}, False, 401),
    ("/api/v1/orders/{several}/", {"HTTP_AUTHORIZATION": "Token"}, False, 401),
    ("/api/v1/orders/{several}/", {"HTTP_AUTHORIZATION": "Bearer abc"}, False, 401),
    ("/api/v1/orders/{several}/", {"HTTP_AUTHORIZATION": "Token " + "a" * 300}, False, 401),
    ("/api/v1/orders/{several}/?status=paid", {"HTTP_AUTHORIZATION": "{ann}"}, False, 404),  # a filter applies
    ("/api/v1/orders/{several}/", {"HTTP_AUTHORIZATION": "{ann}", "HTTP_X_MIN_POSITION": "{head}"}, False, 200),
    ("/api/v1/orders/{several}/", {"HTTP_AUTHORIZATION": "{ann}", "HTTP_ACCEPT": "text/csv"}, False, 406),
]


@pytest.mark.parametrize(("path", "headers", "hot_answers", "status"), ORDER_CASES)
def test_order_reads_match_the_viewset(shop, monkeypatch, path, headers, hot_answers, status):
    viewset, took_it = both_paths(*fill(shop, path, headers), monkeypatch)
    assert (viewset[0], took_it) == (status, hot_answers)


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/api/v1/products/{kettle}/", {}),
        ("/api/v1/products/?page_size=2", {}),
        ("/api/v1/orders/{several}/", {"HTTP_AUTHORIZATION": "{ann}"}),
    ],
)
def test_if_none_match_is_a_304_on_both_paths(shop, monkeypatch, path, headers):
    path, headers = fill(shop, path, headers)
    etag = Client().get(path, **headers)["ETag"]
    for if_none_match, status in ((etag, 304), (f'"other", {etag}', 304), ("*", 304), ('"other"', 200)):
        viewset, took_it = both_paths(path, {**headers, "HTTP_IF_NONE_MATCH": if_none_match}, monkeypatch)
        assert (viewset[0], took_it) == (status, True)
        assert int(dict(viewset[2])["X-Read-Position"]) == progress.head_position()


def test_held_aggregates_are_named_on_both_paths(shop, monkeypatch):
    for projection, aggregate in (("orders", shop["several"]), ("catalog", shop["teapot"])):
        ParkedEvent.objects.create(
            projection=projection, position=progress.head_position() + 1, event_type="X", aggregate_id=aggregate
        )
    for path, headers in (
        ("/api/v1/orders/{several}/", {"HTTP_AUTHORIZATION": "{staff}"}),
        ("/api/v1/products/{kettle}/", {}),
        ("/api/v1/products/", {}),
    ):
        viewset, took_it = both_paths(*fill(shop, path, headers), monkeypatch)
        assert took_it and "X-Held-Aggregates" in dict(viewset[2])


def test_a_signed_in_visitor_is_answered_by_the_viewset(shop, monkeypatch):
    visitor = Client()
    visitor.force_login(get_user_model().objects.get(username="integrator"))
    viewset, took_it = both_paths(f"/api/v1/products/{shop['kettle']}/", {}, monkeypatch, client=visitor)
    assert (viewset[0], took_it) == (200, False)


def test_an_empty_catalog_is_answered_by_the_viewset(shop, monkeypatch):
    ProductView.objects.update(deleted=True)
    viewset, took_it = both_paths("/api/v1/products/", {}, monkeypatch)
    assert (viewset[0], took_it) == (200, False)
    assert b'"results":[]' in viewset[1]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/products/?search=steel+kettle",
        "/api/v1/products/?page_size=1&search=kettle",
        "/api/v1/products/?search=zzz",
    ],
)
def test_a_search_is_answered_from_the_viewsets_cache_entry(shop, monkeypatch, path):
    """The first time the viewset computes and stores it; after that the hot path serves that entry."""
    first, took_it = both_paths(path, {}, monkeypatch)
    assert (first[0], took_it) == (200, False)
    again, took_it = both_paths(path, {}, monkeypatch)
    assert (again[0], took_it) == (200, True)
    assert again[1] == first[1]
    again, took_it = both_paths(path, {"HTTP_IF_NONE_MATCH": dict(first[2])["ETag"]}, monkeypatch)
    assert (again[0], took_it) == (304, True)


@pytest.mark.parametrize(
    "path", ["/api/v1/products/?search=", "/api/v1/products/?search=%20", "/api/v1/products/?search=" + "k" * 201]
)
def test_a_blank_or_invalid_search_is_the_viewsets(shop, monkeypatch, path):
    for _ in range(2):
        viewset, took_it = both_paths(path, {}, monkeypatch)
        assert viewset[0] in (200, 400) and not took_it


def test_a_search_is_computed_again_once_the_position_moves(shop, monkeypatch):
    path = "/api/v1/products/?search=kettle"
    both_paths(path, {}, monkeypatch)
    make_product(name="Copper kettle", price="30.00")
    runner.run_all()
    viewset, took_it = both_paths(path, {}, monkeypatch)
    assert (viewset[0], took_it) == (200, False)
    assert b"Copper kettle" in viewset[1]


def test_head_and_options_are_answered_by_the_viewset(shop, monkeypatch):
    for method in ("head", "options"):
        with override_settings(HOT_READS=True):
            response = getattr(Client(), method)(f"/api/v1/products/{shop['kettle']}/")
        assert response.status_code == 200
        assert response["Allow"] == "GET, HEAD, OPTIONS"


def fill(shop: dict[str, Any], path: str, headers: dict[str, str]) -> tuple[str, dict[str, str]]:
    values = {
        **shop,
        **{name: f"Token {shop[name]}" for name in ("ann", "bob", "staff", "clerk")},
        "missing": str(uuid.uuid4()),
        "kettle_hex": uuid.UUID(shop["kettle"]).hex,
        "head": str(progress.head_position()),
    }
    return path.format(**values), {name: value.format(**values) for name, value in headers.items()}


@pytest.mark.parametrize(
    "literal",
    [
        "2026-12-02 04:05:49+00",
        "2026-12-02 04:05:49.63+00",
        "2026-12-02 04:05:49.123456+00",
        "2026-12-02 04:05:49.000001+05:30",
        "0999-01-01 00:00:00+00",
        "2026-06-30 23:59:59.5 Europe/Oslo",
    ],
)
@pytest.mark.parametrize("session_zone", ["UTC", "Europe/Oslo"])
def test_timestamps_read_by_the_hot_cursor_equal_djangos(literal, session_zone):
    """The C parser reads what PostgreSQL writes in a UTC session; anything else goes to Django's own loader."""
    connection = connections["read"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('TimeZone', %s, false)", [session_zone])
        try:
            cursor.execute("SELECT %s::timestamptz", [literal])
            (django_reads,) = cursor.fetchone()
            with hot.prepared_cursor(connection) as hot_cursor:
                hot_cursor.execute("SELECT %s::timestamptz", [literal])
                (hot_reads,) = hot_cursor.fetchone()
        finally:
            cursor.execute("SELECT set_config('TimeZone', 'UTC', false)")
    assert hot_reads == django_reads
    assert hot_reads.isoformat() == django_reads.astimezone(hot_reads.tzinfo).isoformat()
    assert hot_reads.utcoffset() is not None


def test_a_read_database_that_is_not_postgresql_is_answered_by_the_viewset(shop, monkeypatch):
    """`make run`'s SQLite has no prepared statements: every read goes to the viewset there (it was a 500)."""
    monkeypatch.setattr(connections["read"], "vendor", "sqlite")
    for path in (f"/api/v1/products/{shop['kettle']}/", "/api/v1/products/?page_size=100"):
        viewset, took_it = both_paths(path, {}, monkeypatch)
        assert (viewset[0], took_it) == (200, False)
