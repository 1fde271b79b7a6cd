"""Starting the project's own processes from Python, for the test fixtures and the benchmarks alike.

Both need a real `celery worker` (and a real gunicorn) and must not leave one behind: the command line and the
terminate-then-kill shutdown live here once, so a test and a bench run the worker the same way.
"""

import os
import subprocess
import sys
import time


def celery_worker_command(name: str, *, beat: bool) -> list[str]:
    """The worker the Procfile runs, on one solo process so a test or a bench controls the whole pipeline."""
    command = [
        *(sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "projections,celery"),
        *("--pool=solo", "--loglevel=WARNING", "--without-gossip", "--without-mingle"),
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
