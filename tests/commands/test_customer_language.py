"""The customer's language: given at sign-up, else the request's; a bad one is a 400; changeable later."""

import pytest

from commands.models import Customer, Event
from projections import runner
from projections.registry import PROJECTIONS

pytestmark = pytest.mark.django_db(databases="__all__")
URL = "/api/v1/commands/register-customer/"


def sign_up(api, email, **extra):
    body = {"email": email, "name": "Ann", "password": "a-long-pass-phrase-42"}
    return api.post(URL, body | extra.pop("body", {}), format="json", **extra)


def test_given_language_is_stored_on_the_customer_and_the_event(api):
    response = sign_up(api, "ru@example.com", body={"language": "ru"})
    assert response.status_code == 202, response.content
    assert Customer.objects.get(email="ru@example.com").language == "ru"
    assert Event.objects.get(type="CustomerRegistered").payload["language"] == "ru"


@pytest.mark.parametrize(("accept", "stored"), [("ru-RU,ru;q=0.9", "ru"), ("de", "en"), ("", "en")])
def test_without_a_language_the_accept_language_decides(api, accept, stored):
    response = sign_up(api, "al@example.com", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 202, response.content
    assert Customer.objects.get(email="al@example.com").language == stored


@pytest.mark.parametrize("bad", ["de", "", 7, None, ["ru"]])
def test_a_language_the_shop_does_not_speak_is_refused_and_nothing_is_written(api, bad):
    response = sign_up(api, "bad@example.com", body={"language": bad})
    assert response.status_code == 400
    assert "language" in response.json()
    assert not Customer.objects.exists() and not Event.objects.exists()


def test_staff_change_the_language_with_update_customer_details(staff_api):
    created = staff_api.post(URL, {"email": "c@example.com", "name": "C"}, format="json").json()
    response = staff_api.post(
        "/api/v1/commands/update-customer-details/",
        {"customer_id": created["aggregate_id"], "language": "ru"},
        format="json",
    )
    assert response.status_code == 202, response.content
    assert Customer.objects.get(pk=created["aggregate_id"]).language == "ru"
    assert Event.objects.filter(type="CustomerDetailsUpdated").get().payload["changes"] == {"language": "ru"}
    for projection in PROJECTIONS.values():  # the read side takes the event in its stride
        assert runner.run_projection(projection) == 2
