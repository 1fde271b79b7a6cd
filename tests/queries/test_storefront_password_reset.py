"""Password reset by email: Django's own views in the storefront's dress, in both languages, throttled, expiring."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.test import Client
from knox.models import AuthToken

from tests.factories import make_customer

pytestmark = pytest.mark.django_db(databases="__all__")
PASSWORD = "correct-horse-battery-staple"
NEW_PASSWORD = "another-long-secret-2024"
ANN = "ann@example.com"
RESET = "/account/password/reset/"
RUSSIAN = {
    "subject": "Сброс пароля — CQRS Магазин",  # noqa: RUF001 (Russian, not a look-alike)
    "body": "Чтобы задать новый, откройте ссылку",
    "lifetime": "действует 1\xa0час",  # noqa: RUF001
    "sent_title": "<title>Проверьте почту · CQRS Магазин</title>",
    "hour": "1\xa0час",  # noqa: RUF001
    "throttled": "Слишком много запросов на сброс пароля",  # noqa: RUF001
    "forgot": "Забыли пароль?",
}
LINK = re.compile(r"http://testserver(/account/password/reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture(autouse=True)
def small_limits(settings) -> None:  # type: ignore[no-untyped-def]
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "password_reset_client": "5/hour"}
    rates["password_reset_email"] = "2/hour"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def ask(email: str, *, language: str = "en", address: str = "198.51.100.1", client: Client | None = None):  # type: ignore[no-untyped-def]
    client = client or Client()
    return client.post(RESET, {"email": email}, HTTP_ACCEPT_LANGUAGE=language, REMOTE_ADDR=address)


def link_in(message: mail.EmailMessage) -> str:
    found = LINK.search(str(message.body))
    assert found, message.body
    return found.group(1)


def set_new_password(link: str, password: str = NEW_PASSWORD, client: Client | None = None):  # type: ignore[no-untyped-def]
    client = client or Client()
    opened = client.get(link)
    assert opened.status_code == 302  # Django moves the token out of the URL into the session
    form_url = opened["Location"]
    assert client.get(form_url).status_code == 200
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def logs_in(email: str, password: str) -> bool:
    response = Client().post("/account/login/", {"username": email, "password": password})
    return response.status_code == 302


def test_the_login_page_links_to_the_reset():
    html = Client().get("/account/login/").content.decode()
    assert f'href="{RESET}"' in html and "Forgot your password?" in html
    assert RUSSIAN["forgot"] in Client().get("/account/login/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()


def test_a_reset_in_russian_mails_one_link_that_sets_the_password_and_ends_the_api_tokens():
    make_customer(email=ANN, password=PASSWORD)
    user = get_user_model().objects.get(username=ANN)
    token = AuthToken.objects.create(user)[1]

    response = ask("ANN@example.com", language="ru")  # any spelling of the address

    assert response.status_code == 302 and response["Location"] == "/account/password/reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [ANN]
    assert message.subject == RUSSIAN["subject"]
    assert RUSSIAN["body"] in message.body and RUSSIAN["lifetime"] in message.body
    sent = Client().get(response["Location"], HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert RUSSIAN["sent_title"] in sent and RUSSIAN["hour"] in sent

    done = set_new_password(link_in(message))

    assert done.status_code == 302 and done["Location"] == "/account/password/reset/done/"
    assert logs_in(ANN, NEW_PASSWORD)
    assert not logs_in(ANN, PASSWORD)
    assert not AuthToken.objects.filter(user=user).exists()
    assert Client().get("/api/v1/customers/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401


def test_the_mail_is_english_for_an_english_request():
    make_customer(email=ANN, password=PASSWORD)
    ask(ANN)
    assert [message.subject for message in mail.outbox] == ["Reset your CQRS Shop password"]
    assert "The link works for 1\xa0hour, once." in mail.outbox[0].body
    assert "/account/password/reset/" in mail.outbox[0].body


def test_a_used_link_is_refused():
    make_customer(email=ANN, password=PASSWORD)
    ask(ANN)
    link = link_in(mail.outbox[0])
    assert set_new_password(link).status_code == 302

    again = Client().get(link)

    assert again.status_code == 400
    assert "The password reset link has expired or has already been used." in again.content.decode()
    assert logs_in(ANN, NEW_PASSWORD)


def test_an_expired_link_is_refused(settings):
    settings.PASSWORD_RESET_TIMEOUT = 600
    make_customer(email=ANN, password=PASSWORD)
    ask(ANN)
    link = link_in(mail.outbox[0])
    assert "10\xa0minutes" in mail.outbox[0].body
    later = PasswordResetTokenGenerator()._now() + timedelta(seconds=601)

    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=later):
        response = Client().get(link)

    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    assert logs_in(ANN, PASSWORD)


def test_an_unknown_email_answers_the_same_and_sends_nothing():
    make_customer(email=ANN, password=PASSWORD)
    unknown = ask("nobody@example.com", address="198.51.100.2")
    known = ask(ANN, address="198.51.100.3")
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]
    assert [message.to for message in mail.outbox] == [[ANN]]


def test_a_bad_address_is_a_form_error_that_sends_nothing():
    response = ask("not an email")
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["email"]
    assert mail.outbox == []


def test_one_email_is_throttled_from_any_client_and_says_so_whether_or_not_it_has_an_account():
    make_customer(email=ANN, password=PASSWORD)
    for email in (ANN, "nobody@example.com"):
        assert [ask(email, address=f"198.51.100.{n}").status_code for n in range(2)] == [302, 302]
        refused = ask(email.upper(), address="198.51.100.50")
        assert refused.status_code == 429
        assert "Too many password reset requests. Try again in 60 minutes." in refused.content.decode()
    assert len(mail.outbox) == 2  # Ann's first two; nothing for the refused request
    russian = ask(ANN, language="ru", address="198.51.100.51")
    assert RUSSIAN["throttled"] in russian.content.decode()


def test_one_client_is_throttled_whatever_the_emails():
    make_customer(email=ANN, password=PASSWORD)
    assert [ask(f"guess{n}@example.com").status_code for n in range(5)] == [302] * 5
    assert ask(ANN).status_code == 429
    assert mail.outbox == []
    assert ask(ANN, address="198.51.100.77").status_code == 302
    assert len(mail.outbox) == 1


def test_a_mail_server_that_is_down_still_answers_the_same_page(settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    make_customer(email=ANN, password=PASSWORD)
    response = ask(ANN)
    assert response.status_code == 302 and response["Location"] == "/account/password/reset/sent/"
    assert "Failed to send password reset email" in caplog.text  # logged for the operators, not shown
