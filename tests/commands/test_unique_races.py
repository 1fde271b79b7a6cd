"""Two requests racing for one email or SKU: one is accepted, the other refused with 422, never a 500."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections, transaction

from commands.models import Customer, Event, Product
from tests.commands.command_api import PASSWORD, lock_waiters, post_over_http, token_for
from tests.conftest import wait_until
from tests.factories import make_staff

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


@pytest.mark.parametrize(
    ("command", "bodies", "code", "model"),
    [
        (
            "register-customer",
            [{"email": "twin@example.com", "name": "One"}, {"email": "TWIN@example.com", "name": "Two"}],
            "email_taken",
            Customer,
        ),
        (
            "register-customer",
            [{"email": "twin@example.com", "name": name, "password": PASSWORD} for name in ("One", "Two")],
            "email_taken",
            Customer,
        ),
        (
            "create-product",
            [{"sku": "TWIN-1", "name": name, "price": "1.00"} for name in ("One", "Two")],
            "sku_taken",
            Product,
        ),
    ],
    ids=["email", "email-with-login", "sku"],
)
def test_one_of_two_racing_duplicates_wins(live_server, command, bodies, code, model):
    token = token_for(make_staff())
    with ThreadPoolExecutor(max_workers=2) as pool:
        # Holding the event log keeps the first request from committing until the second has passed its
        # uniqueness check too: both are then inside their transactions, waiting for a lock.
        with transaction.atomic(), connections["default"].cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Event._meta.db_table} IN EXCLUSIVE MODE")
            answers = [pool.submit(post_over_http, live_server.url, command, body, token=token) for body in bodies]
            wait_until(lambda: lock_waiters() >= 2, timeout=30)
        results = sorted((answer.result() for answer in answers), key=lambda result: result.status)
    assert [result.status for result in results] == [202, 422], [result.body for result in results]
    assert results[1].body["code"] == code
    assert model.objects.count() == 1
    assert Event.objects.count() == 1
