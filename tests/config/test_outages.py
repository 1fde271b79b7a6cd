"""A database that does not answer: 503 with Retry-After naming it (API, storefront, admin), never a 500.

In-process, a database "goes away" by pointing its alias at a database that does not exist; the slow
tests in tests/e2e/test_database_outages.py refuse connections on a real PostgreSQL server instead.
"""

from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory
from knox.models import AuthToken
from rest_framework.test import APIClient

from config.outages import outage_response
from projections import runner
from tests.conftest import database_gone
from tests.factories import make_customer, make_product
from tests.queries.admin_clients import staff_client

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def shop() -> dict[str, Any]:
    product_id = make_product(stock=5)
    email = "outage@example.com"
    make_customer(email=email, password=PASSWORD)
    runner.run_all()
    boss = staff_client(username="outage-boss", superuser=True)
    token = AuthToken.objects.create(user=boss.user)[1]  # type: ignore[attr-defined]
    integrator = APIClient()
    integrator.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    shopper = Client()
    assert shopper.post("/account/login/", {"username": email, "password": PASSWORD}).status_code == 302
    return {"product": product_id, "admin": boss, "api": integrator, "shopper": shopper}


def create_product(client: APIClient, sku: str) -> Any:
    return client.post("/api/v1/commands/create-product/", {"sku": sku, "name": "Tea", "price": "2.00"}, format="json")


def assert_api_503(response: Any, code: str, alias: str, name: str) -> None:
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/json"
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["code"] == code
    assert name in body["detail"] and "unavailable" in body["detail"]
    assert body["failed"] == [alias]


def assert_page_503(response: Any, heading: str) -> str:
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert heading in html
    assert "css/shop.css" in html  # the storefront's own styled layout
    return html


def test_with_the_read_database_gone(shop):
    assert shop["api"].get("/api/v1/products/").status_code == 200  # caches the token
    with database_gone("read"):
        assert_api_503(shop["api"].get("/api/v1/products/"), "read_unavailable", "read", "read database")
        assert_api_503(APIClient().get(f"/api/v1/products/{shop['product']}/"), "read_unavailable", "read", "read")
        assert create_product(shop["api"], "READ-DOWN-1").status_code == 202

        assert_page_503(Client().get("/"), "We'll be right back")
        russian = Client(headers={"Accept-Language": "ru"})
        assert_page_503(russian.get("/"), "Мы скоро вернёмся")
        assert_page_503(shop["shopper"].get("/orders/"), "We'll be right back")

        admin_page = shop["admin"].get("/admin/queries/orderview/")
        assert admin_page.status_code == 503
        assert "read database" in admin_page.content.decode() and "Traceback" not in admin_page.content.decode()

        assert Client().get("/healthz").json()["failed"] == ["read"]
    assert shop["api"].get("/api/v1/products/").status_code == 200


def test_with_the_write_database_gone(shop):
    assert shop["api"].get("/api/v1/products/").status_code == 200  # caches the token
    with database_gone("default"):
        for path in ("/api/v1/products/", "/api/v1/orders/", "/api/v1/events/"):
            response = shop["api"].get(path)
            assert response.status_code == 200, (path, response.content)
        assert_api_503(create_product(shop["api"], "WRITE-DOWN-1"), "write_unavailable", "default", "write database")
        sign_up = {"email": "x@example.com", "name": "X", "password": "a-long-enough-password-9"}
        refused = APIClient().post("/api/v1/commands/register-customer/", sign_up, format="json")
        assert_api_503(refused, "write_unavailable", "default", "write database")

        assert Client().get("/").status_code == 200  # an anonymous catalog needs no write database
        assert_page_503(shop["shopper"].get("/orders/"), "We'll be right back")
        russian = Client(headers={"Accept-Language": "ru"})
        russian.cookies = shop["shopper"].cookies
        assert_page_503(russian.get("/account/"), "Мы скоро вернёмся")

        admin_page = shop["admin"].get("/admin/queries/orderview/")
        assert admin_page.status_code == 503
        assert "write database" in admin_page.content.decode() and "Traceback" not in admin_page.content.decode()

        assert Client().get("/healthz").json()["failed"] == ["default"]
    assert create_product(shop["api"], "WRITE-BACK-1").status_code == 202


def test_a_session_saved_on_a_write_database_that_is_gone_is_a_503_page(shop):
    """The failure happens after the view, in the session middleware: handler500 has to tell it apart."""
    visitor = Client(raise_request_exception=False)
    with database_gone("default"):
        response = visitor.post(f"/cart/{shop['product']}/add/", {"quantity": 1, "next": "/"})
    assert_page_503(response, "We'll be right back")


def test_an_error_while_both_databases_answer_is_no_outage():
    request = RequestFactory().get("/api/v1/products/")
    assert outage_response(request, OperationalError("deadlock detected")) is None
    assert outage_response(request, ValueError("not a database error")) is None
