"""The last units under concurrent orders over real HTTP: never oversold, never deadlocked."""

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import transaction
from django.db.models import Sum

from commands.models import Event, OrderLine, Product
from projections import runner
from tests.commands.command_api import lock_waiters, make_shopper, post_over_http, token_for
from tests.conftest import wait_until
from tests.factories import make_customer, make_product, make_staff, place_order

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


def order_lines(*product_ids: object) -> list[dict]:
    return [{"product_id": str(product_id), "quantity": 1} for product_id in product_ids]


def test_twenty_customers_race_for_the_last_five_units(live_server, api):
    product_id = make_product(stock=5)
    shoppers = [make_shopper(name=f"Racer {n}") for n in range(20)]
    tokens = [token_for(shopper.user) for shopper in shoppers]

    def order(n: int) -> object:
        body = {"customer_id": str(shoppers[n].customer_id), "lines": order_lines(product_id)}
        return post_over_http(live_server.url, "create-order", body, token=tokens[n])

    with ThreadPoolExecutor(max_workers=20) as pool:
        # Hold the product row until all twenty wait for it: they are truly in flight together.
        with transaction.atomic():
            Product.objects.select_for_update().get(pk=product_id)
            answers = [pool.submit(order, n) for n in range(20)]
            wait_until(lambda: lock_waiters() >= 20, timeout=60)
        results = [answer.result() for answer in answers]

    assert Counter(result.status for result in results) == {202: 5, 422: 15}, [r.body for r in results]
    assert {result.body["code"] for result in results if result.status == 422} == {"insufficient_stock"}
    assert Product.objects.get(pk=product_id).stock == 0
    assert OrderLine.objects.filter(product_id=product_id).aggregate(units=Sum("quantity"))["units"] == 5
    assert Event.objects.filter(type="OrderPlaced").count() == 5

    runner.run_all()
    projected = api.get(f"/api/v1/products/{product_id}/").json()
    assert (projected["units_sold"], projected["stock"], projected["in_stock"]) == (5, 0, False)


def test_orders_over_two_products_in_opposite_line_order_never_deadlock(live_server):
    """Orders, cancellations and restocks touching the same two rows, all at once: every one is accepted."""
    kettle, mug = make_product(stock=100), make_product(stock=100)
    customer_id = make_customer()
    earlier = [place_order(customer_id, (kettle, 1), (mug, 1)).aggregate_id for _ in range(4)]
    token = token_for(make_staff())
    requests = [
        ("create-order", {"customer_id": str(customer_id), "lines": order_lines(*pair)})
        for pair in [(kettle, mug), (mug, kettle)] * 10
    ]
    requests += [("cancel-order", {"order_id": str(order_id)}) for order_id in earlier]
    requests += [("adjust-stock", {"product_id": str(product_id), "delta": 5}) for product_id in (kettle, mug) * 2]
    random.Random(7).shuffle(requests)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        with transaction.atomic():
            list(Product.objects.select_for_update().filter(pk__in=[kettle, mug]))
            answers = [pool.submit(post_over_http, live_server.url, *request, token=token) for request in requests]
            wait_until(lambda: lock_waiters() >= len(requests), timeout=60)
        results = [answer.result() for answer in answers]

    assert [result.status for result in results] == [202] * len(requests), [r.body for r in results]
    # 100 - 4 earlier - 20 now + 4 cancelled + 10 restocked
    assert dict(Product.objects.values_list("pk", "stock")) == {kettle: 90, mug: 90}
