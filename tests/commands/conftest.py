import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def fresh_signup_throttle() -> None:
    """The sign-up throttle counts in the cache, which outlives a test (and a test run) in Redis."""
    cache.clear()
