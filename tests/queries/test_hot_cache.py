"""The hot path's body cache (queries/api/hot_cache.py) is never stale, and keeps nothing it may not keep.

Every read goes through the whole middleware stack. `fetches` counts the statements that read rows: a read
answered from the cache reads only the snapshot. test_hot_reads.py holds both the rendered and the kept
answers byte-identical to the viewsets'.
"""

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from commands.handlers import products
from projections import blue_green, runner
from projections.models import ParkedEvent
from projections.progress import head_position
from projections.registry import PROJECTIONS
from queries.api import hot, hot_cache
from tests.factories import context, make_product
from tests.spying import calls_to

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def fetches(monkeypatch: Any) -> list[dict[str, Any]]:
    return calls_to(monkeypatch, hot, "fetch")


def read(path: str) -> tuple[bytes, int]:
    response = Client().get(path)
    assert response.status_code == 200
    return response.content, int(response["X-Read-Position"])


@pytest.mark.parametrize("path", ["/api/v1/products/{kettle}/", "/api/v1/products/?page_size=2"])
def test_a_commands_effect_is_in_the_next_read_at_its_position(fetches, path):
    kettle = make_product(name="Kettle", price="20.00")
    runner.run_all()
    path = path.format(kettle=kettle)
    first = read(path)
    assert read(path) == first and len(fetches) == 1  # the second read was the kept body

    result = products.update_product(context=context(), product_id=kettle, name="Copper kettle", price=Decimal("22"))
    runner.run_all()

    body, position = read(path)
    assert position == result.position > first[1]
    assert b'"name":"Copper kettle"' in body and b'"price":"22.00"' in body
    assert len(fetches) == 2
    assert read(path) == (body, position) and len(fetches) == 2  # and that is what is kept now


def test_a_new_product_is_on_the_next_first_page(fetches):
    make_product(name="Kettle")
    runner.run_all()
    before = read("/api/v1/products/")
    assert read("/api/v1/products/") == before

    created = make_product(name="Teapot")
    runner.run_all()

    body, position = read("/api/v1/products/")
    assert position == head_position() > before[1]
    assert body.index(str(created).encode()) < body.index(b'"name":"Kettle"')  # newest first
    assert len(fetches) == 2


@pytest.mark.parametrize("path", ["/api/v1/products/{kettle}/", "/api/v1/products/"])
def test_nothing_is_kept_or_answered_from_the_cache_while_an_aggregate_is_held(fetches, path):
    """A held aggregate's row lags behind the position without moving it: what was kept there is not the answer."""
    kettle = make_product(name="Kettle")
    runner.run_all()
    path = path.format(kettle=kettle)
    read(path)  # kept at this position
    ParkedEvent.objects.create(projection="catalog", position=head_position() + 1, event_type="X", aggregate_id=kettle)
    for _ in range(2):
        response = Client().get(path)
        assert response.status_code == 200 and response["X-Held-Aggregates"] == str(kettle)
    assert len(fetches) == 3  # at the same position as the kept body, both reads read their rows
    hot_cache.BODIES.clear()
    read(path)
    assert not hot_cache.BODIES.entries  # and nothing read while held is kept


def test_a_segmented_projection_is_never_kept(fetches, settings):
    """Its rows can be past the position (the minimum over the segments): one position, several bodies."""
    kettle = make_product(name="Kettle")
    runner.run_all()
    settings.PROJECTION_SEGMENTS = {"catalog": 2}
    for _ in range(2):
        assert Client().get(f"/api/v1/products/{kettle}/").status_code == 200
    assert len(fetches) == 2  # the hot path answered, from the rows each time
    assert not hot_cache.BODIES.entries


def test_off_when_its_size_is_zero(fetches, settings):
    settings.HOT_READ_CACHE_BYTES = 0
    kettle = make_product(name="Kettle")
    runner.run_all()
    assert read(f"/api/v1/products/{kettle}/") == read(f"/api/v1/products/{kettle}/")
    assert len(fetches) == 2 and not hot_cache.BODIES.entries


def test_the_cache_is_bounded_and_drops_the_least_recently_used(settings):
    body = hot_cache.Body.of(b"x" * 100)
    settings.HOT_READ_CACHE_BYTES = 3 * (100 + hot_cache.ENTRY_OVERHEAD)
    cache = hot_cache.BodyCache()
    for key in ("a", "b", "c"):
        cache.put(key, body)
    assert cache.get("a") is body  # now the most recently used
    cache.put("d", body)
    assert list(cache.entries) == ["c", "a", "d"] and cache.size == settings.HOT_READ_CACHE_BYTES
    cache.put("d", hot_cache.Body.of(b"y" * 100))  # replaced, not counted twice
    assert cache.size == settings.HOT_READ_CACHE_BYTES and cache.get("d") != body
    cache.put("huge", hot_cache.Body.of(b"z" * settings.HOT_READ_CACHE_BYTES))
    assert "huge" not in cache.entries and len(cache.entries) == 3


def test_a_kept_etag_is_the_hash_django_would_write():
    from django.http import HttpResponse
    from django.utils.cache import set_response_etag

    content = b'{"id":"1"}'
    assert hot_cache.Body.of(content).etag == set_response_etag(HttpResponse(content))["ETag"]


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_rebuild_taking_over_at_the_same_position_is_not_answered_from_before(settings):
    """A blue/green swap may take over at the position the live generation had reached, with rows written by
    changed projection code (here: another currency); the generation in the key tells the two apart."""
    kettle = make_product(name="Kettle")
    runner.run_all()
    path = f"/api/v1/products/{kettle}/"
    before = read(path)
    assert read(path) == before and b'"currency":"EUR"' in before[0]

    settings.SHOP_CURRENCY = "XYZ"
    assert blue_green.rebuild(PROJECTIONS["catalog"]) == before[1]

    body, position = read(path)
    assert position == before[1] and b'"currency":"XYZ"' in body
