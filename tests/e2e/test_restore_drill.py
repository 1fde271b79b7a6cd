"""The restore drill of docs/operations.md: lose the read database, rebuild it from the event log, serve the same.

The write database holds the truth; the read side is derived. So the drill drops the read database for real,
creates it empty, and runs the runbook's commands (`migrate --database read`, `rebuild_projections`,
`verify_projections`) as an operator would, in subprocesses; the API must then return the same documents.
"""

import subprocess
import sys
from typing import Any

import psycopg
import pytest
from django.db import connections
from psycopg import sql

from projections import runner
from tests.conftest import ROOT, subprocess_env
from tests.factories import make_customer, make_product, place_order

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, databases="__all__")]


def manage(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=subprocess_env(), capture_output=True, text=True
    )


def documents(client: Any, order_id: str, product_id: str, customer_id: str) -> dict[str, Any]:
    paths = [
        "/api/v1/products/?page_size=100",
        f"/api/v1/products/{product_id}/",
        "/api/v1/customers/?page_size=100",
        f"/api/v1/customers/{customer_id}/",
        "/api/v1/orders/?page_size=100",
        f"/api/v1/orders/{order_id}/",
        "/api/v1/events/?page_size=100",
    ]
    answers = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.content)
        answers[path] = (response.json(), response["X-Read-Position"])
    return answers


def recreate_empty(alias: str) -> None:
    """DROP DATABASE ... WITH (FORCE), then CREATE DATABASE: what losing the read server leaves to start from."""
    settings = connections[alias].settings_dict
    connections[alias].close()
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"] or "postgres",
        dbname="postgres",
        autocommit=True,
    ) as admin:
        name = sql.Identifier(settings["NAME"])
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(name))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(name))


def test_restore_drill_rebuilds_the_read_database_from_the_event_log(staff_api):
    product_id, other_id = make_product(stock=5), make_product(stock=2)
    customer_id = make_customer()
    order = place_order(customer_id, (product_id, 2), (other_id, 1))
    runner.run_all()
    before = documents(staff_api, str(order.aggregate_id), str(product_id), str(customer_id))

    recreate_empty("read")
    with connections["read"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'queries_%%'")
        assert cursor.fetchone() == (0,)  # really gone

    for step in (["migrate", "--database", "read", "--noinput"], ["rebuild_projections"], ["verify_projections"]):
        done = manage(*step)
        assert done.returncode == 0, (step, done.stdout, done.stderr)
    assert "equals a fresh replay" in done.stdout

    after = documents(staff_api, str(order.aggregate_id), str(product_id), str(customer_id))
    assert after == before
