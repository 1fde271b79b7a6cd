"""The bench's CPU meter: it counts what a group's processes used during the run, and only that."""

import os
import subprocess
import sys
import time

import pytest

from benchmarks.cpu_use import CpuMeter, cpu_ms, process_tree
from benchmarks.http_rows import Row
from benchmarks.report import cpu_lines
from benchmarks.side_by_side import summarize
from benchmarks.wrk import Load, Measured

BURN = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\ntime.sleep(5)"


def test_a_child_that_burns_cpu_during_the_run_is_counted_and_an_idle_group_is_not():
    parent = subprocess.Popen(
        [sys.executable, "-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', {BURN!r}])"]
    )
    try:
        deadline = time.monotonic() + 10
        while len(process_tree(parent.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        with CpuMeter({"burner": lambda: process_tree(parent.pid), "idle": lambda: set()}) as meter:
            time.sleep(1.0)
        used = meter.per_request(10)
    finally:
        parent.kill()
        parent.wait()
    assert used["idle"] == 0.0
    assert 10 <= used["burner"] <= 40  # about 300 ms of the grandchild's CPU over 10 requests


def test_cpu_of_a_process_that_has_gone_is_none():
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    assert cpu_ms(int(done.stdout)) is None
    assert cpu_ms(os.getpid()) is not None


def measured(rate: float) -> Measured:
    return Measured(
        requests=int(rate * 10), seconds=10, non_2xx_3xx=0, socket_errors=0, p50_ms=1, p90_ms=2, p99_ms=3, max_ms=4
    )


def test_the_cpu_ratio_is_the_baseline_cost_over_the_app_cost_per_round():
    row = Row("create_order", "app", Load(("/a/",)), Load(("/b/",)), "baseline", writes=True)
    runs = {"app": [measured(100), measured(100)], "baseline": [measured(200), measured(200)]}
    cpu = {
        "app": [{"web": 6.0, "worker": 4.0}, {"web": 5.0, "worker": 5.0}],
        "baseline": [{"web": 4.0, "worker": 1.0}, {"web": 4.0, "worker": 0.0}],
    }
    result = summarize(row, runs, cpu)
    assert result["vs_baseline"] == 0.5
    assert result["vs_baseline_cpu"] == 0.45
    assert result["vs_baseline_cpu_range"] == [0.4, 0.5]
    assert result["app"]["cpu_ms_per_request"] == {"web": 5.5, "worker": 4.5, "total": 10.0}


def test_the_report_shows_each_metered_side_and_the_cpu_ratio():
    row = Row("create_order", "POST create-order", Load(("/a/",)), Load(("/b/",)), "plain", writes=True)
    runs = {"app": [measured(100)], "baseline": [measured(200)]}
    cpu = {"app": [{"web": 6.0, "worker": 4.0}], "baseline": [{"web": 4.0, "worker": 0.0}]}
    lines = cpu_lines({"rows": {"create_order": summarize(row, runs, cpu)}})
    assert "| POST create-order | app | 6.00 | 4.00 | 10.00 |" in lines
    assert "| POST create-order | baseline | 4.00 | 0.00 | 4.00 |" in lines
    assert any("costs 0.40x (0.40-0.40) the CPU of an app request" in line for line in lines)
    assert cpu_lines({"rows": {"ceiling": {"title": "ceiling", "app": {"req_per_s": 1}}}}) == []


@pytest.mark.django_db(databases="__all__")
def test_the_http_parts_meter_counts_the_projections_worker_and_the_reactors_worker_apart():
    """Over the objects the bench really passes: the server's process and the worker's list of processes."""
    from types import SimpleNamespace

    from benchmarks.http_part import cpu_meter

    sleepers = [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) for _ in range(3)]
    try:
        server = SimpleNamespace(process=sleepers[0])
        worker = SimpleNamespace(processes=sleepers[1:])
        meter = cpu_meter(server, worker)()
        pids = {name: group() for name, group in meter.groups.items() if name in ("web", "worker", "reactors")}
    finally:
        for each in sleepers:
            each.kill()
            each.wait()
    assert pids == {"web": {sleepers[0].pid}, "worker": {sleepers[1].pid}, "reactors": {sleepers[2].pid}}
