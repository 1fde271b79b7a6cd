"""The storefront's pay step: checkout → pay page → declined / timed out (try again) → paid; never twice."""

import re

import pytest

from commands.models import Event, Order, OrderStatus, PaymentAttempt
from tests.factories import make_product, place_order
from tests.queries.storefront_pages import DELIVERY, make_shopper, project

pytestmark = pytest.mark.django_db(databases="__all__")
ACCEPTED, DECLINED, TIMES_OUT = "4242 4242 4242 4242", "4000 0000 0000 0002", "4000 0000 0000 0119"


@pytest.fixture
def placed():
    shopper = make_shopper()
    kettle = make_product(name="Steel Kettle", price="30.00", stock=5)
    project()
    shopper.client.post(f"/cart/{kettle}/add/", {"quantity": 2})
    response = shopper.client.post("/checkout/", DELIVERY)
    order = Order.objects.get(customer_id=shopper.customer_id)
    assert response["Location"].startswith(f"/orders/{order.pk}/pay/")
    project()
    return shopper, order


def attempt_key(html: str) -> str:
    found = re.search(r'name="attempt" value="([0-9a-f-]{36})"', html)
    assert found, "the pay form carries an attempt key"
    return found.group(1)


def submit(shopper, order, card, key):
    return shopper.client.post(f"/orders/{order.pk}/pay/submit/", {"card_number": card, "attempt": key})


def test_the_pay_page_shows_the_total_and_a_fresh_attempt_key_each_time(placed):
    shopper, order = placed
    first = shopper.client.get(f"/orders/{order.pk}/pay/").content.decode()
    second = shopper.client.get(f"/orders/{order.pk}/pay/").content.decode()
    assert "60.00 EUR" in first and "Pay now" in first
    assert attempt_key(first) != attempt_key(second)


@pytest.mark.parametrize(
    ("card", "message"),
    [(DECLINED, "Your card was declined and nothing was charged."), (TIMES_OUT, "did not answer in time")],
)
def test_a_failed_payment_says_why_and_offers_try_again(placed, card, message):
    shopper, order = placed
    key = attempt_key(shopper.client.get(f"/orders/{order.pk}/pay/").content.decode())
    response = submit(shopper, order, card, key)
    html = response.content.decode()
    assert response.status_code == 402
    assert message in html and "Try again" in html and "still pending" in html
    assert attempt_key(html) != key  # trying again is a new attempt
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING
    assert not Event.objects.filter(aggregate_id=order.pk, type="OrderPaid").exists()

    paid = submit(shopper, order, ACCEPTED, attempt_key(html))
    assert paid.status_code == 302 and paid["Location"].startswith(f"/orders/{order.pk}/?after=")
    project()
    page = shopper.client.get(paid["Location"]).content.decode()
    assert "Thank you! Your payment has been received." in page and "Paid" in page
    assert "10115 Berlin" in page and "Pay now" not in page


def test_the_same_form_sent_twice_pays_once(placed):
    shopper, order = placed
    key = attempt_key(shopper.client.get(f"/orders/{order.pk}/pay/").content.decode())
    assert submit(shopper, order, ACCEPTED, key).status_code == 302
    again = submit(shopper, order, ACCEPTED, key)
    assert again.status_code == 302  # the first answer again, no second charge
    assert Event.objects.filter(aggregate_id=order.pk, type="OrderPaid").count() == 1
    assert PaymentAttempt.objects.count() == 1
    fresh = submit(shopper, order, ACCEPTED, "3f0c9d1e-8f1a-4d7e-9a55-0b5b8d1e2c3f")  # another attempt: refused
    assert fresh.status_code == 302
    assert Event.objects.filter(aggregate_id=order.pk, type="OrderPaid").count() == 1
    project()
    assert shopper.client.get(f"/orders/{order.pk}/pay/")["Location"] == f"/orders/{order.pk}/"  # nothing to pay


@pytest.mark.parametrize(("card", "key"), [("4242", "ok"), ("4242 4242 4242 424x", "ok"), (ACCEPTED, "not-a-uuid")])
def test_a_bad_form_is_a_400_that_charges_nothing(placed, card, key):
    shopper, order = placed
    key = attempt_key(shopper.client.get(f"/orders/{order.pk}/pay/").content.decode()) if key == "ok" else key
    response = submit(shopper, order, card, key)
    assert response.status_code == 400 and not PaymentAttempt.objects.exists()


def test_someone_elses_order_is_a_404(placed):
    _, order = placed
    other = make_shopper("Bob")
    assert other.client.get(f"/orders/{order.pk}/pay/").status_code == 404
    response = submit(other, order, ACCEPTED, "3f0c9d1e-8f1a-4d7e-9a55-0b5b8d1e2c3f")
    assert response.status_code == 404 and not PaymentAttempt.objects.exists()


def test_the_api_pay_order_stays_staff_only():
    shopper = make_shopper()
    order = place_order(shopper.customer_id, (make_product(stock=3), 1)).aggregate_id
    response = shopper.client.post(
        "/api/v1/commands/pay-order/", {"order_id": str(order)}, content_type="application/json"
    )
    assert response.status_code == 403
    assert Order.objects.get(pk=order).status == OrderStatus.PENDING
