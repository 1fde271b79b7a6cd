"""Anonymous self sign-up, API and storefront, is throttled per client (DEFAULT_THROTTLE_RATES "signup")."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from commands.models import Customer
from tests.commands.command_api import PASSWORD, post_command, write_state

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def three_sign_ups_a_minute(settings) -> None:  # type: ignore[no-untyped-def]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"signup": "3/minute"}}
    cache.clear()  # the throttle's history lives in the cache


def sign_up(client, n: int, **headers: str):  # type: ignore[no-untyped-def]
    body = {"email": f"new{n}@example.com", "name": f"New {n}", "password": PASSWORD}
    return post_command(client, "register-customer", body, **headers)


def test_the_fourth_sign_up_in_a_minute_is_429(api, three_sign_ups_a_minute):
    assert [sign_up(api, n).status_code for n in range(3)] == [202, 202, 202]
    before = write_state()
    response = sign_up(api, 3)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
    assert int(response["Retry-After"]) > 0
    assert write_state() == before
    assert Customer.objects.count() == 3


def test_the_limit_is_per_client_address(api, three_sign_ups_a_minute):
    for n in range(3):
        sign_up(api, n)
    assert sign_up(api, 3).status_code == 429
    assert sign_up(api, 4, REMOTE_ADDR="203.0.113.9").status_code == 202


def test_staff_registrations_are_not_throttled(staff_api, three_sign_ups_a_minute):
    assert [sign_up(staff_api, n).status_code for n in range(5)] == [202] * 5


def test_malformed_sign_ups_do_not_use_up_the_rate(api, three_sign_ups_a_minute):
    for _ in range(5):
        assert post_command(api, "register-customer", {"email": "nope", "name": "X"}).status_code == 400
    assert [sign_up(api, n).status_code for n in range(3)] == [202, 202, 202]


def test_the_default_rate_is_configured():
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["signup"]


def test_a_forged_forwarded_for_does_not_give_a_fresh_client(api, three_sign_ups_a_minute):
    for n in range(3):
        sign_up(api, n, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert sign_up(api, 3, HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429


def test_behind_one_proxy_the_forwarded_address_is_the_client(api, settings):
    rates = {"signup": "3/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates, "NUM_PROXIES": 1}
    for n in range(3):
        assert sign_up(api, n, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.1").status_code == 202
    assert sign_up(api, 3, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.1").status_code == 429
    # What the client itself wrote in front is not trusted; the proxy's own entry is.
    assert sign_up(api, 4, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.2").status_code == 202


def test_no_proxy_is_trusted_by_default():
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0


def storefront_sign_up(n: int):  # type: ignore[no-untyped-def]
    data = {"name": f"Shop {n}", "email": f"shop{n}@example.com", "password1": PASSWORD, "password2": PASSWORD}
    return Client().post("/account/signup/", data)


def test_the_storefront_sign_up_is_throttled_with_the_same_counter(api, three_sign_ups_a_minute):
    assert [sign_up(api, n).status_code for n in range(2)] == [202, 202]
    assert storefront_sign_up(2).status_code == 302
    before = write_state()
    response = storefront_sign_up(3)
    assert response.status_code == 429
    assert "Too many sign-ups from your network. Try again in 1 minute." in response.content.decode()
    assert write_state() == before
    assert sign_up(api, 4).status_code == 429


def test_an_invalid_storefront_form_does_not_use_up_the_rate(three_sign_ups_a_minute):
    for _ in range(5):
        assert Client().post("/account/signup/", {"name": "X", "email": "nope"}).status_code == 400
    assert [storefront_sign_up(n).status_code for n in range(3)] == [302] * 3
