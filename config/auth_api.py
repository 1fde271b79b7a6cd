"""POST /api/v1/auth/token/: username and password in a JSON body → a hashed, expiring knox token."""

from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from knox.views import LoginView, LogoutAllView, LogoutView
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from commands.credentials import login_name
from config.json_parser import BoundedJSONParser
from config.throttles import LoginThrottle
from config.token_auth import TokenAuthentication


class Credentials(serializers.Serializer):
    username = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class ObtainTokenView(LoginView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [BoundedJSONParser]

    def format_expiry_datetime(self, expiry: datetime) -> str:
        return expiry.astimezone(UTC).isoformat()  # "+00:00", like every timestamp of the API

    def get_authenticate_header(self, request: Request) -> str:
        # Without an authentication class DRF turns a 401 into a 403; docs/api.md promises 400 or 401.
        return "Token"

    @extend_schema(
        tags=["auth"],
        request=Credentials,
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField(), "expiry": serializers.DateTimeField()}),
            400: OpenApiResponse(description="Malformed JSON or a missing field."),
            401: OpenApiResponse(description="Wrong username or password."),
            429: OpenApiResponse(description="Too many failed log-ins from this client or for this username."),
        },
    )
    def post(self, request: Request, format: str | None = None) -> Response:
        credentials = Credentials(data=request.data)
        credentials.is_valid(raise_exception=True)
        typed = credentials.validated_data["username"]
        password = credentials.validated_data["password"]
        throttle = LoginThrottle(request, typed)
        wait = throttle.wait()
        if wait is not None:
            raise Throttled(wait)
        # One authenticate call, so one run of the password hasher, whatever the case typed.
        user = authenticate(request, username=login_name(typed), password=password)
        if user is None:
            throttle.failed()
            raise AuthenticationFailed("Wrong username or password.")
        throttle.succeeded()
        request.user = user
        return super().post(request, format=None)


class RevokeTokenView(LogoutView):
    authentication_classes = [TokenAuthentication]  # knox's own view names knox's class, deaf to settings

    @extend_schema(
        tags=["auth"],
        request=None,
        responses={204: None, 401: OpenApiResponse(description="Not authenticated (no or no valid token).")},
    )
    def post(self, request: Request, format: str | None = None) -> Response:
        return super().post(request, format=None)


class RevokeAllTokensView(LogoutAllView):
    """Log out everywhere: every token of the requesting user, this one included, stops working."""

    authentication_classes = [TokenAuthentication]

    @extend_schema(
        tags=["auth"],
        request=None,
        responses={
            204: OpenApiResponse(description="Every token of this user is revoked."),
            401: OpenApiResponse(description="No valid token was sent."),
        },
    )
    def post(self, request: Request, format: str | None = None) -> Response:
        return super().post(request, format=None)
