"""Every refusal of every command: the status and body of api-v1.md, and nothing at all written."""

from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from commands.event_log import CommandContext
from commands.handlers import orders, products
from commands.models import MAX_STOCK, Product
from tests.commands.command_api import make_shopper, post_command, write_state
from tests.factories import make_customer, make_product, place_order

pytestmark = pytest.mark.django_db(databases="__all__")
ctx = CommandContext(command="test", actor="test")
UNKNOWN = "00000000-0000-4000-8000-000000000000"
ADDRESS = {"line1": "Main St 1", "city": "Berlin", "postal_code": "10115", "country": "DE"}


@pytest.fixture
def world() -> SimpleNamespace:
    """A product with stock 2 left, a deleted one, taken emails and SKU, and an order in every state."""
    # A login whose username is an email but that has no customer: that email is taken as well.
    get_user_model().objects.create_user(username="staff@example.com", password="x")
    kettle = make_product(price="10.00", stock=5, sku="TAKEN-1")
    mug = make_product(price="2.00", stock=1)
    deleted = make_product(stock=3)
    products.delete_product(context=ctx, product_id=deleted)
    customer = make_customer(email="taken@example.com")
    other = make_customer()
    states = {}
    for status in ("pending", "paid", "shipped", "cancelled"):
        order_id = place_order(customer, (kettle, 1)).aggregate_id
        if status in ("paid", "shipped", "cancelled"):
            orders.pay_order(context=ctx, order_id=order_id)
        if status == "shipped":
            orders.ship_order(context=ctx, order_id=order_id)
        if status == "cancelled":
            orders.cancel_order(context=ctx, order_id=order_id)
        states[status] = str(order_id)
    assert Product.objects.get(pk=kettle).stock == 2
    return SimpleNamespace(
        kettle=str(kettle),
        mug=str(mug),
        deleted=str(deleted),
        customer=str(customer),
        other=str(other),
        order=states,
    )


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
        raise AssertionError(f"not the 400 body shape of api-v1.md: {errors!r}")


Body = Callable[[SimpleNamespace], Any]


def line(product_id: str, quantity: Any = 1) -> dict[str, Any]:
    return {"product_id": product_id, "quantity": quantity}


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


@pytest.mark.parametrize(("command", "body", "paths"), BAD_REQUESTS)
def test_400_names_every_bad_field_and_writes_nothing(staff_api, world, command, body, paths):
    before = write_state()
    response = post_command(staff_api, command, body(world))
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert set(error_paths(response.json())) == paths
    assert write_state() == before


NOT_FOUND = [
    ("update-customer-details", lambda w: {"customer_id": UNKNOWN, "name": "B"}),
    ("update-product", lambda w: {"product_id": UNKNOWN, "name": "B"}),
    ("update-product", lambda w: {"product_id": w.deleted, "name": "B"}),
    ("delete-product", lambda w: {"product_id": w.deleted}),
    ("delete-product", lambda w: {"product_id": UNKNOWN}),
    ("adjust-stock", lambda w: {"product_id": w.deleted, "delta": 1}),
    ("adjust-stock", lambda w: {"product_id": UNKNOWN, "delta": 1}),
    ("pay-order", lambda w: {"order_id": UNKNOWN}),
    ("ship-order", lambda w: {"order_id": UNKNOWN}),
    ("cancel-order", lambda w: {"order_id": UNKNOWN}),
]


@pytest.mark.parametrize(("command", "body"), NOT_FOUND)
def test_404_when_the_target_is_missing_or_deleted(staff_api, world, command, body):
    before = write_state()
    response = post_command(staff_api, command, body(world))
    assert response.status_code == 404, response.content
    assert set(response.json()) == {"detail"}
    assert write_state() == before


VERSION_CONFLICTS = [
    ("update-customer-details", lambda w: {"customer_id": w.customer, "name": "B"}, 1),
    ("update-product", lambda w: {"product_id": w.kettle, "name": "B"}, 1),
    ("delete-product", lambda w: {"product_id": w.kettle}, 1),
    ("adjust-stock", lambda w: {"product_id": w.kettle, "delta": 1}, 1),
    ("pay-order", lambda w: {"order_id": w.order["pending"]}, 1),
    ("ship-order", lambda w: {"order_id": w.order["paid"]}, 2),
    ("cancel-order", lambda w: {"order_id": w.order["paid"]}, 2),
]


@pytest.mark.parametrize(("command", "body", "current_version"), VERSION_CONFLICTS)
def test_409_version_conflict_reports_the_current_version(staff_api, world, command, body, current_version):
    before = write_state()
    response = post_command(staff_api, command, {**body(world), "expected_version": current_version + 1})
    assert response.status_code == 409, response.content
    conflict = response.json()
    assert set(conflict) == {"code", "detail", "current_version"}
    assert (conflict["code"], conflict["current_version"]) == ("version_conflict", current_version)
    assert write_state() == before


