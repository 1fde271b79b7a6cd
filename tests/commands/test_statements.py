"""What a command costs the write database: create-order in as few statements as the plain insert, plus its event.

The bench compares create-order with a plain view placing the same order in one transaction (7 statements); the
command adds only its event, and the event's INSERT is the one that takes the append lock, held until commit, so
it comes last: nothing but COMMIT may follow it (commands/event_log.py).
"""

import json

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from commands.models import Event
from tests.factories import make_customer, make_product, make_staff

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def statements_of(client: APIClient, body: dict) -> list[str]:
    """The statements of the second of two equal orders: the first loads the user's permissions (cached after)."""
    first = client.post("/api/v1/commands/create-order/", json.dumps(body), content_type="application/json")
    assert first.status_code == 202, first.content
    with CaptureQueriesContext(connections["default"]) as captured:
        response = client.post("/api/v1/commands/create-order/", json.dumps(body), content_type="application/json")
    assert response.status_code == 202, response.content
    return [query["sql"] for query in captured.captured_queries]


@pytest.fixture
def client() -> APIClient:
    client = APIClient()
    client.force_authenticate(make_staff())
    return client


def test_create_order_is_the_plain_insert_plus_one_locked_event_insert_just_before_commit(client):
    product = make_product(stock=5)
    body = {"customer_id": str(make_customer()), "lines": [{"product_id": str(product), "quantity": 1}]}
    sql = statements_of(client, body)

    assert [statement.split()[0] for statement in sql] == [
        *("BEGIN", "SELECT", "SELECT", "UPDATE", "INSERT", "INSERT"),
        *("WITH", "COMMIT"),
    ], sql
    assert "pg_advisory_xact_lock" in sql[-2] and 'INSERT INTO "commands_event"' in sql[-2]
    assert not any("SAVEPOINT" in statement for statement in sql)
    assert Event.objects.order_by("-position").first().type == "OrderPlaced"


def test_lines_of_several_products_update_their_stock_in_one_statement(client):
    products = [make_product(stock=5) for _ in range(3)]
    body = {
        "customer_id": str(make_customer()),
        "lines": [{"product_id": str(product), "quantity": 2} for product in products],
    }
    sql = statements_of(client, body)

    assert sum(statement.startswith('UPDATE "commands_product"') for statement in sql) == 1
    assert len(sql) == 8
