"""(d) Blue/green rebuild of every projection over a mixed shop history: the set-based batch path beside the
per-event one (the same handlers, each event written on its own), in the same run, on the same log.

Sizes: BENCH_REPLAY_ORDERS (default 10000 orders, about 19k events with their products and customers; 540000
gives about 1M), BENCH_REPLAY_PER_EVENT (default 1: also time the per-event path; 0 skips it),
BENCH_REPLAY_PER_EVENT_LIMIT (default 0: the whole log): the per-event path over the first N events only. At a
million events it runs at about a thousand events a second per projection, over an hour for the four: its rate
over a prefix is the baseline, measured in the same run on the same log (a per-event write costs the same at
event 50,000 as at event 1,000,000, give or take an index level). Mind the mix: the seed writes every product
and customer before the first order, so a prefix shorter than those (59,400 events at 540,000 orders) holds no
order event, and the orders projection's per-event rate is then that of customer events only.
BENCH_REPLAY_VERIFY=0 skips verifying the result (at a million events the comparison takes longer than the
rebuild; the suite proves it at 100k).
"""

import os
import sys
import time
from typing import Any

from benchmarks.shop_plan import Scale


def replay_scale() -> Scale:
    orders = int(os.environ.get("BENCH_REPLAY_ORDERS", 10_000))
    return Scale("replay", customers=max(orders // 10, 10), products=max(orders // 100, 5), orders=orders)


def timed_rebuilds(*, per_event: bool) -> dict[str, dict[str, float]]:
    from projections import blue_green
    from projections.registry import PROJECTIONS

    rows = {}
    for name, projection in PROJECTIONS.items():
        started = time.perf_counter()
        head = blue_green.rebuild(projection, per_event=per_event)  # the bench log starts at position 1
        rows[name] = {"events": head, "seconds": round(time.perf_counter() - started, 3)}
    total = sum(row["seconds"] for row in rows.values())
    events = max(row["events"] for row in rows.values())
    rows["all projections"] = {"events": events, "seconds": round(total, 3)}
    for row in rows.values():
        row["events_per_second"] = round(row["events"] / row["seconds"]) if row["seconds"] else 0
    return rows


def timed_per_event_prefix(limit: int) -> dict[str, dict[str, float]]:
    """The per-event path over the first `limit` events, each projection in one transaction rolled back after:
    the read models the set-based rebuild left (and verify checks) stay as they were."""
    from django.db import transaction

    from projections import runner
    from projections.registry import PROJECTIONS

    rows = {}
    for name, projection in PROJECTIONS.items():
        with transaction.atomic(using="read"):
            projection.clear()
            started = time.perf_counter()
            applied = 0
            for batch in runner.batches(limit):
                runner.apply_to_segments(projection, batch, per_event=True)
                applied += len(batch)
            rows[name] = {"events": applied, "seconds": round(time.perf_counter() - started, 3)}
            transaction.set_rollback(True, using="read")
    rows["all projections"] = {
        "events": max(row["events"] for row in rows.values()),
        "seconds": round(sum(row["seconds"] for row in rows.values()), 3),
    }
    for row in rows.values():
        row["events_per_second"] = round(row["events"] / row["seconds"]) if row["seconds"] else 0
    return rows


def measure_replay() -> dict[str, Any]:
    from django.core.management import call_command

    from benchmarks.shop_seed import seed_shop
    from projections import verification
    from projections.registry import PROJECTIONS

    for alias in ("default", "read"):
        call_command("migrate", database=alias, verbosity=0)
    scale = replay_scale()
    print(f"seeding a mixed history of {scale.orders:,} orders …", file=sys.stderr)
    seeded = seed_shop(scale)
    results: dict[str, Any] = {"events": seeded.head, "load": os.getloadavg()}  # the whole log, earlier parts too
    print(f"rebuilding every projection over {seeded.head:,} events, set-based …", file=sys.stderr)
    results["set-based"] = timed_rebuilds(per_event=False)
    if os.environ.get("BENCH_REPLAY_VERIFY", "1") != "0":
        print("verifying the rebuilt read models against a replay …", file=sys.stderr)
        results["verify_differences"] = sum(len(verification.verify(each)) for each in PROJECTIONS.values())
    limit = int(os.environ.get("BENCH_REPLAY_PER_EVENT_LIMIT", "0"))
    if os.environ.get("BENCH_REPLAY_PER_EVENT", "1") != "0":
        print(f"… and per event{f' over the first {limit:,} events' if limit else ''} …", file=sys.stderr)
        results["per-event"] = timed_per_event_prefix(limit) if limit else timed_rebuilds(per_event=True)
        fast, slow = (results[path]["all projections"]["events_per_second"] for path in ("set-based", "per-event"))
        results["ratio"] = round(fast / slow, 1) if slow else None
    return results


def print_replay(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    paths = [path for path in ("set-based", "per-event") if path in results]
    table = Table(title=f"(d) blue/green rebuild over a mixed history of {results['events']:,} events")
    table.add_column("projection")
    for path in paths:
        table.add_column(f"{path} s", justify="right")
        table.add_column(f"{path} events/s", justify="right")
    for name in results["set-based"]:
        cells = []
        for path in paths:
            row = results[path][name]
            cells += [f"{row['seconds']:.2f}", f"{row['events_per_second']:,}"]
        table.add_row(name, *cells)
    Console().print(table)
    print(f"set-based vs per-event: {results.get('ratio')}x; load average {results['load']}", file=sys.stderr)
