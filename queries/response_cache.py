"""Anonymous reads answered from the cache, under a key that holds the read position they were computed at.

Why the position makes this exact: everything up to read position N is in the read models, and nothing
else changes them, so an answer computed at N is the answer at N. A new event moves the position, so the
next read looks under a new key; nothing is ever invalidated and a stale entry can never be found. That
also makes a per-process memory cache safe: it needs no cross-process invalidation. So a storefront page is
looked for first in this process's body cache (queries/api/hot_cache.py, under the same conditions: one
checkpoint unit, nothing held, the generation in the key), then in the shared cache (Redis), and kept in both:
a hit in the process costs no round trip and no unpickling of the page.

Two things move rows without moving the position, and both bypass the cache:
- sequenced parking: while a projection holds an aggregate's events, its row lags behind the position and
  catches up when the parked event is retried; the held check reads the same snapshot as the position, so
  with none held every event up to that position is in the rows the answer is computed from (rows only
  move forward, so a page computed a moment later still holds every one of them);
- a visitor's own view of the data (a cart, messages, permissions): only visitors with no session, no messages
  cookie and no credentials are served cached pages or fill the cache (may_cache_page; the API: anonymous reads).
One thing gives one position other rows: a blue/green rebuild with changed projection code may take over at
the position the live generation had reached; the rebuilt generation (progress.generation_sql) is in the key.
Entries expire after `RESPONSE_CACHE_SECONDS` (0 turns the cache off), which bounds memory.
"""

import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.middleware.csrf import get_token
from django.utils.cache import get_conditional_response
from django.utils.translation import get_language

from projections.models import Checkpoint
from projections.progress import cache_version
from queries.api import hot_cache
from queries.api.hot_cache import Body, Snapshot
from queries.api.snapshots import read_snapshot

KEY_PREFIX = "response-cache:"
# A page's CSRF tokens belong to one visitor: the cached copy holds a marker, each answer gets its own token.
CSRF_FIELD = re.compile(r'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]+(")')
CSRF_MARKER = "csrf0token0placeholder"
CSRF_MARKER_BYTES = CSRF_MARKER.encode()
MESSAGES_COOKIE = "messages"  # CookieStorage's (the fallback storage's first); settings do not rename it


def cache_seconds() -> int:
    return int(getattr(settings, "RESPONSE_CACHE_SECONDS", 0))


def normalised_query(query: QueryDict) -> str:
    """The same parameters in any order (and any percent-encoding) are the same answer."""
    return urlencode(sorted((name, value) for name, values in query.lists() for value in values))


def response_key(kind: str, request: HttpRequest, position: int, generation: datetime | None, path: str) -> str:
    """The host is in it because answers carry absolute URLs (pagination links, image URLs)."""
    parts = (kind, request.scheme or "", request.get_host(), path, get_language() or "", str(position), str(generation))
    return KEY_PREFIX + hashlib.blake2b("\n".join(parts).encode(), digest_size=20).hexdigest()


def may_cache(request: HttpRequest) -> bool:
    return cache_seconds() > 0 and request.method == "GET" and not request.user.is_authenticated


def may_cache_page(request: HttpRequest) -> bool:
    """A GET of a visitor with no session and no messages: anonymous, no cart, nothing of their own on the page,
    and nothing has to be loaded to know it. A session holder is rendered every time: the header shows the
    cart, and a kept page would carry one visitor's cart to the others."""
    cookies = request.COOKIES
    return (
        cache_seconds() > 0
        and request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in cookies
        and MESSAGES_COOKIE not in cookies
        and "HTTP_AUTHORIZATION" not in request.META
    )


def page_snapshot(projections: tuple[str, ...]) -> Snapshot:
    """Read position, held check and generation: one prepared statement on PostgreSQL, a plain one elsewhere
    (the embedded SQLite of `make run`)."""
    if connections[router.db_for_read(Checkpoint)].vendor == "postgresql":
        return read_snapshot(Checkpoint, projections)
    return Snapshot(*cache_version(projections))


def cached_page(*projections: str) -> Callable:
    """Cache a storefront page for anonymous visitors at the named projections' read position and language."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponseBase]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not may_cache_page(request):
                return view(request, *args, **kwargs)
            # The rendered page reads the (empty) session, which makes SessionMiddleware add Vary: Cookie.
            request.session.accessed = True
            snapshot = page_snapshot(projections)
            if snapshot.held:
                return view(request, *args, **kwargs)
            # The full path as sent: the page embeds it (the language form's "next").
            key = response_key("page", request, snapshot.position, snapshot.generation, request.get_full_path())
            page = kept_page(request, key, snapshot, projections)
            if page is not None:
                response = HttpResponse(page.content.replace(CSRF_MARKER_BYTES, get_token(request).encode()))
                response["Content-Type"] = page.content_type
            else:
                response = view(request, *args, **kwargs)
                if response.status_code != 200 or response.streaming:
                    return response
                content = CSRF_FIELD.sub(rf"\g<1>{CSRF_MARKER}\g<2>", response.content.decode(response.charset))
                page = Page.rendered(content.encode(response.charset), response["Content-Type"])
                cache.set(key, page, cache_seconds())
                keep_here(request, snapshot, projections, page)
            return conditional(request, response, page_etag(request, page))

        return wrapper

    return decorate


@dataclass(frozen=True, slots=True)
class Page(Body):
    """A page as kept: its content with the CSRF marker for the tokens; `etag` is the content's digest, which
    page_etag combines with each visitor's CSRF secret."""

    content_type: str

    @classmethod
    def rendered(cls, content: bytes, content_type: str) -> "Page":
        return cls(content, hashlib.blake2b(content, digest_size=16).hexdigest(), content_type)


def kept_page(request: HttpRequest, key: str, snapshot: Snapshot, projections: tuple[str, ...]) -> "Page | None":
    """The page from this process's body cache (hot_cache: no round trip), else from the shared cache (kept
    here after)."""
    found = hot_cache.cached(request, projections, snapshot)
    if isinstance(found, Page):
        return found
    shared = cache.get(key)
    if isinstance(shared, Page):
        keep_here(request, snapshot, projections, shared)
        return shared
    return None


def keep_here(request: HttpRequest, snapshot: Snapshot, projections: tuple[str, ...], page: Page) -> None:
    hot_cache.store(request, projections, snapshot, page)


def page_etag(request: HttpRequest, page: Page) -> str:
    """The page without its tokens, and the visitor's CSRF secret: a 304 keeps tokens that still work."""
    digest = hashlib.blake2b(page.etag.encode(), digest_size=16)
    digest.update(str(request.META.get("CSRF_COOKIE", "")).encode())
    return f'"{digest.hexdigest()}"'


def conditional(request: HttpRequest, response: HttpResponse, etag: str) -> HttpResponseBase:
    response["ETag"] = etag
    return get_conditional_response(request, etag=etag, response=response) or response
