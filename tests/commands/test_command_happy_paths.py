"""Every command's happy path over HTTP: 202, the contract body, Location, the write model, the event."""

import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from commands.handlers import orders
from commands.models import Customer, Event, Order, OrderStatus, Product
from tests.commands.command_api import PASSWORD, make_shopper, post_command
from tests.factories import context, make_customer, make_product, place_order

pytestmark = pytest.mark.django_db(databases="__all__")


def accepted(response: Any, command: str, *, version: int, location: str | None) -> dict[str, Any]:
    """Check the 202 body and Location of docs/api.md and that the body's position is the event's."""
    assert response.status_code == 202, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"command", "command_id", "aggregate_id", "version", "position"}
    assert body["command"] == command
    uuid.UUID(body["command_id"])
    uuid.UUID(body["aggregate_id"])
    assert body["version"] == version
    assert body["position"] == Event.objects.order_by("-position").values_list("position", flat=True).first()
    if location is None:
        assert not response.has_header("Location")
    else:
        assert response["Location"] == location.format(id=body["aggregate_id"])
    return body


def recorded_event(body: dict[str, Any], event_type: str, *, actor: Any, key: str = "") -> Event:
    event = Event.objects.get(position=body["position"])
    assert event.type == event_type
    assert str(event.aggregate_id) == body["aggregate_id"]
    assert event.aggregate_version == body["version"]
    assert event.metadata["actor"] == (f"user:{actor.pk}" if actor is not None else "anonymous")
    assert event.metadata["command"] == body["command"]
    assert event.metadata["command_id"] == body["command_id"]
    assert event.metadata["idempotency_key"] == key
    return event


def test_register_customer_by_staff_without_password(staff_api, staff_user):
    body = {
        "email": "Ann@Example.com",
        "name": "Ann",
        "phone": "+49 30 1234",
        "address": {"line1": "Main St 1", "city": "Berlin", "postal_code": "10115", "country": "de"},
    }
    response = post_command(staff_api, "register-customer", body, HTTP_IDEMPOTENCY_KEY="reg-1")
    result = accepted(response, "register-customer", version=1, location="/api/v1/customers/{id}/")
    customer = Customer.objects.get(pk=result["aggregate_id"])
    assert (customer.email, customer.name, customer.phone, customer.user) == (
        "ann@example.com",  # normalized: the one spelling compared, stored and logged in with
        "Ann",
        "+49 30 1234",
        None,
    )
    expected_address = {"line1": "Main St 1", "line2": "", "city": "Berlin", "postal_code": "10115", "country": "DE"}
    assert customer.address == expected_address
    event = recorded_event(result, "CustomerRegistered", actor=staff_user, key="reg-1")
    assert event.payload["address"] == expected_address
    assert event.payload["user_id"] is None
    assert not get_user_model().objects.filter(username__iexact="ann@example.com").exists()


def test_register_customer_anonymously_with_password_creates_a_login(api):
    body = {"email": "Bob@Example.com", "name": "Bob", "password": PASSWORD}
    response = post_command(api, "register-customer", body)
    result = accepted(response, "register-customer", version=1, location="/api/v1/customers/{id}/")
    customer = Customer.objects.select_related("user").get(pk=result["aggregate_id"])
    assert customer.user is not None
    assert customer.user.username == "bob@example.com"
    assert customer.user.check_password(PASSWORD)
    event = recorded_event(result, "CustomerRegistered", actor=None)
    assert event.payload["user_id"] == customer.user.pk
    assert PASSWORD not in str(event.payload)


def test_update_customer_details_by_the_customer(staff_user):
    shopper = make_shopper()
    new_email = f"new-{shopper.email}"
    body = {"customer_id": str(shopper.customer_id), "name": "Ann New", "email": new_email, "expected_version": 1}
    response = post_command(shopper.client, "update-customer-details", body)
    result = accepted(response, "update-customer-details", version=2, location="/api/v1/customers/{id}/")
    customer = Customer.objects.select_related("user").get(pk=shopper.customer_id)
    assert (customer.name, customer.email, customer.version) == ("Ann New", new_email, 2)
    assert customer.user.username == new_email  # the login follows the email
    event = recorded_event(result, "CustomerDetailsUpdated", actor=shopper.user)
    assert event.payload["changes"] == {"name": "Ann New", "email": new_email}


def test_create_product(staff_api, staff_user):
    body = {"sku": "KET-1", "name": "Kettle", "description": "Steel", "price": "25.50", "stock": 7}
    response = post_command(staff_api, "create-product", body, HTTP_IDEMPOTENCY_KEY="p-1")
    result = accepted(response, "create-product", version=1, location="/api/v1/products/{id}/")
    product = Product.objects.get(pk=result["aggregate_id"])
    assert (product.sku, product.name, product.price, product.stock) == ("KET-1", "Kettle", Decimal("25.50"), 7)
    event = recorded_event(result, "ProductCreated", actor=staff_user, key="p-1")
    assert event.payload == {"sku": "KET-1", "name": "Kettle", "description": "Steel", "price": "25.50", "stock": 7}


def test_update_product(staff_api, staff_user):
    product_id = make_product(price="9.99")
    body = {"product_id": str(product_id), "price": "12.00", "name": "Better", "expected_version": 1}
    result = accepted(
        post_command(staff_api, "update-product", body), "update-product", version=2, location="/api/v1/products/{id}/"
    )
    product = Product.objects.get(pk=product_id)
    assert (product.price, product.name, product.version) == (Decimal("12.00"), "Better", 2)
    event = recorded_event(result, "ProductUpdated", actor=staff_user)
    assert event.payload["changes"] == {"name": "Better", "price": "12.00"}


