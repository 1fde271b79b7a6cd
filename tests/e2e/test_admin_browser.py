"""A support agent cancels an order from the admin in a real browser, on the real stack.

log in at /admin/ → orders list → select the order → "Cancel selected orders" → confirm with a reason →
the list shows "cancelled" once the worker has projected it. Screenshots land in test-artifacts/admin-*.png.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from playwright.sync_api import Page, expect

from commands.models import Event, Order, OrderStatus
from queries.models import OrderView
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
