"""A changed password ends the user's API tokens, however it was changed; "log out everywhere" ends them too."""

import io
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands import changepassword
from django.contrib.auth.models import AbstractUser
from django.core.management import call_command
from django.db import transaction
from django.db.models.signals import post_delete
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import make_customer
from tests.queries.admin_clients import staff_client

pytestmark = pytest.mark.django_db(databases="__all__")
PASSWORD = "correct-horse-battery-staple"
NEW_PASSWORD = "another-long-secret-2024"
LOGOUT_ALL = "/api/v1/auth/logout-all/"


def as_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def works(token: str) -> bool:
    """Whether the token still authenticates (logout answers 401 to an unknown token; a read would not tell)."""
    response = as_token(token).get("/api/v1/customers/")
    assert response.status_code in (200, 401), response.content
    return response.status_code == 200


def tokens_of(user: AbstractUser, count: int = 2) -> list[str]:
    return [AuthToken.objects.create(user)[1] for _ in range(count)]


def customer_user(email: str) -> AbstractUser:
    make_customer(email=email, password=PASSWORD)
    return get_user_model().objects.get(username=email)


@pytest.fixture
def deleted_tokens() -> Iterator[list[Any]]:
    """Tokens deleted with the post_delete signal (what a token cache listens to): never a raw DELETE."""
    seen: list[Any] = []

    def record(sender: Any, instance: AuthToken, **kwargs: Any) -> None:
        seen.append(instance.pk)

    post_delete.connect(record, sender=AuthToken)
    try:
        yield seen
    finally:
        post_delete.disconnect(record, sender=AuthToken)


@pytest.fixture
def bystander() -> str:
    """Another user's token: no password change of someone else may touch it."""
    return tokens_of(customer_user("bystander@example.com"), 1)[0]


