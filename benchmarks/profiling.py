"""py-spy on one gunicorn worker while wrk drives a row: where a request's time goes, as shares of samples.

Only samples taken inside a request count (a gthread worker's idle threads and psycopg's pool threads are
sampled too, and would dilute every share). A sample counts towards every bucket whose marker appears in its
stack (buckets nest: "SQL executed" sits inside "knox" and "read position" too), so the shares do not add up
to 100 %; "outside the view" is the request's time before DRF's dispatch is entered and after it returns
(gunicorn's request handling, WSGI, the middleware on the way in and out).
"""

import re
import shutil
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.server import WebServer
from benchmarks.wrk import Load, run_wrk

# A marker is "function (file" as py-spy prints a frame; the file part may be any suffix of the path.
BUCKETS = (
    ("token authentication (knox)", ("knox/auth.py",)),
    ("session / auth middleware", ("contrib/sessions/", "contrib/auth/middleware.py")),
    ("read position (checkpoints query)", ("read_position (*projections/runner.py",)),
    ("SQL executed (cursor.execute, any)", ("_execute (*django/db/backends/utils.py",)),
    ("SQL compiled (ORM → SQL)", ("as_sql (*django/db/models/sql/compiler.py",)),
    ("model instances built", ("from_db (*django/db/models/base.py",)),
    ("DRF serializer to_representation", ("to_representation (*rest_framework/",)),
    ("JSON rendering", ("render (*rest_framework/renderers.py",)),
    (
        "filters / ordering / pagination",
        ("django_filters/", "rest_framework/filters.py", "rest_framework/pagination.py"),
    ),
    ("template rendering", ("django/template/",)),
    ("URL resolving", ("resolve (*django/urls/resolvers.py",)),
    ("pool checkout (psycopg_pool getconn, with its check)", ("getconn (*psycopg_pool/pool.py",)),
    ("waiting on PostgreSQL (socket)", ("wait (*psycopg/connection.py",)),
    ("DRF view (dispatch)", ("dispatch (*rest_framework/views.py",)),
)
IN_REQUEST = re.compile(r"handle_request \([^;)]*gunicorn/workers/")
PATTERNS = {
    name: re.compile("|".join(re.escape(marker).replace(r"\*", r"[^;)]*") for marker in markers))
    for name, markers in BUCKETS
}


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(found).exists():
        raise SystemExit("the profile step needs py-spy (pip install -e '.[dev]')")
    return found


def shares(raw: str) -> dict[str, Any]:
    total = 0
    counts: Counter[str] = Counter()
    for line in raw.splitlines():
        stack, _, number = line.rpartition(" ")
        if not number.isdigit():
            continue
        samples = int(number)
        if not IN_REQUEST.search(stack):
            continue
        total += samples
        for name, pattern in PATTERNS.items():
            if pattern.search(stack):
                counts[name] += samples
    result: dict[str, Any] = {"samples in requests": total}
    for name, _ in BUCKETS:
        result[name] = round(100 * counts[name] / total, 1) if total else 0.0
    result["outside the view (gunicorn, WSGI, middleware)"] = round(100 - result["DRF view (dispatch)"], 1)
    return result


def profile(server: WebServer, load: Load, *, seconds: float, output: Path) -> dict[str, Any]:
    """Sample one worker for `seconds` while wrk keeps every worker busy; writes the raw stacks to `output`."""
    pids = server.worker_pids()
    if not pids:
        raise RuntimeError("no gunicorn worker to profile")
    load_thread = threading.Thread(
        target=run_wrk, args=(server.url, load), kwargs={"seconds": seconds + 2, "connections": 8}, daemon=True
    )
    load_thread.start()
    command = [py_spy(), "record", "--pid", str(pids[0]), "--duration", f"{int(seconds)}", "--rate", "200"]
    subprocess.run([*command, "--format", "raw", "-o", str(output)], check=True, capture_output=True, timeout=120)
    load_thread.join()
    return {"pid": pids[0], "raw": output.name} | shares(output.read_text())
