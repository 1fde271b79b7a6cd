"""(d) Blue/green rebuild of every projection over a mixed shop history: the set-based batch path beside the
per-event one (the same handlers, each event written on its own), in the same run, on the same log.

Rows: each projection rebuilt on its own (`blue_green.rebuild`: the admin button, `rebuild_projections
--projection`), their sum, "all projections, one read": every projection rebuilt together from one read of the
log in one process (`blue_green.rebuild_all` with PROJECTION_REBUILD_PROCESSES=1), and "all projections,
parallel": the same with one forked process per CPU, each filling a share of the projections (filling.py:
`rebuild_projections` without --projection, as deployed), each timed as one.

Sizes: BENCH_REPLAY_ORDERS (default 10000 orders, about 19k events with their products and customers; 540000
gives about 1M), BENCH_REPLAY_EACH (default 1; 0 skips the one-projection-at-a-time rebuilds),
BENCH_REPLAY_PER_EVENT (default 1: also time the per-event path; 0 skips it), BENCH_REPLAY_PER_EVENT_LIMIT
(default 0: the whole log, rebuilt per event): the per-event path over a window of N events only.

The window is taken from the middle of the log (events head/2 .. head/2 + N), applied per event to the read
models as they stood at its start (set-based up to there, all in a transaction rolled back after). Why not the
first N events: the seed writes every product and customer before the first order, so a prefix is product and
customer events only (59,400 of them at 540,000 orders) and is no sample of the log: the catalog skips most of
it and its per-event rate looked five times the others'. The middle is orders being placed, paid, shipped and
cancelled against a full catalog and customer base, as most of the log is. At a million events the per-event
path runs at about a thousand events a second per projection (over an hour for the four), and a per-event
write costs about the same at event 500,000 as at 1,000,000, so the window's rate is the baseline.
BENCH_REPLAY_VERIFY=0 skips verifying the result (at a million events the comparison takes longer than the
rebuild; the suite proves it at 100k).

The ratio is "all projections, parallel" against the per-event "all projections" (the four per-event rates
combined), both rebuilding everything; `ratio_each` compares the one-at-a-time sum instead.
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


def timed_shared_rebuild(processes: int) -> dict[str, float]:
    """Every projection rebuilt together (`rebuild_projections`): in `processes` forked shares (1: one process,
    one read of the log)."""
    from django.test import override_settings

    from projections import blue_green, filling
    from projections.registry import PROJECTIONS

    with override_settings(PROJECTION_REBUILD_PROCESSES=processes):
        shares = len(filling.shares(list(PROJECTIONS.values()), filling.process_count()))
        started = time.perf_counter()
        positions = blue_green.rebuild_all(list(PROJECTIONS.values()))
        seconds = round(time.perf_counter() - started, 3)
    events = max(positions.values())
    rate = round(events / seconds) if seconds else 0
    return {"events": events, "seconds": seconds, "events_per_second": rate, "processes": shares}


def per_event_window(head: int, limit: int) -> tuple[int, int]:
    """The positions after which the window starts and up to which it goes: `limit` events from mid-log."""
    start = max(0, min(head // 2, head - limit))
    return start, min(head, start + limit)


def timed_per_event_window(head: int, limit: int) -> dict[str, Any]:
    """The per-event path over `limit` events from mid-log, applied to the read models as of the window's start
    (set-based up to there), in one read-DB transaction rolled back after: the read models the set-based rebuild
    left (and verify checks) stay as they were."""
    from django.conf import settings
    from django.db import transaction

    from projections import runner
    from projections.registry import PROJECTIONS

    start, end = per_event_window(head, limit)
    rows: dict[str, Any] = {}
    with transaction.atomic(using="read"):
        for projection in PROJECTIONS.values():
            projection.clear()
        for batch in runner.batches(start, settings.PROJECTION_REBUILD_BATCH_SIZE):
            with runner.decoding_once():
                for projection in PROJECTIONS.values():
                    runner.apply_to_segments(projection, batch)
        for name, projection in PROJECTIONS.items():
            started = time.perf_counter()
            applied = 0
            for batch in runner.batches(end, after=start):
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
    rows["window"] = {"after": start, "up_to": end}
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
    if os.environ.get("BENCH_REPLAY_EACH", "1") != "0":
        results["set-based"] = timed_rebuilds(per_event=False)
    print("… every projection together, from one read of the log …", file=sys.stderr)
    results["set-based, one read"] = timed_shared_rebuild(1)
    processes = os.cpu_count() or 1
    print(f"… every projection together, in {processes} processes …", file=sys.stderr)
    results["set-based, parallel"] = timed_shared_rebuild(processes)
    if os.environ.get("BENCH_REPLAY_VERIFY", "1") != "0":
        print("verifying the rebuilt read models against a replay …", file=sys.stderr)
        results["verify_differences"] = sum(len(verification.verify(each)) for each in PROJECTIONS.values())
    limit = int(os.environ.get("BENCH_REPLAY_PER_EVENT_LIMIT", "0"))
    if os.environ.get("BENCH_REPLAY_PER_EVENT", "1") != "0":
        window = f" over {limit:,} events from mid-log" if limit else ""
        print(f"… and per event{window} …", file=sys.stderr)
        per_event = timed_per_event_window(seeded.head, limit) if limit else timed_rebuilds(per_event=True)
        results["per-event"] = per_event
        slow = per_event["all projections"]["events_per_second"]
        fast = results["set-based, parallel"]["events_per_second"]
        results["ratio"] = round(fast / slow, 1) if slow else None
        if "set-based" in results:
            each = results["set-based"]["all projections"]["events_per_second"]
            results["ratio_each"] = round(each / slow, 1) if slow else None
    return results


def print_replay(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"(d) blue/green rebuild over a mixed history of {results['events']:,} events")
    for heading in ("projection", "set-based s", "events/s", "per-event events", "per-event s", "events/s"):
        table.add_column(heading, justify="left" if heading == "projection" else "right")

    def cells(row: dict[str, Any] | None, *, events: bool) -> list[str]:
        if row is None:
            return ["", "", ""] if events else ["", ""]
        shown = [f"{row['seconds']:.2f}", f"{row['events_per_second']:,}"]
        return [f"{row['events']:,}", *shown] if events else shown

    each, per_event = results.get("set-based", {}), results.get("per-event", {})
    for name in [name for name in {**each, **per_event} if name != "window"]:
        table.add_row(name, *cells(each.get(name), events=False), *cells(per_event.get(name), events=True))
    table.add_row("all, one read", *cells(results["set-based, one read"], events=False), *cells(None, events=True))
    parallel = results["set-based, parallel"]
    table.add_row(f"all, {parallel['processes']} processes", *cells(parallel, events=False), *cells(None, events=True))
    Console().print(table)
    print(
        f"parallel vs per-event: {results.get('ratio')}x (one at a time: {results.get('ratio_each')}x);"
        f" load average {results['load']}",
        file=sys.stderr,
    )