REJECTIONS = [
    ("register-customer", lambda w: {"email": "TAKEN@example.com", "name": "Twin"}, "email_taken"),
    (
        "register-customer",
        lambda w: {"email": "staff@example.com", "name": "S", "password": "x-Pass-9876"},
        "email_taken",
    ),
    ("update-customer-details", lambda w: {"customer_id": w.other, "email": "Taken@Example.COM"}, "email_taken"),
    ("create-product", lambda w: {"sku": "TAKEN-1", "name": "Twin", "price": "1.00"}, "sku_taken"),
    ("adjust-stock", lambda w: {"product_id": w.kettle, "delta": -3}, "insufficient_stock"),
    ("create-order", lambda w: {"customer_id": w.customer, "lines": [line(w.kettle, 3)]}, "insufficient_stock"),
    (
        "create-order",
        lambda w: {"customer_id": w.customer, "lines": [line(w.mug, 1), line(w.kettle, 3)]},
        "insufficient_stock",
    ),
    (
        "create-order",
        lambda w: {"customer_id": w.customer, "lines": [line(w.mug, 1), line(w.deleted, 1)]},
        "product_unavailable",
    ),
    ("pay-order", lambda w: {"order_id": w.order["paid"]}, "invalid_state"),
    ("pay-order", lambda w: {"order_id": w.order["shipped"]}, "invalid_state"),
    ("pay-order", lambda w: {"order_id": w.order["cancelled"]}, "invalid_state"),
    ("pay-order", lambda w: {"order_id": w.order["pending"], "amount": "9.99"}, "amount_mismatch"),
    ("ship-order", lambda w: {"order_id": w.order["pending"]}, "invalid_state"),
    ("ship-order", lambda w: {"order_id": w.order["shipped"]}, "invalid_state"),
    ("ship-order", lambda w: {"order_id": w.order["cancelled"]}, "invalid_state"),
    ("cancel-order", lambda w: {"order_id": w.order["shipped"]}, "invalid_state"),
    ("cancel-order", lambda w: {"order_id": w.order["cancelled"]}, "invalid_state"),
]


@pytest.mark.parametrize(("command", "body", "code"), REJECTIONS)
def test_422_business_rule_refusals_write_nothing(staff_api, world, command, body, code):
    before = write_state()
    response = post_command(staff_api, command, body(world))
    assert response.status_code == 422, response.content
    rejection = response.json()
    assert set(rejection) == {"code", "detail"}
    assert rejection["code"] == code
    assert write_state() == before


def test_customer_changing_their_email_to_a_taken_one_is_refused(world):
    shopper = make_shopper()
    before = write_state()
    body = {"customer_id": str(shopper.customer_id), "email": "taken@EXAMPLE.com"}
    response = post_command(shopper.client, "update-customer-details", body)
    assert (response.status_code, response.json()["code"]) == (422, "email_taken")
    assert write_state() == before


def test_413_body_over_one_mebibyte(staff_api, world):
    before = write_state()
    body = {"sku": "BIG-1", "name": "Big", "price": "1.00", "description": "x" * (1024 * 1024)}
    response = post_command(staff_api, "create-product", body)
    assert response.status_code == 413
    assert "detail" in response.json()
    assert write_state() == before


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_415_when_the_body_is_not_json(staff_api, world, content_type):
    before = write_state()
    response = staff_api.generic(
        "POST", "/api/v1/commands/create-product/", "sku=X-1&name=P&price=1.00", content_type=content_type
    )
    assert response.status_code == 415, response.content
    assert "detail" in response.json()
    assert write_state() == before


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_other_methods_on_a_command_are_405_json(staff_api, method):
    response = getattr(staff_api, method)("/api/v1/commands/create-order/")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


UNKNOWN_URLS = ["/api/v1/commands/no-such-command/", "/api/v1/nothing-here/", "/api/v2/", "/api/v1/commands/"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", path) for path in [*UNKNOWN_URLS, "/api/v1/products/not-a-uuid/", f"/api/v1/orders/{UNKNOWN}/"]]
    + [("post", path) for path in UNKNOWN_URLS],
)
def test_unknown_api_urls_answer_404_json(staff_api, method, path):
    response = getattr(staff_api, method)(path, {}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


@pytest.mark.parametrize("path", ["/api/v1/products/", f"/api/v1/products/{UNKNOWN}/", "/api/v1/events/"])
def test_writing_to_a_query_resource_is_405_json(staff_api, path):
    response = staff_api.post(path, {"name": "x"}, format="json")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"


def test_a_command_without_its_trailing_slash_is_served_not_redirected(staff_api):
    response = staff_api.post(
        "/api/v1/commands/create-product", {"sku": "X-1", "name": "P", "price": "1.00"}, format="json"
    )
    assert response.status_code == 202, response.content
    assert response.json()["command"] == "create-product"


def test_a_command_answers_json_even_when_html_is_asked_for(staff_api):
    body = {"sku": "X-1", "name": "P", "price": "1.00"}
    response = post_command(staff_api, "create-product", body, HTTP_ACCEPT="text/html")
    assert response.status_code == 202
    assert response["Content-Type"] == "application/json"


def test_a_garbled_content_length_is_a_400_not_a_500(staff_api, world):
    before = write_state()
    body = {"sku": "X-1", "name": "P", "price": "1.00"}
    response = post_command(staff_api, "create-product", body, CONTENT_LENGTH="lots")
    assert response.status_code == 400
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
