"""Idempotency-Key: a repeat returns the first response and writes nothing, also when the two race."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import transaction

from commands.models import IdempotencyRecord, Order, Product
from tests.commands.command_api import lock_waiters, make_shopper, post_command, post_over_http, token_for, write_state
from tests.conftest import wait_until
from tests.factories import make_customer, make_product, make_staff


def order_body(customer_id: object, product_id: object, quantity: int = 1) -> dict:
    return {"customer_id": str(customer_id), "lines": [{"product_id": str(product_id), "quantity": quantity}]}


@pytest.mark.django_db(databases="__all__")
class TestRepeats:
    @pytest.fixture
    def order(self) -> dict:
        return order_body(make_customer(), make_product(stock=5), 2)

    def test_a_repeat_returns_the_first_response_and_writes_nothing(self, staff_api, order):
        first = post_command(staff_api, "create-order", order, HTTP_IDEMPOTENCY_KEY="order-42")
        assert first.status_code == 202, first.content
        after_first = write_state()
        reordered = {"lines": order["lines"], "customer_id": order["customer_id"]}  # same JSON object
        second = post_command(staff_api, "create-order", reordered, HTTP_IDEMPOTENCY_KEY="order-42")
        assert second.status_code == 202
        assert second.json() == first.json()
        assert second["Location"] == first["Location"] == f"/api/v1/orders/{first.json()['aggregate_id']}/"
        assert write_state() == after_first
        assert Order.objects.count() == 1
        assert after_first["stock"][Order.objects.get().lines.get().product_id] == 3

    @pytest.mark.parametrize(
        ("command", "change"),
        [
            ("create-order", lambda body: {**body, "lines": [{**body["lines"][0], "quantity": 1}]}),
            ("adjust-stock", lambda body: {"product_id": body["lines"][0]["product_id"], "delta": 1}),
        ],
        ids=["different-body", "different-command"],
    )
    def test_the_same_key_with_a_different_request_is_refused(self, staff_api, order, command, change):
        assert post_command(staff_api, "create-order", order, HTTP_IDEMPOTENCY_KEY="k-1").status_code == 202
        before = write_state()
        response = post_command(staff_api, command, change(order), HTTP_IDEMPOTENCY_KEY="k-1")
        assert response.status_code == 422
        assert response.json()["code"] == "idempotency_key_reused"
        assert write_state() == before

    def test_keys_belong_to_their_user(self, staff_api, order):
        other_staff = make_staff(username="other-staff")
        assert post_command(staff_api, "create-order", order, HTTP_IDEMPOTENCY_KEY="shared").status_code == 202
        staff_api.force_authenticate(other_staff)
        second = post_command(staff_api, "create-order", order, HTTP_IDEMPOTENCY_KEY="shared")
        assert second.status_code == 202
        assert Order.objects.count() == 2

    def test_a_refused_command_does_not_use_up_its_key(self, staff_api):
        product_id = make_product(stock=1)
        body = order_body(make_customer(), product_id, 2)
        refused = post_command(staff_api, "create-order", body, HTTP_IDEMPOTENCY_KEY="retry-me")
        assert refused.json()["code"] == "insufficient_stock"
        assert not IdempotencyRecord.objects.exists()
        post_command(staff_api, "adjust-stock", {"product_id": str(product_id), "delta": 1})
        assert post_command(staff_api, "create-order", body, HTTP_IDEMPOTENCY_KEY="retry-me").status_code == 202

    @pytest.mark.parametrize(("key", "status"), [("k" * 255, 202), ("k" * 256, 400), ("", 400)])
    def test_key_length_is_1_to_255(self, staff_api, order, key, status):
        before = write_state()
        response = post_command(staff_api, "create-order", order, HTTP_IDEMPOTENCY_KEY=key)
        assert response.status_code == status, response.content
        if status == 400:
            assert list(response.json()) == ["Idempotency-Key"]
            assert write_state() == before

    def test_a_customer_repeating_a_sign_up_gets_the_same_answer(self, api):
        body = {"email": "new@example.com", "name": "New", "password": "correct-horse-battery-staple"}
        first = post_command(api, "register-customer", body, HTTP_IDEMPOTENCY_KEY="signup-1")
        second = post_command(api, "register-customer", body, HTTP_IDEMPOTENCY_KEY="signup-1")
        assert (first.status_code, second.status_code) == (202, 202)
        assert first.json() == second.json()

    def test_anonymous_keys_belong_to_their_client_address(self, api):
        """Two strangers signing up with the same (say, counter-made) key do not collide."""
        ann = {"email": "ann@example.com", "name": "Ann", "password": "correct-horse-battery-staple"}
        bob = {"email": "bob@example.com", "name": "Bob", "password": "correct-horse-battery-staple"}
        assert post_command(api, "register-customer", ann, HTTP_IDEMPOTENCY_KEY="1").status_code == 202
        from_bob = post_command(api, "register-customer", bob, HTTP_IDEMPOTENCY_KEY="1", REMOTE_ADDR="198.51.100.7")
        assert from_bob.status_code == 202, from_bob.content
        again = post_command(api, "register-customer", bob, HTTP_IDEMPOTENCY_KEY="1")  # from Ann's address
        assert again.json()["code"] == "idempotency_key_reused"

    def test_every_command_honours_the_key(self, staff_api):
        shopper = make_shopper()
        product_id = make_product(stock=5)
        body = {"customer_id": str(shopper.customer_id), "name": "Renamed"}
        first = post_command(shopper.client, "update-customer-details", body, HTTP_IDEMPOTENCY_KEY="rename")
        second = post_command(shopper.client, "update-customer-details", body, HTTP_IDEMPOTENCY_KEY="rename")
        assert first.json() == second.json()
        assert first.json()["version"] == 2
        body = {"product_id": str(product_id), "delta": 3}
        first = post_command(staff_api, "adjust-stock", body, HTTP_IDEMPOTENCY_KEY="restock")
        second = post_command(staff_api, "adjust-stock", body, HTTP_IDEMPOTENCY_KEY="restock")
        assert first.json() == second.json()
        assert Product.objects.get(pk=product_id).stock == 8


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_two_concurrent_requests_with_one_key_place_one_order(live_server):
    """Both requests are in flight together: the product row is held locked until both wait for a lock."""
    staff = make_staff()
    token = token_for(staff)
    product_id = make_product(stock=1)
    body = order_body(make_customer(), product_id, 1)

    def send() -> object:
        return post_over_http(live_server.url, "create-order", body, token=token, key="twice")

    with ThreadPoolExecutor(max_workers=2) as pool:
        with transaction.atomic():
            Product.objects.select_for_update().get(pk=product_id)
            answers = [pool.submit(send), pool.submit(send)]
            wait_until(lambda: lock_waiters() >= 2, timeout=30)
        first, second = (answer.result() for answer in answers)
    assert (first.status, second.status) == (202, 202), (first.body, second.body)
    assert first.body == second.body
    assert first.location == second.location
    assert Order.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    assert Product.objects.get(pk=product_id).stock == 0
