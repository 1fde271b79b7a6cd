"""A worker knows every task the app sends, from its first message on (not only once some code imported it)."""

import subprocess
import sys

from tests.conftest import subprocess_env

SENT_TASKS = ("projections.project", "projections.project_events", "projections.catch_up", "projections.deliver_outbox")


def test_a_fresh_worker_process_registers_every_task_the_app_sends() -> None:
    # A new interpreter, as a worker starts: what this test process imported earlier cannot help it.
    script = (
        "import django; django.setup()\n"
        "from config.celery import app\n"
        "app.loader.import_default_modules()\n"
        "print(' '.join(sorted(app.tasks)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=subprocess_env(), capture_output=True, text=True, timeout=60, check=True
    )
    registered = set(done.stdout.split())
    assert set(SENT_TASKS) <= registered, set(SENT_TASKS) - registered
