"""Every way a command can be refused, in one place."""

from enum import StrEnum


class RejectionCode(StrEnum):
    EMAIL_TAKEN = "email_taken"
    SKU_TAKEN = "sku_taken"
    INSUFFICIENT_STOCK = "insufficient_stock"
    PRODUCT_UNAVAILABLE = "product_unavailable"
    INVALID_STATE = "invalid_state"
    AMOUNT_MISMATCH = "amount_mismatch"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"


class CommandError(Exception):
    """Base of every refusal; a refused command has written nothing."""


class CommandRejected(CommandError):
    """A business rule says no (HTTP 422); `field` names the input it concerns, where a form shows it."""

    def __init__(self, code: RejectionCode, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.field = field


class AggregateNotFound(CommandError):
    """The command's target does not exist or is deleted (HTTP 404)."""

    def __init__(self, aggregate_type: str) -> None:
        super().__init__(f"{aggregate_type.capitalize()} not found.")
        self.detail = str(self)


class VersionConflict(CommandError):
    """`expected_version` was given and is not the current version (HTTP 409)."""

    def __init__(self, current_version: int, expected_version: int) -> None:
        super().__init__(f"Expected version {expected_version}, but the current version is {current_version}.")
        self.current_version = current_version
        self.detail = str(self)


class InvalidFields(CommandError):
    """The body has the right shape, yet a field cannot be used (HTTP 400, reported against the field)."""

    def __init__(self, errors: dict) -> None:
        super().__init__(str(errors))
        self.errors = errors


class InvalidReference(InvalidFields):
    """The command refers to an id that does not exist."""


class OutOfRange(InvalidFields):
    """A value would take a stored quantity (stock, an order total) past what the shop can hold."""


class NotAllowed(CommandError):
    """The actor may not run this command on this aggregate (HTTP 403)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
