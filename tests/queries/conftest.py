from typing import Any

import pytest


@pytest.fixture(autouse=True)
def no_projection_wait(settings: Any) -> None:
    """Nothing projects in the background here: an admin command page should not wait for it."""
    settings.ADMIN_READ_WAIT_SECONDS = 0
