"""Shared helpers of the command API tests: sending commands and proving that nothing was written."""

import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import connections
from knox.models import AuthToken
from rest_framework.test import APIClient

from commands.models import Customer, Event, IdempotencyRecord, Order, OrderLine, Product
from tests.factories import make_customer

PASSWORD = "correct-horse-battery-staple"


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
