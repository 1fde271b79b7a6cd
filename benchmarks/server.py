"""The app as production runs it: gunicorn on the bench databases and Redis, plus a Celery worker.

Worker settings are production's: the repository's gunicorn.conf.py when it has one (gthread, one worker per
CPU, WEB_THREADS threads, psycopg's pool), else the same defaults on the command line. The bench only turns
off what would disturb a measurement: the access log (a write per request) and max_requests (a worker
recycled in the middle of a run, and a profiler attached to a pid that goes away).
"""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from config import processes

ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = ROOT / "gunicorn.conf.py"
READY_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class WebSettings:
    worker_class: str = field(default_factory=lambda: os.environ.get("WEB_WORKER_CLASS", "gthread"))
    workers: int = field(default_factory=lambda: int(os.environ.get("WEB_CONCURRENCY", str(os.cpu_count() or 1))))
    threads: int = field(default_factory=lambda: int(os.environ.get("WEB_THREADS", "4")))

    @property
    def pooled(self) -> bool:
        return self.worker_class == "gthread"

    def describe(self) -> str:
        pool = ", psycopg pool (DB_POOL=true)" if self.pooled else ", persistent connections"
        threads = f" x {self.threads} threads" if self.worker_class == "gthread" else ""
        return f"gunicorn {self.worker_class}, {self.workers} workers{threads}{pool}"


class WebServer:
    """gunicorn serving benchmarks.settings (the app's URLs plus the baselines') on a free port."""

    def __init__(self, web: WebSettings, *, log: Path) -> None:
        self.web = web
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "gunicorn", "config.wsgi:application"]
        if CONFIG_FILE.exists():
            command += ["-c", str(CONFIG_FILE)]
        command += [
            *("--bind", f"127.0.0.1:{self.port}", "--worker-class", web.worker_class),
            *("--workers", str(web.workers), "--threads", str(web.threads), "--max-requests", "0"),
        ]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
            "PRODUCTION": "true",  # HSTS, secure cookies, SSL redirect: requests say X-Forwarded-Proto: https
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DB_POOL": "true" if web.pooled else "false",
            "WEB_ACCESS_LOG": "",
            "WEB_MAX_REQUESTS": "0",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        self.log = log.open("w")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.wait_ready()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log.name}")
            try:
                request = urllib.request.Request(f"{self.url}/bench/minimal/", headers=FORWARDED_HTTPS)
                with urllib.request.urlopen(request, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {READY_TIMEOUT}s; see {self.log.name}")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def stop(self) -> None:
        processes.stop(self.process, timeout=30)
        self.log.close()


FORWARDED_HTTPS = {"X-Forwarded-Proto": "https"}
