"""`make bench` → python -m benchmarks.run: the side-by-side HTTP harness, then the rebuild throughput.

    make bench                              # full scale: 100k customers, 10k products, 1M orders
    make bench BENCH_ARGS="--scale small"   # 1k / 100 / 10k, a few minutes
    make bench BENCH_ARGS="--part rebuild"  # only the projection rebuild throughput
    make bench BENCH_ARGS="--part replay"   # only (d): every projection rebuilt, set-based beside per-event
    make bench BENCH_ARGS="--part catchup --catchup-events 200000"  # order backlog: 1 vs 2 workers
    make bench BENCH_ARGS="--scale small --part http --rows create_order,ceiling"  # only these rows

Each part creates its own databases (benchh_write, benchh_read for the HTTP part) on the servers of
DATABASE_URL and READ_DATABASE_URL, and drops them at the end. With --keep-seed the HTTP part keeps its
seeded pair, and the next run of the same scale with --keep-seed reuses it instead of seeding again (a
1M-order seed takes a quarter of an hour or more; what the previous run's commands wrote stays in it).
The HTTP part writes benchmarks/results/<scale>.json and the measured section of docs/performance.md; the
rebuild part writes benchmarks/results.json.
A run of some rows only (--rows) is a working measurement, not the report: it writes var/bench-<scale>-rows.json
instead.
"""

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from benchmarks.databases import bench_databases, point_django_at
from benchmarks.shop_plan import SCALES

ROOT = Path(__file__).resolve().parent
REBUILD_RESULTS = ROOT / "results.json"


def row_keys(value: str) -> tuple[str, ...]:
    from benchmarks.http_rows import ROW_KEYS

    keys = tuple(key.strip() for key in value.split(",") if key.strip())
    unknown = sorted(set(keys) - set(ROW_KEYS))
    if unknown or not keys:
        raise argparse.ArgumentTypeError(f"unknown rows {unknown}; the rows are {', '.join(ROW_KEYS)}")
    return keys


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--part", choices=("all", "http", "rebuild", "replay", "catchup"), default="all")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of every row (default 3)")
    parser.add_argument("--seconds", type=float, default=None, help="per wrk run (default 10 full, 5 otherwise)")
    parser.add_argument("--profile-seconds", type=float, default=10, help="py-spy per profiled row; 0: none")
    parser.add_argument(
        "--rows", type=row_keys, default=None, help="comma-separated row keys of the HTTP part (default: all)"
    )
    parser.add_argument(
        "--visible-rate",
        type=float,
        default=None,
        help="commands/s of command → read-visible (default: half the create_order row's rate); a fixed rate"
        " compares runs on a machine whose load varies",
    )
    parser.add_argument("--catchup-events", type=int, default=20_000, help="order backlog of the catchup part")
    parser.add_argument(
        "--keep-seed", action="store_true", help="keep the HTTP part's seeded databases and reuse them next time"
    )
    parser.add_argument("--seed-nice", type=int, default=19, help="nice value while seeding (default 19)")
    return parser.parse_args()


def with_databases(work: Any, *, part: str, keep: bool = False) -> Any:
    """Run `work` on fresh databases; with `keep`, on the kept ones if they are there, and keep them after."""
    databases = bench_databases(part)
    if not (keep and all(database.exists() for database in databases)):
        for database in databases:
            database.create()
    point_django_at(databases)
    try:
        import django

        django.setup()
        return work()
    finally:
        from django.db import connections

        connections.close_all()
        for database in databases if not keep else ():
            database.drop()


def http(options: argparse.Namespace) -> None:
    from benchmarks.http_part import RESULTS, run_http_part
    from benchmarks.report import write_doc

    scale = SCALES[options.scale]
    seconds = options.seconds or (10.0 if scale.name == "full" else 5.0)
    report = with_databases(
        lambda: run_http_part(
            scale,
            rounds=options.rounds,
            seconds=seconds,
            profile_seconds=options.profile_seconds,
            seed_niceness=options.seed_nice,
            keep_seed=options.keep_seed,
            only=options.rows,
            visible_rate=options.visible_rate,
        ),
        part="http",
        keep=options.keep_seed,
    )
    if options.rows:
        partial = ROOT.parent / "var" / f"bench-{scale.name}-rows.json"
        partial.parent.mkdir(exist_ok=True)
        partial.write_text(json.dumps(report, indent=2) + "\n")
        print(f"some rows only: written to {partial} (docs/performance.md untouched)", file=sys.stderr)
        return
    path = RESULTS / f"{scale.name}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {path}", file=sys.stderr)
    full, small = RESULTS / "full.json", RESULTS / "small.json"
    shown = json.loads(full.read_text()) if full.exists() else report
    compared = json.loads(small.read_text()) if small.exists() and shown["scale"]["name"] != "small" else None
    write_doc(shown, compared)
    print("docs/performance.md updated", file=sys.stderr)


def rebuild() -> None:
    from benchmarks.rebuild import run_rebuild_part

    results = with_databases(run_rebuild_part, part="rebuild")
    REBUILD_RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {REBUILD_RESULTS}", file=sys.stderr)


def replay_only() -> None:
    """Part (d) of the rebuild part on its own: BENCH_REPLAY_ORDERS=540000 BENCH_REPLAY_PER_EVENT_LIMIT=50000
    gives the million-event rebuild with its per-event baseline in a quarter of an hour."""
    from benchmarks.replay import measure_replay, print_replay

    results = with_databases(measure_replay, part="replay")
    print_replay(results)
    path = ROOT / "results" / "replay.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {path}", file=sys.stderr)


def catchup(options: argparse.Namespace) -> None:
    from benchmarks.catchup import run_catchup_part

    results = with_databases(lambda: run_catchup_part(options.catchup_events), part="catchup")
    path = ROOT / "results" / "catchup.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    print(f"written to {path}", file=sys.stderr)


def main() -> None:
    options = arguments()
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    if options.part in ("all", "http"):
        http(options)
    if options.part in ("all", "rebuild"):
        rebuild()
    if options.part == "replay":
        replay_only()
    if options.part in ("all", "catchup"):
        catchup(options)


if __name__ == "__main__":
    main()
