"""What the shop needs from a payment gateway, and the one the settings plug in."""

import dataclasses
import enum
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class ChargeStatus(enum.StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"


@dataclasses.dataclass(frozen=True)
class Charge:
    status: ChargeStatus
    reference: str  # the gateway's id of the charge (or of the refusal)
    reason: str = ""  # why it was declined, in the gateway's words (for the log, not for the customer)


class GatewayTimeout(Exception):
    """The gateway did not answer in time: whether the card was charged is unknown to us."""


class PaymentGateway(Protocol):
    def charge(self, *, amount: Decimal, currency: str, card_number: str, idempotency_key: str) -> Charge:
        """Charge the card once per `idempotency_key`: a repeat of the same key returns the first result."""
        ...


def configured_gateway() -> PaymentGateway:
    """settings.PAYMENT_GATEWAY (a dotted class path) built with settings.PAYMENT_GATEWAY_OPTIONS."""
    gateway_class = import_string(settings.PAYMENT_GATEWAY)
    gateway: PaymentGateway = gateway_class(**settings.PAYMENT_GATEWAY_OPTIONS)
    return gateway
