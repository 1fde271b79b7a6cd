"""OpenAPI for the query side: the consistency headers every read endpoint honours, and its error answers."""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

CONSISTENCY_HEADERS = [
    OpenApiParameter(
        "X-Min-Position",
        int,
        OpenApiParameter.HEADER,
        description=(
            "Wait (up to 5 s) until every event up to this position is reflected; else 503 + Retry-After with "
            '{"detail", "read_position"}. A position past the last one the event log has written is answered '
            'at once: 503 + Retry-After with {"code": "position_beyond_head", "detail", "read_position", '
            '"head_position"} (a 503, not a 400: a position just written may not have been announced yet, '
            "so retrying is the right reaction)."
        ),
    ),
    OpenApiParameter(
        "X-Read-Position",
        int,
        OpenApiParameter.HEADER,
        response=True,
        description="Every event up to this position is reflected in what was served.",
    ),
]
DETAIL = inline_serializer("QueryErrorDetail", {"detail": serializers.CharField()})
NOT_YET_PROJECTED = inline_serializer(
    "NotYetProjected",
    {
        "detail": serializers.CharField(),
        "read_position": serializers.IntegerField(),
        "code": serializers.CharField(required=False),
        "head_position": serializers.IntegerField(required=False),
    },
)
ERRORS = {
    "400": OpenApiResponse(OpenApiTypes.OBJECT, description='A bad filter or header: {"<name>": ["message"]}.'),
    "401": OpenApiResponse(DETAIL, description="An Authorization header that is not a valid token."),
    "403": OpenApiResponse(DETAIL, description="Authenticated, but not allowed to read this resource."),
    "404": OpenApiResponse(DETAIL, description="No such record (or not yours), or an invalid cursor."),
    "503": OpenApiResponse(NOT_YET_PROJECTED, description="X-Min-Position not reached (see that header)."),
}


class ReadModelSchema(AutoSchema):
    def get_override_parameters(self) -> list:
        return [*super().get_override_parameters(), *CONSISTENCY_HEADERS]

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for status, response in ERRORS.items():
            responses.setdefault(status, self._get_response_for_code(response, status, direction=direction))
        return responses
