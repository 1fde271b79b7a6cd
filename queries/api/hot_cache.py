"""The hot read path's finished bodies (and their ETags), kept in each process, keyed by the read position.

Why: with the rows read in one prepared statement, what was left of a product detail, the first catalog page
or a cached search beyond the bench's minimal view was the work of turning the same rows into the same bytes
on every request (decoding the rows, building documents and links, JSON rendering, hashing the ETag) and, for
a search, a Redis round trip. A hit here costs one tiny prepared statement (read position, held check and
generation: hot.snapshot_sql) and a dict lookup. Measured in-process (WSGIHandler through every middleware,
bench small seed, best of 5 x 1000, cache off / on in one process, load 1.1; the minimal view 0.197 ms):
detail 0.576 / 0.520 ms, first page of 20 0.843 / 0.532 ms, cached search 0.730 / 0.535 ms. What is left of
a hit beyond the minimal view is mostly that statement's round trip (0.18 ms of 0.44 measured by faking it).

Why it is exact: the key holds everything the body is a function of: the path and the query string as sent
(the pagination links embed them), the scheme and host (absolute URLs), the language, and the read models'
state, named by the read position and the rebuilt generation. That name is exact only under three conditions,
and the hot path caches only under them:
- one checkpoint unit (len(segments.expand(projections)) == 1): a projection commits its rows with its
  checkpoint, so at position N its rows hold every event up to N and none after. A segmented projection's
  position is the minimum over its segments, whose rows may already be past it: two processes could cache
  different bodies under one position, and a client alternating between them would see a version go back;
- nothing held (sequenced parking): a held aggregate's rows lag behind the position and catch up when its
  parked event is retried, without the position moving;
- the same position never stands for other rows later: checkpoints only move forward, and a blue/green swap
  takes over at the head (blue_green.swap_in, under the live checkpoint's lock: never below the live position),
  but may take over at the very position the live generation had reached with rows written by changed
  projection code, so the generation (the checkpoint's rebuilt_at, set in the swap's transaction) is in the key.
The position and the generation a body is stored under come from the statement that read its rows. Nothing is
ever invalidated: a new event moves the position and every later request looks under a new key, so entries of
old positions are simply never asked for again and fall out of the LRU. Only anonymous reads come here.

Bounded by HOT_READ_CACHE_BYTES per process (bodies and keys, least recently used out first; 0 turns it off).
"""

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from hashlib import md5
from typing import NamedTuple

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import quote_etag
from django.utils.translation import get_language

from projections import segments

ENTRY_OVERHEAD = 400  # bytes of a key, its tuple and the entry objects, besides the body itself
DEFAULT_BYTES = 16 * 1024 * 1024  # config/settings/services.py sets it from the environment


class Snapshot(NamedTuple):
    """The read models' state one statement saw: every event up to `position` is in them (unless `held`)."""

    position: int
    held: bool
    generation: datetime | None


@dataclass(frozen=True, slots=True)
class Body:
    content: bytes
    etag: str

    @classmethod
    def of(cls, content: bytes) -> "Body":
        """The ETag Django's set_response_etag writes for this content (the viewsets' tag, queries/api/caching.py)."""
        return cls(content, quote_etag(md5(content, usedforsecurity=False).hexdigest()))


class BodyCache:
    """A least-recently-used map from keys to bodies, bounded by bytes; safe under gthread's threads."""

    def __init__(self) -> None:
        self.entries: OrderedDict[Hashable, Body] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> Body | None:
        with self.lock:
            body = self.entries.get(key)
            if body is not None:
                self.entries.move_to_end(key)
            return body

    def put(self, key: Hashable, body: Body) -> None:
        limit = max_bytes()
        cost = len(body.content) + ENTRY_OVERHEAD
        if cost > limit:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old.content) + ENTRY_OVERHEAD
            self.entries[key] = body
            self.size += cost
            while self.size > limit:
                _, evicted = self.entries.popitem(last=False)
                self.size -= len(evicted.content) + ENTRY_OVERHEAD

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.size = 0


BODIES = BodyCache()


def max_bytes() -> int:
    return int(getattr(settings, "HOT_READ_CACHE_BYTES", DEFAULT_BYTES))


def may_cache(projections: tuple[str, ...]) -> bool:
    """One checkpoint unit, and the cache on (see the module docstring for why segments are not cached)."""
    return max_bytes() > 0 and len(segments.expand(projections)) == 1


def key(request: HttpRequest, snapshot: Snapshot) -> Hashable:
    scheme = request.scheme or ""
    query = request.META.get("QUERY_STRING", "")
    return (request.path, query, scheme, request.get_host(), get_language(), snapshot.position, snapshot.generation)


def cached(request: HttpRequest, projections: tuple[str, ...], snapshot: Snapshot) -> Body | None:
    """The body of this request at `snapshot`, if kept (never while something is held)."""
    if snapshot.held or not may_cache(projections):
        return None
    return BODIES.get(key(request, snapshot))


def store(request: HttpRequest, projections: tuple[str, ...], snapshot: Snapshot, body: Body) -> None:
    """Keep `body`, rendered from rows read at `snapshot`, when it is the answer at that snapshot's key."""
    if not snapshot.held and may_cache(projections):
        BODIES.put(key(request, snapshot), body)
