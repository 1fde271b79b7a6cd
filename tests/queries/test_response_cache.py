"""Anonymous product searches and the catalog page, cached at the read position: never stale, and actually hit.

Other lists are not cached: each is one statement that reads its position too
(tests/queries/test_single_statement_reads.py), cheaper than a position statement and a cache round trip.
A product detail and the first catalog page are kept rendered by the hot path (tests/queries/test_hot_cache.py).
"""

import re

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from projections import blue_green, progress, runner
from projections.models import ParkedEvent
from projections.registry import PROJECTIONS
from queries import response_cache
from queries.api import hot_cache
from queries.models import ProductView
from tests.factories import make_product

pytestmark = pytest.mark.django_db(databases="__all__")
PRODUCT_TABLE = ProductView._meta.db_table
SEARCH = "/api/v1/products/?search=kettle"


@pytest.fixture
def kettle() -> str:
    product_id = make_product(name="Steel kettle", price="25.00", sku="KET-1")
    runner.run_all()
    return str(product_id)


def change_price(staff_api, product_id: str, price: str) -> int:
    """Through the command API, then projected in-process: the position the next read must be at."""
    answer = staff_api.post(
        "/api/v1/commands/update-product/", {"product_id": product_id, "price": price}, format="json"
    )
    assert answer.status_code in (200, 201, 202), answer.content
    runner.run_all()
    return int(answer.json()["position"])


def product_reads(client, path: str) -> int:
    """How many read-database queries touched the products table while serving `path`."""
    with CaptureQueriesContext(connections["read"]) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return sum(PRODUCT_TABLE in query["sql"] for query in queries.captured_queries)


@pytest.mark.parametrize(
    "path", ["/api/v1/products/{id}/", "/api/v1/products/?page_size=20&ordering=price", SEARCH, f"{SEARCH}&page_size=5"]
)
def test_api_read_after_a_command_shows_it(api, staff_api, kettle, path):
    url = path.format(id=kettle)
    assert "25.00" in api.get(url).content.decode()
    position = change_price(staff_api, kettle, "27.50")
    response = api.get(url, HTTP_X_MIN_POSITION=str(position))
    assert int(response["X-Read-Position"]) >= position
    assert "27.50" in response.content.decode() and "25.00" not in response.content.decode()


def test_catalog_page_after_a_command_shows_it(staff_api, kettle):
    visitor = Client()
    assert "25" in visitor.get("/").content.decode()
    assert product_reads(visitor, "/") == 0  # cached
    position = change_price(staff_api, kettle, "31.75")
    page = visitor.get(f"/?after={position}").content.decode()
    assert "31" in page and "25,00" not in page and "25.00" not in page
    assert "31" in visitor.get("/").content.decode()


@pytest.mark.parametrize("path", [SEARCH, "/api/v1/products/?search=nothing+like+it", "/"])
def test_second_identical_anonymous_read_is_a_cache_hit(api, kettle, path):
    assert product_reads(api, path) >= 1
    assert product_reads(api, path) == 0


def test_other_lists_read_the_rows_every_time(api, kettle):
    url = "/api/v1/products/?page_size=5&ordering=price"
    assert product_reads(api, url) == 1
    assert product_reads(api, url) == 1


def test_a_detail_is_read_once_then_kept_by_the_hot_path(api, kettle):
    url = f"/api/v1/products/{kettle}/"
    assert product_reads(api, url) == 1
    assert product_reads(api, url) == 0


def test_query_string_order_does_not_matter(api, kettle):
    assert product_reads(api, f"{SEARCH}&ordering=price&page_size=5") >= 1
    assert product_reads(api, "/api/v1/products/?page_size=5&search=kettle&ordering=price") == 0
    assert product_reads(api, f"{SEARCH}&page_size=6&ordering=price") >= 1


def test_signed_in_reads_are_not_cached(staff_api, kettle):
    assert product_reads(staff_api, SEARCH) >= 1
    assert product_reads(staff_api, SEARCH) >= 1


def test_cache_off_reads_every_time(api, kettle, settings):
    settings.RESPONSE_CACHE_SECONDS = 0
    assert product_reads(api, SEARCH) >= 1
    assert product_reads(api, SEARCH) >= 1


@pytest.mark.parametrize("path", [SEARCH, "/"])
def test_nothing_is_cached_while_an_aggregate_is_held(api, kettle, path):
    """A held product's row may lag behind the position: an answer then is not the answer at that position."""
    parked = ParkedEvent.objects.create(
        projection="catalog", position=progress.head_position() + 1, event_type="ProductUpdated", aggregate_id=kettle
    )
    assert product_reads(api, path) >= 1
    assert product_reads(api, path) >= 1
    parked.delete()
    assert product_reads(api, path) >= 1
    assert product_reads(api, path) == 0


def test_cached_page_is_in_the_visitors_language(kettle):
    for _ in range(2):  # the second of each is served from the cache
        assert '<html lang="en"' in Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
        assert '<html lang="ru"' in Client(HTTP_ACCEPT_LANGUAGE="ru").get("/").content.decode()