def test_the_storefront_password_change_revokes_the_customers_tokens(deleted_tokens, bystander):
    user = customer_user("ann@example.com")
    mine = tokens_of(user)
    client = Client()
    client.force_login(user)

    wrong = client.post(
        "/account/password/", {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert wrong.status_code == 200 and all(works(token) for token in mine)  # a refused change keeps them

    changed = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert changed.status_code == 302
    assert not any(works(token) for token in mine)
    assert len(deleted_tokens) == 2
    assert works(bystander)
    assert client.get("/account/password/").status_code == 200  # the page's own session survives its change


def test_the_admin_setting_a_users_password_revokes_their_tokens(deleted_tokens, bystander):
    user = customer_user("ann@example.com")
    mine = tokens_of(user)
    admin_client = staff_client("auth.view_user", "auth.change_user")
    url = reverse("admin:auth_user_password_change", args=[user.pk])

    response = admin_client.post(
        url, {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "set-password": "1"}
    )

    assert response.status_code == 302, response.context["form"].errors if response.context else response
    assert get_user_model().objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert not any(works(token) for token in mine)
    assert len(deleted_tokens) == 2
    assert works(bystander)


def test_the_admin_disabling_a_users_password_revokes_their_tokens(bystander):
    user = customer_user("ann@example.com")
    mine = tokens_of(user)
    admin_client = staff_client("auth.view_user", "auth.change_user")
    url = reverse("admin:auth_user_password_change", args=[user.pk])

    response = admin_client.post(url, {"usable_password": "false", "unset-password": "1"})

    assert response.status_code == 302
    assert not get_user_model().objects.get(pk=user.pk).has_usable_password()
    assert not any(works(token) for token in mine)
    assert works(bystander)


def test_a_refused_admin_password_change_keeps_the_tokens():
    user = customer_user("ann@example.com")
    mine = tokens_of(user)
    admin_client = staff_client("auth.view_user", "auth.change_user")
    url = reverse("admin:auth_user_password_change", args=[user.pk])

    response = admin_client.post(
        url, {"usable_password": "true", "password1": NEW_PASSWORD, "password2": "mismatch", "set-password": "1"}
    )

    assert response.status_code == 200
    assert all(works(token) for token in mine)


def test_staff_changing_their_own_password_in_the_admin_revokes_their_tokens(deleted_tokens, bystander):
    admin_client = staff_client("queries.view_customerview")
    staff = admin_client.user  # type: ignore[attr-defined]
    staff.set_password(PASSWORD)
    staff.save()
    admin_client.force_login(staff)
    mine = tokens_of(staff)
    url = reverse("admin:password_change")

    page = admin_client.get(url)
    assert page.status_code == 200
    assert "Log out" in page.content.decode()  # the admin's own page, with its header
    changed = admin_client.post(
        url, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert changed.status_code == 302 and changed["Location"] == reverse("admin:password_change_done")
    assert not any(works(token) for token in mine)
    assert len(deleted_tokens) == 2
    assert works(bystander)


def test_the_admins_own_password_page_needs_a_staff_login():
    response = Client().get(reverse("admin:password_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_logout_all_revokes_every_token_of_the_user_and_no_other(deleted_tokens, bystander):
    user = customer_user("ann@example.com")
    first, second = tokens_of(user)

    response = as_token(first).post(LOGOUT_ALL)

    assert response.status_code == 204
    assert not works(first) and not works(second)
    assert len(deleted_tokens) == 2
    assert works(bystander)


@pytest.mark.parametrize("authorization", [None, "Token " + "x" * 64])
def test_logout_all_without_a_valid_token_is_401(bystander, authorization):
    client = APIClient()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)
    response = client.post(LOGOUT_ALL)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert AuthToken.objects.count() == 1


def test_logout_all_is_in_the_openapi_schema():
    schema = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"][LOGOUT_ALL]["post"]
    assert operation["tags"] == ["auth"]
    assert {"204", "401"} <= set(operation["responses"])
    assert "requestBody" not in operation


def test_manage_py_changepassword_revokes_the_users_tokens(deleted_tokens, bystander):
    user = customer_user("ann@example.com")
    mine = tokens_of(user)

    with mock.patch.object(changepassword.Command, "_get_pass", return_value=NEW_PASSWORD):
        call_command("changepassword", user.username, stdout=io.StringIO())

    assert get_user_model().objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert not any(works(token) for token in mine)
    assert len(deleted_tokens) == 2
    assert works(bystander)


def test_set_password_then_save_revokes_the_tokens_and_a_refused_save_keeps_them(bystander):
    user = customer_user("ann@example.com")
    mine = tokens_of(user)

    user.set_password(NEW_PASSWORD)
    with pytest.raises(RuntimeError), transaction.atomic():
        user.save()
        raise RuntimeError("the change is rolled back")
    assert all(works(token) for token in mine)

    user.set_password(NEW_PASSWORD)  # save() forgets the raw password even when its transaction rolls back
    user.save()
    assert not any(works(token) for token in mine)
    assert works(bystander)


def test_saves_that_do_not_change_the_password_keep_the_tokens(settings):
    user = customer_user("ann@example.com")
    mine = tokens_of(user)

    user.first_name = "Ann"
    user.save()
    user.save(update_fields=["last_login"])
    user.set_unusable_password()  # then a save that does not write the password column
    user.save(update_fields=["first_name"])
    assert all(works(token) for token in mine)

    # Django upgrades a hash made by a weaker hasher at log-in: the same password, so nothing is revoked.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    fresh = get_user_model().objects.get(pk=user.pk)
    assert fresh.password.startswith("md5$")
    assert fresh.check_password(PASSWORD)
    assert get_user_model().objects.get(pk=user.pk).password.startswith("pbkdf2_sha256$")
    assert all(works(token) for token in mine)


def test_a_new_user_saved_with_a_password_revokes_nothing(bystander):
    user = get_user_model()(username="new@example.com")
    user.set_password(PASSWORD)
    user.save()
    assert works(bystander)
