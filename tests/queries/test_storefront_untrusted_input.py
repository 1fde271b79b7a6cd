"""Numbers in storefront URLs and forms are ASCII digits or nothing: never a 500."""

import pytest

from commands.models import Order, OrderStatus
from tests.factories import make_product, place_order
from tests.queries.storefront_pages import make_shopper, project

pytestmark = pytest.mark.django_db(databases="__all__")
NOT_A_POSITION = ["²", "٣", "1" * 5000, " 1", "1_0"]


@pytest.fixture
def shopper_with_order():
    shopper = make_shopper()
    order_id = place_order(shopper.customer_id, (make_product(price="4.00", stock=5), 1)).aggregate_id
    project()
    return shopper, order_id


@pytest.mark.parametrize("after", NOT_A_POSITION)
def test_a_page_with_a_made_up_after_is_served_as_it_is(shopper_with_order, after, settings):
    settings.STOREFRONT_WAIT_SECONDS = 0
    shopper, order_id = shopper_with_order
    response = shopper.client.get(f"/orders/{order_id}/", {"after": after})
    assert response.status_code == 200
    assert "Cancel this order" in response.content.decode()


@pytest.mark.parametrize("version", ["²", "٣", "1" * 5000])
def test_a_cancel_with_a_made_up_version_cancels_without_a_version_check(shopper_with_order, version):
    shopper, order_id = shopper_with_order
    response = shopper.client.post(f"/orders/{order_id}/cancel/", {"version": version})
    assert response.status_code == 302
    assert Order.objects.get(pk=order_id).status == OrderStatus.CANCELLED


def test_a_cancel_with_a_stale_ascii_version_is_still_refused(shopper_with_order):
    shopper, order_id = shopper_with_order
    response = shopper.client.post(f"/orders/{order_id}/cancel/", {"version": "7"}, follow=True)
    assert "This order changed meanwhile" in response.content.decode()
    assert Order.objects.get(pk=order_id).status == OrderStatus.PENDING
