"""remove-order-line: one line out of a pending order, its stock returned; the last line and other states refused."""

from decimal import Decimal

import pytest

from commands.handlers import orders
from commands.models import Event, Order, OrderStatus, Product
from projections import runner
from queries.models import CustomerView, OrderView, ProductView
from tests.commands.command_api import UNKNOWN, post_command, write_state
from tests.factories import context, make_customer, make_product, place_order

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def order():
    kettle, mug = make_product(price="25.00", stock=10), make_product(price="2.50", stock=10)
    customer = make_customer()
    order_id = place_order(customer, (kettle, 2), (mug, 4)).aggregate_id
    return {"id": order_id, "kettle": kettle, "mug": mug, "customer": customer}


def remove(client, order, product, **extra):
    return post_command(client, "remove-order-line", {"order_id": str(order), "product_id": str(product), **extra})


def test_removing_a_line_returns_its_stock_and_lowers_the_total(staff_api, staff_user, order):
    response = remove(staff_api, order["id"], order["mug"], expected_version=1)
    assert response.status_code == 202, response.content
    assert response.json()["version"] == 2 and response["Location"] == f"/api/v1/orders/{order['id']}/"
    written = Order.objects.get(pk=order["id"])
    assert written.total == Decimal("50.00") and written.version == 2
    assert list(written.lines.values_list("product_id", flat=True)) == [order["kettle"]]
    assert Product.objects.get(pk=order["mug"]).stock == 10
    event = Event.objects.get(position=response.json()["position"])
    assert event.type == "OrderLineRemoved" and event.metadata["actor"] == f"user:{staff_user.pk}"
    assert event.payload == {
        "customer_id": str(order["customer"]),
        "product_id": str(order["mug"]),
        "sku": event.payload["sku"],
        "quantity": 4,
        "line_total": "10.00",
        "total": "50.00",
    }


def test_the_read_side_follows_and_later_payment_counts_the_new_total(staff_api, order):
    runner.run_all()
    assert ProductView.objects.get(pk=order["mug"]).units_sold == 4
    assert remove(staff_api, order["id"], order["mug"]).status_code == 202
    runner.run_all()
    document = staff_api.get(f"/api/v1/orders/{order['id']}/").json()
    assert (document["total"], document["item_count"], document["version"]) == ("50.00", 2, 2)
    assert [line["product_id"] for line in document["lines"]] == [str(order["kettle"])]
    mug = ProductView.objects.get(pk=order["mug"])
    assert (mug.stock, mug.units_sold) == (10, 0)
    assert ProductView.objects.get(pk=order["kettle"]).units_sold == 2
    orders.pay_order(context=context(), order_id=order["id"])
    runner.run_all()
    customer = CustomerView.objects.get(pk=order["customer"])
    assert (customer.orders_count, customer.total_spent) == (1, Decimal("50.00"))
    assert OrderView.objects.get(pk=order["id"]).status == OrderStatus.PAID


def test_cancelling_after_a_removal_returns_only_what_is_left(staff_api, order):
    assert remove(staff_api, order["id"], order["mug"]).status_code == 202
    orders.cancel_order(context=context(), order_id=order["id"])
    assert Product.objects.get(pk=order["kettle"]).stock == 10 and Product.objects.get(pk=order["mug"]).stock == 10
    runner.run_all()
    assert ProductView.objects.get(pk=order["mug"]).stock == 10
    assert ProductView.objects.get(pk=order["mug"]).units_sold == 0


def test_the_last_line_is_refused(staff_api, order):
    assert remove(staff_api, order["id"], order["mug"]).status_code == 202
    before = write_state()
    response = remove(staff_api, order["id"], order["kettle"])
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_state" and "cancel the order" in response.json()["detail"]
    assert write_state() == before


@pytest.mark.parametrize("command", ["pay_order", "cancel_order"])
def test_only_a_pending_order_loses_lines(staff_api, order, command):
    getattr(orders, command)(context=context(), order_id=order["id"])
    before = write_state()
    response = remove(staff_api, order["id"], order["mug"])
    assert response.status_code == 422 and response.json()["code"] == "invalid_state"
    assert write_state() == before


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (lambda o: {"order_id": str(o["id"]), "product_id": UNKNOWN}, 400, "product_id"),
        (lambda o: {"order_id": str(o["id"]), "product_id": "nope"}, 400, "product_id"),
        (lambda o: {"order_id": str(o["id"])}, 400, "product_id"),
        (lambda o: {"order_id": UNKNOWN, "product_id": str(o["mug"])}, 404, "detail"),
        (lambda o: {"order_id": str(o["id"]), "product_id": str(o["mug"]), "expected_version": 7}, 409, "code"),
    ],
)
def test_bad_requests_write_nothing(staff_api, order, body, status, field):
    before = write_state()
    response = post_command(staff_api, "remove-order-line", body(order))
    assert response.status_code == status, response.content
    assert field in response.json()
    assert write_state() == before
