"""A support agent cancels an order, and places one for a customer, from the admin in a real browser.

log in at /admin/ → orders list → select the order → "Cancel selected orders" → confirm with a reason →
the list shows "cancelled" once the worker has projected it. Screenshots land in test-artifacts/admin-*.png.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from playwright.sync_api import Page, expect

from commands.models import Event, Order, OrderStatus
from queries.models import CustomerView, OrderView, ProductView
from tests.conftest import wait_until
from tests.e2e.conftest import screenshot
from tests.factories import make_customer, make_product, place_order

pytestmark = [pytest.mark.django_db(transaction=True, databases="__all__"), pytest.mark.pipeline, pytest.mark.slow]

PASSWORD = "support-agent-secret-42"


@pytest.fixture
def support_agent():
    call_command("setup_groups")
    user = get_user_model().objects.create_user(username="sam", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="support"))
    return user


@pytest.fixture
def pending_order(celery_worker_process):
    order_id = place_order(make_customer(name="Ann Example"), (make_product(name="Steel Kettle"), 2)).aggregate_id
    wait_until(lambda: OrderView.objects.filter(pk=order_id).exists(), timeout=30)
    return order_id


def order_row(page: Page, order_id: object):
    return page.locator("#result_list tbody tr", has=page.locator(f'input[value="{order_id}"]'))


def test_support_cancels_an_order_and_sees_it_cancelled(live_server, page, support_agent, pending_order):
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#site-name")).to_contain_text("cqrs-shop admin")
    expect(page.get_by_role("link", name="Products")).to_have_count(0)  # support does not see the catalog
    screenshot(page, "admin-index-support")

    page.get_by_role("link", name="Orders").first.click()
    row = order_row(page, pending_order)
    expect(row.locator("td.field-status")).to_have_text("pending")
    row.locator('input[name="_selected_action"]').check()
    options = page.locator('select[name="action"] option').all_text_contents()
    assert "Mark selected orders paid" not in options  # support may cancel, not take payments
    page.locator('select[name="action"]').select_option("cancel_orders")
    screenshot(page, "admin-orders-selected")
    page.get_by_role("button", name="Go").click()

    expect(page.get_by_role("heading", name="Cancel orders")).to_be_visible()
    page.get_by_label("Reason").fill("customer called")
    screenshot(page, "admin-cancel-confirm")
    page.get_by_role("button", name="Yes, cancel them").click()

    expect(page.locator(".messagelist")).to_contain_text("cancelled")

    def shows_cancelled() -> bool:
        if order_row(page, pending_order).locator("td.field-status").inner_text() == "cancelled":
            return True
        page.reload()
        return False

    wait_until(shows_cancelled, timeout=30, interval=0.5)
    screenshot(page, "admin-orders-cancelled")
    assert Order.objects.get(pk=pending_order).status == OrderStatus.CANCELLED
    cancelled = Event.objects.get(aggregate_id=pending_order, type="OrderCancelled")
    assert (cancelled.payload["reason"], cancelled.metadata["actor"]) == ("customer called", f"user:{support_agent.pk}")


@pytest.fixture
def phoning_customer(celery_worker_process):
    customer_id = make_customer(name="Phoning Phil")
    kettle, mug = make_product(name="Steel Kettle", price="20.00"), make_product(name="Blue Mug", price="4.00")

    def projected() -> bool:
        customer = CustomerView.objects.filter(pk=customer_id).exists()
        return customer and ProductView.objects.filter(pk__in=[kettle, mug]).count() == 2

    wait_until(projected, timeout=30)
    return {"customer": customer_id, "kettle": kettle, "mug": mug}


def order_lines_until(page: Page, predicate) -> None:
    """Reload the order page until its lines satisfy `predicate` (the worker projects asynchronously)."""

    def check() -> bool:
        if predicate(page.locator("#order-lines").inner_text()):
            return True
        page.reload()
        return False

    wait_until(check, timeout=30, interval=0.5)


def test_support_places_an_order_for_a_customer_and_removes_a_line(live_server, page, support_agent, phoning_customer):
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Customers").first.click()
    page.get_by_role("link", name="Phoning Phil").click()
    page.get_by_role("link", name="Place an order").click()
    expect(page.get_by_role("heading", name="Place an order for Phoning Phil")).to_be_visible()

    page.get_by_label("Product 1").select_option(str(phoning_customer["kettle"]))
    page.get_by_label("Quantity 1").fill("1")
    page.get_by_label("Product 2").select_option(str(phoning_customer["mug"]))
    page.get_by_label("Quantity 2").fill("3")
    screenshot(page, "admin-place-order")
    page.get_by_role("button", name="Place order").click()
    expect(page.locator(".messagelist")).to_contain_text("Order placed for")
    order = Order.objects.get(customer_id=phoning_customer["customer"])
    assert order.total == 32 and order.lines.count() == 2

    page.goto(f"{live_server.url}/admin/queries/orderview/{order.pk}/change/")
    order_lines_until(page, lambda text: "Blue Mug" in text)
    screenshot(page, "admin-order-two-lines")
    page.locator("#order-lines tr", has_text="Blue Mug").get_by_role("button", name="Remove").click()
    expect(page.locator(".messagelist")).to_contain_text("Line removed")
    order_lines_until(page, lambda text: "Blue Mug" not in text)
    screenshot(page, "admin-order-line-removed")
    expect(page.locator("#order-lines")).to_contain_text("Steel Kettle")
    expect(page.locator("[data-remove-line]")).to_have_count(0)  # the last line stays
    removed = Event.objects.get(aggregate_id=order.pk, type="OrderLineRemoved")
    assert removed.metadata["actor"] == f"user:{support_agent.pk}"
    assert order.lines.count() == 1 and Order.objects.get(pk=order.pk).total == 20
