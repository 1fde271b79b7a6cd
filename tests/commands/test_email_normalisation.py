"""One spelling of an email (NFKC, then lower case) for the uniqueness check and the login, on every database.

"\u212aate@example.org" starts with U+212A KELVIN SIGN, which Python (and so Django's email validator)
treats as a case of "k", while SQLite's LOWER and LIKE know ASCII only: before normalization, signing up
with it when kate@example.org had a login was a 500 on SQLite, and when she had none it took her login name.
This module runs on PostgreSQL with the suite and once more on SQLite in a subprocess (the last test).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from commands.credentials import LOGIN_NAME_MAX_LENGTH, email_too_long, normalize_email
from commands.models import Customer, Event
from projections import runner
from tests.commands.command_api import PASSWORD, post_command, write_state
from tests.factories import make_customer
from tests.queries.admin_clients import staff_client
from tests.queries.storefront_pages import make_shopper

pytestmark = pytest.mark.django_db(databases="__all__")

KATE = "kate@example.org"
KELVIN_KATE = "\u212aate@example.org"
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        (KELVIN_KATE, KATE),
        ("KATE@EXAMPLE.ORG", KATE),
        ("\uff2b\uff41\uff54\uff45@example.org", KATE),  # fullwidth letters
        ("  Kate@Example.org ", KATE),
        ("j\u00f6ran@example.org", "j\u00f6ran@example.org"),
        ("jo\u0308ran@example.org", "j\u00f6ran@example.org"),  # o + combining diaeresis composes
    ],
)
def test_normalize_email(typed, normal):
    assert normalize_email(typed) == normal
    assert normalize_email(normal) == normal


def sign_up(email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return post_command(APIClient(), "register-customer", {"email": email, "name": "Mallory", "password": password})


def test_kelvin_sign_when_kate_has_a_login_is_email_taken_not_a_500():
    make_customer(email=KATE, password=PASSWORD)
    before = write_state()
    response = sign_up(KELVIN_KATE)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "email_taken"
    assert write_state() == before


def test_kelvin_sign_cannot_take_the_login_name_of_a_customer_without_login():
    make_customer(email=KATE)  # registered by staff: no login yet
    before = write_state()
    response = sign_up(KELVIN_KATE)
    assert response.status_code == 422, response.content
    assert write_state() == before
    assert not get_user_model().objects.filter(username=KATE).exists()


def test_the_normalized_address_is_stored_logged_in_with_and_recorded():
    response = sign_up("\uff2b\uff41\uff54\uff45@Example.org")
    assert response.status_code == 202, response.content
    customer = Customer.objects.select_related("user").get(pk=response.json()["aggregate_id"])
    assert (customer.email, customer.user.username, customer.user.email) == (KATE, KATE, KATE)
    assert Event.objects.get(aggregate_id=customer.pk).payload["email"] == KATE
    token = APIClient().post("/api/v1/auth/token/", {"username": KELVIN_KATE, "password": PASSWORD}, format="json")
    assert token.status_code == 200, token.content


def test_changing_the_email_to_a_kelvin_spelling_of_another_is_email_taken(staff_api):
    make_customer(email=KATE, password=PASSWORD)
    other = make_customer(email="mallory@example.org", password=PASSWORD)
    before = write_state()
    response = post_command(staff_api, "update-customer-details", {"customer_id": str(other), "email": KELVIN_KATE})
    assert response.status_code == 422, response.content
    assert write_state() == before


def test_a_changed_email_is_normalized_for_the_login_too(staff_api):
    customer_id = make_customer(email="mallory@example.org", password=PASSWORD)
    body = {"customer_id": str(customer_id), "email": "\u212aATE@Example.org"}
    assert post_command(staff_api, "update-customer-details", body).status_code == 202
    customer = Customer.objects.select_related("user").get(pk=customer_id)
    assert (customer.email, customer.user.username) == (KATE, KATE)


def test_the_storefront_sign_up_refuses_the_kelvin_spelling():
    make_customer(email=KATE)
    before = write_state()
    data = {"name": "Mallory", "email": KELVIN_KATE, "password1": PASSWORD, "password2": PASSWORD}
    response = Client().post("/account/signup/", data)
    assert response.status_code == 400
    assert response.context["form"].errors == {"email": ["This email address is already registered."]}
    assert write_state() == before


def test_the_storefront_account_form_refuses_the_kelvin_spelling():
    make_customer(email=KATE)
    shopper = make_shopper()
    before = write_state()
    response = shopper.client.post("/account/", {"version": 1, "name": "Ann", "email": KELVIN_KATE, "phone": ""})
    assert response.status_code == 400
    assert response.context["form"].errors == {"email": ["This email address is already registered."]}
    assert write_state() == before


def test_the_admin_register_form_refuses_the_kelvin_spelling():
    make_customer(email=KATE)
    client = staff_client("queries.view_customerview", "commands.add_customer")
    before = write_state()
    form = {"email": KELVIN_KATE, "name": "Mallory", "phone": ""}
    response = client.post(reverse("admin:queries_customerview_register"), form)
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["This email address is already registered."]
    assert write_state() == before


def test_runs_on_the_expected_database():
    """The SQLite run below sets EXPECT_DB_VENDOR: this proves its tests really ran on SQLite."""
    vendor = connections["default"].vendor
    assert vendor == os.environ.get("EXPECT_DB_VENDOR", vendor)


@pytest.mark.slow
def test_the_same_rules_hold_on_sqlite(tmp_path):
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "READ_DATABASE_URL", "REDIS_URL", "CACHE_REDIS_URL", "CELERY_BROKER_URL"}
    }
    env |= {"VAR_DIR": str(tmp_path), "EXPECT_DB_VENDOR": "sqlite"}
    command = [sys.executable, "-m", "pytest", __file__, "-q", "-p", "no:cacheprovider", "-k", "not on_sqlite"]
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout and "skipped" not in run.stdout


LONG_EMAIL = "a" * 60 + "@" + ("b" * 60 + ".") * 2 + "example.com"  # 194 characters: fits an email, not a username


def test_an_email_too_long_for_a_login_name_is_a_400_not_a_500(api, staff_api):
    before = write_state()
    response = sign_up(LONG_EMAIL)
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["email"]
    assert write_state() == before
    without_login = post_command(staff_api, "register-customer", {"email": LONG_EMAIL, "name": "Long"})
    assert without_login.status_code == 202, without_login.content


def test_a_customer_who_logs_in_cannot_change_to_an_email_too_long_for_it(staff_api):
    customer_id = make_customer(email="mallory@example.org", password=PASSWORD)
    before = write_state()
    body = {"customer_id": str(customer_id), "email": LONG_EMAIL}
    response = post_command(staff_api, "update-customer-details", body)
    assert response.status_code == 400, response.content
    assert write_state() == before


def test_the_storefront_sign_up_refuses_an_email_too_long_to_log_in_with():
    before = write_state()
    data = {"name": "Long", "email": LONG_EMAIL, "password1": PASSWORD, "password2": PASSWORD}
    response = Client().post("/account/signup/", data)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["email"]
    assert write_state() == before


def test_the_admin_edit_form_shows_an_email_too_long_to_log_in_with_next_to_the_field():
    customer_id = make_customer(email="mallory@example.org", password=PASSWORD)
    runner.run_all()
    client = staff_client("queries.view_customerview", "commands.change_customer")
    before = write_state()
    form = {"email": LONG_EMAIL, "name": "Mallory", "phone": "", "expected_version": "1"}
    response = client.post(reverse("admin:queries_customerview_edit", args=[customer_id]), form)
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [email_too_long(LOGIN_NAME_MAX_LENGTH)]
    assert write_state() == before


def test_the_login_name_limit_is_the_user_models():
    assert get_user_model()._meta.get_field("username").max_length == LOGIN_NAME_MAX_LENGTH
