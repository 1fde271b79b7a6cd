"""Pay, ship and cancel from the order list: one command per selected order, each row reported."""

from decimal import Decimal

import pytest
from django.urls import reverse

from commands.handlers import orders
from commands.models import Event, Order, Product
from projections import runner
from tests.factories import context, make_customer, make_product, place_order
from tests.queries.admin_clients import (
    actor,
    last_event,
    messages_of,
    staff_client,
)

pytestmark = pytest.mark.django_db(databases="__all__")

LIST_URL = reverse("admin:queries_orderview_changelist")
ALL_ORDER_COMMANDS = ("queries.view_orderview", "commands.pay_order", "commands.ship_order", "commands.cancel_order")


@pytest.fixture
def shop():
    kettle = make_product(price="10.00", stock=10)
    ann = make_customer(name="Ann")
    return {"kettle": kettle, "ann": ann}


def new_order(shop, quantity=1):
    return place_order(shop["ann"], (shop["kettle"], quantity)).aggregate_id


def run_action(client, action, *order_ids, **fields):
    data = {"action": action, "_selected_action": [str(order_id) for order_id in order_ids], **fields}
    return client.post(LIST_URL, data)


def test_pay_selected_orders(shop):
    first, second = new_order(shop), new_order(shop)
    runner.run_all()
    client = staff_client(*ALL_ORDER_COMMANDS)

    response = client.post(LIST_URL, {"action": "pay_orders", "index": "0", "_selected_action": [first, second]})

    assert response.status_code == 302
    assert set(Order.objects.filter(pk__in=[first, second]).values_list("status", flat=True)) == {"paid"}
    for order_id in (first, second):
        event = last_event(order_id)
        assert (event.type, event.payload["amount"]) == ("OrderPaid", "10.00")
        assert (event.metadata["actor"], event.metadata["command"]) == (actor(client), "pay-order")
    notes = messages_of(response)
    assert sum(message.endswith(" paid.") and message.startswith("Order ") for message in notes) == 2
    assert "2 of 2 orders paid. The pages will show the new status in a moment." in notes


def test_a_refused_row_says_why_and_the_others_still_go_through(shop):
    pending, shipped = new_order(shop), new_order(shop)
    orders.pay_order(context=context(), order_id=shipped)
    orders.ship_order(context=context(), order_id=shipped)
    runner.run_all()
    client = staff_client(*ALL_ORDER_COMMANDS)

    response = run_action(client, "cancel_orders", pending, shipped, post="yes", reason="out of stock")

    assert Order.objects.get(pk=pending).status == "cancelled"
    assert Order.objects.get(pk=shipped).status == "shipped"
    assert last_event(pending).payload["reason"] == "out of stock"
    assert last_event(shipped).type == "OrderShipped"
    assert Product.objects.get(pk=shop["kettle"]).stock == 9  # the cancelled unit came back
    notes = messages_of(response)
    assert f"Order {str(shipped)[:8]} (Ann) could not be cancelled: A shipped order cannot be cancelled." in notes
    assert f"Order {str(pending)[:8]} (Ann) cancelled." in notes
    assert any(message.startswith("1 of 2 orders cancelled.") for message in notes)


def test_cancel_asks_first_and_does_nothing_until_confirmed(shop):
    order_id = new_order(shop)
    runner.run_all()
    client = staff_client(*ALL_ORDER_COMMANDS)

    page = client.post(LIST_URL, {"action": "cancel_orders", "index": "0", "_selected_action": [order_id]})

    assert page.status_code == 200
    assert 'name="reason"' in page.content.decode()
    assert str(order_id) in page.content.decode()
    assert Order.objects.get(pk=order_id).status == "pending"
    assert last_event(order_id).type == "OrderPlaced"


def test_ship_asks_for_tracking_numbers(shop):
    order_id = new_order(shop)
    orders.pay_order(context=context(), order_id=order_id)
    runner.run_all()
    client = staff_client(*ALL_ORDER_COMMANDS)
    page = run_action(client, "ship_orders", order_id)
    assert f'name="tracking_{order_id}"' in page.content.decode()

    run_action(client, "ship_orders", order_id, post="yes", **{f"tracking_{order_id}": " TRACK-9 "})

    order = Order.objects.get(pk=order_id)
    assert (order.status, order.tracking_number) == ("shipped", "TRACK-9")
    assert last_event(order_id).payload["tracking_number"] == "TRACK-9"


