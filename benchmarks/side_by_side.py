"""Run every row against the app and its baseline, alternating which goes first, in rounds of one run each."""

import contextlib
import statistics
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from benchmarks.cpu_use import CpuMeter
from benchmarks.http_rows import Row
from benchmarks.wrk import Load, Measured, run_wrk

CONNECTIONS = 8
WARM_UP_SECONDS = 2.0
CATCH_UP_TIMEOUT = 300.0
# A naive baseline at a million orders takes seconds per request: a run that completes fewer requests than
# this is measured again, longer, so that its rate is not a count of two or three.
MIN_REQUESTS = 50
LONGEST_RUN_SECONDS = 60.0
SETTLE_TIMEOUT = 120.0


def check(base_url: str, load: Load) -> None:
    """One request first, so that a 4xx/5xx is reported as such rather than measured as speed."""
    body = load.bodies[0].encode() if load.bodies else None
    request = urllib.request.Request(
        base_url + load.paths[0], data=body, headers=dict(load.headers), method=load.method
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{load.method} {load.paths[0]} answered {error.code}: {error.read()[:500]!r}") from error


def caught_up_position() -> int:
    """The lowest checkpoint of every consumer: projections, their segments and the reactors."""
    from projections import segments
    from projections.models import Checkpoint

    names = list(segments.consumers())
    positions = dict(Checkpoint.objects.filter(name__in=names).values_list("name", "position"))
    return min((positions.get(name, 0) for name in names), default=0)


def wait_for_projections() -> float:
    """After a write row: let the worker finish before the next row measures (seconds it took).

    The reactors and their deliveries too: the order emails are the slowest consumer, and their catch-up after
    a create-order run was measured as the next run's work (its baseline's). A message the mail backend refused
    has been tried, and is not waited for.
    """
    from projections import progress
    from projections.models import OutboxMessage

    def busy() -> bool:
        untried = OutboxMessage.objects.filter(sent_at__isnull=True, attempts=0)
        return caught_up_position() < progress.head_position() or untried.exists()

    started = time.monotonic()
    while busy():
        if time.monotonic() - started > CATCH_UP_TIMEOUT:
            raise RuntimeError("the projections did not catch up after a write row")
        time.sleep(0.2)
    return time.monotonic() - started


def settle() -> None:
    """Wait until no query of the last run is still running: wrk stops waiting when its run ends, PostgreSQL
    does not, and a naive baseline's leftover queries would be measured as the next row's slowness."""
    from django.db import connections

    deadline = time.monotonic() + SETTLE_TIMEOUT
    while time.monotonic() < deadline:
        busy = 0
        for alias in ("default", "read"):
            with connections[alias].cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                )
                busy += int(cursor.fetchone()[0])
        if not busy:
            return
        time.sleep(0.2)


def measure_once(base_url: str, load: Load, seconds: float) -> Measured:
    measured = run_wrk(base_url, load, seconds=seconds, connections=CONNECTIONS)
    while measured.requests < MIN_REQUESTS and seconds < LONGEST_RUN_SECONDS:
        seconds = min(seconds * 3, LONGEST_RUN_SECONDS)
        print(f"  {measured.requests} requests only: {load.paths[0]} again for {seconds:g} s", file=sys.stderr)
        settle()
        measured = run_wrk(base_url, load, seconds=seconds, connections=CONNECTIONS)
    settle()
    if measured.non_2xx_3xx or measured.socket_errors:
        raise RuntimeError(
            f"{load.paths[0]}: {measured.non_2xx_3xx} non-2xx and {measured.socket_errors} socket errors"
        )
    return measured


