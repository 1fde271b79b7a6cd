from types import SimpleNamespace

import pytest
from django.core.cache import cache

from tests.commands.command_api import make_world


@pytest.fixture(autouse=True)
def fresh_signup_throttle() -> None:
    """The sign-up throttle counts in the cache, which outlives a test (and a test run) in Redis."""
    cache.clear()


@pytest.fixture
def world() -> SimpleNamespace:
    return make_world()
