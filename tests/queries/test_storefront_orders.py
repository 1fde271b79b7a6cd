"""My orders: the list, one order's page (nobody else's), and cancelling a pending order."""

from decimal import Decimal

import pytest

from commands.handlers import orders
from commands.models import Order, OrderStatus, Product
from tests.factories import context, make_product, place_order
from tests.queries.storefront_pages import make_shopper, project

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def kettle():
    return make_product(name="Steel Kettle", price="30.00", stock=50)


def test_orders_need_a_login(client):
    assert client.get("/orders/")["Location"] == "/account/login/?next=/orders/"


def test_the_list_shows_only_ones_own_orders(kettle):
    ann, bob = make_shopper("Ann"), make_shopper("Bob")
    mine = place_order(ann.customer_id, (kettle, 1)).aggregate_id
    theirs = place_order(bob.customer_id, (kettle, 2)).aggregate_id
    project()
    response = ann.client.get("/orders/")
    assert response.status_code == 200
    assert [order.pk for order in response.context["page"].object_list] == [mine]
    html = response.content.decode()
    assert f"/orders/{mine}/" in html and f"/orders/{theirs}/" not in html
    assert "<title>My orders · CQRS Shop</title>" in html


def test_no_orders_yet():
    shopper = make_shopper()
    assert "You have no orders yet." in shopper.client.get("/orders/").content.decode()


def test_order_page_and_someone_elses_order(kettle):
    ann, bob = make_shopper("Ann"), make_shopper("Bob")
    order_id = place_order(ann.customer_id, (kettle, 2)).aggregate_id
    project()
    page = ann.client.get(f"/orders/{order_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Steel Kettle" in html and "60.00 EUR" in html and "Cancel this order" in html
    assert bob.client.get(f"/orders/{order_id}/").status_code == 404
    assert ann.client.get("/orders/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_cancel_a_pending_order(kettle):
    shopper = make_shopper()
    order_id = place_order(shopper.customer_id, (kettle, 2)).aggregate_id
    project()
    response = shopper.client.post(f"/orders/{order_id}/cancel/", {"version": 1})
    assert response.status_code == 302 and response["Location"].startswith(f"/orders/{order_id}/?after=")
    assert Order.objects.get(pk=order_id).status == OrderStatus.CANCELLED
    assert Product.objects.get(pk=kettle).stock == 50
    project()
    html = shopper.client.get(response["Location"]).content.decode()
    assert "Your order has been cancelled." in html and "Cancelled" in html and "Cancel this order" not in html


def test_the_order_page_says_processing_until_the_cancel_is_projected(kettle, settings):
    settings.STOREFRONT_WAIT_SECONDS = 0
    shopper = make_shopper()
    order_id = place_order(shopper.customer_id, (kettle, 1)).aggregate_id
    project()
    response = shopper.client.post(f"/orders/{order_id}/cancel/")
    waiting = shopper.client.get(response["Location"])
    assert waiting.status_code == 202
    assert '<meta http-equiv="refresh"' in waiting.content.decode()
    assert "Your order has been cancelled." not in waiting.content.decode()  # kept for the real page
    project()
    assert "Your order has been cancelled." in shopper.client.get(response["Location"]).content.decode()


def test_nobody_cancels_someone_elses_order(kettle):
    ann, bob = make_shopper("Ann"), make_shopper("Bob")
    order_id = place_order(ann.customer_id, (kettle, 1)).aggregate_id
    project()
    assert bob.client.post(f"/orders/{order_id}/cancel/").status_code == 404
    assert Order.objects.get(pk=order_id).status == OrderStatus.PENDING


def test_a_paid_order_cannot_be_cancelled_by_the_customer(kettle):
    shopper = make_shopper()
    order_id = place_order(shopper.customer_id, (kettle, 1)).aggregate_id
    orders.pay_order(context=context(), order_id=order_id, amount=Decimal("30.00"))
    project()
    page = shopper.client.get(f"/orders/{order_id}/")
    assert "Cancel this order" not in page.content.decode() and "Paid" in page.content.decode()
    response = shopper.client.post(f"/orders/{order_id}/cancel/", follow=True)
    assert "Only pending orders can be cancelled here" in response.content.decode()
    assert Order.objects.get(pk=order_id).status == OrderStatus.PAID


def test_a_stale_cancel_is_refused(kettle):
    shopper = make_shopper()
    order_id = place_order(shopper.customer_id, (kettle, 1)).aggregate_id
    orders.pay_order(context=context(), order_id=order_id)
    response = shopper.client.post(f"/orders/{order_id}/cancel/", {"version": 1}, follow=True)
    assert "This order changed meanwhile" in response.content.decode()
    assert Order.objects.get(pk=order_id).status == OrderStatus.PAID
