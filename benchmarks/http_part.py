"""The side-by-side part of `make bench`: seed at scale, serve as production does, drive it with wrk."""

import json
import os
import platform
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.shop_plan import Scale

RESULTS = Path(__file__).resolve().parent / "results"
PROFILED = ("order_detail", "products_list", "create_order")


def backend_pids() -> list[int]:
    from django.db import connections

    pids = []
    for alias in ("default", "read"):
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pids.append(int(cursor.fetchone()[0]))
    return pids


def at_priority(niceness: int, pids: list[int]) -> list[int]:
    """Set this process's and `pids`' nice value (root may lower it again); returns the previous values."""
    previous = [os.getpriority(os.PRIO_PROCESS, pid) for pid in pids]
    for pid in pids:
        os.setpriority(os.PRIO_PROCESS, pid, niceness)
    return previous


def kept_seed_file() -> Path:
    from benchmarks.databases import PREFIX

    return RESULTS / f"kept-seed-{PREFIX}.json"


def kept_seed(scale: Scale) -> tuple[Any, float] | None:
    """The seed a --keep-seed run left, if it is of this scale and its databases still hold it."""
    from benchmarks.shop_seed import Seeded
    from commands.models import Event

    try:
        kept = json.loads(kept_seed_file().read_text())
    except (OSError, ValueError):
        return None
    if kept["seeded"]["scale"] != asdict(scale) or not Event.objects.filter(position=kept["seeded"]["head"]).exists():
        return None
    seeded = Seeded(**{**kept["seeded"], "scale": Scale(**kept["seeded"]["scale"])})
    print(f"reusing the kept {scale.name} seed ({seeded.events:,} events)", file=sys.stderr)
    return seeded, kept["seconds"]


def seed(scale: Scale, *, niceness: int, keep: bool = False) -> tuple[Any, float]:
    """Seed at `niceness` (this process and its two PostgreSQL backends): the machine may be shared."""
    from django.core.management import call_command

    from benchmarks.shop_seed import seed_shop

    for alias in ("default", "read"):
        call_command("migrate", database=alias, verbosity=0)
    reused = kept_seed(scale) if keep else None
    if reused is not None:
        return reused
    pids = [os.getpid(), *backend_pids()]
    previous = at_priority(niceness, pids)
    print(
        f"seeding {scale.name}: {scale.customers:,} customers, {scale.products:,} products, {scale.orders:,} orders …",
        file=sys.stderr,
    )
    started = time.monotonic()
    seeded = seed_shop(scale, progress=scale.orders > 50_000)
    took = time.monotonic() - started
    vacuum_analyze()
    for pid, value in zip(pids, previous, strict=True):
        os.setpriority(os.PRIO_PROCESS, pid, value)
    if keep:
        RESULTS.mkdir(exist_ok=True)
        kept_seed_file().write_text(json.dumps({"seeded": asdict(seeded), "seconds": took}))
    return seeded, took


def vacuum_analyze() -> None:
    """Planner statistics as a shop that grew to this size would have them (VACUUM cannot run in a transaction)."""
    from django.db import connections

    for alias in ("default", "read"):
        connection = connections[alias]
        connection.ensure_connection()
        raw = connection.connection
        previous = raw.autocommit
        raw.autocommit = True
        try:
            raw.execute("VACUUM ANALYZE")
        finally:
            raw.autocommit = previous


# What an integrator's account holds to read every order and customer and to place orders (README: permissions).
INTEGRATOR_PERMISSIONS = ("queries.view_orderview", "queries.view_customerview", "commands.add_order")


