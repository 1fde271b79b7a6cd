"""X-Read-Position on every query response; X-Min-Position waits for the read side to catch up.

A position past the event log's head (as the write side last published it) can never be reached by
waiting: it is answered at once, 503 with Retry-After, since a head published a moment late is the
one honest reason a real client can hold such a position.
"""

from typing import Any, ClassVar

from django.conf import settings
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from config.integer_input import non_negative_int
from projections import progress
from projections.progress import read_position


class NotYetProjected(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "not_yet_projected"

    def __init__(self, wanted: int, position: int) -> None:
        super().__init__(f"The read models have not reached position {wanted} yet.")
        self.read_position = position


class BeyondLogHead(NotYetProjected):
    default_code = "position_beyond_head"

    def __init__(self, wanted: int, position: int, head: int) -> None:
        APIException.__init__(self, f"No event has position {wanted}: the event log ends at {head}.")
        self.read_position = position
        self.head_position = head


def min_position(request: Request) -> int | None:
    raw = request.headers.get("X-Min-Position")
    if raw is None:
        return None
    value = non_negative_int(raw)
    if value is None:
        raise serializers.ValidationError({"X-Min-Position": ["Must be a non-negative integer."]})
    return value


class ReadConsistencyMixin:
    """For read-only views: serve only once X-Min-Position holds, and say what was served."""

    projections: ClassVar[tuple[str, ...]]
    served_position: int | None = None
    held: list[str] | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        wanted = min_position(request)
        try:
            self.served_position = progress.wait_for_position(
                self.projections, wanted, settings.READ_POSITION_WAIT_SECONDS
            )
        except progress.BeyondLogHead as beyond:
            raise BeyondLogHead(beyond.wanted, beyond.position, beyond.head) from beyond
        except progress.NotYetProjected as late:
            raise NotYetProjected(late.wanted, late.position) from late
        # After the position: with nothing held then, every event up to it is in the rows (queries.response_cache).
        self.held = progress.held_aggregates(self.projections)

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)  # type: ignore[misc]
        if isinstance(exc, NotYetProjected):
            response.data["read_position"] = exc.read_position
            response["Retry-After"] = "1"
        if isinstance(exc, BeyondLogHead):
            response.data["code"] = exc.default_code
            response.data["head_position"] = exc.head_position
        return response

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        position = self.served_position if self.served_position is not None else read_position(self.projections)
        response["X-Read-Position"] = str(position)
        held = self.held if self.held is not None else progress.held_aggregates(self.projections)
        if held:
            # Sequenced parking: these aggregates' rows may lag behind the read position until a retry.
            response["X-Held-Aggregates"] = ",".join(held)
        return response
