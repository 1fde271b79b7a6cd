"""CPU time per request by process group: what a run cost the machine, whatever else the machine was doing.

On a shared machine a row's requests per second swing with the neighbours' load (create-order's rounds ranged
0.49-0.95x its baseline in one run); the CPU one request costs the web workers, the projection worker and each
database's backends does not. A write row's run is metered until the projections have caught up, so the
worker's share of it is counted whether it kept up during the run or after it.
Backends come and go with the worker's connections: the groups are sampled every SAMPLE_SECONDS, and a process
that exits between two samples loses only what it used since the last one.
"""

import os
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import psycopg

SAMPLE_SECONDS = 0.05
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> set[int]:
    """`pid` and its descendants (gunicorn's workers, Celery's prefork children)."""
    found = {pid}
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return found
    for child in children:
        found |= process_tree(int(child))
    return found


def cpu_ms(pid: int) -> float | None:
    """User + system CPU of the process so far (all its threads), or None once it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) * 1000 / TICKS_PER_SECOND


class Backends:
    """The client backends of one database, without the harness's own (its polls are not the app's work)."""

    def __init__(self, url: str, *, excluded: Callable[[], set[int]]) -> None:
        self.url = url
        self.excluded = excluded
        self.connection: psycopg.Connection | None = None

    def __call__(self) -> set[int]:
        if self.connection is None:
            self.connection = psycopg.connect(self.url, autocommit=True)
        rows = self.connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'"
        ).fetchall()
        return {int(row[0]) for row in rows} - self.excluded()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class CpuMeter:
    """`with meter:` around a run, then `per_request(requests)`: CPU ms per request of each group."""

    def __init__(self, groups: dict[str, Callable[[], set[int]]]) -> None:
        self.groups = groups
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._first: dict[tuple[str, int], float] = {}
        self._last: dict[tuple[str, int], float] = {}

    def _sample(self, *, started: bool) -> None:
        for name, pids in self.groups.items():
            for pid in pids():
                used = cpu_ms(pid)
                if used is None:
                    continue
                # A process born during the run is counted from zero: all its CPU is the run's.
                self._first.setdefault((name, pid), 0.0 if started else used)
                self._last[(name, pid)] = used

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self._sample(started=True)
        self._sample(started=True)

    def __enter__(self) -> "CpuMeter":
        self._sample(started=False)
        self._thread = threading.Thread(target=self._run, name="cpu-meter", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        for pids in self.groups.values():
            if isinstance(pids, Backends):
                pids.close()

    def per_request(self, requests: int) -> dict[str, float]:
        used = dict.fromkeys(self.groups, 0.0)
        for (name, pid), last in self._last.items():
            used[name] += last - self._first[(name, pid)]
        return {name: round(value / max(requests, 1), 3) for name, value in used.items()}
