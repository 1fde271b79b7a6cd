"""What the web processes count for Prometheus: commands by outcome, command and query latency, wake-ups.

Under gunicorn, PROMETHEUS_MULTIPROC_DIR (set by gunicorn.conf.py) makes prometheus-client keep these in
files shared by the workers, so that a scrape answered by any worker sums them all.
"""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from prometheus_client import Counter, Histogram

COMMANDS = Counter(
    "shop_commands", "Commands received, by command name and outcome (the HTTP status)", ["command", "outcome"]
)
COMMAND_SECONDS = Histogram("shop_command_duration_seconds", "Time to answer a command", ["command"])
QUERY_SECONDS = Histogram(
    "shop_query_duration_seconds", "Time to answer a query (API, storefront or admin page)", ["view"]
)
WAKE_UPS = Counter(
    "shop_projection_wake_ups",
    "Projection wake-ups after a commit: sent (a task queued), pending (every projection has one waiting already),"
    " failed (broker down) or skipped (paused)",
    ["outcome"],
)
NOT_QUERIES = frozenset({"healthz", "readyz", "metrics"})


def command_name(request: HttpRequest) -> str | None:
    """The command a request was routed to (both its URL forms), or None for anything else."""
    match = request.resolver_match
    spec = getattr(getattr(match.func, "view_class", None), "spec", None) if match else None
    return getattr(spec, "name", None)


class RequestMetricsMiddleware:
    """Count and time commands and queries; labels are route names, never paths (bounded cardinality)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        match = request.resolver_match
        if match is None:
            return response  # not routed: static files, 404s of unknown paths
        if command := command_name(request):
            COMMANDS.labels(command=command, outcome=str(response.status_code)).inc()
            COMMAND_SECONDS.labels(command=command).observe(elapsed)
        elif request.method in ("GET", "HEAD") and match.view_name and match.view_name not in NOT_QUERIES:
            QUERY_SECONDS.labels(view=match.view_name).observe(elapsed)
        return response