def test_paying_a_paid_order_is_refused_with_the_rule(shop):
    order_id = new_order(shop)
    orders.pay_order(context=context(), order_id=order_id)
    runner.run_all()
    client = staff_client(*ALL_ORDER_COMMANDS)
    events_before = Event.objects.count()

    response = run_action(client, "pay_orders", order_id)

    assert f"Order {str(order_id)[:8]} (Ann) could not be paid: A paid order cannot be paid." in messages_of(response)
    assert Event.objects.count() == events_before


def test_a_single_order_action_from_its_page_returns_to_that_page(shop):
    order_id = new_order(shop)
    runner.run_all()
    client = staff_client(*ALL_ORDER_COMMANDS)
    change_url = reverse("admin:queries_orderview_change", args=[order_id])
    page = client.get(change_url).content.decode()
    assert 'data-order-action="pay_orders"' in page
    assert 'data-order-action="ship_orders"' not in page  # a pending order is not shipped

    response = run_action(client, "pay_orders", order_id, index="0", return_to=change_url)

    assert response["Location"] == change_url
    assert Order.objects.get(pk=order_id).status == "paid"
    runner.run_all()
    history = client.get(change_url).content.decode()
    assert f"staffer (user:{client.user.pk})" in history  # who, by name
    assert 'data-event-type="OrderPaid"' in history


def test_an_outside_return_to_is_ignored(shop):
    order_id = new_order(shop)
    runner.run_all()
    client = staff_client(*ALL_ORDER_COMMANDS)
    response = run_action(client, "pay_orders", order_id, return_to="https://evil.example/")
    assert response["Location"] == LIST_URL


def test_support_sees_and_runs_only_cancel(shop):
    order_id = new_order(shop)
    runner.run_all()
    support = staff_client("queries.view_orderview", "commands.cancel_order", username="support")
    choices = dict(support.get(LIST_URL).context["action_form"].fields["action"].choices)
    assert set(choices) - {""} == {"cancel_orders"}
    page = support.get(reverse("admin:queries_orderview_change", args=[order_id])).content.decode()
    assert 'data-order-action="cancel_orders"' in page
    assert 'data-order-action="pay_orders"' not in page

    response = run_action(support, "pay_orders", order_id, index="0")

    assert "No action selected." in messages_of(response)
    assert Order.objects.get(pk=order_id).status == "pending"
    run_action(support, "cancel_orders", order_id, post="yes")
    assert Order.objects.get(pk=order_id).status == "cancelled"


def test_without_view_permission_the_order_list_and_its_actions_are_forbidden(shop):
    order_id = new_order(shop)
    runner.run_all()
    outsider = staff_client("commands.cancel_order", username="outsider")
    assert outsider.get(LIST_URL).status_code == 403
    assert run_action(outsider, "cancel_orders", order_id, post="yes").status_code == 403
    assert Order.objects.get(pk=order_id).status == "pending"


def test_the_order_page_links_its_customer_and_products_and_shows_its_history(shop):
    order_id = new_order(shop, quantity=2)
    orders.pay_order(context=context(), order_id=order_id, amount=Decimal("20.00"))
    runner.run_all()
    client = staff_client("queries.view_orderview", "queries.view_customerview", "queries.view_productview")

    page = client.get(reverse("admin:queries_orderview_change", args=[order_id])).content.decode()

    assert reverse("admin:queries_customerview_change", args=[shop["ann"]]) in page
    assert reverse("admin:queries_productview_change", args=[shop["kettle"]]) in page
    assert page.index('data-event-type="OrderPaid"') < page.index('data-event-type="OrderPlaced"')  # newest first
    support = staff_client("queries.view_orderview", username="support")
    support_page = support.get(reverse("admin:queries_orderview_change", args=[order_id])).content.decode()
    assert reverse("admin:queries_productview_change", args=[shop["kettle"]]) not in support_page


def test_orders_of_a_product_and_of_a_customer(shop):
    with_kettle = new_order(shop)
    mug = make_product()
    with_mug = place_order(shop["ann"], (mug, 1)).aggregate_id
    bob_order = place_order(make_customer(name="Bob"), (mug, 1)).aggregate_id
    runner.run_all()
    client = staff_client("queries.view_orderview")

    def listed(query):
        return {str(order.pk) for order in client.get(LIST_URL + query).context["cl"].result_list}

    assert listed(f"?product={mug}") == {str(with_mug), str(bob_order)}
    assert listed(f"?customer_id={shop['ann']}") == {str(with_kettle), str(with_mug)}
    assert listed("?status=pending&q=" + str(bob_order)) == {str(bob_order)}
    assert listed(f"?q={shop['ann']}") == {str(with_kettle), str(with_mug)}
