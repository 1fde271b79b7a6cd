"""Staff order for a customer from the customer's page, and take one line out of a pending order."""

import pytest
from django.urls import reverse

from commands.models import Order, Product
from projections import runner
from tests.factories import make_customer, make_product, place_order
from tests.queries.admin_clients import actor, last_event, messages_of, staff_client

pytestmark = pytest.mark.django_db(databases="__all__")
SUPPORT = ("queries.view_customerview", "queries.view_orderview", "commands.add_order", "commands.change_order")


@pytest.fixture
def shop():
    kettle = make_product(name="Kettle", price="20.00", stock=3)
    mug = make_product(name="Mug", price="4.00", stock=10)
    customer = make_customer(name="Phoning Phil")
    runner.run_all()
    return {"kettle": kettle, "mug": mug, "customer": customer}


def order_url(customer):
    return reverse("admin:queries_customerview_order", args=[customer])


def test_the_customer_page_offers_place_an_order_only_with_add_order(shop):
    page = reverse("admin:queries_customerview_change", args=[shop["customer"]])
    assert order_url(shop["customer"]) in staff_client(*SUPPORT).get(page).content.decode()
    viewer = staff_client("queries.view_customerview", username="viewer")
    assert order_url(shop["customer"]) not in viewer.get(page).content.decode()
    assert viewer.get(order_url(shop["customer"])).status_code == 403
    assert (
        viewer.post(order_url(shop["customer"]), {"product_1": str(shop["mug"]), "quantity_1": "1"}).status_code == 403
    )
    assert not Order.objects.exists()


def test_staff_place_an_order_through_create_order(shop):
    client = staff_client(*SUPPORT)
    form = client.get(order_url(shop["customer"]))
    assert "Kettle" in form.content.decode() and "3 in stock" in form.content.decode()
    body = {"product_1": str(shop["kettle"]), "quantity_1": "2", "product_2": str(shop["mug"]), "quantity_2": "5"}
    response = client.post(order_url(shop["customer"]), body)
    order = Order.objects.get(customer_id=shop["customer"])
    # Not projected within the (zero) wait: back to the customer's page, which will list it in a moment.
    assert response.status_code == 302 and response["Location"].endswith(f"/customerview/{shop['customer']}/change/")
    assert order.lines.count() == 2 and str(order.total) == "60.00"
    event = last_event(order.pk)
    assert event.type == "OrderPlaced" and event.metadata["actor"] == actor(client)
    assert event.metadata["command"] == "create-order"
    assert "Order placed for" in " ".join(messages_of(response))
    runner.run_all()
    page = client.get(response["Location"]).content.decode()
    assert reverse("admin:queries_orderview_change", args=[order.pk]) in page


def test_the_handlers_refusal_is_shown_on_the_form_and_nothing_is_written(shop):
    client = staff_client(*SUPPORT)
    response = client.post(order_url(shop["customer"]), {"product_1": str(shop["kettle"]), "quantity_1": "4"})
    assert response.status_code == 200
    assert "Only 3 of" in response.content.decode()
    assert not Order.objects.exists() and Product.objects.get(pk=shop["kettle"]).stock == 3


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Pick at least one product."),
        ({"product_1": "", "quantity_1": "2"}, "Pick a product for this quantity."),
        ({"product_1": "MUG", "quantity_1": "2"}, "Select a valid choice."),
        ({"product_1": "MUG", "quantity_1": "", "product_2": "MUG", "quantity_2": "1"}, "How many?"),
        ({"product_1": "MUG", "quantity_1": "1", "product_2": "MUG", "quantity_2": "1"}, "on an earlier row"),
    ],
)
def test_a_bad_form_says_why(shop, body, message):
    body = {key: str(shop["mug"]) if value == "MUG" else value for key, value in body.items()}
    if message == "Select a valid choice.":
        body["product_1"] = "not-a-product"
    response = staff_client(*SUPPORT).post(order_url(shop["customer"]), body)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Order.objects.exists()


def test_remove_a_line_from_the_order_page(shop):
    order = place_order(shop["customer"], (shop["kettle"], 1), (shop["mug"], 2)).aggregate_id
    runner.run_all()
    client = staff_client(*SUPPORT)
    page = client.get(reverse("admin:queries_orderview_change", args=[order])).content.decode()
    remove_url = reverse("admin:queries_orderview_remove_line", args=[order, shop["mug"]])
    assert remove_url in page and 'data-remove-line="' in page
    response = client.post(remove_url, {"expected_version": "1"})
    assert response.status_code == 302
    assert "Line removed" in " ".join(messages_of(response))
    assert last_event(order).type == "OrderLineRemoved" and Product.objects.get(pk=shop["mug"]).stock == 10
    runner.run_all()
    page = client.get(reverse("admin:queries_orderview_change", args=[order])).content.decode()
    assert 'data-remove-line="' not in page  # one line left: it cannot be removed


def test_a_stale_page_is_refused_with_a_reason(shop):
    order = place_order(shop["customer"], (shop["kettle"], 1), (shop["mug"], 2)).aggregate_id
    runner.run_all()
    client = staff_client(*SUPPORT)
    response = client.post(
        reverse("admin:queries_orderview_remove_line", args=[order, shop["mug"]]), {"expected_version": "0"}
    )
    assert "Someone else changed this order" in " ".join(messages_of(response))
    assert Order.objects.get(pk=order).lines.count() == 2


def test_removing_needs_change_order(shop):
    order = place_order(shop["customer"], (shop["kettle"], 1), (shop["mug"], 2)).aggregate_id
    runner.run_all()
    viewer = staff_client("queries.view_orderview", username="viewer")
    page = viewer.get(reverse("admin:queries_orderview_change", args=[order])).content.decode()
    assert 'data-remove-line="' not in page
    remove_url = reverse("admin:queries_orderview_remove_line", args=[order, shop["mug"]])
    assert viewer.post(remove_url).status_code == 403
    assert viewer.get(remove_url).status_code == 405
    assert Order.objects.get(pk=order).lines.count() == 2