def side_by_side(
    base_url: str, rows: list[Row], *, rounds: int, seconds: float, meter: Callable[[], CpuMeter] | None = None
) -> dict[str, dict[str, Any]]:
    """`meter`: a write row's runs are also metered (CPU ms per request by process group), until caught up."""
    runs: dict[str, dict[str, list[Measured]]] = {row.key: {"app": [], "baseline": []} for row in rows}
    cpu: dict[str, dict[str, list[dict[str, float]]]] = {row.key: {"app": [], "baseline": []} for row in rows}
    for row in rows:
        for load in (row.app, row.baseline):
            if load is not None:
                check(base_url, load)
                run_wrk(base_url, load, seconds=WARM_UP_SECONDS, connections=CONNECTIONS)
        if row.writes:
            wait_for_projections()
    for number in range(rounds):
        for row in rows:
            sides = [("app", row.app), ("baseline", row.baseline)]
            for side, load in sides[:: -1 if number % 2 else 1]:
                if load is None:
                    continue
                metered = meter() if meter is not None and row.writes else None
                with metered or contextlib.nullcontext():
                    measured = measure_once(base_url, load, seconds)
                    if row.writes:
                        wait_for_projections()
                runs[row.key][side].append(measured)
                used = ""
                if metered is not None:
                    cpu[row.key][side].append(metered.per_request(measured.requests))
                    used = "  CPU ms/request " + " ".join(f"{k} {v:.2f}" for k, v in cpu[row.key][side][-1].items())
                print(
                    f"  round {number + 1}/{rounds} {row.key:<20} {side:<8} {measured.per_second:8.1f} req/s"
                    f"  p50 {measured.p50_ms:6.1f} ms  p99 {measured.p99_ms:7.1f} ms{used}",
                    file=sys.stderr,
                )
    return {row.key: summarize(row, runs[row.key], cpu[row.key]) for row in rows}


def summary(runs: list[Measured]) -> dict[str, Any]:
    rates = [run.per_second for run in runs]
    return {
        "req_per_s": round(statistics.median(rates), 1),
        "req_per_s_range": [round(min(rates), 1), round(max(rates), 1)],
        "p50_ms": round(statistics.median(run.p50_ms for run in runs), 2),
        "p99_ms": round(statistics.median(run.p99_ms for run in runs), 2),
        "p99_ms_worst": round(max(run.p99_ms for run in runs), 2),
        "runs": [asdict(run) for run in runs],
    }


def cpu_summary(used: list[dict[str, float]]) -> dict[str, Any]:
    """The median CPU ms per request of each process group over the rounds, and of their sum."""
    if not used:
        return {}
    groups = {name: round(statistics.median(run[name] for run in used), 3) for name in used[0]}
    total = round(statistics.median(sum(run.values()) for run in used), 3)
    return {"cpu_ms_per_request": groups | {"total": total}}


def summarize(
    row: Row, runs: dict[str, list[Measured]], cpu: dict[str, list[dict[str, float]]] | None = None
) -> dict[str, Any]:
    cpu = cpu or {"app": [], "baseline": []}
    result: dict[str, Any] = {"title": row.title, "app": summary(runs["app"]) | cpu_summary(cpu["app"])}
    if runs["baseline"]:
        result["baseline"] = summary(runs["baseline"]) | cpu_summary(cpu["baseline"]) | {"title": row.baseline_title}
        if cpu["app"] and cpu["baseline"]:
            # Per round again: the CPU a baseline request cost over what an app request cost, both whole.
            paired = zip(cpu["app"], cpu["baseline"], strict=True)
            costs = [sum(b.values()) / sum(a.values()) for a, b in paired if sum(a.values())] or [0.0]
            result["vs_baseline_cpu"] = round(statistics.median(costs), 3)
            result["vs_baseline_cpu_range"] = [round(min(costs), 3), round(max(costs), 3)]
        # Ratio per round (the two runs sat next to each other), then the median of those.
        # A baseline that finished nothing even in the longest run leaves that round without a ratio.
        pairs = [a.per_second / b.per_second for a, b in zip(runs["app"], runs["baseline"], strict=True) if b.requests]
        pairs = pairs or [0.0]
        result["vs_baseline"] = round(statistics.median(pairs), 3)
        result["vs_baseline_range"] = [round(min(pairs), 3), round(max(pairs), 3)]
    return result


def add_ceiling_ratios(results: dict[str, dict[str, Any]]) -> None:
    ceiling = results["ceiling"]["app"]["req_per_s"]
    for key, result in results.items():
        if key != "ceiling":
            result["vs_ceiling"] = round(result["app"]["req_per_s"] / ceiling, 3)
