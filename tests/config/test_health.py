"""/healthz: 200 when both databases answer, 503 when one does not."""

import pytest
from django.db import connections

pytestmark = pytest.mark.django_db(databases="__all__")


def test_healthy(api):
    response = api.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.fixture
def read_database_gone():
    """Point the read alias at a database that does not exist, for real, then restore it."""
    connection = connections["read"]
    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = "cqrs_shop_no_such_database"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
        connection.connect()


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_unhealthy_when_the_read_database_does_not_answer(api, read_database_gone):
    response = api.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["read"]
