"""400: every malformed command body names each bad field (nested for lines and address) and writes nothing."""

from collections.abc import Iterator
from typing import Any

import pytest

from commands.rules import MAX_STOCK
from tests.commands.command_api import ADDRESS, UNKNOWN, line, post_command, write_state
from tests.factories import make_customer, make_product, place_order

pytestmark = pytest.mark.django_db(databases="__all__")


def error_paths(errors: Any, prefix: str = "") -> Iterator[str]:
    """The 400 shape {"field": ["message", ...]} (nested for lines and address) as dotted paths."""
    if isinstance(errors, dict):
        for name, value in errors.items():
            yield from error_paths(value, f"{prefix}{name}.")
    elif isinstance(errors, list) and errors and all(isinstance(message, str) for message in errors):
        yield prefix.rstrip(".")
    elif isinstance(errors, list):
        for index, item in enumerate(errors):
            yield from error_paths(item, f"{prefix}{index}.")
    else:
        raise AssertionError(f"not the 400 body shape of docs/api.md: {errors!r}")


BAD_REQUESTS = [
    # register-customer
    ("register-customer", lambda w: {}, {"email", "name"}),
    ("register-customer", lambda w: {"email": "a@example.com", "name": "A", "nickname": "x"}, {"nickname"}),
    ("register-customer", lambda w: {"email": 5, "name": "A"}, {"email"}),
    ("register-customer", lambda w: {"email": "not-an-email", "name": "A"}, {"email"}),
    ("register-customer", lambda w: {"email": "a@example.com", "name": ["A"]}, {"name"}),
    ("register-customer", lambda w: {"email": "a@example.com", "name": ""}, {"name"}),
    ("register-customer", lambda w: {"email": "a@example.com", "name": "A", "phone": 12345}, {"phone"}),
    ("register-customer", lambda w: {"email": "a@example.com", "name": "A", "password": "123"}, {"password"}),
    (
        "register-customer",
        lambda w: {"email": "a@example.com", "name": "A", "address": {**ADDRESS, "city": None, "zip": "1"}},
        {"address.city", "address.zip"},
    ),
    (
        "register-customer",
        lambda w: {"email": "a@example.com", "name": "A", "address": {**ADDRESS, "country": "XX"}},
        {"address.country"},
    ),
    (
        "register-customer",
        lambda w: {"email": "a@example.com", "name": "A", "address": "Berlin"},
        {"address.non_field_errors"},
    ),
    # update-customer-details
    ("update-customer-details", lambda w: {"customer_id": w.customer}, {"non_field_errors"}),
    ("update-customer-details", lambda w: {"customer_id": "nope", "name": "B"}, {"customer_id"}),
    ("update-customer-details", lambda w: {"customer_id": 5, "name": "B"}, {"customer_id"}),
    (
        "update-customer-details",
        lambda w: {"customer_id": w.customer, "name": "B", "expected_version": "1"},
        {"expected_version"},
    ),
    (
        "update-customer-details",
        lambda w: {"customer_id": w.customer, "name": "B", "expected_version": True},
        {"expected_version"},
    ),
    (
        "update-customer-details",
        lambda w: {"customer_id": w.customer, "name": "B", "expected_version": -1},
        {"expected_version"},
    ),
    (
        "update-customer-details",
        lambda w: {"customer_id": w.customer, "address": {"line1": "x"}},
        {"address.city", "address.postal_code", "address.country"},
    ),
    ("update-customer-details", lambda w: {"customer_id": w.customer, "name": "B", "id": w.customer}, {"id"}),
    # create-product
    ("create-product", lambda w: {"sku": "A B", "name": "P", "price": "1.00"}, {"sku"}),
    ("create-product", lambda w: {"sku": "A" * 65, "name": "P", "price": "1.00"}, {"sku"}),
    ("create-product", lambda w: {"sku": "NEW-1", "name": "P", "price": "0.00"}, {"price"}),
    ("create-product", lambda w: {"sku": "NEW-1", "name": "P", "price": "1.234"}, {"price"}),
    ("create-product", lambda w: {"sku": "NEW-1", "name": "P", "price": True}, {"price"}),
    ("create-product", lambda w: {"sku": "NEW-1", "name": "P", "price": "NaN"}, {"price"}),
    ("create-product", lambda w: {"sku": "NEW-1", "name": "P", "price": "1.00", "stock": -1}, {"stock"}),
    ("create-product", lambda w: {"sku": "NEW-1", "name": "P", "price": "1.00", "stock": "3"}, {"stock"}),
    ("create-product", lambda w: {"sku": "NEW-1", "name": "P", "price": "1.00", "stock": 1.5}, {"stock"}),
    ("create-product", lambda w: {"sku": "NEW-1", "name": "P", "price": "1.00", "stock": True}, {"stock"}),
    ("create-product", lambda w: {"sku": 7, "name": "P", "price": "1.00", "colour": "red"}, {"sku", "colour"}),
    # update-product, delete-product, adjust-stock
    ("update-product", lambda w: {"product_id": w.kettle}, {"non_field_errors"}),
    ("update-product", lambda w: {"product_id": w.kettle, "price": "-1.00"}, {"price"}),
    ("update-product", lambda w: {"product_id": w.kettle, "stock": 9}, {"stock"}),
    ("update-product", lambda w: {"product_id": True, "name": "X"}, {"product_id"}),
    ("delete-product", lambda w: {}, {"product_id"}),
    ("adjust-stock", lambda w: {"product_id": w.kettle, "delta": 0}, {"delta"}),
    ("adjust-stock", lambda w: {"product_id": w.kettle, "delta": True}, {"delta"}),
    ("adjust-stock", lambda w: {"product_id": w.kettle, "delta": "1"}, {"delta"}),
    ("adjust-stock", lambda w: {"product_id": w.kettle}, {"delta"}),
    # create-order
    ("create-order", lambda w: {"customer_id": w.customer, "lines": []}, {"lines.non_field_errors"}),
    (
        "create-order",
        lambda w: {"customer_id": w.customer, "lines": [line(w.kettle)], "delivery_address": {**ADDRESS, "city": ""}},
        {"delivery_address.city"},
    ),
    (
        "create-order",
        lambda w: {"customer_id": w.customer, "lines": [line(w.kettle)], "delivery_address": {**ADDRESS, "x": "1"}},
        {"delivery_address.x"},
    ),
    (
        "create-order",
        lambda w: {"customer_id": w.customer, "lines": [line(w.kettle)], "delivery_address": "Berlin"},
        {"delivery_address.non_field_errors"},
    ),
    ("create-order", lambda w: {"customer_id": w.customer, "lines": line(w.kettle)}, {"lines.non_field_errors"}),
    ("create-order", lambda w: {"customer_id": w.customer, "lines": [line(w.kettle, 0)]}, {"lines.0.quantity"}),
    ("create-order", lambda w: {"customer_id": w.customer, "lines": [line(w.kettle, 1001)]}, {"lines.0.quantity"}),
    ("create-order", lambda w: {"customer_id": w.customer, "lines": [line(w.kettle, True)]}, {"lines.0.quantity"}),
    (
        "create-order",
        lambda w: {"customer_id": w.customer, "lines": [line(w.mug), line(w.kettle, "2")]},
        {"lines.1.quantity"},
    ),
    (
        "create-order",
        lambda w: {"customer_id": w.customer, "lines": [{**line(w.kettle), "price": "0.01"}]},
        {"lines.0.price"},
    ),
    ("create-order", lambda w: {"customer_id": w.customer, "lines": [line(w.kettle), line(w.kettle)]}, {"lines"}),
    ("create-order", lambda w: {"customer_id": w.customer, "lines": [line(UNKNOWN)] * 101}, {"lines.non_field_errors"}),
    ("create-order", lambda w: {"customer_id": UNKNOWN, "lines": [line(w.kettle)]}, {"customer_id"}),
    (
        "create-order",
        lambda w: {"customer_id": w.customer, "lines": [line(w.kettle), line(UNKNOWN)]},
        {"lines.1.product_id"},
    ),
    ("create-order", lambda w: {"customer_id": w.customer, "lines": [line(w.kettle)], "status": "paid"}, {"status"}),
    # pay-order, ship-order, cancel-order
    ("pay-order", lambda w: {"order_id": w.order["pending"], "amount": "abc"}, {"amount"}),
    ("pay-order", lambda w: {"order_id": w.order["pending"], "amount": False}, {"amount"}),
    ("ship-order", lambda w: {"order_id": w.order["paid"], "tracking_number": 5}, {"tracking_number"}),
    ("cancel-order", lambda w: {"order_id": w.order["pending"], "reason": ["x"]}, {"reason"}),
    ("cancel-order", lambda w: {"order_id": 1}, {"order_id"}),
    ("cancel-order", lambda w: {"order_id": w.order["pending"], "reason": "nul \u0000 byte"}, {"reason"}),
    ("create-order", lambda w: {"customer_id": w.customer, "lines": [line(w.kettle, 1.0)]}, {"lines.0.quantity"}),
    # not a JSON object at all
    ("create-product", lambda w: [], {"non_field_errors"}),
    ("create-product", lambda w: "sku", {"non_field_errors"}),
    ("create-product", lambda w: None, {"non_field_errors"}),
    ("create-product", lambda w: b'{"sku": "X-1", "name": ', {"non_field_errors"}),
    ("create-order", lambda w: b"\xff\xfe not json", {"non_field_errors"}),
]


