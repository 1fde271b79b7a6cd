"""The event log's head position, published in the cache when a write commits.

The query side must never ask the write database (design property 6), yet it has to tell a position that
is merely not projected yet from one that no event has: a wait for the latter can only time out. So the
write side announces its head on commit and the query side compares against it. It is best effort: a
cache that does not answer means "head unknown", and the query side then waits as it always did.
"""

import logging

from django.core.cache import cache
from django.db import connections, transaction

logger = logging.getLogger(__name__)
HEAD_KEY = "event-log:head"
# Commits' callbacks can run out of position order; raising atomically in Redis keeps the head from going back.
RAISE_TO = """
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
"""


class PublishHead:
    """The on-commit callback of one transaction: it publishes the highest position the transaction appended."""

    def __init__(self, position: int) -> None:
        self.position = position

    def __call__(self) -> None:
        publish_head(self.position)


def publish_on_commit(position: int, *, using: str) -> None:
    """Once per transaction, however many events it appends."""
    for entry in connections[using].run_on_commit:
        if isinstance(entry[1], PublishHead):
            entry[1].position = max(entry[1].position, position)
            return
    transaction.on_commit(PublishHead(position), using=using, robust=True)


def publish_head(position: int) -> None:
    try:
        redis = redis_client()
        if redis is not None:
            redis.eval(RAISE_TO, 1, cache.make_key(HEAD_KEY), position)
        elif (published_head() or -1) < position:
            cache.set(HEAD_KEY, position, timeout=None)  # a local-memory cache serves one process only anyway
    except Exception:
        logger.warning("could not publish the event log's head position %s", position, exc_info=True)


def published_head() -> int | None:
    """The last published head, or None when the cache does not know it (or does not answer)."""
    try:
        value = cache.get(HEAD_KEY)
    except Exception:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def redis_client():  # type: ignore[no-untyped-def]
    """django-redis's own client, for the atomic raise; None for other cache backends."""
    client = getattr(cache, "client", None)
    get_client = getattr(client, "get_client", None)
    return get_client(write=True) if get_client is not None else None
