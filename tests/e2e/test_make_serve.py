"""`make serve` on the test databases: gunicorn serves, the production worker projects, one Ctrl-C stops it all."""

import contextlib
import os
import re
import signal
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from knox.models import AuthToken

from tests.conftest import ROOT, subprocess_env, wait_until
from tests.e2e.processes import MakeTarget, alive, command_line, create_product, descendants, free_port, request

pytestmark = [pytest.mark.slow, pytest.mark.pipeline, pytest.mark.django_db(transaction=True, databases="__all__")]
MAKE_VARIABLES = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")
METRICS_TOKEN = "serve-test-metrics"


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except OSError:
        return 0, {}, b""


class MakeServe(MakeTarget):
    def __init__(self, tmp_path: Path) -> None:
        env = {key: value for key, value in subprocess_env().items() if key not in MAKE_VARIABLES}
        port = free_port()
        env.update(
            PORT=str(port),
            VAR_DIR=str(tmp_path / "var"),
            WEB_CONCURRENCY="2",
            WEB_THREADS="2",
            CELERY_CONCURRENCY="1",
            PROJECTION_CATCHUP_SECONDS="60",  # the wake-up, not beat's catch-up, must project the command
            METRICS_TOKEN=METRICS_TOKEN,
        )
        super().__init__("serve", cwd=ROOT, env=env, port=port, log=tmp_path / "make-serve.log")


@pytest.fixture
def make_serve(transactional_db: None, tmp_path: Path) -> Any:
    started = MakeServe(tmp_path)
    yield started
    if started.process.poll() is None:
        # honcho puts each process in a group of its own: killing make's group alone would orphan them.
        for pid in descendants(started.process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        os.killpg(started.process.pid, signal.SIGKILL)
        started.process.wait()


def test_make_serve_runs_gunicorn_a_worker_and_one_beat_and_stops_cleanly(make_serve):
    user = get_user_model().objects.create_superuser("operator", "operator@example.com", "operator-pass-123")
    _, token = AuthToken.objects.create(user)
    wait_until(make_serve.serving, timeout=180, interval=0.5)

    status, headers, _ = fetch(f"{make_serve.base}/healthz")
    assert headers.get("Server", "").startswith("gunicorn"), headers
    # collectstatic wrote the manifest: pages name hashed files, which whitenoise serves as immutable.
    _, _, page = fetch(f"{make_serve.base}/admin/login/")
    stylesheet = re.search(rb'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, page[:2000]
    status, headers, _ = fetch(make_serve.base + stylesheet.group(1).decode())
    assert status == 200 and "immutable" in headers.get("Cache-Control", ""), headers

    sku = f"SERVE-{uuid.uuid4().hex[:8]}"
    product_id = create_product(make_serve.base, token, sku=sku, name="Production Mug", price="9.50", stock=2)

    def projected() -> bool:
        make_serve.check_running()
        status, page = request(f"{make_serve.base}/api/v1/products/{product_id}/")
        return status == 200 and page["sku"] == sku

    wait_until(projected, timeout=30, interval=0.2)
    assert fetch(f"{make_serve.base}/readyz")[0] == 200

    # Multiprocess metrics: whichever gunicorn worker answers the scrape counts the other's command too.
    scrapes = [
        fetch(f"{make_serve.base}/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})[2].decode() for _ in range(4)
    ]
    for scrape in scrapes:
        assert 'shop_commands_total{command="create-product",outcome="202"} 1.0' in scrape, scrape
        assert 'shop_projection_events_behind{projection="catalog"} 0.0' in scrape, scrape

    processes = descendants(make_serve.process.pid)
    commands = [command_line(pid) for pid in processes]
    assert any("gunicorn config.wsgi" in command for command in commands), commands
    assert any("celery -A config worker" in command for command in commands), commands
    assert sum("celery -A config beat" in command for command in commands) == 1, commands

    os.killpg(make_serve.process.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
    make_serve.process.wait(timeout=60)
    with contextlib.suppress(AssertionError):  # reported below, with the survivors' command lines
        wait_until(lambda: not any(alive(pid) for pid in processes), timeout=30)
    survivors = {pid: command_line(pid) for pid in processes if alive(pid)}
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert not survivors, survivors
    assert "Shutting down: Master" in make_serve.output()