@pytest.mark.parametrize(
    ("command", "body", "paths"), BAD_REQUESTS, ids=[f"{case[0]}:{','.join(sorted(case[2]))}" for case in BAD_REQUESTS]
)
def test_400_names_every_bad_field_and_writes_nothing(staff_api, world, command, body, paths):
    before = write_state()
    response = post_command(staff_api, command, body(world))
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert set(error_paths(response.json())) == paths
    assert write_state() == before


def test_stock_cannot_grow_past_what_the_column_holds(staff_api):
    product_id = make_product(stock=MAX_STOCK - 10)
    before = write_state()
    response = post_command(staff_api, "adjust-stock", {"product_id": str(product_id), "delta": 11})
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["delta"]
    assert write_state() == before
    assert post_command(staff_api, "adjust-stock", {"product_id": str(product_id), "delta": 10}).status_code == 202


def test_an_order_total_too_large_to_store_is_a_400(staff_api):
    product_id = make_product(price="9999999999.99", stock=1000)
    body = {"customer_id": str(make_customer()), "lines": [line(str(product_id), 1000)]}
    before = write_state()
    response = post_command(staff_api, "create-order", body)
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["lines"]
    assert write_state() == before


def test_the_largest_total_can_be_paid_with_its_amount(staff_api):
    product_id = make_product(price="9999999999.99", stock=100)
    order_id = place_order(make_customer(), (product_id, 99)).aggregate_id
    response = post_command(staff_api, "pay-order", {"order_id": str(order_id), "amount": "989999999999.01"})
    assert response.status_code == 202, response.content