def test_delete_product_has_no_location(staff_api, staff_user):
    product_id = make_product()
    response = post_command(staff_api, "delete-product", {"product_id": str(product_id)})
    result = accepted(response, "delete-product", version=2, location=None)
    assert Product.objects.get(pk=product_id).discontinued is True
    recorded_event(result, "ProductDeleted", actor=staff_user)


def test_adjust_stock(staff_api, staff_user):
    product_id = make_product(stock=3)
    body = {"product_id": str(product_id), "delta": -2, "reason": "broken"}
    result = accepted(
        post_command(staff_api, "adjust-stock", body), "adjust-stock", version=2, location="/api/v1/products/{id}/"
    )
    assert Product.objects.get(pk=product_id).stock == 1
    event = recorded_event(result, "StockAdjusted", actor=staff_user)
    assert event.payload == {"delta": -2, "stock": 1, "reason": "broken"}


def test_create_order_by_the_customer_reserves_stock_and_snapshots_prices():
    shopper = make_shopper()
    kettle = make_product(price="25.00", stock=5)
    mug = make_product(price="2.50", stock=10)
    body = {
        "customer_id": str(shopper.customer_id),
        "lines": [{"product_id": str(kettle), "quantity": 2}, {"product_id": str(mug), "quantity": 3}],
    }
    response = post_command(shopper.client, "create-order", body, HTTP_IDEMPOTENCY_KEY="order-1")
    result = accepted(response, "create-order", version=1, location="/api/v1/orders/{id}/")
    order = Order.objects.get(pk=result["aggregate_id"])
    assert (order.status, order.total, order.currency, order.customer_id) == (
        OrderStatus.PENDING,
        Decimal("57.50"),
        "EUR",
        shopper.customer_id,
    )
    lines = {line.product_id: (line.quantity, line.unit_price) for line in order.lines.all()}
    assert lines == {kettle: (2, Decimal("25.00")), mug: (3, Decimal("2.50"))}
    assert dict(Product.objects.filter(pk__in=[kettle, mug]).values_list("pk", "stock")) == {kettle: 3, mug: 7}
    event = recorded_event(result, "OrderPlaced", actor=shopper.user, key="order-1")
    assert event.payload["total"] == "57.50"
    assert [line["quantity"] for line in event.payload["lines"]] == [2, 3]


@pytest.fixture
def pending_order() -> uuid.UUID:
    product_id = make_product(price="10.00", stock=5)
    return place_order(make_customer(), (product_id, 2)).aggregate_id


def test_pay_order(staff_api, staff_user, pending_order):
    body = {"order_id": str(pending_order), "amount": "20.00", "expected_version": 1}
    result = accepted(
        post_command(staff_api, "pay-order", body), "pay-order", version=2, location="/api/v1/orders/{id}/"
    )
    assert Order.objects.get(pk=pending_order).status == OrderStatus.PAID
    assert recorded_event(result, "OrderPaid", actor=staff_user).payload["amount"] == "20.00"


def test_ship_order(staff_api, staff_user, pending_order):
    orders.pay_order(context=context(), order_id=pending_order)
    body = {"order_id": str(pending_order), "tracking_number": "TRACK-1"}
    result = accepted(
        post_command(staff_api, "ship-order", body), "ship-order", version=3, location="/api/v1/orders/{id}/"
    )
    order = Order.objects.get(pk=pending_order)
    assert (order.status, order.tracking_number) == (OrderStatus.SHIPPED, "TRACK-1")
    assert recorded_event(result, "OrderShipped", actor=staff_user).payload["tracking_number"] == "TRACK-1"


@pytest.mark.parametrize("paid_first", [False, True], ids=["pending", "paid"])
def test_cancel_order_by_staff_returns_the_stock(staff_api, staff_user, paid_first):
    product_id = make_product(stock=5)
    order_id = place_order(make_customer(), (product_id, 2)).aggregate_id
    if paid_first:
        orders.pay_order(context=context(), order_id=order_id)
    body = {"order_id": str(order_id), "reason": "changed mind"}
    result = accepted(
        post_command(staff_api, "cancel-order", body),
        "cancel-order",
        version=3 if paid_first else 2,
        location="/api/v1/orders/{id}/",
    )
    assert Order.objects.get(pk=order_id).status == OrderStatus.CANCELLED
    assert Product.objects.get(pk=product_id).stock == 5
    event = recorded_event(result, "OrderCancelled", actor=staff_user)
    assert event.payload["previous_status"] == ("paid" if paid_first else "pending")


def test_cancel_order_by_its_customer_while_pending():
    shopper = make_shopper()
    product_id = make_product(stock=5)
    order_id = place_order(shopper.customer_id, (product_id, 4)).aggregate_id
    result = accepted(
        post_command(shopper.client, "cancel-order", {"order_id": str(order_id)}),
        "cancel-order",
        version=2,
        location="/api/v1/orders/{id}/",
    )
    assert Order.objects.get(pk=order_id).status == OrderStatus.CANCELLED
    assert Product.objects.get(pk=product_id).stock == 5
    recorded_event(result, "OrderCancelled", actor=shopper.user)


def test_the_largest_order_allowed_is_accepted(staff_api):
    product_ids = [make_product(stock=1000, price="1.00") for _ in range(100)]
    body = {
        "customer_id": str(make_customer()),
        "lines": [{"product_id": str(product_id), "quantity": 1000} for product_id in product_ids],
    }
    result = accepted(
        post_command(staff_api, "create-order", body), "create-order", version=1, location="/api/v1/orders/{id}/"
    )
    assert Order.objects.get(pk=result["aggregate_id"]).total == Decimal("100000.00")
    assert set(Product.objects.filter(pk__in=product_ids).values_list("stock", flat=True)) == {0}
