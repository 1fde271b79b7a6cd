"""/healthz says the process lives and reaches its databases; /readyz says it should get traffic."""

import logging
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from config.celery import app as celery_app

logger = logging.getLogger(__name__)
DATABASES = ("default", "read")


def unreachable_databases() -> list[str]:
    failed = []
    for alias in DATABASES:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception:
            logger.warning("database %s does not answer", alias, exc_info=True)
            failed.append(alias)
    return failed


def broker_problem() -> str | None:
    """None when the broker accepts a connection within a couple of seconds, else why not."""
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception as error:
        logger.warning("broker does not answer", exc_info=True)
        return f"{type(error).__name__}: {error}"[:200]
    return None


def lagging_projections() -> list[dict[str, Any]]:
    """Projections further behind the log than PROJECTION_READY_MAX_LAG_EVENTS or _SECONDS allow."""
    from projections.progress import projection_statuses
    from projections.registry import PROJECTIONS

    max_events = settings.PROJECTION_READY_MAX_LAG_EVENTS
    max_seconds = settings.PROJECTION_READY_MAX_LAG_SECONDS
    return [
        {"name": status.name, "events_behind": status.events_behind, "seconds_behind": status.seconds_behind}
        for status in projection_statuses(names=tuple(PROJECTIONS))
        if status.events_behind > max_events or status.seconds_behind > max_seconds
    ]


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: 200 when both databases answer, 503 otherwise."""
    failed = unreachable_databases()
    if failed:
        return JsonResponse({"status": "unavailable", "failed": failed}, status=503)
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: both databases, the broker, and every projection within the configured lag; else 503 and why."""
    problems: dict[str, Any] = {}
    if failed := unreachable_databases():
        problems["databases"] = failed
    if broker := broker_problem():
        problems["broker"] = broker
    if not problems.get("databases") and (lagging := lagging_projections()):
        problems["projections"] = lagging
    if problems:
        return JsonResponse({"status": "not_ready", "problems": problems}, status=503)
    return JsonResponse({"status": "ready"})
