"""Every response under /api/ is JSON, errors included; command errors map to docs/api.md's statuses."""

import sys
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from commands.errors import AggregateNotFound, CommandRejected, InvalidFields, NotAllowed, VersionConflict
from config.outages import outage_response


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than 1 MiB."
    default_code = "payload_too_large"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, CommandRejected):
        return Response({"code": exc.code.value, "detail": exc.detail}, status=422)
    if isinstance(exc, VersionConflict):
        body = {"code": "version_conflict", "detail": exc.detail, "current_version": exc.current_version}
        return Response(body, status=409)
    if isinstance(exc, AggregateNotFound):
        return Response({"detail": exc.detail}, status=404)
    if isinstance(exc, InvalidFields):
        return Response(exc.errors, status=400)
    if isinstance(exc, NotAllowed):
        return Response({"detail": exc.detail}, status=403)
    if isinstance(exc, ParseError):
        # docs/api.md: every 400 has the shape {"<field>": ["message", ...]}; bad JSON belongs to no field.
        return Response({"non_field_errors": [str(exc.detail)]}, status=400)
    return drf_exception_handler(exc, context)


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    from django.views.defaults import page_not_found as html_not_found

    return html_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # An error outside any view (a session saved on a write database that is down) arrives here.
    outage = outage_response(request, sys.exc_info()[1])
    if outage is not None:
        return outage
    if is_api(request):
        return JsonResponse({"detail": "Internal server error."}, status=500)
    from django.views.defaults import server_error as html_server_error

    return html_server_error(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    from django.views.defaults import bad_request as html_bad_request

    return html_bad_request(request, exception)