def test_cached_page_gives_each_visitor_a_working_csrf_token(kettle):
    Client().get("/")  # fills the cache
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get("/").content.decode()
    assert "csrf0token0placeholder" not in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    answer = visitor.post(f"/cart/{kettle}/add/", {"csrfmiddlewaretoken": token[1], "quantity": 1, "next": "/"})
    assert answer.status_code != 403


def test_a_warm_cache_still_waits_for_x_min_position(api, kettle, settings):
    settings.READ_POSITION_WAIT_SECONDS = 0.2
    settings.STOREFRONT_WAIT_SECONDS = 0.2
    url = SEARCH
    api.get(url)
    Client().get("/")
    make_product()  # not projected: the position it wrote is not reached
    wanted = progress.head_position()
    assert api.get(url, HTTP_X_MIN_POSITION=str(wanted)).status_code == 503
    assert Client().get(f"/?after={wanted}").status_code == 202


@pytest.mark.django_db(transaction=True, databases="__all__")
@pytest.mark.parametrize("path", [SEARCH, "/"])
def test_a_rebuild_taking_over_at_the_same_position_is_not_answered_from_before(api, kettle, settings, path):
    """A blue/green swap may take over at the position the live generation had reached, with rows written by
    changed projection code (here: another currency); the generation in the key tells the two apart."""
    assert product_reads(api, path) >= 1
    position = progress.head_position()
    settings.SHOP_CURRENCY = "SEK"
    assert blue_green.rebuild(PROJECTIONS["catalog"]) == position
    with CaptureQueriesContext(connections["read"]) as queries:
        response = api.get(path)
    assert "SEK" in response.content.decode() and int(response.get("X-Read-Position", position)) == position
    assert any(PRODUCT_TABLE in query["sql"] for query in queries.captured_queries)  # computed again


class CountingCache:
    """The shared cache, counting the reads that reach it."""

    def __init__(self, shared) -> None:
        self.shared = shared
        self.reads = 0

    def get(self, *args, **kwargs):
        self.reads += 1
        return self.shared.get(*args, **kwargs)

    def set(self, *args, **kwargs):
        return self.shared.set(*args, **kwargs)


def test_a_page_kept_in_this_process_is_answered_without_a_round_trip_to_the_shared_cache(kettle, monkeypatch):
    shared = CountingCache(response_cache.cache)
    monkeypatch.setattr(response_cache, "cache", shared)
    first = Client().get("/")
    assert shared.reads == 1  # a miss: looked for, then rendered and kept in both

    second = Client().get("/")

    assert shared.reads == 1 and product_reads(Client(), "/") == 0
    token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub(b"", second.content) == token.sub(b"", first.content)  # the same page, but for the token
    assert token.search(second.content)[0] != token.search(first.content)[0]  # each visitor's own


def test_a_page_kept_only_in_the_shared_cache_is_served_from_it_and_kept_here(kettle, monkeypatch):
    Client().get("/")
    hot_cache.BODIES.clear()  # as in another process: only the shared cache has the page
    shared = CountingCache(response_cache.cache)
    monkeypatch.setattr(response_cache, "cache", shared)

    assert product_reads(Client(), "/") == 0 and shared.reads == 1
    assert product_reads(Client(), "/") == 0 and shared.reads == 1  # now kept in this process too


def test_with_the_body_cache_off_pages_are_still_kept_in_the_shared_cache(kettle, settings):
    settings.HOT_READ_CACHE_BYTES = 0
    assert product_reads(Client(), "/") >= 1
    assert product_reads(Client(), "/") == 0
    assert not hot_cache.BODIES.entries


def test_a_page_kept_in_the_process_shows_a_command_at_its_read_position(staff_api, kettle):
    visitor = Client()
    visitor.get("/")
    assert product_reads(visitor, "/") == 0  # kept
    position = change_price(staff_api, kettle, "44.10")
    page = visitor.get(f"/?after={position}").content.decode()
    assert "44" in page and "25,00" not in page and "25.00" not in page
    assert product_reads(visitor, "/") >= 1  # the plain page at the new position: rendered again


def test_a_visitor_with_a_cart_is_never_served_a_cached_page_nor_fills_the_cache(kettle):
    Client().get("/")  # kept
    shopper = Client()
    assert shopper.post(f"/cart/{kettle}/add/", {"quantity": 2, "next": "/"}).status_code == 302
    assert product_reads(shopper, "/") >= 1  # rendered for them
    assert re.search(r"Cart\s*\(\s*1\s+item\)", shopper.get("/").content.decode())  # their own cart
    hot_cache.BODIES.clear()
    response_cache.cache.clear()
    shopper.get("/")  # a page with their cart is kept for nobody
    assert re.search(r"Cart\s*\(\s*0\s+items", Client().get("/").content.decode())


def test_a_kept_page_varies_on_the_cookie_and_the_language_as_the_rendered_one(kettle):
    rendered, kept = Client().get("/"), Client().get("/")
    assert product_reads(Client(), "/") == 0
    assert rendered.cookies["csrftoken"].value != kept.cookies["csrftoken"].value
    assert kept["Vary"] == rendered["Vary"] and "Cookie" in kept["Vary"]
