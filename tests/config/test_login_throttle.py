"""Failed log-ins are limited per client and per username on every door: token endpoint, storefront, admin."""

from unittest import mock

import pytest
from django.contrib.auth.hashers import get_hasher
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import wait_until
from tests.factories import make_customer, make_staff

pytestmark = pytest.mark.django_db(databases="__all__")
TOKEN_URL = "/api/v1/auth/token/"
PASSWORD = "correct-horse-battery-staple"
ANN = "ann@example.com"


@pytest.fixture(autouse=True)
def small_limits(settings) -> None:  # type: ignore[no-untyped-def]
    rates = {"signup": "20/hour", "login_client": "5/hour", "login_username": "3/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def token(username: str, password: str, address: str = "198.51.100.1", **headers: str):  # type: ignore[no-untyped-def]
    body = {"username": username, "password": password}
    return APIClient().post(TOKEN_URL, body, format="json", REMOTE_ADDR=address, **headers)


def test_a_username_is_throttled_after_its_failures_even_from_other_clients_and_with_the_right_password():
    make_customer(email=ANN, password=PASSWORD)
    statuses = [token(ANN, "wrong", address=f"198.51.100.{n}").status_code for n in range(3)]
    assert statuses == [401, 401, 401]
    response = token("Ann@Example.com", PASSWORD, address="198.51.100.9")  # any spelling is the same username
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json() and "token" not in response.json()
    assert 3590 < int(response["Retry-After"]) <= 3600  # an hour from the first failure


def test_a_throttled_username_does_not_block_other_users_from_the_same_client():
    make_customer(email=ANN, password=PASSWORD)
    make_staff(username="boss", password=PASSWORD)
    for _ in range(3):
        token(ANN, "wrong")
    assert token(ANN, PASSWORD).status_code == 429
    assert token("boss", PASSWORD).status_code == 200


def test_a_client_is_throttled_after_its_failures_whatever_the_usernames():
    make_staff(username="boss", password=PASSWORD)
    assert [token(f"guess{n}@example.com", "wrong").status_code for n in range(5)] == [401] * 5
    assert token("boss", PASSWORD).status_code == 429
    assert token("boss", PASSWORD, address="198.51.100.77").status_code == 200


def test_a_success_clears_the_usernames_failures():
    make_customer(email=ANN, password=PASSWORD)
    for _ in range(2):
        for n in range(2):
            assert token(ANN, "wrong", address=f"198.51.100.{n}").status_code == 401
        assert token(ANN, PASSWORD, address="198.51.100.5").status_code == 200


def test_a_forged_forwarded_for_does_not_give_a_fresh_client():
    for n in range(5):
        token(f"guess{n}@example.com", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert token("guess9@example.com", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429


def test_a_throttled_request_checks_no_password():
    make_customer(email=ANN, password=PASSWORD)
    for _ in range(3):
        token(ANN, "wrong")
    hasher = type(get_hasher())
    with mock.patch.object(hasher, "encode", autospec=True, side_effect=hasher.encode) as encode:
        assert token(ANN, PASSWORD).status_code == 429
    assert encode.call_count == 0


@pytest.mark.parametrize("typed", ["Ann@Example.com", ANN, "nobody@example.com"])
def test_a_failed_token_request_runs_the_password_hasher_once(typed):
    make_customer(email=ANN, password=PASSWORD)
    hasher = type(get_hasher())
    with mock.patch.object(hasher, "encode", autospec=True, side_effect=hasher.encode) as encode:
        assert token(typed, "wrong-password").status_code == 401
    assert encode.call_count == 1


def storefront_log_in(username: str, password: str, address: str = "198.51.100.1"):  # type: ignore[no-untyped-def]
    return Client(REMOTE_ADDR=address).post("/account/login/", {"username": username, "password": password})


def test_the_storefront_log_in_is_throttled_with_a_clear_error():
    make_customer(email=ANN, password=PASSWORD)
    make_customer(email="bob@example.com", password=PASSWORD)
    assert [storefront_log_in(ANN, "wrong").status_code for _ in range(3)] == [200] * 3
    response = storefront_log_in(ANN, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed log-ins. Try again in" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session
    assert storefront_log_in("bob@example.com", PASSWORD).status_code == 302


def test_the_storefront_and_the_api_share_the_counts():
    make_customer(email=ANN, password=PASSWORD)
    storefront_log_in(ANN, "wrong")
    token(ANN, "wrong")
    storefront_log_in(ANN.upper(), "wrong")
    assert token(ANN, PASSWORD).status_code == 429


def admin_log_in(username: str, password: str, address: str = "198.51.100.1"):  # type: ignore[no-untyped-def]
    client = Client(REMOTE_ADDR=address)
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


def test_the_admin_log_in_is_throttled_with_a_clear_error():
    make_staff(username="boss", password=PASSWORD)
    make_staff(username="other", password=PASSWORD)
    for _ in range(3):
        assert "Please enter the correct username" in admin_log_in("boss", "wrong").content.decode()
    response = admin_log_in("boss", PASSWORD)
    assert "Too many failed log-ins. Try again in" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session
    assert admin_log_in("other", PASSWORD).status_code == 302


def test_the_storefront_says_it_in_russian_too():
    client = Client(REMOTE_ADDR="198.51.100.1")
    client.cookies["django_language"] = "ru"
    for _ in range(3):
        client.post("/account/login/", {"username": ANN, "password": "wrong"})
    response = client.post("/account/login/", {"username": ANN, "password": PASSWORD})
    assert response.status_code == 429
    assert "Слишком много неудачных попыток входа. Попробуйте снова через 60 минут." in response.content.decode()


def test_the_limit_lifts_once_its_period_from_the_first_failure_has_passed(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"login_username": "2/second"}}
    make_customer(email=ANN, password=PASSWORD)
    assert [token(ANN, "wrong").status_code for _ in range(2)] == [401, 401]
    assert token(ANN, PASSWORD).status_code == 429
    assert wait_until(lambda: token(ANN, PASSWORD).status_code == 200, timeout=5, interval=0.2)


def test_the_counts_work_on_the_embedded_cache_too(settings):
    """`make run` without Redis keeps the cache in local memory."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    make_customer(email=ANN, password=PASSWORD)
    assert [token(ANN, "wrong").status_code for _ in range(3)] == [401] * 3
    response = token(ANN, PASSWORD)
    assert response.status_code == 429 and 3590 < int(response["Retry-After"]) <= 3600
