"""Who may call what (docs/api.md, the README's permission model): every endpoint against every role.

"Staff" is no role of its own: a user may do what their permissions (directly, through a group of
`manage.py setup_groups`, or as superuser) allow, on the API exactly as in the admin. Refusals write nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group, Permission
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from commands.api.specs import COMMANDS as CATALOGUE
from commands.handlers import orders
from projections import runner
from tests.commands.command_api import PASSWORD, make_shopper, post_command, write_state
from tests.factories import context, make_product, place_order

pytestmark = pytest.mark.django_db(databases="__all__")
# support / catalog: staff users in that group; no_group: a staff user in none; clerk: not staff, holding
# only the pay_order permission (an integrator account).
ROLES = ("anonymous", "customer_a", "customer_b", "no_group", "support", "catalog", "superuser", "clerk")


@dataclass
class World:
    users: dict[str, AbstractUser]
    clients: dict[str, APIClient]
    customer_a: str
    customer_b: str
    product: str
    pending_a: str  # an order of customer A
    two_lines_a: str  # a pending order of customer A with two lines
    second_product: str
    paid_a: str
    order_b: str


def staff_in(group: str | None, username: str) -> AbstractUser:
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, is_staff=True)
    if group is not None:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def world() -> World:
    cache.clear()  # the sign-up throttle must not remember earlier tests
    call_command("setup_groups")
    a, b = make_shopper("Ann"), make_shopper("Bob")
    clerk = get_user_model().objects.create_user(username="clerk", password=PASSWORD)
    clerk.user_permissions.add(Permission.objects.get(content_type__app_label="commands", codename="pay_order"))
    users = {
        "customer_a": a.user,
        "customer_b": b.user,
        "no_group": staff_in(None, "nogroup"),
        "support": staff_in("support", "sam"),
        "catalog": staff_in("catalog", "cat"),
        "superuser": get_user_model().objects.create_superuser(username="root", password=PASSWORD),
        "clerk": clerk,
    }
    clients = {"anonymous": APIClient()}
    for role, user in users.items():
        clients[role] = APIClient()
        clients[role].force_authenticate(user)
    product = make_product(stock=50)
    pending_a = place_order(a.customer_id, (product, 1)).aggregate_id
    paid_a = place_order(a.customer_id, (product, 1)).aggregate_id
    second_product = make_product(stock=50)
    two_lines_a = place_order(a.customer_id, (product, 1), (second_product, 1)).aggregate_id
    orders.pay_order(context=context(), order_id=paid_a)
    order_b = place_order(b.customer_id, (product, 1)).aggregate_id
    runner.run_all()
    return World(
        users=users,
        clients=clients,
        customer_a=str(a.customer_id),
        customer_b=str(b.customer_id),
        product=str(product),
        pending_a=str(pending_a),
        two_lines_a=str(two_lines_a),
        second_product=str(second_product),
        paid_a=str(paid_a),
        order_b=str(order_b),
    )


def who(**answers: int) -> dict[str, int]:
    """The expected status per role: `a`, `b` for the customers, `staff` for every staff role not named."""
    aliases = {"a": "customer_a", "b": "customer_b"}
    named = {aliases.get(role, role): status for role, status in answers.items()}
    staff = named.pop("staff", None)
    expected = {role: named.get(role, staff) for role in ROLES}
    assert None not in expected.values(), f"no answer for {[r for r, s in expected.items() if s is None]}"
    return expected


# Only the command's permission counts: is_staff (no_group) gets nothing, the clerk's one permission is enough.
CATALOG_ONLY = who(anonymous=401, a=403, b=403, staff=403, catalog=202, superuser=202, clerk=403)
Body = Callable[[World], dict[str, Any]]

COMMANDS: list[tuple[str, Body, dict[str, int]]] = [
    (
        "register-customer",
        lambda w: {"email": "new@example.com", "name": "New", "password": PASSWORD},
        who(anonymous=202, a=403, b=403, staff=403, superuser=202, clerk=403),
    ),
    (
        "register-customer",
        lambda w: {"email": "new@example.com", "name": "New"},
        who(anonymous=401, a=403, b=403, staff=403, superuser=202, clerk=403),
    ),
    (
        "update-customer-details",
        lambda w: {"customer_id": w.customer_a, "email": "taken-over@example.com"},
        who(anonymous=401, a=202, b=404, staff=403, superuser=202, clerk=403),
    ),
    ("create-product", lambda w: {"sku": "NEW-1", "name": "New", "price": "1.00"}, CATALOG_ONLY),
    ("update-product", lambda w: {"product_id": w.product, "price": "2.00"}, CATALOG_ONLY),
    ("delete-product", lambda w: {"product_id": w.product}, CATALOG_ONLY),
    ("adjust-stock", lambda w: {"product_id": w.product, "delta": 1}, CATALOG_ONLY),
    (
        "create-order",
        lambda w: {"customer_id": w.customer_a, "lines": [{"product_id": w.product, "quantity": 1}]},
        who(anonymous=401, a=202, b=403, staff=403, support=202, superuser=202, clerk=403),
    ),
    (
        "pay-order",
        lambda w: {"order_id": w.pending_a},
        who(anonymous=401, a=403, b=403, staff=403, superuser=202, clerk=202),
    ),
    (
        "ship-order",
        lambda w: {"order_id": w.paid_a},
        who(anonymous=401, a=403, b=403, staff=403, superuser=202, clerk=403),
    ),
    (
        "cancel-order",
        lambda w: {"order_id": w.pending_a},
        who(anonymous=401, a=202, b=404, staff=403, support=202, superuser=202, clerk=403),
    ),
    (  # the owner may cancel only while pending; support also once paid
        "cancel-order",
        lambda w: {"order_id": w.paid_a},
        who(anonymous=401, a=403, b=404, staff=403, support=202, superuser=202, clerk=403),
    ),
    (  # staff only: a customer changes their mind by cancelling
        "remove-order-line",
        lambda w: {"order_id": w.two_lines_a, "product_id": w.second_product},
        who(anonymous=401, a=403, b=403, staff=403, support=202, superuser=202, clerk=403),
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


def test_every_command_is_in_the_matrix():
    assert {spec.name for spec in CATALOGUE} == {name for name, _, _ in COMMANDS}


# Products are public; customers and orders: the view permission shows every row, a customer their own
# (another's → 404, an empty list for a user with neither); the event feed needs its view permission.
QUERIES: list[tuple[Callable[[World], str], dict[str, int]]] = [
    (lambda w: "/api/v1/products/", who(anonymous=200, a=200, b=200, staff=200)),
    (lambda w: f"/api/v1/products/{w.product}/", who(anonymous=200, a=200, b=200, staff=200)),
    (lambda w: "/api/v1/customers/", who(anonymous=401, a=200, b=200, staff=200)),
    (
        lambda w: f"/api/v1/customers/{w.customer_a}/",
        who(anonymous=401, a=200, b=404, staff=404, support=200, superuser=200),
    ),
    (lambda w: "/api/v1/orders/", who(anonymous=401, a=200, b=200, staff=200)),
    (
        lambda w: f"/api/v1/orders/{w.pending_a}/",
        who(anonymous=401, a=200, b=404, staff=404, support=200, superuser=200),
    ),
    (
        lambda w: f"/api/v1/orders/{w.order_b}/",
        who(anonymous=401, a=404, b=200, staff=404, support=200, superuser=200),
    ),
    (lambda w: "/api/v1/events/", who(anonymous=401, a=403, b=403, staff=403, superuser=200)),
]


@pytest.mark.parametrize(("path", "expected"), QUERIES)
def test_who_may_read_each_resource(world, path, expected):
    answers = {}
    for role in ROLES:
        response = world.clients[role].get(path(world))
        assert response["Content-Type"] == "application/json", (role, response.content)
        answers[role] = response.status_code
    assert answers == expected


EVERYONE = {"customer_a", "customer_b"}


@pytest.mark.parametrize(
    ("role", "seen"),
    [
        ("customer_a", {"customer_a"}),
        ("customer_b", {"customer_b"}),
        ("support", EVERYONE),
        ("superuser", EVERYONE),
        ("no_group", set()),
        ("catalog", set()),
        ("clerk", set()),
    ],
)
def test_lists_show_only_what_the_role_may_see(world, role, seen):
    names = {world.customer_a: "customer_a", world.customer_b: "customer_b"}
    client = world.clients[role]
    listed = client.get("/api/v1/customers/").json()["results"]
    assert {names[item["id"]] for item in listed} == seen
    listed = client.get("/api/v1/orders/").json()["results"]
    assert {names[item["customer"]["id"]] for item in listed} == seen
    listed = client.get("/api/v1/orders/", {"customer": world.customer_b}).json()["results"]
    assert {names[item["customer"]["id"]] for item in listed} == seen & {"customer_b"}


READ_MODELS = {"customers": "customerview", "orders": "orderview", "events": "eventrecord"}


@pytest.mark.parametrize("role", ["no_group", "support", "catalog", "superuser", "clerk"])
@pytest.mark.parametrize("resource", sorted(READ_MODELS))
def test_the_api_shows_every_row_exactly_where_the_admin_opens_the_page(world, role, resource):
    """One permission model: the admin's list page and the API's full list go together."""
    user = world.users[role]
    user.is_staff = True  # the clerk too, so that only permissions differ
    user.save(update_fields=["is_staff"])
    admin_client = Client()
    admin_client.force_login(user)
    admin_page = admin_client.get(reverse(f"admin:queries_{READ_MODELS[resource]}_changelist"))
    api_client = APIClient()
    api_client.force_authenticate(get_user_model().objects.get(pk=user.pk))
    api_list = api_client.get(f"/api/v1/{resource}/")
    sees_every_row = api_list.status_code == 200 and len(api_list.json()["results"]) > 0
    assert admin_page.status_code in (200, 403)
    assert (admin_page.status_code == 200) == sees_every_row, (admin_page.status_code, api_list.status_code)


def test_setup_groups_grant_the_view_permission_of_every_page_their_commands_live_on():
    """An admin command form needs its read page's view permission too; the API's reads need the same."""
    call_command("setup_groups")
    needs_view = {
        "commands.cancel_order": "queries.view_orderview",
        "commands.pay_order": "queries.view_orderview",
        "commands.ship_order": "queries.view_orderview",
        "commands.add_product": "queries.view_productview",
        "commands.change_product": "queries.view_productview",
        "commands.delete_product": "queries.view_productview",
        "commands.adjust_stock": "queries.view_productview",
        "commands.add_customer": "queries.view_customerview",
        "commands.change_customer": "queries.view_customerview",
    }
    for group in Group.objects.all():
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        for command_permission in held & set(needs_view):
            assert needs_view[command_permission] in held, (group.name, command_permission)


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
