"""X-Read-Position on every query response; X-Min-Position waits for the read side to catch up.

A position past the event log's head (as the write side last published it) can never be reached by
waiting: it is answered at once, 503 with Retry-After, since a head published a moment late is the
one honest reason a real client can hold such a position.
"""

from typing import Any, ClassVar

from django.conf import settings
from django.db.models import Model, QuerySet
from django.http import Http404
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from config.integer_input import non_negative_int
from projections import progress


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
    """For read-only views: serve only once X-Min-Position holds, and say what was served.

    One statement per read: the rows come with the read position and "is anything held" selected beside them
    (progress.snapshot_columns), so the position is exactly the one the rows are at. Only an answer without
    rows (a 404, an empty page, an error) reads the position in a statement of its own; since a row missing
    from one snapshot may be there in the next, the lookup is then repeated after it, as two statements
    always did (position first, rows after: the rows are at least at the position). An empty page after a
    position already read (the response cache's key) needs no second look for the same reason.
    X-Min-Position still waits first (polling the checkpoints), then reads.
    """

    projections: ClassVar[tuple[str, ...]]
    wanted_position: int | None = None
    served_position: int | None = None
    anything_held: bool = False

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        self.wanted_position = min_position(request)
        if self.wanted_position is None:
            return
        try:
            progress.wait_for_position(self.projections, self.wanted_position, settings.READ_POSITION_WAIT_SECONDS)
        except progress.BeyondLogHead as beyond:
            raise BeyondLogHead(beyond.wanted, beyond.position, beyond.head) from beyond
        except progress.NotYetProjected as late:
            raise NotYetProjected(late.wanted, late.position) from late

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().annotate(**progress.snapshot_columns(self.projections))  # type: ignore[misc]

    def get_object(self) -> Model:
        try:
            found = super().get_object()  # type: ignore[misc]
        except Http404:
            self.serve_at(*progress.position_and_held(self.projections))
            found = super().get_object()  # type: ignore[misc]
        return self.served(found)

    def paginate_queryset(self, queryset: Any) -> list[Any] | None:
        page = super().paginate_queryset(queryset)  # type: ignore[misc]
        if page is not None and not page and self.served_position is None:
            self.serve_at(*progress.position_and_held(self.projections))
            page = super().paginate_queryset(queryset)  # type: ignore[misc]
        if page:
            self.served(page[0])
        return page

    def served(self, row: Model) -> Model:
        """Take the position and held check the row was selected with."""
        self.serve_at(getattr(row, progress.SNAPSHOT_POSITION), getattr(row, progress.SNAPSHOT_HELD))
        return row

    def serve_at(self, position: int, anything_held: bool) -> None:
        if self.wanted_position is not None and position < self.wanted_position:
            # Waited for, then read at a lower position: only a checkpoint moved back could do it; never serve it.
            raise NotYetProjected(self.wanted_position, position)
        self.served_position, self.anything_held = position, anything_held

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
        if self.served_position is None:
            self.served_position, self.anything_held = progress.position_and_held(self.projections)
        response["X-Read-Position"] = str(self.served_position)
        held = progress.held_aggregates(self.projections) if self.anything_held else []
        if held:
            # Sequenced parking: these aggregates' rows may lag behind the read position until a retry.
            response["X-Held-Aggregates"] = ",".join(held)
        return response
