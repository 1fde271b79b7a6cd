"""Anonymous self sign-up is throttled per client (REST_FRAMEWORK DEFAULT_THROTTLE_RATES "signup")."""

import pytest
from django.conf import settings
from django.core.cache import cache

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
