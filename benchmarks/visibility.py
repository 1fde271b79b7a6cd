"""Command → read-visible: create-order over HTTP at a steady rate; visible when the read position reaches it."""

import bisect
import http.client
import json
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Sent:
    at: float  # perf_counter when the request went out
    accepted_after: float  # seconds to the 202
    position: int  # the event-log position the 202 named


def one_command(client: Client, body: str) -> Sent:
    sent = time.perf_counter()
    status, content = client.call("POST", "/api/v1/commands/create-order/", body)
    accepted = time.perf_counter() - sent
    if status != 202:
        raise RuntimeError(f"create-order answered {status}: {content[:300]!r}")
    return Sent(at=sent, accepted_after=accepted, position=int(json.loads(content)["position"]))


class PositionWatch(threading.Thread):
    """One thread reading the orders' read position every POLL_SECONDS: when it reaches a command's position,
    the API serves that order (X-Min-Position's promise). Polling each order over HTTP instead had dozens of
    threads hammering the server being measured, so the figure measured mostly the polling."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.seen: list[tuple[float, int]] = []  # (perf_counter, read position), the position only ever grows
        self.until: int | None = None
        self.done = threading.Event()

    def run(self) -> None:
        from django.db import connection

        from projections.progress import read_position

        deadline = None
        try:
            while not self.done.is_set():
                position = read_position(("orders",))
                now = time.perf_counter()
                if not self.seen or position > self.seen[-1][1]:
                    self.seen.append((now, position))
                if self.until is not None:
                    deadline = deadline or now + VISIBLE_TIMEOUT
                    if position >= self.until or now > deadline:
                        return
                time.sleep(POLL_SECONDS)
        finally:
            connection.close()

    def visible_at(self, position: int) -> float:
        index = bisect.bisect_left([seen for _, seen in self.seen], position)
        if index == len(self.seen):
            raise RuntimeError(
                f"position {position} not read-visible within {VISIBLE_TIMEOUT}s: is the worker running?"
            )
        return self.seen[index][0]


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def command_to_visible(
    base_url: str, headers: dict[str, str], bodies: tuple[str, ...], *, rate: float, seconds: float
) -> dict[str, Any]:
    """Send `rate` commands a second for `seconds`, on a fixed schedule, whatever the answers take."""
    count = max(int(rate * seconds), 20)
    client = Client(base_url, {**headers, "Content-Type": "application/json"})
    watch = PositionWatch()
    watch.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = []
        for number in range(count):
            delay = started + number / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(one_command, client, bodies[number % len(bodies)]))
        samples = [future.result() for future in futures]
    watch.until = max(sample.position for sample in samples)
    watch.join(VISIBLE_TIMEOUT + 5)
    watch.done.set()
    accepted = [sample.accepted_after for sample in samples]
    visible = [watch.visible_at(sample.position) - sample.at for sample in samples]
    return {
        "rate_per_s": round(rate, 1),
        "commands": count,
        "accepted_p50_ms": round(statistics.median(accepted) * 1000, 1),
        "accepted_p99_ms": round(percentile(accepted, 0.99) * 1000, 1),
        "visible_p50_ms": round(statistics.median(visible) * 1000, 1),
        "visible_p99_ms": round(percentile(visible, 0.99) * 1000, 1),
        "visible_max_ms": round(max(visible) * 1000, 1),
    }
