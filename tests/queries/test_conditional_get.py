"""ETag / If-None-Match -> 304 on product reads, the catalog page and order detail."""

from decimal import Decimal

import pytest
from django.test import Client

from commands.handlers import customers, orders
from projections import runner
from tests.factories import context, make_customer, make_product, place_order

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def order_id():
    kettle = make_product(price="10.00", stock=100)
    ann = make_customer(name="Ann")
    placed = place_order(ann, (kettle, 2)).aggregate_id
    runner.run_all()
    return placed


@pytest.mark.parametrize("path", ["/api/v1/products/{id}/", "/api/v1/products/?ordering=price", "/"])
def test_matching_if_none_match_is_304_without_body(path):
    url = path.format(id=make_product(price="4.00"))
    runner.run_all()
    visitor = Client()
    first = visitor.get(url)
    etag = first["ETag"]
    again = visitor.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert visitor.get(url, HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304  # weak comparison
    if path.startswith("/api/"):
        assert again["X-Read-Position"] == first["X-Read-Position"]


def test_a_changed_order_gets_a_new_etag(staff_api, order_id):
    url = f"/api/v1/orders/{order_id}/"
    first = staff_api.get(url)
    assert staff_api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    orders.pay_order(context=context(), order_id=order_id, amount=Decimal("20.00"))
    runner.run_all()
    paid = staff_api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert paid.status_code == 200
    assert paid.json()["status"] == "paid"
    assert paid["ETag"] != first["ETag"]


def test_a_rename_without_a_version_bump_still_changes_the_etag(staff_api, order_id):
    """The order's version stays; its customer block does not: the tag follows the body."""
    first = staff_api.get(f"/api/v1/orders/{order_id}/")
    customers.update_customer_details(context=context(), customer_id=first.json()["customer"]["id"], name="Anna")
    runner.run_all()
    renamed = staff_api.get(f"/api/v1/orders/{order_id}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert renamed.status_code == 200
    assert renamed.json()["version"] == first.json()["version"]
    assert renamed["ETag"] != first["ETag"]


@pytest.mark.parametrize("garbage", ['"', "W/", "*,,,", "\x7f\x01", "x" * 5000, '"a", W/"b", nonsense'])
def test_garbage_if_none_match_never_500s(api, staff_api, order_id, garbage):
    assert staff_api.get(f"/api/v1/orders/{order_id}/", HTTP_IF_NONE_MATCH=garbage).status_code in (200, 304)
    assert api.get("/api/v1/products/", HTTP_IF_NONE_MATCH=garbage).status_code in (200, 304)


def test_no_etag_on_errors_or_lists_not_tagged(api, staff_api, order_id):
    assert "ETag" not in api.get("/api/v1/products/00000000-0000-0000-0000-000000000000/")
    assert "ETag" not in staff_api.get("/api/v1/orders/")
