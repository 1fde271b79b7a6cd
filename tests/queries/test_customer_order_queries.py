"""Customers, orders and the event feed: read-model meanings of docs/api.md."""

from decimal import Decimal

import pytest

from commands.handlers import customers, orders, products
from commands.models import Event
from projections import runner
from tests.factories import context, make_customer, make_product, place_order

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def history():
    """Ann: one paid, one shipped, one cancelled-after-paid, one pending order. Bob: nothing."""
    kettle = make_product(price="10.00", stock=100)
    mug = make_product(price="2.50", stock=100)
    ann = make_customer(name="Ann")
    bob = make_customer(name="Bob")
    paid = place_order(ann, (kettle, 1), (mug, 2)).aggregate_id  # 15.00
    orders.pay_order(context=context(), order_id=paid, amount=Decimal("15.00"))
    shipped = place_order(ann, (kettle, 3)).aggregate_id  # 30.00
    orders.pay_order(context=context(), order_id=shipped)
    orders.ship_order(context=context(), order_id=shipped, tracking_number="TRACK-1")
    refunded = place_order(ann, (mug, 4)).aggregate_id  # 10.00, paid then cancelled
    orders.pay_order(context=context(), order_id=refunded)
    orders.cancel_order(context=context(), order_id=refunded, reason="changed mind")
    pending = place_order(ann, (kettle, 1)).aggregate_id
    runner.run_all()
    return {"kettle": kettle, "mug": mug, "ann": ann, "bob": bob, "pending": pending, "shipped": shipped}


def test_customer_summary_meanings(staff_api, history):
    ann = staff_api.get(f"/api/v1/customers/{history['ann']}/").json()
    assert ann["orders_count"] == 3  # the cancelled one does not count
    assert ann["total_spent"] == "45.00"  # paid + shipped, not the refunded or the pending one
    pending = staff_api.get(f"/api/v1/orders/{history['pending']}/").json()
    assert ann["last_order_at"] == pending["created_at"]
    bob = staff_api.get(f"/api/v1/customers/{history['bob']}/").json()
    assert (bob["orders_count"], bob["total_spent"], bob["last_order_at"]) == (0, "0.00", None)


def test_product_units_sold_and_stock(staff_api, history):
    kettle = staff_api.get(f"/api/v1/products/{history['kettle']}/").json()
    mug = staff_api.get(f"/api/v1/products/{history['mug']}/").json()
    assert (kettle["units_sold"], kettle["stock"]) == (5, 95)
    assert (mug["units_sold"], mug["stock"]) == (2, 98)  # the cancelled 4 came back


def test_order_document(staff_api, history):
    order = staff_api.get(f"/api/v1/orders/{history['shipped']}/").json()
    assert order["status"] == "shipped"
    assert order["customer"]["name"] == "Ann"
    assert order["lines"] == [
        {
            "product_id": str(history["kettle"]),
            "sku": order["lines"][0]["sku"],
            "name": order["lines"][0]["name"],
            "unit_price": "10.00",
            "quantity": 3,
            "line_total": "30.00",
        }
    ]
    assert (order["item_count"], order["total"], order["currency"], order["version"]) == (3, "30.00", "EUR", 3)


def test_a_rename_reaches_every_order_of_the_customer(staff_api, history):
    customers.update_customer_details(
        context=context(), customer_id=history["ann"], name="Ann Smith", email="ann@new.example"
    )
    runner.run_all()
    documents = staff_api.get(f"/api/v1/orders/?customer={history['ann']}").json()["results"]
    assert len(documents) == 4
    assert {(doc["customer"]["name"], doc["customer"]["email"]) for doc in documents} == {
        ("Ann Smith", "ann@new.example")
    }


def test_price_change_does_not_touch_placed_orders(staff_api, history):
    products.update_product(context=context(), product_id=history["kettle"], price=Decimal("99.00"))
    runner.run_all()
    order = staff_api.get(f"/api/v1/orders/{history['pending']}/").json()
    assert order["lines"][0]["unit_price"] == "10.00"


@pytest.mark.parametrize(
    ("query", "count"),
    [("status=pending", 1), ("status=paid", 1), ("status=shipped", 1), ("status=cancelled", 1), ("", 4)],
)
def test_order_filters(staff_api, history, query, count):
    assert len(staff_api.get(f"/api/v1/orders/?{query}").json()["results"]) == count


def test_order_ordering_by_total(staff_api, history):
    totals = [order["total"] for order in staff_api.get("/api/v1/orders/?ordering=-total").json()["results"]]
    assert totals == ["30.00", "15.00", "10.00", "10.00"]


@pytest.mark.parametrize("query", ["status=lost", "customer=not-a-uuid", "ordering=status"])
def test_bad_order_filters_are_400(staff_api, history, query):
    assert staff_api.get(f"/api/v1/orders/?{query}").status_code == 400


def test_customer_search_and_ordering(staff_api, history):
    names = [c["name"] for c in staff_api.get("/api/v1/customers/?ordering=-total_spent").json()["results"]]
    assert names == ["Ann", "Bob"]
    found = staff_api.get("/api/v1/customers/?search=bob").json()["results"]
    assert [c["name"] for c in found] == ["Bob"]


def test_event_feed(staff_api, history):
    feed = staff_api.get("/api/v1/events/?page_size=100").json()["results"]
    positions = [event["position"] for event in feed]
    # Positions may have gaps (rolled-back appends), so the feed is compared with the log, not with its head.
    assert positions == list(Event.objects.values_list("position", flat=True))
    after = staff_api.get(f"/api/v1/events/?after={positions[5]}").json()["results"]
    assert after[0]["position"] == positions[6]
    of_order = staff_api.get(f"/api/v1/events/?aggregate_id={history['shipped']}").json()["results"]
    assert [event["type"] for event in of_order] == ["OrderPlaced", "OrderPaid", "OrderShipped"]
    assert [event["aggregate_version"] for event in of_order] == [1, 2, 3]
    typed = staff_api.get("/api/v1/events/?type=OrderCancelled").json()["results"]
    assert len(typed) == 1 and typed[0]["payload"]["reason"] == "changed mind"
