"""Request bodies: JSON, nested no deeper than any command needs."""

from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# The deepest command body is an order's lines (3 levels); this leaves room without inviting a stack dive.
MAX_DEPTH = 32


class BoundedJSONParser(JSONParser):
    """DRF's parser lets RecursionError (not a ValueError) escape as a 500; deep nesting is a 400 here."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError(too_deep_message()) from error
        if depth_exceeds(data, MAX_DEPTH):
            raise ParseError(too_deep_message())
        return data


def too_deep_message() -> str:
    return f"JSON parse error - nested more than {MAX_DEPTH} levels deep."


def depth_exceeds(data: Any, limit: int) -> bool:
    """Without recursion, so that measuring the depth cannot overflow the stack either."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return False
