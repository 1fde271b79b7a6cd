"""An email address as a login: one normal form and one password rule for the API, the storefront and the admin."""

import unicodedata
from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation

EMAIL_MAX_LENGTH = 254
LOGIN_NAME_MAX_LENGTH = 150  # django.contrib.auth's User.username: an email that logs in must fit it


def email_too_long(limit: int) -> str:
    if limit == LOGIN_NAME_MAX_LENGTH:
        return f"At most {limit} characters for an address you log in with."
    return f"At most {limit} characters."


def normalize_email(address: str) -> str:
    """NFKC, then lower case: "Kate@…" spelled with U+212A KELVIN SIGN, or "KATE@…", is "kate@…" everywhere.

    Databases disagree on case folding (SQLite's LOWER and LIKE know ASCII only), so the write side
    stores, compares and logs in with this one value and never asks the database to fold case.
    """
    return unicodedata.normalize("NFKC", address).strip().lower()


def login_name(typed: str) -> str:
    """The username a login form or the token endpoint authenticates: a customer's is their normalized email.

    Staff usernames are case-sensitive and may have capitals, so one spelled exactly as typed wins;
    this way a log-in runs the password hasher once, whatever the case typed.
    """
    if get_user_model().objects.filter(username=typed).exists():
        return typed
    return normalize_email(typed)


def validate_new_password(password: str, *, email: str, name: str = "") -> None:
    """Raise Django's ValidationError unless the would-be user may have this password (not their email, not common).

    The similarity validator needs the user: without it `password == email` passes.
    """
    key = normalize_email(email)
    user = get_user_model()(username=key, email=key, first_name=name[:150])
    password_validation.validate_password(password, user)


class EmailAddressField(forms.EmailField):
    """A form's email field: normalized before the email and length validators see it."""

    def __init__(self, *, logs_in: bool = False, **kwargs: Any) -> None:
        super().__init__(max_length=LOGIN_NAME_MAX_LENGTH if logs_in else EMAIL_MAX_LENGTH, **kwargs)

    def to_python(self, value: object) -> str:
        return normalize_email(super().to_python(value) or "")
