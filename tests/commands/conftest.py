from types import SimpleNamespace

import pytest

from tests.commands.command_api import make_world


@pytest.fixture
def world() -> SimpleNamespace:
    return make_world()
