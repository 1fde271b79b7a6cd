"""Spread query traffic over PostgreSQL streaming replicas of the read database (READ_REPLICA_URLS).

Only safe requests (GET, HEAD, OPTIONS) of the web processes read from a replica; projections, checkpoints,
admin actions and every POST use the primary. A request picks one replica when it starts and reads
everything from it, so the read position it reports is that replica's own: the checkpoint rows replicate
in the same transactions as the read-model rows they describe. X-Min-Position and ?after=N therefore wait
on the replica that answers (replication is usually milliseconds behind the primary).

A replica is skipped when it does not answer (for READ_REPLICA_RETRY_SECONDS) or when its read position
is more than READ_REPLICA_MAX_LAG_EVENTS behind the primary's (checked every READ_REPLICA_CHECK_SECONDS).
With no usable replica the request reads from the primary.
"""

import contextvars
import dataclasses
import logging
import random
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connections
from django.db.models import Min
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)
PRIMARY = "read"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_serving: contextvars.ContextVar[str | None] = contextvars.ContextVar("read_replica", default=None)


def replica_alias(index: int) -> str:
    return f"read_replica_{index}"


def serving_replica() -> str | None:
    """The replica this request reads the read models from, or None (the primary)."""
    return _serving.get()


@dataclasses.dataclass
class ReplicaHealth:
    down_until: float = 0.0
    lag_checked_at: float = float("-inf")
    lagging: bool = False


_health: dict[str, ReplicaHealth] = {}


def read_position_on(alias: str) -> int | None:
    """The read position as progress.py means it: the projections' checkpoints only, not a reactor's (the
    email outbox's progress says nothing about what a query serves) nor a rebuild's next generation."""
    from projections import segments
    from projections.models import Checkpoint

    checkpoints = Checkpoint.objects.using(alias).filter(name__in=segments.expand())
    return checkpoints.aggregate(position=Min("position"))["position"]


def too_far_behind(alias: str) -> bool:
    """True when the replica's read position trails the primary's by more than READ_REPLICA_MAX_LAG_EVENTS."""
    replica = read_position_on(alias) or 0
    try:
        primary = read_position_on(PRIMARY) or 0
    except Exception:
        # The primary is unreachable: a replica that answers is the best there is.
        logger.warning("read primary unreachable while checking %s's lag", alias, exc_info=True)
        return False
    return primary - replica > settings.READ_REPLICA_MAX_LAG_EVENTS


def usable(alias: str, now: float) -> bool:
    health = _health.setdefault(alias, ReplicaHealth())
    if now < health.down_until:
        return False
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")  # after Django's own health check: a dead connection reconnects here
        if now - health.lag_checked_at >= settings.READ_REPLICA_CHECK_SECONDS:
            health.lagging = too_far_behind(alias)
            health.lag_checked_at = now
            if health.lagging:
                logger.warning("read replica %s is too far behind the primary; skipping it", alias)
    except Exception:
        logger.warning("read replica %s does not answer; skipping it", alias, exc_info=True)
        connections[alias].close()
        health.down_until = now + settings.READ_REPLICA_RETRY_SECONDS
        return False
    return not health.lagging


def choose_replica() -> str | None:
    """A usable replica in random order (spreading the load), or None."""
    aliases = list(settings.READ_REPLICAS)
    random.shuffle(aliases)
    now = time.monotonic()
    return next((alias for alias in aliases if usable(alias, now)), None)


class ReadReplicaMiddleware:
    """Route a safe request's read-model queries to one replica for the whole request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in SAFE_METHODS or not settings.READ_REPLICAS:
            return self.get_response(request)
        token = _serving.set(choose_replica())
        try:
            return self.get_response(request)
        finally:
            _serving.reset(token)
