"""GET /metrics for Prometheus, open only to METRICS_TOKEN (a bearer token) or METRICS_ALLOWED_NETWORKS.

With neither set nobody may scrape: the page names projections and command volumes, which is not public.
"""

import hashlib
import hmac
import ipaddress
import logging
import os
from collections.abc import Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)


class ProjectionCollector(Collector):
    """Read at scrape time from the databases, so every process reports the same, current numbers."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from projections.progress import projection_statuses

        events = GaugeMetricFamily(
            "shop_projection_events_behind", "Events in the log the projection has not applied", labels=["projection"]
        )
        seconds = GaugeMetricFamily(
            "shop_projection_seconds_behind", "Age of the oldest event not yet applied", labels=["projection"]
        )
        parked = GaugeMetricFamily(
            "shop_projection_parked_events", "Events set aside after repeated failures", labels=["projection"]
        )
        up = GaugeMetricFamily("shop_projection_status_up", "1 when the projection state could be read")
        try:
            statuses = projection_statuses()
        except Exception:
            logger.warning("metrics: projection state unreadable", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        for status in statuses:
            events.add_metric([status.name], status.events_behind)
            seconds.add_metric([status.name], status.seconds_behind)
            parked.add_metric([status.name], status.parked)
        up.add_metric([], 1)
        yield from (events, seconds, parked, up)


def counted_samples() -> bytes:
    """The counters and histograms of every web process (multiprocess mode), or of this one."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def token_matches(request: HttpRequest) -> bool:
    expected = settings.METRICS_TOKEN
    if not expected:
        return False
    sent = request.META.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
    # Digests: a constant-time comparison of equal-length bytes, whatever bytes the header carried.
    digest = hashlib.sha256(sent.encode("utf-8", "surrogateescape")).digest()
    return hmac.compare_digest(digest, hashlib.sha256(expected.encode()).digest())


def address_allowed(request: HttpRequest) -> bool:
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network, strict=False) for network in settings.METRICS_ALLOWED_NETWORKS)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format: the web processes' counters, then the projections' lag read from the databases."""
    if not (token_matches(request) or address_allowed(request)):
        if settings.METRICS_TOKEN:
            response = JsonResponse({"detail": "A valid bearer token is required."}, status=401)
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
        return JsonResponse({"detail": "Metrics are not available to this address."}, status=403)
    lag = CollectorRegistry(auto_describe=False)
    lag.register(ProjectionCollector())
    return HttpResponse(counted_samples() + generate_latest(lag), content_type=CONTENT_TYPE_LATEST)
