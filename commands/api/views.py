"""POST /api/v1/commands/<name>/: validate → authorize → run the handler → 202 Accepted."""

from collections.abc import Iterable
from typing import Any, ClassVar

from django.conf import settings
from django.db import IntegrityError, transaction
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from commands.api import idempotency
from commands.api.permissions import StaffOrSelfSignup
from commands.api.specs import COMMANDS, CommandSpec
from commands.errors import RejectionCode
from commands.event_log import WRITE_DB, CommandContext, actor_of
from config.api_errors import PayloadTooLarge
from config.integer_input import non_negative_int
from config.json_parser import BoundedJSONParser
from config.throttles import client_ident

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="1-255 characters; a repeat with the same body returns the first response and writes nothing.",
)
ACCEPTED = inline_serializer(
    "CommandAccepted",
    {
        "command": serializers.CharField(),
        "command_id": serializers.UUIDField(),
        "aggregate_id": serializers.UUIDField(),
        "version": serializers.IntegerField(),
        "position": serializers.IntegerField(),
    },
)
REJECTED = inline_serializer(
    "CommandRejected",
    {
        "code": serializers.ChoiceField(choices=[code.value for code in RejectionCode]),
        "detail": serializers.CharField(),
    },
)
CONFLICT = inline_serializer(
    "VersionConflict",
    {"code": serializers.CharField(), "detail": serializers.CharField(), "current_version": serializers.IntegerField()},
)
DETAIL = inline_serializer("ErrorDetail", {"detail": serializers.CharField()})


def key_owner(request: Request) -> str:
    """Whose Idempotency-Keys a request draws from: its user's; anonymous sign-ups' are per client address."""
    if request.user.is_authenticated:
        return actor_of(request.user)
    return f"anonymous:{client_ident(request)}"[:64]


def declared_body_size(request: Request) -> int:
    # Unreadable counts as no body, as Django reads it; a longer number than any real body is too large.
    raw = request.META.get("CONTENT_LENGTH") or "0"
    size = non_negative_int(raw)
    if size is None:
        return settings.COMMAND_MAX_BODY_BYTES + 1 if raw.isascii() and raw.isdigit() else 0
    return size


class JSONWhateverAccepted(DefaultContentNegotiation):
    """Commands answer JSON even to `Accept: text/html` (a 202, not a 406): every /api/ response is JSON."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class CommandView(APIView):
    spec: ClassVar[CommandSpec]
    parser_classes = [BoundedJSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONWhateverAccepted

    def post(self, request: Request) -> Response:
        if declared_body_size(request) > settings.COMMAND_MAX_BODY_BYTES:
            raise PayloadTooLarge()
        key = request.headers.get("Idempotency-Key")
        if key is not None and not 1 <= len(key) <= 255:
            raise serializers.ValidationError({"Idempotency-Key": ["Must be 1 to 255 characters."]})
        self.spec.policy.before(request)
        body = request.data
        command_input = self.spec.input(data=body)
        command_input.is_valid(raise_exception=True)
        arguments = dict(command_input.validated_data)
        arguments.update(self.spec.policy.after(request, arguments))
        context = CommandContext.for_user(
            request.user,
            command=self.spec.name,
            idempotency_key=key or "",
        )
        # A unique-key race (same Idempotency-Key, same email or SKU) rolls back one writer; its retry
        # then finds the winner's record and answers as the rules say.
        for attempt in range(2):
            try:
                return self.run(context, arguments, body, key, key_owner(request))
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def run(
        self, context: CommandContext, arguments: dict[str, Any], body: Any, key: str | None, owner: str
    ) -> Response:
        with transaction.atomic(using=WRITE_DB):
            claimed = None
            if key:
                previous = idempotency.previous_response(actor=owner, key=key, command=self.spec.name, body=body)
                if previous is not None:
                    return self.respond(previous.response_body, previous.response_location)
                claimed = idempotency.claim(actor=owner, key=key, command=self.spec.name, body=body)
            result = self.spec.handler.inside(context=context, **arguments)
            response = {
                "command": self.spec.name,
                "command_id": str(context.command_id),
                "aggregate_id": str(result.aggregate_id),
                "version": result.version,
                "position": result.position,
            }
            location = self.spec.location.format(id=result.aggregate_id) if self.spec.location else ""
            if claimed is not None:
                idempotency.remember_response(
                    claimed, status=status.HTTP_202_ACCEPTED, response=response, location=location
                )
        return self.respond(response, location)

    @staticmethod
    def respond(response: dict[str, Any], location: str) -> Response:
        headers = {"Location": location} if location else {}
        return Response(response, status=status.HTTP_202_ACCEPTED, headers=headers)


def command_view(spec: CommandSpec) -> type[CommandView]:
    """One documented view class per command, so the schema shows each body and its errors."""

    def post(self: CommandView, request: Request) -> Response:
        return CommandView.post(self, request)

    responses: dict[int, Any] = {
        202: ACCEPTED,
        400: OpenApiResponse(description="Malformed JSON, wrong types, missing or unknown fields."),
        401: DETAIL,
        403: DETAIL,
        404: DETAIL,
        409: CONFLICT,
        413: DETAIL,
        415: DETAIL,
        422: REJECTED,
    }
    if isinstance(spec.policy, StaffOrSelfSignup):
        responses[429] = OpenApiResponse(DETAIL, description="Too many anonymous sign-ups from this client.")
    documented_post = extend_schema(
        operation_id=spec.name.replace("-", "_"),
        summary=spec.summary,
        tags=["commands"],
        request=spec.input,
        parameters=[IDEMPOTENCY_KEY],
        responses=responses,
    )(post)
    name = "".join(part.capitalize() for part in spec.name.split("-")) + "Command"
    return type(name, (CommandView,), {"spec": spec, "__doc__": spec.summary, "post": documented_post})


COMMAND_VIEWS = {spec.name: command_view(spec) for spec in COMMANDS}
