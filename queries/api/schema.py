"""OpenAPI for the query side: the consistency headers every read endpoint honours."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter

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


class ReadModelSchema(AutoSchema):
    def get_override_parameters(self) -> list:
        return [*super().get_override_parameters(), *CONSISTENCY_HEADERS]
