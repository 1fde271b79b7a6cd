"""Read the messages Django's file-based email backend wrote: they can be counted across processes."""

import email
import email.policy
import uuid
from email.message import EmailMessage
from pathlib import Path

from django.utils import translation

from commands.handlers import customers, orders
from tests.factories import context, make_product, place_order

SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def messages_in(directory: Path) -> list[EmailMessage]:
    found = []
    for path in sorted(directory.glob("*.log")):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                found.append(email.message_from_bytes(chunk.lstrip(), policy=email.policy.default))
    return found  # type: ignore[return-value]


def by_message_id(directory: Path) -> dict[str, list[EmailMessage]]:
    grouped: dict[str, list[EmailMessage]] = {}
    for message in messages_in(directory):
        grouped.setdefault(str(message["Message-ID"]), []).append(message)
    return grouped


def register(language: str | None, *, accept: str = "en") -> uuid.UUID:
    with translation.override(accept):
        return customers.register_customer(
            context=context("register-customer"),
            email=f"{uuid.uuid4().hex[:8]}@example.com",
            name="Ann",
            language=language,
        ).aggregate_id


def history() -> dict[str, uuid.UUID]:
    """An English and a Russian customer; each places, pays and ships one order, and cancels another."""
    product = make_product(stock=50)
    ids = {}
    for language in ("en", "ru"):
        customer = register(language)
        shipped = place_order(customer, (product, 1)).aggregate_id
        orders.pay_order(context=context("pay-order"), order_id=shipped)
        orders.ship_order(context=context("ship-order"), order_id=shipped, tracking_number=f"TRACK-{language}")
        cancelled = place_order(customer, (product, 2)).aggregate_id
        orders.cancel_order(context=context("cancel-order"), order_id=cancelled, reason="changed mind")
        ids[language] = customer
    return ids
