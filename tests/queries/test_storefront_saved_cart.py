"""A logged-in customer's cart survives log-out and devices, and merges with the anonymous cart on log-in."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from commands.models import Order, SavedCart
from commands.rules import MAX_LINE_QUANTITY as MAX_QUANTITY
from commands.rules import MAX_ORDER_LINES as MAX_LINES
from commands.saved_carts import change_saved_cart
from queries.storefront.cart import merged
from tests.factories import make_customer, make_product
from tests.queries.storefront_pages import DELIVERY, PASSWORD, project

pytestmark = pytest.mark.django_db(databases="__all__")
ANN = "ann@example.com"


@pytest.fixture
def products() -> list[uuid.UUID]:
    ids = [make_product(name=name, price="5.00", stock=2000) for name in ("Kettle", "Mug", "Teapot")]
    project()
    return ids


@pytest.fixture
def ann() -> uuid.UUID:
    customer_id = make_customer(name="Ann", email=ANN, password=PASSWORD)
    project()
    return customer_id


def add(client: Client, product_id: uuid.UUID, quantity: int = 1) -> None:
    assert client.post(f"/cart/{product_id}/add/", {"quantity": quantity}).status_code == 302


def log_in(client: Client | None = None) -> Client:
    client = client or Client()
    response = client.post("/account/login/", {"username": ANN, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def log_out(client: Client) -> None:
    assert client.post("/account/logout/").status_code == 302


def cart_of(client: Client) -> dict[str, int]:
    """What the cart page shows: product id → quantity, in the page's order."""
    rows = client.get("/cart/").context["rows"]
    return {str(row["line"].product_id): row["line"].quantity for row in rows}


def test_the_anonymous_cart_merges_into_the_saved_one_on_log_in(ann, products):
    kettle, mug, teapot = (str(product) for product in products)
    earlier = log_in()
    add(earlier, products[0], 2)
    add(earlier, products[1], 1)
    log_out(earlier)
    assert earlier.session.get("cart") is None  # a shared computer shows nothing after log-out

    shopper = Client()
    add(shopper, products[0], 3)
    add(shopper, products[2], 1)
    log_in(shopper)

    assert cart_of(shopper) == {kettle: 5, mug: 1, teapot: 1}
    assert list(cart_of(shopper)) == [kettle, mug, teapot]  # saved lines first, in the order they were added
    assert "Cart (3 items)" in shopper.get("/").content.decode()
    assert SavedCart.objects.get(user__username=ANN).lines == [[kettle, 5], [mug, 1], [teapot, 1]]


def test_log_out_then_log_in_on_another_client_finds_the_cart(ann, products):
    phone = log_in()
    add(phone, products[0], 2)
    phone.post(f"/cart/{products[0]}/quantity/", {"quantity": 4})
    add(phone, products[1])
    phone.post(f"/cart/{products[1]}/remove/")
    log_out(phone)

    laptop = log_in()

    assert cart_of(laptop) == {str(products[0]): 4}


def test_a_change_on_one_device_reaches_the_other_on_its_next_change(ann, products):
    phone, laptop = log_in(), log_in()
    add(phone, products[0], 2)
    add(laptop, products[1], 1)  # starts from the saved cart, not laptop's stale copy
    assert cart_of(laptop) == {str(products[0]): 2, str(products[1]): 1}
    add(phone, products[0], 1)
    assert cart_of(phone) == {str(products[0]): 3, str(products[1]): 1}


def test_checkout_empties_the_saved_cart(ann, products):
    shopper = log_in()
    add(shopper, products[0], 2)
    other = log_in()
    response = other.post("/checkout/", DELIVERY)  # the other device checks out what the first one added
    assert response.status_code == 302, response.content
    order = Order.objects.get(customer_id=ann)
    assert [(line.product_id, line.quantity) for line in order.lines.all()] == [(products[0], 2)]
    assert cart_of(other) == {}
    assert SavedCart.objects.get(user__username=ANN).lines == []
    log_out(shopper)
    assert cart_of(log_in()) == {}


def test_merging_adds_quantities_up_to_the_cart_limits():
    saved = {f"p{n}": 1 for n in range(MAX_LINES - 2)} | {"big": MAX_QUANTITY - 5}  # room for one more line
    result = merged(saved, {"big": 10, "new": 2, "one-too-many": 1})
    assert result["big"] == MAX_QUANTITY
    assert result["new"] == 2 and "one-too-many" not in result
    assert len(result) == MAX_LINES
    assert merged({}, {"x": MAX_QUANTITY + 1}) == {"x": MAX_QUANTITY}


def test_a_log_in_merges_up_to_the_limits(ann, products):
    user = get_user_model().objects.get(username=ANN)
    change_saved_cart(user_id=user.pk, change=lambda _: {str(products[0]): MAX_QUANTITY - 1})
    shopper = Client()
    add(shopper, products[0], 5)
    log_in(shopper)
    assert cart_of(shopper) == {str(products[0]): MAX_QUANTITY}


def test_signing_up_keeps_the_anonymous_cart(products):
    shopper = Client()
    add(shopper, products[1], 2)
    data = {"name": "Zoe", "email": "zoe@example.com", "password1": PASSWORD, "password2": PASSWORD}
    assert shopper.post("/account/signup/", data).status_code == 302
    log_out(shopper)
    project()
    zoe = Client()
    assert zoe.post("/account/login/", {"username": "zoe@example.com", "password": PASSWORD}).status_code == 302
    assert cart_of(zoe) == {str(products[1]): 2}


def test_a_token_log_in_touches_no_cart_and_no_session(ann):
    response = APIClient().post("/api/v1/auth/token/", {"username": ANN, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert not SavedCart.objects.exists()


def test_a_log_in_without_any_cart_writes_nothing(ann):
    log_in()
    assert not SavedCart.objects.exists()
