"""Shared helpers of the command API tests: sending commands and proving that nothing was written."""

import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import connections
from knox.models import AuthToken
from rest_framework.test import APIClient

from commands.handlers import orders, products
from commands.models import Customer, Event, IdempotencyRecord, Order, OrderLine, Product
from tests.factories import context, make_customer, make_product, place_order

PASSWORD = "correct-horse-battery-staple"
UNKNOWN = "00000000-0000-4000-8000-000000000000"  # a well-formed id that names nothing
ADDRESS = {"line1": "Main St 1", "city": "Berlin", "postal_code": "10115", "country": "DE"}


def post_command(client: APIClient, name: str, body: Any, **headers: str) -> Any:
    """POST a JSON body (any JSON value, also a malformed one given as bytes) to a command."""
    data = body if isinstance(body, bytes) else json.dumps(body, default=str)
    return client.generic("POST", f"/api/v1/commands/{name}/", data, content_type="application/json", **headers)


def write_state() -> dict[str, Any]:
    """Everything a command could write: row counts of every write model, stock, versions, logins."""
    return {
        "customers": Customer.objects.count(),
        "products": Product.objects.count(),
        "orders": Order.objects.count(),
        "order_lines": OrderLine.objects.count(),
        "events": Event.objects.count(),
        "idempotency_records": IdempotencyRecord.objects.count(),
        "users": get_user_model().objects.count(),
        "stock": dict(Product.objects.values_list("pk", "stock")),
        "versions": {
            **dict(Customer.objects.values_list("pk", "version")),
            **dict(Product.objects.values_list("pk", "version")),
            **dict(Order.objects.values_list("pk", "version")),
        },
        "order_status": dict(Order.objects.values_list("pk", "status")),
        "discontinued": dict(Product.objects.values_list("pk", "discontinued")),
    }


@dataclass
class Shopper:
    """A customer with a login, and an API client authenticated as them."""

    customer_id: uuid.UUID
    email: str
    user: AbstractUser
    client: APIClient


def make_shopper(name: str = "Ann Example") -> Shopper:
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    customer_id = make_customer(name=name, email=email, password=PASSWORD)
    user = get_user_model().objects.get(username=email)
    client = APIClient()
    client.force_authenticate(user)
    return Shopper(customer_id=customer_id, email=email, user=user, client=client)


def token_for(user: AbstractUser) -> str:
    """A real knox token (for requests over a real socket, where force_authenticate cannot reach)."""
    return AuthToken.objects.create(user)[1]


@dataclass
class HttpAnswer:
    status: int
    body: Any
    location: str | None


def post_over_http(base_url: str, name: str, body: Any, *, token: str, key: str | None = None) -> HttpAnswer:
    """POST a command over a real socket (each request served on its own thread and DB connection)."""
    headers = {"Content-Type": "application/json", "Authorization": f"Token {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(
        f"{base_url}/api/v1/commands/{name}/", data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return HttpAnswer(response.status, json.load(response), response.headers.get("Location"))
    except urllib.error.HTTPError as error:
        return HttpAnswer(error.code, json.load(error), error.headers.get("Location"))


def lock_waiters() -> int:
    """How many sessions of the write database wait for a lock right now (PostgreSQL)."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else the view is frozen for this transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])


def line(product_id: str, quantity: Any = 1) -> dict[str, Any]:
    return {"product_id": product_id, "quantity": quantity}


def make_world() -> SimpleNamespace:
    """A product with stock 2 left, a deleted one, taken emails and SKU, and an order in every state."""
    # A login whose username is an email but that has no customer: that email is taken as well.
    get_user_model().objects.create_user(username="staff@example.com", password="x")
    kettle = make_product(price="10.00", stock=5, sku="TAKEN-1")
    mug = make_product(price="2.00", stock=1)
    deleted = make_product(stock=3)
    products.delete_product(context=context(), product_id=deleted)
    customer = make_customer(email="taken@example.com")
    other = make_customer()
    states = {}
    for status in ("pending", "paid", "shipped", "cancelled"):
        order_id = place_order(customer, (kettle, 1)).aggregate_id
        if status in ("paid", "shipped", "cancelled"):
            orders.pay_order(context=context(), order_id=order_id)
        if status == "shipped":
            orders.ship_order(context=context(), order_id=order_id)
        if status == "cancelled":
            orders.cancel_order(context=context(), order_id=order_id)
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
