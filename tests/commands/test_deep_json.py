"""Deeply nested JSON is a 400 in the contract's shape, on every endpoint that reads a JSON body, and writes nothing."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from commands.api.specs import COMMANDS
from config.json_parser import MAX_DEPTH
from tests.commands.command_api import post_command, write_state

pytestmark = pytest.mark.django_db(databases="__all__")
# Past the interpreter's recursion limit (json raises RecursionError), and just past our own bound.
DEPTHS = [100_000, MAX_DEPTH + 1]


def nested(depth: int) -> bytes:
    return b'{"email": ' + b"[" * depth + b"]" * depth + b"}"


def assert_a_400_naming_no_field(response):
    assert response.status_code == 400, response.content[:200]
    body = response.json()
    assert list(body) == ["non_field_errors"] and "nested" in body["non_field_errors"][0]


@pytest.mark.parametrize("depth", DEPTHS)
def test_token_endpoint(api, depth):
    response = api.generic("POST", "/api/v1/auth/token/", nested(depth), content_type="application/json")
    assert_a_400_naming_no_field(response)


@pytest.mark.parametrize("depth", DEPTHS)
def test_anonymous_sign_up(api, depth):
    before = write_state()
    assert_a_400_naming_no_field(post_command(api, "register-customer", nested(depth)))
    assert write_state() == before


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("name", [spec.name for spec in COMMANDS])
def test_every_command(name, depth):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create_superuser("root", password=None))
    before = write_state()
    assert_a_400_naming_no_field(post_command(client, name, nested(depth)))
    assert write_state() == before


def test_the_deepest_real_body_still_parses(staff_api):
    """An order's lines are the deepest body a command takes: the bound leaves them alone."""
    response = post_command(staff_api, "create-order", {"customer_id": "nope", "lines": [{"product_id": "x"}]})
    assert response.status_code == 400 and "non_field_errors" not in response.json()
