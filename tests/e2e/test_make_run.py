"""`make run` on a fresh checkout with no environment: it serves, projects, and Ctrl-C stops every process.

The checkout is a `git clone` of HEAD; only the install step is short-circuited, by pointing its .venv at ours
(with pyproject.toml no newer than .venv/.installed, so make sees the venv as up to date). Everything after
that — migrations of both SQLite databases, load_demo, honcho running web + worker + beat — is the real path.
"""

import contextlib
import os
import signal
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, wait_until
from tests.e2e.processes import MakeTarget, alive, command_line, create_product, descendants, free_port, request

pytestmark = pytest.mark.slow

# Variables that would send `make run` to PostgreSQL/Redis or to our checkout's code instead of the embedded default.
NOT_INHERITED = (
    "DATABASE_URL",
    "READ_DATABASE_URL",
    "REDIS_URL",
    "CACHE_REDIS_URL",
    "CELERY_BROKER_URL",
    "VAR_DIR",
    "PYTHONPATH",
    "PORT",
    "MAKEFLAGS",
    "MFLAGS",
    "MAKELEVEL",
)


def fresh_checkout(destination: Path) -> Path:
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(destination)], check=True)
    installed = ROOT / ".venv" / ".installed"
    if not installed.exists():
        pytest.fail("run `make install` first: this test reuses .venv instead of installing into the clone")
    (destination / ".venv").symlink_to(ROOT / ".venv")
    stamp = installed.stat().st_mtime
    os.utime(destination / "pyproject.toml", (stamp, stamp))
    return destination


class MakeRun(MakeTarget):
    def __init__(self, checkout: Path, port: int, log: Path) -> None:
        env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
        super().__init__("run", cwd=checkout, env=env | {"PORT": str(port)}, port=port, log=log)

    def interrupt(self) -> None:
        """What Ctrl-C in the terminal does: SIGINT to the whole foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(timeout=60)


@pytest.fixture
def make_run(tmp_path: Path) -> Any:
    started = MakeRun(fresh_checkout(tmp_path / "checkout"), free_port(), tmp_path / "make-run.log")
    yield started
    if started.process.poll() is None:
        os.killpg(started.process.pid, signal.SIGKILL)
        started.process.wait()


def test_make_run_serves_the_demo_projects_commands_and_stops_all_its_processes_on_ctrl_c(make_run):
    wait_until(make_run.serving, timeout=240, interval=0.5)
    output = make_run.output()
    assert "admin / admin" in output
    assert f"{make_run.base}/admin/" in output and f"{make_run.base}/api/v1/docs/" in output

    status, body = request(f"{make_run.base}/api/v1/auth/token/", body={"username": "admin", "password": "admin"})
    assert status == 200, body
    token = body["token"]
    sku = f"MAKE-RUN-{uuid.uuid4().hex[:8]}"
    product_id = create_product(make_run.base, token, sku=sku, name="Enamel Camping Mug", price="12.50", stock=3)

    def listed() -> bool:
        make_run.check_running()
        status, page = request(f"{make_run.base}/api/v1/products/?page_size=100")
        return status == 200 and any(item["id"] == product_id for item in page["results"])

    wait_until(listed, timeout=60, interval=0.2)

    processes = descendants(make_run.process.pid)
    commands = " | ".join(command_line(pid) for pid in processes)
    for expected in ("runserver", "celery -A config worker", "celery -A config beat"):
        assert expected in commands, commands

    make_run.interrupt()

    def all_gone() -> bool:
        return not any(alive(pid) for pid in processes)

    with contextlib.suppress(AssertionError):  # reported below, with the survivors' command lines
        wait_until(all_gone, timeout=30)
    survivors = {pid: command_line(pid) for pid in processes if alive(pid)}
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert not survivors, survivors
