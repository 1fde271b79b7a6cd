"""Who may call what (api-v1.md): every endpoint against every role, refusals writing nothing."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import transaction
from rest_framework.test import APIClient

from commands.event_log import CommandContext
from commands.handlers import orders
from projections import runner
from tests.commands.command_api import PASSWORD, make_shopper, post_command, write_state
from tests.factories import make_product, make_staff, place_order

pytestmark = pytest.mark.django_db(databases="__all__")
ROLES = ("anonymous", "customer_a", "customer_b", "staff", "clerk")


@dataclass
class World:
    clients: dict[str, APIClient]
    customer_a: str
    customer_b: str
    product: str
    pending_a: str  # an order of customer A
    paid_a: str
    order_b: str


@pytest.fixture
def world() -> World:
    cache.clear()  # the sign-up throttle must not remember earlier tests
    a, b = make_shopper("Ann"), make_shopper("Bob")
    clerk = get_user_model().objects.create_user(username="clerk", password=PASSWORD)
    # A non-staff integrator account holding one permission: it may pay orders and nothing else.
    clerk.user_permissions.add(Permission.objects.get(content_type__app_label="commands", codename="pay_order"))
    clients = {"anonymous": APIClient(), "customer_a": a.client, "customer_b": b.client}
    for role, user in (("staff", make_staff()), ("clerk", clerk)):
        clients[role] = APIClient()
        clients[role].force_authenticate(user)
    product = make_product(stock=50)
    pending_a = place_order(a.customer_id, (product, 1)).aggregate_id
    paid_a = place_order(a.customer_id, (product, 1)).aggregate_id
    orders.pay_order(context=CommandContext(command="pay-order"), order_id=paid_a)
    order_b = place_order(b.customer_id, (product, 1)).aggregate_id
    runner.run_all()
    return World(
        clients=clients,
        customer_a=str(a.customer_id),
        customer_b=str(b.customer_id),
        product=str(product),
        pending_a=str(pending_a),
        paid_a=str(paid_a),
        order_b=str(order_b),
    )


def who(*, anonymous: int, a: int, b: int, staff: int, clerk: int) -> dict[str, int]:
    return {"anonymous": anonymous, "customer_a": a, "customer_b": b, "staff": staff, "clerk": clerk}


STAFF_ONLY = who(anonymous=401, a=403, b=403, staff=202, clerk=403)
Body = Callable[[World], dict[str, Any]]

COMMANDS: list[tuple[str, Body, dict[str, int]]] = [
    (
        "register-customer",
        lambda w: {"email": "new@example.com", "name": "New", "password": PASSWORD},
        who(anonymous=202, a=403, b=403, staff=202, clerk=403),
    ),
    (
        "register-customer",
        lambda w: {"email": "new@example.com", "name": "New"},
        who(anonymous=401, a=403, b=403, staff=202, clerk=403),
    ),
    (
        "update-customer-details",
        lambda w: {"customer_id": w.customer_a, "phone": "+1 555"},
        who(anonymous=401, a=202, b=404, staff=202, clerk=403),
    ),
    ("create-product", lambda w: {"sku": "NEW-1", "name": "New", "price": "1.00"}, STAFF_ONLY),
    ("update-product", lambda w: {"product_id": w.product, "price": "2.00"}, STAFF_ONLY),
    ("delete-product", lambda w: {"product_id": w.product}, STAFF_ONLY),
    ("adjust-stock", lambda w: {"product_id": w.product, "delta": 1}, STAFF_ONLY),
    (
        "create-order",
        lambda w: {"customer_id": w.customer_a, "lines": [{"product_id": w.product, "quantity": 1}]},
        who(anonymous=401, a=202, b=403, staff=202, clerk=403),
    ),
    ("pay-order", lambda w: {"order_id": w.pending_a}, who(anonymous=401, a=403, b=403, staff=202, clerk=202)),
    ("ship-order", lambda w: {"order_id": w.paid_a}, STAFF_ONLY),
    (
        "cancel-order",
        lambda w: {"order_id": w.pending_a},
        who(anonymous=401, a=202, b=404, staff=202, clerk=403),
    ),
    (  # the owner may cancel only while pending; staff also once paid
        "cancel-order",
        lambda w: {"order_id": w.paid_a},
        who(anonymous=401, a=403, b=404, staff=202, clerk=403),
    ),
]


@pytest.mark.parametrize(("command", "body", "expected"), COMMANDS)
def test_who_may_send_each_command(world, command, body, expected):
    answers = {}
    for role in ROLES:
        # Each role meets the same world: its attempt is rolled back afterwards.
        with transaction.atomic():
            before = write_state()
            response = post_command(world.clients[role], command, body(world))
            assert response["Content-Type"] == "application/json", (role, response.content)
            answers[role] = response.status_code
            if response.status_code >= 400:
                assert set(response.json()) == {"detail"}, (role, response.content)
                assert write_state() == before, role
            transaction.set_rollback(True)
    assert answers == expected


QUERIES: list[tuple[Callable[[World], str], dict[str, int]]] = [
    (lambda w: "/api/v1/products/", who(anonymous=200, a=200, b=200, staff=200, clerk=200)),
    (lambda w: f"/api/v1/products/{w.product}/", who(anonymous=200, a=200, b=200, staff=200, clerk=200)),
    (lambda w: "/api/v1/customers/", who(anonymous=401, a=200, b=200, staff=200, clerk=200)),
    (lambda w: f"/api/v1/customers/{w.customer_a}/", who(anonymous=401, a=200, b=404, staff=200, clerk=404)),
    (lambda w: "/api/v1/orders/", who(anonymous=401, a=200, b=200, staff=200, clerk=200)),
    (lambda w: f"/api/v1/orders/{w.pending_a}/", who(anonymous=401, a=200, b=404, staff=200, clerk=404)),
    (lambda w: f"/api/v1/orders/{w.order_b}/", who(anonymous=401, a=404, b=200, staff=200, clerk=404)),
    (lambda w: "/api/v1/events/", who(anonymous=401, a=403, b=403, staff=200, clerk=403)),
]


@pytest.mark.parametrize(("path", "expected"), QUERIES)
def test_who_may_read_each_resource(world, path, expected):
    answers = {}
    for role in ROLES:
        response = world.clients[role].get(path(world))
        assert response["Content-Type"] == "application/json", (role, response.content)
        answers[role] = response.status_code
    assert answers == expected


@pytest.mark.parametrize(
    ("role", "customers", "orders_of"),
    [
        ("customer_a", {"customer_a"}, {"customer_a"}),
        ("customer_b", {"customer_b"}, {"customer_b"}),
        ("staff", {"customer_a", "customer_b"}, {"customer_a", "customer_b"}),
        ("clerk", set(), set()),
    ],
)
def test_lists_show_only_what_the_role_may_see(world, role, customers, orders_of):
    names = {world.customer_a: "customer_a", world.customer_b: "customer_b"}
    client = world.clients[role]
    listed = client.get("/api/v1/customers/").json()["results"]
    assert {names[item["id"]] for item in listed} == customers
    listed = client.get("/api/v1/orders/").json()["results"]
    assert {names[item["customer"]["id"]] for item in listed} == orders_of


def test_session_authentication_needs_the_csrf_token(world):
    """The storefront's session works for the API too, but only with its CSRF token."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(customer__pk=world.customer_a))
    body = {"customer_id": world.customer_a, "phone": "+1 555"}
    refused = post_command(client, "update-customer-details", body)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    client.cookies["csrftoken"] = secret = "k" * 32  # what a page of the shop would have set
    accepted = post_command(client, "update-customer-details", body, HTTP_X_CSRFTOKEN=secret)
    assert accepted.status_code == 202, accepted.content
