"""Integrator tokens from the admin, and the staff groups: each sees and does only its own part."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from commands.models import Order, Product
from projections import runner
from tests.factories import make_customer, make_product, place_order
from tests.queries.admin_clients import staff_client

pytestmark = pytest.mark.django_db(databases="__all__")

TOKENS = reverse("admin:knox_authtoken_changelist")
ADD_TOKEN = reverse("admin:knox_authtoken_add")
TOKEN_ADMIN = ("knox.view_authtoken", "knox.add_authtoken", "knox.delete_authtoken")


def create_product_with(token, sku):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.post("/api/v1/commands/create-product/", {"sku": sku, "name": "X", "price": "1.00"}, format="json")


def test_a_token_is_shown_once_works_for_its_user_and_stops_working_when_revoked():
    integrator = staff_client("commands.add_product", username="integrator").user
    admin_client = staff_client(*TOKEN_ADMIN, username="tokenadmin")

    created = admin_client.post(ADD_TOKEN, {"username": "integrator", "lifetime": "30"})

    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"]
    secret = created.context["secret"]
    token = AuthToken.objects.get(user=integrator)
    assert secret.startswith(token.token_key) and secret in created.content.decode()
    assert secret not in admin_client.get(TOKENS).content.decode()  # only the key prefix is listed
    assert create_product_with(secret, "TOK-1").status_code == 202

    admin_client.post(TOKENS, {"action": "revoke_tokens", "_selected_action": [token.pk]})

    assert not AuthToken.objects.exists()
    assert create_product_with(secret, "TOK-2").status_code == 401
    assert list(Product.objects.values_list("sku", flat=True)) == ["TOK-1"]


def test_a_token_for_an_unknown_user_is_refused():
    admin_client = staff_client(*TOKEN_ADMIN)
    response = admin_client.post(ADD_TOKEN, {"username": "ghost", "lifetime": "default"})
    assert response.context["form"].errors["username"] == ["No active user has this username."]
    assert not AuthToken.objects.exists()


def test_tokens_need_their_permissions():
    staff_client("commands.add_product", username="integrator")
    viewer = staff_client("knox.view_authtoken", username="viewer")
    assert viewer.get(TOKENS).status_code == 200
    assert viewer.post(ADD_TOKEN, {"username": "integrator", "lifetime": "never"}).status_code == 403
    assert not AuthToken.objects.exists()


def test_setup_groups_is_repeatable():
    call_command("setup_groups")
    call_command("setup_groups")
    support = Group.objects.get(name="support")
    assert {p.codename for p in support.permissions.all()} == {
        "view_orderview",
        "view_customerview",
        "add_order",
        "change_order",
        "cancel_order",
    }
    assert Group.objects.get(name="catalog").permissions.count() == 5


def member_of(group_name, username):
    call_command("setup_groups")
    client = staff_client(username=username)
    client.user.groups.add(Group.objects.get(name=group_name))
    return client


def test_support_sees_orders_and_customers_and_may_only_cancel():
    order = place_order(make_customer(), (make_product(stock=5), 1)).aggregate_id
    product_id = Product.objects.get().pk
    runner.run_all()
    support = member_of("support", "sam")

    index = support.get(reverse("admin:index")).content.decode()
    assert reverse("admin:queries_orderview_changelist") in index
    assert reverse("admin:queries_customerview_changelist") in index
    for hidden in ("queries_productview", "projections_checkpoint", "knox_authtoken", "queries_eventrecord"):
        assert reverse(f"admin:{hidden}_changelist") not in index
    assert support.get(reverse("admin:queries_productview_change", args=[product_id])).status_code == 403
    assert (
        support.post(reverse("admin:queries_productview_stock", args=[product_id]), {"delta": "5"}).status_code == 403
    )
    assert support.get(reverse("admin:queries_customerview_register")).status_code == 403

    support.post(
        reverse("admin:queries_orderview_changelist"),
        {"action": "pay_orders", "index": "0", "_selected_action": [order]},
    )
    assert Order.objects.get(pk=order).status == "pending"
    support.post(
        reverse("admin:queries_orderview_changelist"),
        {"action": "cancel_orders", "_selected_action": [order], "post": "yes"},
    )
    assert Order.objects.get(pk=order).status == "cancelled"
    assert Product.objects.get().stock == 5


def test_catalog_manages_products_and_stock_but_not_orders():
    product_id = make_product(stock=1)
    runner.run_all()
    catalog = member_of("catalog", "cat")

    assert catalog.get(reverse("admin:queries_orderview_changelist")).status_code == 403
    assert catalog.get(reverse("admin:queries_customerview_changelist")).status_code == 403
    catalog.post(reverse("admin:queries_productview_stock", args=[product_id]), {"delta": "4"})
    assert Product.objects.get(pk=product_id).stock == 5
