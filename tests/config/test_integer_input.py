"""The one integer parser of request data: ASCII digits only, at most 18 of them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config.integer_input import MAX_DIGITS, non_negative_int


@pytest.mark.parametrize(
    "raw",
    ["", "²", "٣", "\uff11", " 1", "1 ", "+1", "-1", "1_0", "1.5", "1e3", "abc", "9" * (MAX_DIGITS + 1), "1" * 5000],
)
def test_anything_but_ascii_digits_is_refused(raw):
    assert non_negative_int(raw) is None


@pytest.mark.parametrize("raw", [None, 5, b"5", ["5"]])
def test_only_strings_are_read(raw):
    assert non_negative_int(raw) is None


@given(st.integers(min_value=0, max_value=10**MAX_DIGITS - 1))
def test_ascii_digits_read_as_their_number(number):
    assert non_negative_int(str(number)) == number


@given(st.text())
def test_never_raises_and_agrees_with_a_strict_reading(raw):
    strict = raw.isascii() and raw.isdigit() and len(raw) <= MAX_DIGITS
    assert non_negative_int(raw) == (int(raw) if strict else None)


def test_the_cap_can_be_narrowed():
    assert non_negative_int("12345", max_digits=4) is None
    assert non_negative_int("1234", max_digits=4) == 1234
