"""The one way to read an integer that a request carries (header, query string, form field, cursor)."""

# Every value of up to 18 digits fits a PostgreSQL bigint (9.2e18); longer ones are never a real position.
MAX_DIGITS = 18


def non_negative_int(raw: object, *, max_digits: int = MAX_DIGITS) -> int | None:
    """The integer `raw` spells in ASCII digits, or None: str.isdigit() and int() also take "²", "٣", " 1", "1_0"."""
    if not isinstance(raw, str) or not 0 < len(raw) <= max_digits or not raw.isascii() or not raw.isdigit():
        return None
    return int(raw)
