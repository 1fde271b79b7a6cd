"""Customer commands: register (optionally with a login), update details."""

import uuid
from typing import Any

from django.contrib.auth import get_user_model

from commands.errors import CommandRejected, RejectionCode
from commands.event_log import CommandContext, atomic_command
from commands.events import CustomerDetailsUpdated, CustomerRegistered
from commands.handlers.recording import CommandResult, load_for_update, record
from commands.models import Customer

ADDRESS_FIELDS = ("line1", "line2", "city", "postal_code", "country")


def check_email_free(email: str, *, except_customer: uuid.UUID | None = None) -> None:
    customers = Customer.objects.filter(email__iexact=email)
    users = get_user_model().objects.filter(username__iexact=email)
    if except_customer is not None:
        customers = customers.exclude(pk=except_customer)
        users = users.exclude(customer__pk=except_customer)
    if customers.exists() or users.exists():
        raise CommandRejected(RejectionCode.EMAIL_TAKEN, "This email address is already registered.")


def _set_address(customer: Customer, address: dict[str, str] | None) -> None:
    address = address or {}
    for field in ADDRESS_FIELDS:
        setattr(customer, f"address_{field}", address.get(field, ""))


def register_customer(
    *,
    context: CommandContext,
    email: str,
    name: str,
    phone: str = "",
    address: dict[str, str] | None = None,
    password: str | None = None,
) -> CommandResult:
    with atomic_command():
        check_email_free(email)
        user = None
        if password:
            user = get_user_model().objects.create_user(username=email.lower(), email=email, password=password)
        customer = Customer(id=uuid.uuid4(), email=email, name=name, phone=phone, user=user)
        _set_address(customer, address)
        event = CustomerRegistered(
            email=email,
            name=name,
            phone=phone,
            address=customer.address,
            user_id=user.pk if user else None,
        )
        return record(customer, event, context)


def update_customer_details(
    *,
    context: CommandContext,
    customer_id: uuid.UUID,
    expected_version: int | None = None,
    **changes: Any,
) -> CommandResult:
    """`changes` holds any of name, email, phone, address; absent fields stay as they are."""
    with atomic_command():
        customer = load_for_update(
            Customer.objects.all(), customer_id, expected_version=expected_version, label="customer"
        )
        if "email" in changes:
            check_email_free(changes["email"], except_customer=customer.pk)
            if customer.user is not None:
                customer.user.username = changes["email"].lower()
                customer.user.email = changes["email"]
                customer.user.save(update_fields=["username", "email"])
        for field in ("name", "email", "phone"):
            if field in changes:
                setattr(customer, field, changes[field])
        if "address" in changes:
            _set_address(customer, changes["address"])
            changes["address"] = customer.address
        return record(customer, CustomerDetailsUpdated(changes=changes), context)
