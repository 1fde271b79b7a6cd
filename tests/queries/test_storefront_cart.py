"""Cart and checkout: the session cart, the create-order command, and refusals shown on the page."""

from decimal import Decimal

import pytest
from django.test import Client

from commands.handlers import customers, products
from commands.models import Customer, Event, Order, Product
from tests.factories import context, make_customer, make_product, place_order
from tests.queries.storefront_pages import DELIVERY, PASSWORD, make_shopper, project

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def kettle():
    product_id = make_product(name="Steel Kettle", price="30.00", stock=5)
    project()
    return product_id


@pytest.fixture
def mug():
    product_id = make_product(name="Blue Mug", price="8.50", stock=10)
    project()
    return product_id


def add(client: Client, product_id, quantity: int = 1, **extra):
    return client.post(f"/cart/{product_id}/add/", {"quantity": quantity, **extra})


def test_empty_cart(client):
    response = client.get("/cart/")
    assert response.status_code == 200
    assert "Your cart is empty." in response.content.decode()


def test_add_change_and_remove(client, kettle, mug):
    response = add(client, kettle, 2, next="/?q=kettle")
    assert response.status_code == 302 and response["Location"] == "/?q=kettle"
    add(client, mug)
    add(client, mug)
    assert client.session["cart"] == {str(kettle): 2, str(mug): 2}
    page = client.get("/cart/")
    html = page.content.decode()
    assert page.context["total"] == 77  # 2 x 30.00 + 2 x 8.50
    assert "77.00 EUR" in html and f'for="quantity-{kettle}"' in html
    assert "Cart (2 items)" in html
    client.post(f"/cart/{mug}/quantity/", {"quantity": 3})
    assert client.session["cart"][str(mug)] == 3
    client.post(f"/cart/{kettle}/remove/")
    assert client.session["cart"] == {str(mug): 3}


def test_add_refuses_more_than_the_stock(client, kettle):
    response = add(client, kettle, 6, next="/")
    assert response.status_code == 302
    assert "cart" not in client.session or not client.session["cart"]
    assert "only 5 of “Steel Kettle” left" in client.get("/").content.decode()


def test_an_unsafe_next_is_ignored(client, kettle):
    response = add(client, kettle, 1, next="https://evil.example.com/")
    assert response["Location"] == f"/products/{kettle}/"


def test_adding_a_deleted_product_is_a_404(client, kettle):
    products.delete_product(context=context(), product_id=kettle)
    project()
    assert add(client, kettle).status_code == 404


def test_bad_quantities_are_field_errors_next_to_the_line(client, kettle):
    add(client, kettle)
    zero = client.post(f"/cart/{kettle}/quantity/", {"quantity": 0})
    assert zero.status_code == 400
    html = zero.content.decode()
    assert f'id="errors-{kettle}"' in html and "greater than or equal to 1" in html
    too_many = client.post(f"/cart/{kettle}/quantity/", {"quantity": 7}, follow=True)
    assert "Only 5 left in stock." in too_many.content.decode()
    assert too_many.context["can_check_out"] is False


def test_checkout_needs_a_login(client, kettle):
    add(client, kettle)
    response = client.post("/checkout/")
    assert response.status_code == 302 and response["Location"] == "/account/login/?next=/cart/"
    assert "Log in to check out" in client.get("/cart/").content.decode()


def test_the_cart_survives_logging_in(client, kettle):
    shopper = make_shopper()
    add(client, kettle, 2)
    response = client.post("/account/login/?next=/cart/", {"username": shopper.email, "password": PASSWORD})
    assert response["Location"] == "/cart/"
    assert client.session["cart"] == {str(kettle): 2}
    assert client.post("/checkout/", DELIVERY).status_code == 302
    assert Order.objects.filter(customer_id=shopper.customer_id).count() == 1


