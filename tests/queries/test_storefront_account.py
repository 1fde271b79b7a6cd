"""Account pages: sign up, log in and out, change the password, update one's details."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from commands.models import Customer, Event
from queries.models import CustomerView
from tests.factories import make_customer, make_product, make_staff
from tests.queries.storefront_pages import DELIVERY, PASSWORD, make_shopper, project

pytestmark = pytest.mark.django_db(databases="__all__")


def signup(client: Client, **overrides: str):
    data = {"name": "Zoe Tester", "email": "Zoe@Example.com", "password1": PASSWORD, "password2": PASSWORD}
    return client.post("/account/signup/", data | overrides)


def test_signup_page_has_labels_and_csrf(client):
    html = client.get("/account/signup/").content.decode()
    for field in ("name", "email", "password1", "password2"):
        assert f'for="id_{field}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "<title>Sign up · CQRS Shop</title>" in html


def test_signup_registers_the_customer_logs_in_and_waits_for_the_account(client):
    response = signup(client)
    customer = Customer.objects.get(email="zoe@example.com")
    position = Event.objects.get(aggregate_id=customer.pk).position
    assert response.status_code == 302
    assert response["Location"] == f"/account/?after={position}"
    assert client.session["_auth_user_id"] == str(customer.user_id)
    assert get_user_model().objects.get(pk=customer.user_id).username == "zoe@example.com"
    project()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Welcome, Zoe Tester!" in page.content.decode()
    assert page.context["customer"].pk == customer.pk


def test_signup_field_errors(client):
    make_customer(email="taken@example.com")
    taken = signup(client, email="TAKEN@example.com")
    assert taken.status_code == 400
    assert taken.context["form"].errors == {"email": ["This email address is already registered."]}
    mismatch = signup(client, password2="something-else-entirely")
    assert list(mismatch.context["form"].errors) == ["password2"]
    weak = signup(client, password1="123", password2="123")
    assert list(weak.context["form"].errors) == ["password1"]
    assert 'id="id_password1_error"' in weak.content.decode()
    assert Customer.objects.count() == 1  # nothing registered by the refused sign-ups


def test_login_with_the_email_in_any_case_and_logout():
    shopper = make_shopper()
    client = Client()
    bad = client.post("/account/login/", {"username": shopper.email, "password": "wrong"})
    assert bad.status_code == 200 and "_auth_user_id" not in client.session
    assert "Please enter a correct" in bad.content.decode()
    response = client.post("/account/login/", {"username": shopper.email.upper(), "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" in client.session
    assert client.get("/account/logout/").status_code == 405  # logging out is a POST
    assert client.post("/account/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_login_goes_back_to_next():
    shopper = make_shopper()
    response = Client().post("/account/login/?next=/cart/", {"username": shopper.email, "password": PASSWORD})
    assert response["Location"] == "/cart/"


def test_account_needs_a_login(client):
    response = client.get("/account/")
    assert response.status_code == 302 and response["Location"] == "/account/login/?next=/account/"


def test_account_shows_and_updates_details():
    shopper = make_shopper(name="Ann Old")
    page = shopper.client.get("/account/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="Ann Old"' in html and 'for="id_country"' in html
    data = {
        "version": 1,
        "name": "Ann New",
        "email": shopper.email,
        "phone": "+49 30 1234",
        "line1": "Main St 1",
        "line2": "",
        "city": "Berlin",
        "postal_code": "10115",
        "country": "de",
    }
    response = shopper.client.post("/account/", data)
    assert response.status_code == 302 and response["Location"].startswith("/account/?after=")
    customer = Customer.objects.get(pk=shopper.customer_id)
    assert (customer.name, customer.address_country, customer.version) == ("Ann New", "DE", 2)
    project()
    view = CustomerView.objects.get(pk=shopper.customer_id)
    assert view.name == "Ann New" and view.address["city"] == "Berlin"
    assert "Your details have been saved." in shopper.client.get(response["Location"]).content.decode()


def test_account_form_errors_next_to_their_fields():
    make_customer(email="other@example.com")
    shopper = make_shopper()
    base = {"version": 1, "name": "Ann", "email": shopper.email, "phone": ""}
    partial = shopper.client.post("/account/", base | {"line1": "Main St 1", "country": "XX"})
    assert partial.status_code == 400
    assert set(partial.context["form"].errors) == {"city", "postal_code", "country"}
    assert 'id="id_city_error"' in partial.content.decode()
    taken = shopper.client.post("/account/", base | {"email": "OTHER@example.com"})
    assert taken.context["form"].errors == {"email": ["This email address is already registered."]}
    assert Customer.objects.get(pk=shopper.customer_id).version == 1


def test_a_stale_form_is_refused_with_a_message():
    shopper = make_shopper()
    data = {"version": 1, "name": "First", "email": shopper.email, "phone": ""}
    shopper.client.post("/account/", data)
    project()
    stale = shopper.client.post("/account/", data | {"name": "Second"}, follow=True)
    assert "changed elsewhere meanwhile" in stale.content.decode()
    assert Customer.objects.get(pk=shopper.customer_id).name == "First"


def test_password_change():
    shopper = make_shopper()
    assert shopper.client.get("/account/password/").status_code == 200
    new = "another-long-secret-2024"
    bad = shopper.client.post(
        "/account/password/", {"old_password": "nope", "new_password1": new, "new_password2": new}
    )
    assert bad.status_code == 200 and "old_password" in bad.context["form"].errors
    response = shopper.client.post(
        "/account/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert Client().login(username=shopper.email, password=new)


def test_a_staff_login_without_a_customer_account(client):
    client.force_login(make_staff())
    response = client.get("/account/")
    assert response.status_code == 404
    assert "no customer account" in response.content.decode()


def test_every_form_is_csrf_protected():
    shopper = make_shopper()
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(username=shopper.email))
    for url in ("/account/signup/", "/account/", "/checkout/", "/account/logout/", "/i18n/setlang/"):
        assert client.post(url, {}).status_code == 403, url


def test_right_after_signup_pages_say_processing_not_no_account(client, settings):
    settings.STOREFRONT_WAIT_SECONDS = 0
    kettle = make_product(name="Steel Kettle")
    project()
    signup(client)  # not projected yet
    for url in ("/account/", "/orders/"):
        response = client.get(url)
        assert response.status_code == 202, url
        assert "Processing" in response.content.decode()
    client.post(f"/cart/{kettle}/add/", {"quantity": 1})
    refused = client.post("/checkout/", follow=True)
    assert "still being set up" in refused.content.decode()
    project()
    assert client.get("/account/").status_code == 200
    assert client.post("/checkout/", DELIVERY).status_code == 302


def test_signup_records_the_page_language_and_the_account_page_changes_it(client):
    data = {"name": "Zoe Tester", "email": "zoe@example.com", "password1": PASSWORD, "password2": PASSWORD}
    client.post("/account/signup/", data, HTTP_ACCEPT_LANGUAGE="ru")
    customer = Customer.objects.get(email="zoe@example.com")
    assert customer.language == "ru"
    project()
    page = client.get("/account/", HTTP_ACCEPT_LANGUAGE="ru")
    assert "Язык наших писем" in page.content.decode()
    form = page.context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None} | {"language": "en"}
    assert form.initial["language"] == "ru"  # read from the write model: the customer document has no language
    response = client.post("/account/", data)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.language == "en"
    assert Event.objects.filter(aggregate_id=customer.pk).last().payload["changes"] == {"language": "en"}
