"""A new login's password is checked against the would-be user (its email, its name) at every door."""

import pytest
from django.test import Client

from commands.errors import InvalidFields
from commands.handlers.customers import register_customer
from tests.commands.command_api import PASSWORD, post_command, write_state
from tests.factories import context

pytestmark = pytest.mark.django_db(databases="__all__")

EMAIL = "margaretha.lindqvist@example.com"
NAME = "Margaretha Lindqvist"
WEAK_FOR_THIS_USER = [EMAIL, EMAIL.upper(), "margaretha.lindqvist", "MargarethaLindqvist"]


@pytest.mark.parametrize("password", WEAK_FOR_THIS_USER)
def test_the_api_refuses_a_password_like_the_email_or_name(api, password):
    before = write_state()
    body = {"email": EMAIL, "name": NAME, "password": password}
    response = post_command(api, "register-customer", body)
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["password"]
    assert any("too similar" in message for message in response.json()["password"])
    assert write_state() == before


def test_staff_registering_a_login_meets_the_same_rule(staff_api):
    before = write_state()
    response = post_command(staff_api, "register-customer", {"email": EMAIL, "name": NAME, "password": EMAIL})
    assert response.status_code == 400
    assert write_state() == before


@pytest.mark.parametrize("password", WEAK_FOR_THIS_USER)
def test_the_handler_itself_refuses_it(password):
    before = write_state()
    with pytest.raises(InvalidFields) as refusal:
        register_customer(context=context(), email=EMAIL, name=NAME, password=password)
    assert list(refusal.value.errors) == ["password"]
    assert write_state() == before


@pytest.mark.parametrize("password", WEAK_FOR_THIS_USER)
def test_the_storefront_refuses_it_with_the_same_message(api, password):
    data = {"name": NAME, "email": EMAIL, "password1": password, "password2": password}
    page = Client().post("/account/signup/", data)
    assert page.status_code == 400
    api_messages = post_command(api, "register-customer", {"email": EMAIL, "name": NAME, "password": password}).json()
    assert page.context["form"].errors["password1"] == api_messages["password"]


def test_a_good_password_still_passes(api):
    response = post_command(api, "register-customer", {"email": EMAIL, "name": NAME, "password": PASSWORD})
    assert response.status_code == 202, response.content
