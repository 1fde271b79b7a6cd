"""The rebuild-throughput part of `make bench`: the catalog projection over a log of product events.

Sizes: BENCH_EVENTS (default 100000 product events), BENCH_NAIVE_EVENTS (the naive baseline's prefix,
default 10000: a transaction per event is slow enough that the whole log would take minutes),
BENCH_COMMANDS (default 200 commands for the latency measure), BENCH_POLL_SECONDS (default 0.005).
Then (d), benchmarks/replay.py: every projection rebuilt over a mixed history, set-based beside per-event
(BENCH_REPLAY_ORDERS=540000 for about a million events).
"""

import os
import platform
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.table import Table


def setting(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def measure(*, events: int, naive_events: int, commands: int) -> dict[str, Any]:
    from django.core.management import call_command

    from benchmarks import latency, seeding, throughput
    from projections.registry import PROJECTIONS

    for alias in ("default", "read"):
        call_command("migrate", database=alias, verbosity=0)
    print(f"seeding {events:,} product events …", file=sys.stderr)
    seeded = seeding.seed_product_events(total=events)
    catalog = PROJECTIONS["catalog"]
    print("timing the catalog projection …", file=sys.stderr)
    timings = throughput.throughput(catalog, naive_limit=min(naive_events, seeded))
    print("measuring peak memory (tracemalloc) …", file=sys.stderr)
    memory = throughput.memory(catalog)
    print(f"bringing every projection to the head, then {commands} commands through a worker …", file=sys.stderr)
    lag = latency.latency(commands=commands)
    return {
        "measured_at": datetime.now(UTC).isoformat(),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "events": seeded,
        "throughput": {
            name: {
                "events": timed.events,
                "seconds": round(timed.seconds, 3),
                "events_per_second": round(timed.per_second),
            }
            for name, timed in timings.items()
        },
        "peak_memory_bytes": memory,
        "command_to_read_seconds": {key: round(value, 4) for key, value in lag.items()},
    }


def ratios(results: dict[str, Any]) -> dict[str, float]:
    rates = {name: row["events_per_second"] for name, row in results["throughput"].items()}
    rebuild = rates["rebuild (runner.rebuild)"]
    naive = next(rate for name, rate in rates.items() if name.startswith("naive"))
    memory = results["peak_memory_bytes"]
    return {
        "rebuild vs naive (events/s ratio)": round(rebuild / naive, 1),
        "rebuild vs read-only (events/s ratio)": round(rebuild / rates["read events only"], 2),
        "rebuild vs read-only (peak memory ratio)": round(memory["rebuild"] / memory["read events only"], 2),
    }


def print_tables(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"(a) catalog projection over {results['events']:,} product events")
    for heading, justify in (("path", "left"), ("events", "right"), ("seconds", "right"), ("events/s", "right")):
        table.add_column(heading, justify=justify)  # type: ignore[arg-type]
    for name, row in results["throughput"].items():
        table.add_row(name, f"{row['events']:,}", f"{row['seconds']:.2f}", f"{row['events_per_second']:,}")
    console.print(table)

    lag = results["command_to_read_seconds"]
    table = Table(title=f"(b) {lag['commands']} create-product commands: 202 → visible in the read API")
    for heading in ("median s", "p95 s", "max s"):
        table.add_column(heading, justify="right")
    table.add_row(f"{lag['median']:.4f}", f"{lag['p95']:.4f}", f"{lag['max']:.4f}")
    console.print(table)

    memory = {name: f"{size / 2**20:.1f}" for name, size in results["peak_memory_bytes"].items()}
    console.print(named_values("(c) peak Python memory (tracemalloc)", ("path", "MiB"), memory))
    ratios = {name: f"{value}x" for name, value in results["ratios"].items()}
    console.print(named_values("ratios", ("comparison", "ratio"), ratios))


def named_values(title: str, headings: tuple[str, str], values: dict[str, str]) -> "Table":
    """A two-column table: a name on the left, its (right-aligned) value."""
    from rich.table import Table

    table = Table(title=title)
    table.add_column(headings[0])
    table.add_column(headings[1], justify="right")
    for name, value in values.items():
        table.add_row(name, value)
    return table


def run_rebuild_part() -> dict[str, Any]:
    """Migrate, seed product events, time the rebuild paths and the latency; print the tables."""
    results = measure(
        events=setting("BENCH_EVENTS", 100_000),
        naive_events=setting("BENCH_NAIVE_EVENTS", 10_000),
        commands=setting("BENCH_COMMANDS", 200),
    )
    results["ratios"] = ratios(results)
    print_tables(results)
    from benchmarks.replay import measure_replay, print_replay

    results["replay"] = measure_replay()
    print_replay(results["replay"])
    return results
