"""Command → read-visible over HTTP: create-order at a steady rate, each order polled until its document answers."""

import http.client
import json
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

POLL_SECONDS = 0.005
VISIBLE_TIMEOUT = 30.0


class Client(threading.local):
    """One keep-alive connection per thread, as a real integrator would hold."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        address = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=30)
        self.headers = headers

    def call(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        """One request; once more on a fresh connection if the server had closed the idle one (keep-alive timeout)."""
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=self.headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.connection.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def one_command(client: Client, body: str) -> tuple[float, float]:
    """(seconds to 202, seconds from sending to the order document answering 200)."""
    sent = time.perf_counter()
    status, content = client.call("POST", "/api/v1/commands/create-order/", body)
    accepted = time.perf_counter() - sent
    if status != 202:
        raise RuntimeError(f"create-order answered {status}: {content[:300]!r}")
    path = f"/api/v1/orders/{json.loads(content)['aggregate_id']}/"
    while client.call("GET", path)[0] != 200:
        if time.perf_counter() - sent > VISIBLE_TIMEOUT:
            raise RuntimeError(f"{path} not visible after {VISIBLE_TIMEOUT}s: is the worker running?")
        time.sleep(POLL_SECONDS)
    return accepted, time.perf_counter() - sent


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def command_to_visible(
    base_url: str, headers: dict[str, str], bodies: tuple[str, ...], *, rate: float, seconds: float
) -> dict[str, Any]:
    """Send `rate` commands a second for `seconds`, on a fixed schedule, whatever the answers take."""
    count = max(int(rate * seconds), 20)
    client = Client(base_url, {**headers, "Content-Type": "application/json"})
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = []
        for number in range(count):
            delay = started + number / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(one_command, client, bodies[number % len(bodies)]))
        samples = [future.result() for future in futures]
    accepted = [sample[0] for sample in samples]
    visible = [sample[1] for sample in samples]
    return {
        "rate_per_s": round(rate, 1),
        "commands": count,
        "accepted_p50_ms": round(statistics.median(accepted) * 1000, 1),
        "accepted_p99_ms": round(percentile(accepted, 0.99) * 1000, 1),
        "visible_p50_ms": round(statistics.median(visible) * 1000, 1),
        "visible_p99_ms": round(percentile(visible, 0.99) * 1000, 1),
        "visible_max_ms": round(max(visible) * 1000, 1),
    }
