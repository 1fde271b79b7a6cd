"""The built-in test gateway: no money moves; the card number decides the outcome, like a real gateway's test mode."""

import hashlib
import time
from collections.abc import Iterable
from decimal import Decimal

from commands.payments.gateway import Charge, ChargeStatus, GatewayTimeout

APPROVED_CARDS = ("4242424242424242",)
DECLINED_CARDS = ("4000000000000002",)
TIMEOUT_CARDS = ("4000000000000119",)


def digits_of(card_number: str) -> str:
    return "".join(character for character in card_number if character.isdigit())


class SandboxGateway:
    """Approves, declines or times out by card number (each list configurable); any other card is declined."""

    def __init__(
        self,
        *,
        approved: Iterable[str] = APPROVED_CARDS,
        declined: Iterable[str] = DECLINED_CARDS,
        timeout: Iterable[str] = TIMEOUT_CARDS,
        timeout_seconds: float = 0.0,
    ) -> None:
        self.approved = {digits_of(card) for card in approved}
        self.declined = {digits_of(card) for card in declined}
        self.timeout = {digits_of(card) for card in timeout}
        self.timeout_seconds = timeout_seconds  # how long a timing-out charge hangs before giving up
        self.charges: dict[str, Charge] = {}

    def charge(self, *, amount: Decimal, currency: str, card_number: str, idempotency_key: str) -> Charge:
        if idempotency_key in self.charges:
            return self.charges[idempotency_key]
        card = digits_of(card_number)
        if card in self.timeout:
            time.sleep(self.timeout_seconds)
            raise GatewayTimeout("The sandbox gateway timed out (test card).")
        reference = "sandbox_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]
        if card in self.approved:
            result = Charge(ChargeStatus.APPROVED, reference)
        elif card in self.declined:
            result = Charge(ChargeStatus.DECLINED, reference, "card_declined")
        else:
            result = Charge(ChargeStatus.DECLINED, reference, "unknown_test_card")
        self.charges[idempotency_key] = result
        return result
