"""(b) seconds from a command's 202 Accepted to the change being visible in the read API, with a real worker."""

import logging
import os
import statistics
import subprocess
import time
import uuid
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from config import processes
from projections import runner

ROOT = Path(__file__).resolve().parent.parent
# Finer polling measures more exactly but takes CPU from the worker and PostgreSQL on a small machine.
POLL_SECONDS = float(os.environ.get("BENCH_POLL_SECONDS", "0.005"))
VISIBLE_TIMEOUT = 30.0


class Worker:
    """The Celery workers with the embedded beat, on the bench databases (they inherit the environment)."""

    def __init__(self, *, solo: bool = False, beat: bool = True) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "VAR_DIR": str(ROOT / "var" / "bench-worker"),
            # The order emails are recorded in the outbox as in production; sending them is a mail server's work.
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        }
        # As Procfile.production runs them: the projections' worker prefork with one child per CPU
        # (CELERY_CONCURRENCY overrides, as there) and beat, the reactors' worker beside it with one child
        # (REACTOR_CONCURRENCY). `solo`: one process on every queue, for the catch-up part's count of workers.
        if solo:
            self.concurrency = 1
            self.processes = [subprocess.Popen(processes.celery_worker_command("bench", beat=beat), cwd=ROOT, env=env)]
            self.describe = "celery worker --pool=solo on every queue"
            return
        self.concurrency = int(os.environ.get("CELERY_CONCURRENCY") or os.cpu_count() or 1)
        reactors = int(os.environ.get("REACTOR_CONCURRENCY") or 1)
        commands = [
            processes.celery_worker_command(
                "bench", beat=beat, concurrency=self.concurrency, queues=processes.PROJECTION_WORKER_QUEUES
            ),
            processes.celery_worker_command(
                "bench-reactors", beat=False, concurrency=reactors, queues=processes.REACTOR_WORKER_QUEUES
            ),
        ]
        niceness = int(os.environ.get("REACTOR_NICENESS", "10"))  # as Procfile.production starts the reactors
        self.processes = [
            subprocess.Popen(commands[0], cwd=ROOT, env=env),
            subprocess.Popen(commands[1], cwd=ROOT, env=env, preexec_fn=lambda: os.nice(niceness)),
        ]
        self.describe = (
            f"celery worker --pool=prefork --concurrency={self.concurrency} -Q projections,celery with its embedded"
            f" beat, and the reactors' worker --pool=prefork --concurrency={reactors} -Q reactors at nice {niceness}"
        )

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()  # both at once: each finishes the task in hand
        for process in self.processes:
            processes.stop(process, timeout=30)


def staff_client() -> APIClient:
    """Authenticated the way an integrator is: a knox token from /api/v1/auth/token/."""
    username, password = f"bench-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    user = get_user_model().objects.create_user(username=username, password=password, is_staff=True)
    # is_staff grants nothing on the API: the integrator holds the one permission the benchmark's command needs.
    user.user_permissions.add(Permission.objects.get(content_type__app_label="commands", codename="add_product"))
    client = APIClient()
    token = client.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    return client


def wait_for_worker(client: APIClient) -> None:
    """The first command's latency should not include the worker's start-up."""
    accepted_to_visible(client, sku=f"WARMUP-{uuid.uuid4().hex[:8]}")


def accepted_to_visible(client: APIClient, *, sku: str) -> float:
    response = client.post(
        "/api/v1/commands/create-product/", {"sku": sku, "name": "Latency probe", "price": "5.00"}, format="json"
    )
    accepted = time.perf_counter()
    if response.status_code != 202:
        raise RuntimeError(f"create-product answered {response.status_code}: {response.content!r}")
    url = f"/api/v1/products/{response.json()['aggregate_id']}/"
    while client.get(url).status_code != 200:
        if time.perf_counter() - accepted > VISIBLE_TIMEOUT:
            raise RuntimeError(f"{sku} not visible after {VISIBLE_TIMEOUT}s: is the worker running?")
        time.sleep(POLL_SECONDS)
    return time.perf_counter() - accepted


def latency(*, commands: int) -> dict[str, float]:
    # Polling answers 404 until the product is projected: expected here, not worth a log line each.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    runner.run_all()  # start level: the worker should only have the new commands to project
    client = staff_client()
    worker = Worker()
    try:
        wait_for_worker(client)
        samples = sorted(
            accepted_to_visible(client, sku=f"LAT-{n:05d}-{uuid.uuid4().hex[:6]}") for n in range(commands)
        )
    finally:
        worker.stop()
    return {
        "commands": commands,
        "median": statistics.median(samples),
        "p95": statistics.quantiles(samples, n=20, method="inclusive")[-1],
        "max": samples[-1],
    }
