"""The shop's limits and shape rules, each stated once: the command API, the handlers and every form import them.

Email addresses and passwords have their own module (commands/credentials.py).
"""

import re
from collections.abc import Mapping
from decimal import Decimal

# The stock column is a 32-bit integer; the headroom above this cap absorbs units returned by cancellations.
MAX_STOCK = 2_000_000_000

SKU_MAX_LENGTH = 64
SKU_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
SKU_RULE = "1 to 64 of the characters A-Z a-z 0-9 . _ -"

# An address is stored field by field; it is either complete (line2 may be empty) or absent.
ADDRESS_FIELDS = ("line1", "line2", "city", "postal_code", "country")
REQUIRED_ADDRESS_FIELDS = ("line1", "city", "postal_code", "country")

# An order's limits; a storefront cart that keeps them never fails on shape at checkout.
MAX_LINE_QUANTITY = 1000
MAX_ORDER_LINES = 100
MAX_ORDER_TOTAL = Decimal("999999999999.99")  # what Order.total holds: 14 digits, 2 after the point


def sku_is_valid(sku: str) -> bool:
    return SKU_PATTERN.fullmatch(sku) is not None


def missing_address_fields(fields: Mapping[str, object]) -> list[str]:
    """The required address fields still empty once any address field is filled in (all or none)."""
    if not any(fields.get(field) for field in ADDRESS_FIELDS):
        return []
    return [field for field in REQUIRED_ADDRESS_FIELDS if not fields.get(field)]
