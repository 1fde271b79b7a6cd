"""create-order's delivery address: the one given, else the customer's of that moment, snapshotted on the order."""

import pytest
from django.urls import reverse

from commands.handlers import customers
from commands.models import Event, Order
from projections import runner
from tests.commands.command_api import ADDRESS, line, post_command
from tests.factories import context, make_customer, make_product
from tests.queries.admin_clients import staff_client

pytestmark = pytest.mark.django_db(databases="__all__")
HOME = {"line1": "Old Road 5", "line2": "Flat 2", "city": "Riga", "postal_code": "LV-1050", "country": "LV"}


def order_body(customer_id, product_id, **extra):
    return {"customer_id": str(customer_id), "lines": [line(product_id)], **extra}


def placed(response) -> tuple[Order, Event]:
    assert response.status_code == 202, response.content
    order_id = response.json()["aggregate_id"]
    return Order.objects.get(pk=order_id), Event.objects.get(aggregate_id=order_id, type="OrderPlaced")


def test_the_address_given_is_the_one_on_the_order_and_in_the_event(staff_api):
    customer = make_customer()
    customers.update_customer_details(context=context(), customer_id=customer, address=HOME)
    kettle = make_product()
    given = {**ADDRESS, "country": "de"}
    order, event = placed(post_command(staff_api, "create-order", order_body(customer, kettle, delivery_address=given)))
    expected = {**ADDRESS, "line2": "", "country": "DE"}
    assert order.delivery_address == expected
    assert event.payload["delivery_address"] == expected


@pytest.mark.parametrize("omitted", [{}, {"delivery_address": None}])
def test_without_one_the_order_goes_to_the_customers_address_of_that_moment(staff_api, omitted):
    customer = make_customer()
    customers.update_customer_details(context=context(), customer_id=customer, address=HOME)
    kettle = make_product()
    order, event = placed(post_command(staff_api, "create-order", order_body(customer, kettle, **omitted)))
    assert order.delivery_address == event.payload["delivery_address"] == HOME

    moved = {**HOME, "city": "Tallinn", "country": "EE"}
    customers.update_customer_details(context=context(), customer_id=customer, address=moved)
    order.refresh_from_db()
    assert order.delivery_address == HOME  # a snapshot: moving house later does not move the order


def test_a_customer_without_an_address_gets_an_order_without_one(staff_api):
    customer, kettle = make_customer(), make_product()
    order, event = placed(post_command(staff_api, "create-order", order_body(customer, kettle)))
    assert order.delivery_address is None and event.payload["delivery_address"] is None


def test_the_order_document_and_the_admin_page_show_it(staff_api):
    customer, kettle = make_customer(), make_product()
    body = order_body(customer, kettle, delivery_address={**ADDRESS, "line2": "Hinterhaus"})
    order, _ = placed(post_command(staff_api, "create-order", body))
    runner.run_all()
    document = staff_api.get(f"/api/v1/orders/{order.pk}/").json()
    assert document["delivery_address"] == {**ADDRESS, "line2": "Hinterhaus"}
    admin = staff_client("queries.view_orderview")
    page = admin.get(reverse("admin:queries_orderview_change", args=[order.pk])).content.decode()
    assert "Main St 1, Hinterhaus, 10115 Berlin, DE" in page
