"""/healthz: 200 when both databases answer, 503 when one does not."""

import pytest

pytestmark = pytest.mark.django_db(databases="__all__")


def test_healthy(api):
    response = api.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_unhealthy_when_the_read_database_does_not_answer(api, read_database_gone):
    response = api.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["read"]
