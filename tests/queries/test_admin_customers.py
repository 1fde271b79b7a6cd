"""Customer forms in the admin: register and update details through the customer commands."""

import pytest
from django.urls import reverse

from commands.handlers import customers
from commands.models import Customer, Event
from projections import runner
from tests.factories import context, make_customer, make_product, place_order
from tests.queries.admin_clients import actor, assert_refused_by_form, last_event, messages_of, staff_client

pytestmark = pytest.mark.django_db(databases="__all__")

STAFF = ("queries.view_customerview", "commands.add_customer", "commands.change_customer")
REGISTER_URL = reverse("admin:queries_customerview_register")
LIST_URL = reverse("admin:queries_customerview_changelist")
ADDRESS = {"line1": "1 Main St", "line2": "", "city": "Berlin", "postal_code": "10115", "country": "de"}


def edit_url(customer_id):
    return reverse("admin:queries_customerview_edit", args=[customer_id])


def details(**overrides):
    return {"email": "ann@example.com", "name": "Ann", "phone": "", **{k: "" for k in ADDRESS}, **overrides}


def test_register_customer_sends_register_customer():
    client = staff_client(*STAFF)
    assert REGISTER_URL in client.get(LIST_URL).content.decode()

    response = client.post(REGISTER_URL, details(phone="+49 1", **ADDRESS))

    assert response.status_code == 302
    customer = Customer.objects.get(email="ann@example.com")
    assert customer.address == {**ADDRESS, "country": "DE"}
    assert customer.user is None
    event = last_event(customer.pk)
    assert event.type == "CustomerRegistered"
    assert event.payload["phone"] == "+49 1"
    assert (event.metadata["actor"], event.metadata["command"]) == (actor(client), "register-customer")
    assert any("Customer ann@example.com registered." in message for message in messages_of(response))


def test_register_with_a_taken_email_shows_the_rule_and_writes_nothing():
    make_customer(email="Ann@Example.com")
    client = staff_client(*STAFF)
    events_before = Event.objects.count()

    response = client.post(REGISTER_URL, details(email="ann@example.com"))

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["This email address is already registered."]
    assert Event.objects.count() == events_before


def test_a_half_address_is_refused_by_the_form():
    client = staff_client(*STAFF)
    response = client.post(REGISTER_URL, details(line1="1 Main St", country="XX"))
    assert_refused_by_form(response, {"city", "postal_code", "country"})


def test_update_details_is_prefilled_and_sends_only_what_changed():
    customer_id = make_customer(name="Ann", email="ann@example.com")
    runner.run_all()
    client = staff_client(*STAFF)
    initial = client.get(edit_url(customer_id)).context["form"].initial
    assert (initial["name"], initial["email"], initial["expected_version"]) == ("Ann", "ann@example.com", 1)

    response = client.post(edit_url(customer_id), details(name="Ann Lee", expected_version="1", **ADDRESS))

    assert response.status_code == 302
    customer = Customer.objects.get(pk=customer_id)
    assert (customer.name, customer.address_city, customer.version) == ("Ann Lee", "Berlin", 2)
    event = last_event(customer_id)
    assert event.type == "CustomerDetailsUpdated"
    assert event.payload["changes"] == {"name": "Ann Lee", "address": {**ADDRESS, "country": "DE"}}
    assert event.metadata["actor"] == actor(client)


def test_update_to_another_customers_email_is_refused():
    make_customer(email="bob@example.com")
    customer_id = make_customer(email="ann@example.com")
    runner.run_all()
    client = staff_client(*STAFF)

    response = client.post(edit_url(customer_id), details(email="bob@example.com", expected_version="1"))

    assert response.context["form"].errors["email"] == ["This email address is already registered."]
    assert Customer.objects.get(pk=customer_id).email == "ann@example.com"


def test_update_after_a_concurrent_change_is_refused():
    customer_id = make_customer(name="Ann", email="ann@example.com")
    runner.run_all()
    customers.update_customer_details(context=context(), customer_id=customer_id, phone="1")
    client = staff_client(*STAFF)

    response = client.post(edit_url(customer_id), details(name="Annie", expected_version="1"))

    assert "Someone else changed this customer meanwhile" in response.content.decode()
    assert Customer.objects.get(pk=customer_id).name == "Ann"


def test_the_customer_page_links_to_their_orders_and_shows_their_history():
    customer_id = make_customer(name="Ann")
    order = place_order(customer_id, (make_product(), 1))
    runner.run_all()
    client = staff_client("queries.view_customerview", "queries.view_orderview")

    page = client.get(reverse("admin:queries_customerview_change", args=[customer_id])).content.decode()

    assert reverse("admin:queries_orderview_change", args=[order.aggregate_id]) in page
    assert f"?customer_id={customer_id}" in page
    assert 'data-event-type="CustomerRegistered"' in page
    assert edit_url(customer_id) not in page  # no change_customer permission


def test_without_permissions_the_customer_forms_are_forbidden():
    customer_id = make_customer()
    runner.run_all()
    viewer = staff_client("queries.view_customerview")
    assert REGISTER_URL not in viewer.get(LIST_URL).content.decode()
    assert viewer.post(REGISTER_URL, details()).status_code == 403
    assert viewer.post(edit_url(customer_id), details(expected_version="1")).status_code == 403
    assert not Customer.objects.filter(email="ann@example.com").exists()
