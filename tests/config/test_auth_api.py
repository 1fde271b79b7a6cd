"""POST /api/v1/auth/token/: hashed, expiring knox tokens; a customer's username is their email."""

from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import make_customer, make_staff

pytestmark = pytest.mark.django_db(databases="__all__")
TOKEN_URL = "/api/v1/auth/token/"
PASSWORD = "correct-horse-battery-staple"


def log_in(username: str, password: str) -> object:
    return APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json")


def as_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_staff_gets_an_expiring_token_that_authenticates():
    make_staff(username="boss", password=PASSWORD)
    response = log_in("boss", PASSWORD)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"token", "expiry"}
    assert body["expiry"].endswith("+00:00")
    expiry = datetime.fromisoformat(body["expiry"])
    assert abs(expiry - (timezone.now() + settings.REST_KNOX["TOKEN_TTL"])) < timedelta(minutes=1)
    assert as_token(body["token"]).get("/api/v1/events/").status_code == 200


@pytest.mark.parametrize("typed", ["ann@example.com", "Ann@Example.com", "ANN@EXAMPLE.COM"])
def test_a_customer_logs_in_with_their_email_in_any_case(typed):
    customer_id = make_customer(email="Ann@Example.com", password=PASSWORD)
    response = log_in(typed, PASSWORD)
    assert response.status_code == 200, response.content
    body = {"customer_id": str(customer_id), "name": "Ann by token"}
    renamed = as_token(response.json()["token"]).post("/api/v1/commands/update-customer-details/", body, format="json")
    assert renamed.status_code == 202, renamed.content


@pytest.mark.parametrize(
    ("body", "statuses"),
    [
        ({"username": "boss", "password": "wrong-password"}, {401}),
        ({"username": "nobody", "password": PASSWORD}, {401}),
        ({"username": "boss"}, {400}),
        ({"username": "", "password": ""}, {400}),
        ({"username": ["boss"], "password": PASSWORD}, {400}),
        (b'{"username": "boss",', {400}),
    ],
)
def test_wrong_credentials_are_refused_without_a_token(body, statuses):
    make_staff(username="boss", password=PASSWORD)
    client = APIClient()
    if isinstance(body, bytes):
        response = client.generic("POST", TOKEN_URL, body, content_type="application/json")
    else:
        response = client.post(TOKEN_URL, body, format="json")
    assert response.status_code in statuses, response.content
    assert response["Content-Type"] == "application/json"
    assert "token" not in response.json()
    assert not AuthToken.objects.exists()


def test_an_inactive_user_gets_no_token():
    user = make_staff(username="gone", password=PASSWORD)
    user.is_active = False
    user.save()
    assert log_in("gone", PASSWORD).status_code == 401


def test_tokens_are_stored_hashed():
    make_staff(username="boss", password=PASSWORD)
    token = log_in("boss", PASSWORD).json()["token"]
    row = AuthToken.objects.values().get()
    assert all(token not in str(value) for value in row.values())
    assert row["digest"] != token and len(row["digest"]) == 128  # a SHA-512 digest


def test_an_expired_token_is_refused_and_removed():
    make_staff(username="boss", password=PASSWORD)
    token = log_in("boss", PASSWORD).json()["token"]
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    response = as_token(token).get("/api/v1/events/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert not AuthToken.objects.exists()


def test_a_made_up_token_is_401():
    response = as_token("x" * 64).post("/api/v1/commands/create-product/", {}, format="json")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_logout_revokes_the_token():
    make_staff(username="boss", password=PASSWORD)
    token = log_in("boss", PASSWORD).json()["token"]
    assert as_token(token).post("/api/v1/auth/logout/").status_code == 204
    assert as_token(token).get("/api/v1/events/").status_code == 401


def test_the_login_follows_a_changed_email(staff_api):
    customer_id = make_customer(email="old@example.com", password=PASSWORD)
    body = {"customer_id": str(customer_id), "email": "New@Example.com"}
    assert staff_api.post("/api/v1/commands/update-customer-details/", body, format="json").status_code == 202
    assert log_in("old@example.com", PASSWORD).status_code == 401
    assert log_in("new@example.com", PASSWORD).status_code == 200
    assert get_user_model().objects.filter(username="new@example.com").exists()
