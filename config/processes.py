"""Starting the project's own processes from Python, for the test fixtures and the benchmarks alike.

Both need a real `celery worker` (and a real gunicorn) and must not leave one behind: the command line and the
terminate-then-kill shutdown live here once, so a test and a bench run the worker the same way.
"""

import os
import subprocess
import sys
import time
from collections.abc import Sequence

from projections.routing import ALL_QUEUES, PROJECTION_QUEUE, REACTOR_QUEUE

# Procfile.production's two workers: the projections' (with the default queue) and the reactors'.
PROJECTION_WORKER_QUEUES = (PROJECTION_QUEUE, "celery")
REACTOR_WORKER_QUEUES = (REACTOR_QUEUE,)


def celery_worker_command(
    name: str, *, beat: bool, concurrency: int | None = None, queues: Sequence[str] = ALL_QUEUES
) -> list[str]:
    """A worker as the Procfiles run one. Tests run one solo process on every queue, so that a SIGKILL reaches
    the process that applies; the bench passes `concurrency` and `queues` to run Procfile.production's two
    workers (prefork: the projections' with one child per CPU, the reactors' with one)."""
    pool = ("--pool=prefork", f"--concurrency={concurrency}") if concurrency else ("--pool=solo",)
    command = [
        *(sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", ",".join(queues)),
        *pool,
        *("--loglevel=WARNING", "--without-gossip", "--without-mingle"),
        *("-n", f"{name}-{os.getpid()}-{time.monotonic_ns()}@%h"),
    ]
    return [*command, "--beat"] if beat else command


def stop(process: subprocess.Popen, *, timeout: float = 20) -> None:
    """SIGTERM lets Celery and gunicorn finish the task or request in hand; SIGKILL only if they do not exit."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