def staff_token() -> str:
    """A knox token of a staff user holding its permissions through a group, as an integrator's would."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from knox.models import AuthToken

    group = Group.objects.create(name=f"bench-integrators-{uuid.uuid4().hex[:8]}")
    for name in INTEGRATOR_PERMISSIONS:
        app_label, codename = name.split(".")
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    user = get_user_model().objects.create_user(
        username=f"bench-{uuid.uuid4().hex[:8]}", password=uuid.uuid4().hex, is_staff=True
    )
    user.groups.add(group)
    return AuthToken.objects.create(user)[1]


def sizes() -> dict[str, Any]:
    from django.db import connections

    from commands.models import Customer, Event, Order, OrderLine, Product
    from queries.models import CustomerView, EventRecord, OrderView, ProductView

    def database_size(alias: str) -> str:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            return str(cursor.fetchone()[0])

    models = (Product, Customer, Order, OrderLine, Event, ProductView, CustomerView, OrderView, EventRecord)
    rows = {model._meta.db_table: model._default_manager.count() for model in models}
    return {
        "events": rows[Event._meta.db_table],
        "rows": rows,
        "write_db": database_size("default"),
        "read_db": database_size("read"),
    }


def first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except OSError:
        return "?"
    return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr).strip() else "?"


def machine(load_before: tuple[float, ...]) -> dict[str, Any]:
    import django
    import gunicorn
    import redis
    import rest_framework
    from django.conf import settings
    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgresql = f"PostgreSQL {cursor.fetchone()[0]}"
    cpu_model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    load_after = os.getloadavg()
    busy = load_before[0] > 0.5
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "drf": rest_framework.VERSION,
        "gunicorn": gunicorn.__version__,
        "postgresql": postgresql,
        "redis": broker.info()["redis_version"],
        "wrk": first_line(["wrk", "-v"]).split(" [")[0],
        "load_before": " ".join(f"{value:.2f}" for value in load_before),
        "load_after": " ".join(f"{value:.2f}" for value in load_after),
        "other_work": os.environ.get("BENCH_OTHER_WORK")
        or (f"yes (load average {load_before[0]:.2f} before the bench started)" if busy else ""),
    }


@contextmanager
def stage(report: dict[str, Any], name: str) -> Iterator[None]:
    """A later stage that fails is reported as failed; the rows measured before it are kept."""
    try:
        yield
    except Exception as error:
        print(f"{name} failed: {error!r}", file=sys.stderr)
        report["errors"].append(f"{name}: {error!r}")


def cpu_meter(server: Any, worker: Any) -> Callable[[], Any]:
    """A new meter per run over gunicorn, the Celery workers (the projections', then the reactors' if it runs)
    and the two databases' backends (not the harness's)."""
    from benchmarks.cpu_use import Backends, CpuMeter, process_tree

    own = set(backend_pids())

    def meter() -> CpuMeter:
        return CpuMeter(
            {
                "web": lambda: process_tree(server.process.pid),
                "worker": lambda: process_tree(worker.processes[0].pid),
                "reactors": lambda: set().union(*(process_tree(each.pid) for each in worker.processes[1:])),
                "write_db": Backends(os.environ["DATABASE_URL"], excluded=lambda: own),
                "read_db": Backends(os.environ["READ_DATABASE_URL"], excluded=lambda: own),
            }
        )

    return meter


def run_http_part(
    scale: Scale,
    *,
    rounds: int,
    seconds: float,
    profile_seconds: float,
    seed_niceness: int,
    keep_seed: bool = False,
    only: tuple[str, ...] | None = None,
    visible_rate: float | None = None,
) -> dict[str, Any]:
    """Every row, or the rows in `only`; command → visible needs create_order (its rate is half of that row's,
    or `visible_rate`)."""
    from benchmarks import profiling, side_by_side, visibility
    from benchmarks.http_rows import HTTPS, ROW_KEYS, order_bodies, rows
    from benchmarks.latency import Worker
    from benchmarks.server import WebServer, WebSettings

    load_before = os.getloadavg()
    seeded, seed_seconds = seed(scale, niceness=seed_niceness, keep=keep_seed)
    token = staff_token()
    RESULTS.mkdir(exist_ok=True)
    web = WebSettings()
    worker = Worker()
    server = WebServer(web, log=RESULTS / f"gunicorn-{scale.name}.log")
    report: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": asdict(scale),
        "seed_seconds": round(seed_seconds, 1),
        "seed_niceness": seed_niceness,
        "setup": {
            "web": web.describe(),
            "worker": worker.describe,
            "load": f"wrk -t2 -c{side_by_side.CONNECTIONS}, {seconds:g} s per run, {rounds} alternating rounds",
        },
    }
    try:
        every_row = rows(seeded, token)
        if tuple(row.key for row in every_row) != ROW_KEYS:
            raise RuntimeError("http_rows.ROW_KEYS (what --rows accepts) must name the rows of rows()")
        table = [row for row in every_row if only is None or row.key in only]
        print(f"measuring {len(table)} rows x {rounds} rounds on {server.url} …", file=sys.stderr)
        meter = cpu_meter(server, worker)
        report["rows"] = side_by_side.side_by_side(server.url, table, rounds=rounds, seconds=seconds, meter=meter)
        if "ceiling" in report["rows"]:
            side_by_side.add_ceiling_ratios(report["rows"])
        report["errors"] = []
        if "create_order" in report["rows"]:
            rate = visible_rate or report["rows"]["create_order"]["app"]["req_per_s"] / 2
            print(f"command → read-visible at {rate:.0f} commands/s …", file=sys.stderr)
            headers = dict((HTTPS, ("Authorization", f"Token {token}")))
            with stage(report, "command_to_visible"):
                report["command_to_visible"] = visibility.command_to_visible(
                    server.url, headers, order_bodies(seeded), rate=rate, seconds=max(seconds, 10)
                )
            side_by_side.wait_for_projections()
        by_key = {row.key: row for row in table}
        profiled = [key for key in PROFILED if key in by_key] if profile_seconds else []
        for key in profiled:
            with stage(report, f"profile {key}"):
                output = RESULTS / f"profile-{key}-{scale.name}.txt"
                profile = profiling.profile(server, by_key[key].app, seconds=profile_seconds, output=output)
                report.setdefault("profiles", {})[key] = profile
    finally:
        server.stop()
        worker.stop()
    report["sizes"] = sizes()
    report["machine"] = machine(load_before)
    return report
