"""API clients for load tests, each in a thread of its own (its own database connections), as a real client would
be: a writer sending commands, a reader polling one order, a reader waiting for its own last write.

Every answer is recorded with how far the running orders rebuild was when it came (its share done, from the
progress the rebuild task keeps in the cache), so a test can say which reads and writes happened mid-rebuild.
"""

import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import connections
from rest_framework.test import APIClient

from benchmarks.shop_seed import Seeded
from projections.progress import read_position as read_position_of
from projections.progress import rebuild_progress
from tests.commands.command_api import post_command

PACE_SECONDS = 0.1  # a client's think time between requests: the rebuild must overtake the writers, as in a shop
REBUILT = "orders"


def rebuild_share() -> float | None:
    """How much of the running orders rebuild is done (0 to 1); None while none runs."""
    progress = rebuild_progress(REBUILT)
    return progress["applied"] / progress["total"] if progress else None


def mid_rebuild(share: float | None) -> bool:
    """Past its first 1% and short of its last: the new generation was filling, the old one served."""
    return share is not None and 0.01 < share < 0.99


class ClientThread(threading.Thread):
    """Calls `step` until `stop` is set, with a staff token over the API; an exception ends it and is kept."""

    def __init__(self, token: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.client = APIClient()
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        self.stop = stop
        self.errors: list[BaseException] = []

    def run(self) -> None:
        try:
            while not self.stop.wait(PACE_SECONDS):
                self.step()
        except BaseException as error:
            self.errors.append(error)
        finally:
            connections.close_all()

    def step(self) -> None:
        raise NotImplementedError


class Writer(ClientThread):
    """Places orders for seeded customers, pays every other one and registers a customer every fifth step;
    once the rebuild is under way it pays the watched order, and ships it once the rebuild is half done."""

    def __init__(self, token: str, stop: threading.Event, seeded: Seeded, watched: str) -> None:
        super().__init__(token, stop)
        self.seeded = seeded
        self.watched = watched
        self.steps = 0
        self.orders: dict[str, int] = {}  # every order written to: its version after the last command
        self.customers: list[str] = []
        self.latest: tuple[str, int, int] | None = None  # the last order command's (order, version, position)
        self.watched_moves: list[tuple[str, float | None]] = []  # command, rebuild share when it was accepted
        self.pending_moves = [("pay-order", 0.01), ("ship-order", 0.5)]  # each once the rebuild is that far

    def send(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        response = post_command(self.client, name, body)
        assert response.status_code == 202, (name, response.status_code, response.content)
        return response.json()

    def on_order(self, name: str, body: dict[str, Any]) -> str:
        accepted = self.send(name, body)
        order = accepted["aggregate_id"]
        self.orders[order] = accepted["version"]
        self.latest = (order, accepted["version"], accepted["position"])
        return order

    def step(self) -> None:
        self.steps += 1
        share = rebuild_share()
        if self.pending_moves and mid_rebuild(share) and share is not None and share > self.pending_moves[0][1]:
            name, _ = self.pending_moves.pop(0)
            self.on_order(name, {"order_id": self.watched})
            self.watched_moves.append((name, share))
            return
        customers, products = self.seeded.customer_ids, self.seeded.product_ids
        lines = [{"product_id": products[self.steps % len(products)], "quantity": 1}]
        order = self.on_order("create-order", {"customer_id": customers[self.steps % len(customers)], "lines": lines})
        if self.steps % 2:
            self.on_order("pay-order", {"order_id": order})
        if self.steps % 5 == 0:
            email = f"under-load-{uuid.uuid4().hex[:10]}@example.com"
            self.customers.append(self.send("register-customer", {"email": email, "name": "Load"})["aggregate_id"])

    def summary(self) -> str:
        return f"writer: {len(self.orders)} orders, {len(self.customers)} customers, watched {self.watched_moves}"


@dataclass(frozen=True)
class Seen:
    status: int
    version: int | None
    read_position: int
    share: float | None


class Watcher(ClientThread):
    """Polls one order's document, as a customer's open page would."""

    def __init__(self, token: str, stop: threading.Event, order: str) -> None:
        super().__init__(token, stop)
        self.order = order
        self.answers: list[Seen] = []

    def step(self) -> None:
        response = self.client.get(f"/api/v1/orders/{self.order}/")
        version = response.json().get("version") if response.status_code == 200 else None
        self.answers.append(Seen(response.status_code, version, int(response["X-Read-Position"]), rebuild_share()))

    def summary(self) -> str:
        during = sum(mid_rebuild(answer.share) for answer in self.answers)
        return f"watcher: {len(self.answers)} reads of the watched order, {during} mid-rebuild"


@dataclass(frozen=True)
class OwnRead:
    status: int
    wanted: int
    wanted_version: int
    version: int | None
    read_position: int
    seconds: float
    share_before: float | None
    share: float | None
    customers_position: int  # the customers projection's, not rebuilt: did live projection lag as a whole?


class OwnWriteReader(ClientThread):
    """Reads the writer's last order with X-Min-Position set to the position its command returned."""

    def __init__(self, token: str, stop: threading.Event, writer: Writer) -> None:
        super().__init__(token, stop)
        self.writer = writer
        self.answers: list[OwnRead] = []

    def step(self) -> None:
        latest = self.writer.latest
        if latest is None or (self.answers and self.answers[-1].wanted == latest[2]):
            return  # nothing new written since the last read
        order, version, position = latest
        before = rebuild_share()
        started = time.monotonic()
        response = self.client.get(f"/api/v1/orders/{order}/", HTTP_X_MIN_POSITION=str(position))
        seconds = time.monotonic() - started
        served = response.json().get("version") if response.status_code == 200 else None
        read_position = int(response["X-Read-Position"]) if "X-Read-Position" in response else -1
        self.answers.append(
            OwnRead(
                response.status_code,
                position,
                version,
                served,
                read_position,
                seconds,
                before,
                rebuild_share(),
                read_position_of(("customers",)),
            )
        )

    def late(self) -> list[OwnRead]:
        return [answer for answer in self.answers if answer.status != 200]

    def summary(self) -> str:
        during = [a for a in self.answers if mid_rebuild(a.share_before) and mid_rebuild(a.share)]
        slowest = max((answer.seconds for answer in self.answers), default=0.0)
        return (
            f"own writes: {len(self.answers)} reads with X-Min-Position, {len(during)} wholly mid-rebuild,"
            f" {len(self.late())} not served, slowest {slowest:.2f}s; not served: {self.late()}"
        )


class LockWatch(threading.Thread):
    """Notes every lock wait in the read database while it runs, with what blocks it: when a read is not served
    in time, the summary says whether the live runner was waiting for the rebuild (or anything else)."""

    QUERY = (
        "SELECT left(waiting.query, 160), waiting.wait_event, left(blocking.query, 160), blocking.state"
        " FROM pg_stat_activity waiting JOIN pg_stat_activity blocking"
        " ON blocking.pid = ANY(pg_blocking_pids(waiting.pid))"
        " WHERE waiting.datname = current_database() AND waiting.wait_event_type = 'Lock'"
    )

    def __init__(self, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.stop = stop
        self.waits: dict[tuple[str, ...], int] = {}  # (waiting query, lock, blocking query, its state): samples
        self.errors: list[BaseException] = []

    def run(self) -> None:
        try:
            while not self.stop.wait(0.2):
                with connections["read"].cursor() as cursor:
                    cursor.execute(self.QUERY)
                    for row in cursor.fetchall():
                        self.waits[row] = self.waits.get(row, 0) + 1
        except BaseException as error:
            self.errors.append(error)
        finally:
            connections.close_all()

    def summary(self) -> str:
        ranked = sorted(self.waits.items(), key=lambda item: -item[1])[:5]
        return "lock waits in the read database (samples of 0.2 s): " + (
            "; ".join(f"{count} samples: {row}" for row, count in ranked) or "none"
        )
