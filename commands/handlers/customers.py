"""Customer commands: register (optionally with a login), update details."""

import uuid
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import translation

from commands.credentials import (
    EMAIL_MAX_LENGTH,
    LOGIN_NAME_MAX_LENGTH,
    email_too_long,
    normalize_email,
    validate_new_password,
)
from commands.errors import CommandRejected, InvalidFields, RejectionCode
from commands.event_log import CommandContext
from commands.events import CustomerChanges, CustomerDetailsUpdated, CustomerRegistered
from commands.handlers.command import command
from commands.handlers.recording import CommandResult, load_for_update, record
from commands.models import Customer
from commands.rules import ADDRESS_FIELDS


def check_email_free(email: str, *, except_customer: uuid.UUID | None = None) -> None:
    """`email` is normalized; `iexact` still finds rows stored in mixed case before emails were normalized."""
    customers = Customer.objects.filter(email__iexact=email)
    users = get_user_model().objects.filter(username__iexact=email)
    if except_customer is not None:
        customers = customers.exclude(pk=except_customer)
        users = users.exclude(customer__pk=except_customer)
    if customers.exists() or users.exists():
        raise CommandRejected(RejectionCode.EMAIL_TAKEN, "This email address is already registered.", field="email")


def normalized_email(email: str, *, logs_in: bool) -> str:
    """Every handler stores, compares and logs in with this one spelling of an address."""
    email = normalize_email(email)
    limit = LOGIN_NAME_MAX_LENGTH if logs_in else EMAIL_MAX_LENGTH
    if len(email) > limit:  # NFKC may lengthen it ("\ufb03" is "ffi"); a login name is shorter than an email
        raise InvalidFields({"email": [email_too_long(limit)]})
    return email


def check_password_allowed(password: str, *, email: str, name: str) -> None:
    try:
        validate_new_password(password, email=email, name=name)
    except ValidationError as error:
        raise InvalidFields({"password": list(error.messages)}) from error


def _set_address(customer: Customer, address: dict[str, str] | None) -> None:
    address = address or {}
    for field in ADDRESS_FIELDS:
        setattr(customer, f"address_{field}", address.get(field, ""))


def active_language() -> str:
    """The language of the request being served (the page's, or the API client's Accept-Language), else "en"."""
    language = (translation.get_language() or "").split("-")[0]
    return language if language in dict(settings.LANGUAGES) else "en"


@command("register-customer")
def register_customer(
    *,
    context: CommandContext,
    email: str,
    name: str,
    phone: str = "",
    address: dict[str, str] | None = None,
    password: str | None = None,
    language: str | None = None,
) -> CommandResult:
    email = normalized_email(email, logs_in=bool(password))
    language = language or active_language()
    if password:
        check_password_allowed(password, email=email, name=name)
    check_email_free(email)
    user = None
    if password:
        user = get_user_model().objects.create_user(username=email, email=email, password=password)
    customer = Customer(id=uuid.uuid4(), email=email, name=name, phone=phone, user=user, language=language)
    _set_address(customer, address)
    event = CustomerRegistered(
        email=email,
        name=name,
        phone=phone,
        address=customer.address,
        user_id=user.pk if user else None,
        language=language,
    )
    return record(customer, event, context)


@command("update-customer-details")
def update_customer_details(
    *,
    context: CommandContext,
    customer_id: uuid.UUID,
    expected_version: int | None = None,
    **changes: Any,
) -> CommandResult:
    """`changes` holds any of name, email, phone, address, language; absent fields stay as they are."""
    customer = load_for_update(Customer.objects.all(), customer_id, expected_version=expected_version, label="customer")
    if "email" in changes:
        changes["email"] = normalized_email(changes["email"], logs_in=customer.user is not None)
        check_email_free(changes["email"], except_customer=customer.pk)
        if customer.user is not None:
            customer.user.username = changes["email"]
            customer.user.email = changes["email"]
            customer.user.save(update_fields=["username", "email"])
    for field in ("name", "email", "phone", "language"):
        if field in changes:
            setattr(customer, field, changes[field])
    if "address" in changes:
        _set_address(customer, changes["address"])
        changes["address"] = customer.address
    return record(customer, CustomerDetailsUpdated(changes=cast(CustomerChanges, changes)), context)
