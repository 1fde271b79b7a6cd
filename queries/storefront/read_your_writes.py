"""After a command, the next page waits until the read models show the customer's own write.

A command returns the event's position; the redirect carries it as `?after=N`. The page polls the
read position (as X-Min-Position does for the query API) for a few seconds; if the projections are
still behind, it answers with a "processing" page that reloads itself until they have caught up.
A position past the event log's head is no write of theirs: the page renders at once, as it is.
"""

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from config.integer_input import non_negative_int
from projections.progress import BeyondLogHead, NotYetProjected, wait_for_position

AFTER_PARAM = "after"
# Set at sign-up: until the customer is projected, a page that needs it says "processing", not "no account".
SIGNUP_SESSION_KEY = "signup_position"
DEFAULT_WAIT_SECONDS = 3.0
REFRESH_SECONDS = 1


def url_after(url: str, position: int) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode({AFTER_PARAM: position})}"


def wanted_position(request: HttpRequest) -> int | None:
    return non_negative_int(request.GET.get(AFTER_PARAM))


def reads_own_writes(*projections: str) -> Callable:
    """Serve the view only once the named projections have reached `?after=N`; else a self-refreshing page."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            wanted = wanted_position(request)
            if wanted is not None:
                timeout = getattr(settings, "STOREFRONT_WAIT_SECONDS", DEFAULT_WAIT_SECONDS)
                try:
                    wait_for_position(projections, wanted, timeout)
                except BeyondLogHead:
                    pass  # no write of this customer's is still coming: the page as it is
                except NotYetProjected:
                    return processing(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def processing(request: HttpRequest) -> HttpResponse:
    response = render(request, "storefront/processing.html", {"refresh_seconds": REFRESH_SECONDS}, status=202)
    response["Retry-After"] = str(REFRESH_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def remember_signup(request: HttpRequest, position: int) -> None:
    request.session[SIGNUP_SESSION_KEY] = position


def signup_in_progress(request: HttpRequest) -> bool:
    return SIGNUP_SESSION_KEY in request.session
