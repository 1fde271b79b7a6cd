"""A database that does not answer is a 503 that says which one, never a 500 traceback.

On a connection-level error (OperationalError, InterfaceError) each database is asked `SELECT 1`; the
ones that do not answer are named: API clients get `503 {"code": "read_unavailable" | "write_unavailable"}`,
staff get an admin page naming the database, customers the storefront's "we'll be right back" page; all
with `Retry-After`. Any other error (or both databases answering after all) stays an ordinary 500.
The middleware covers errors raised in views; `config.api_errors.server_error` covers those raised in
other middleware (a session saved on a write database that is down).
"""

import contextlib
import dataclasses
import logging
from collections.abc import Callable

from django.contrib import admin
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 10


@dataclasses.dataclass(frozen=True)
class Side:
    alias: str
    code: str
    name: str


SIDES = (
    Side("default", "write_unavailable", "write database"),
    Side("read", "read_unavailable", "read database"),
)


def answers(alias: str) -> bool:
    connection = connections[alias]
    try:
        if connection.connection is not None and not connection.is_usable():
            connection.close()  # a connection the server dropped; a new one tells whether it is back
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        with contextlib.suppress(DatabaseError):
            connection.close()
        return False
    return True


def unreachable_sides() -> list[Side]:
    return [side for side in SIDES if not answers(side.alias)]


def outage_response(request: HttpRequest, exc: BaseException | None) -> HttpResponse | None:
    """The 503 for `exc` if it came from a database that does not answer; None for any other error."""
    if not isinstance(exc, OperationalError | InterfaceError):
        return None
    sides = unreachable_sides()
    if not sides:
        return None
    names = " and ".join(side.name for side in sides)
    logger.warning("%s unavailable during %s %s: %s", names, request.method, request.path, exc)
    response: HttpResponse
    if request.path.startswith("/api/"):
        body = {
            "code": sides[0].code,
            "detail": f"The {names} is unavailable; please retry shortly.",
            "failed": [side.alias for side in sides],
        }
        response = JsonResponse(body, status=503)
    elif request.path.startswith("/admin/"):
        # No request context: the admin's header would load the user from a write database that may be down.
        context = {
            "sides": sides,
            "names": names,
            "title": "Database unavailable",
            "site_header": admin.site.site_header,
            "site_title": admin.site.site_title,
        }
        response = HttpResponse(render_to_string("admin/database_unavailable.html", context), status=503)
    else:
        response = render(request, "503.html", {"retry_after": RETRY_AFTER_SECONDS}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return outage_response(request, exception)
