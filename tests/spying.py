"""Recording the calls a test needs to count, while the real code still runs."""

from typing import Any

import pytest


def calls_to(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[dict[str, Any]]:
    """Patch `module.name` to record each call's keyword arguments (one entry per call) and then do its work."""
    calls: list[dict[str, Any]] = []
    original = getattr(module, name)

    def recording(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, recording)
    return calls