def test_checkout_places_the_order_and_the_next_page_shows_it(kettle, mug):
    shopper = make_shopper()
    add(shopper.client, kettle, 2)
    add(shopper.client, mug, 1)
    response = shopper.client.post("/checkout/", DELIVERY)
    order = Order.objects.get(customer_id=shopper.customer_id)
    position = Event.objects.get(aggregate_id=order.pk).position
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.pk}/pay/?after={position}"  # the pay step comes next
    assert order.total == Decimal("68.50") and Product.objects.get(pk=kettle).stock == 3
    assert Event.objects.get(aggregate_id=order.pk).metadata["actor"].startswith("user:")
    assert shopper.client.session["cart"] == {}
    project()
    page = shopper.client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Thank you! Your order has been placed." in html and "68.50 EUR" in html and "Pending" in html


def test_checkout_refused_for_stock_shows_the_reason_and_writes_nothing(kettle):
    shopper = make_shopper()
    add(shopper.client, kettle, 4)
    place_order(make_customer(), (kettle, 3))  # someone else was faster; the read model does not know yet
    events = Event.objects.count()
    response = shopper.client.post("/checkout/", DELIVERY)
    assert response.status_code == 422
    assert "We do not have enough stock for your order" in response.content.decode()
    assert Event.objects.count() == events and not Order.objects.filter(customer_id=shopper.customer_id).exists()
    assert shopper.client.session["cart"] == {str(kettle): 4}  # the cart is kept to fix
    project()
    html = shopper.client.get("/cart/").content.decode()
    assert "Only 2 left in stock." in html and "disabled" in html


def test_checkout_refused_for_a_discontinued_product(kettle):
    shopper = make_shopper()
    add(shopper.client, kettle)
    products.delete_product(context=context(), product_id=kettle)
    response = shopper.client.post("/checkout/", DELIVERY)
    assert response.status_code == 422
    assert "no longer sold" in response.content.decode()


def test_checkout_of_an_empty_cart(kettle):
    shopper = make_shopper()
    response = shopper.client.post("/checkout/", DELIVERY, follow=True)
    assert "Your cart is empty." in response.content.decode()
    assert not Order.objects.exists()


def test_checkout_refusal_in_russian(kettle):
    shopper = make_shopper()
    shopper.client.cookies["django_language"] = "ru"
    add(shopper.client, kettle, 4)
    place_order(make_customer(), (kettle, 3))
    html = shopper.client.post("/checkout/", DELIVERY).content.decode()
    assert "недостаточно товара для вашего заказа" in html


def test_checkout_form_is_prefilled_from_the_account_and_the_order_keeps_what_was_sent(kettle):
    shopper = make_shopper()
    home = {"line1": "Old Road 5", "line2": "", "city": "Riga", "postal_code": "LV-1050", "country": "LV"}
    customers.update_customer_details(context=context(), customer_id=shopper.customer_id, address=home)
    project()
    add(shopper.client, kettle)
    form = shopper.client.get("/cart/").context["address_form"]
    assert form.initial == home
    response = shopper.client.post("/checkout/", DELIVERY | {"delivery-line2": "Hinterhaus"})
    assert response.status_code == 302
    sent = {"line1": "Hauptstr. 1", "line2": "Hinterhaus", "city": "Berlin", "postal_code": "10115", "country": "DE"}
    order = Order.objects.get(customer_id=shopper.customer_id)
    assert order.delivery_address == sent
    assert Event.objects.get(aggregate_id=order.pk).payload["delivery_address"] == sent
    assert Customer.objects.get(pk=shopper.customer_id).address == home  # this order only
    project()
    html = shopper.client.get(f"/orders/{order.pk}/").content.decode()
    assert "Hinterhaus" in html and "10115 Berlin" in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("delivery-line1", "", "This field is required."),
        ("delivery-country", "XX", "Not a known two-letter country code."),
        ("delivery-postal_code", "1" * 21, "at most 20 characters"),
    ],
)
def test_checkout_with_a_bad_address_says_why_and_writes_nothing(kettle, field, value, message):
    shopper = make_shopper()
    add(shopper.client, kettle)
    events = Event.objects.count()
    response = shopper.client.post("/checkout/", DELIVERY | {field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Event.objects.count() == events and not Order.objects.exists()
    assert shopper.client.session["cart"] == {str(kettle): 1}
