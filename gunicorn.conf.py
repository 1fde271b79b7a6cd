"""gunicorn settings for `make serve`: every knob from the environment, defaults sized to the machine.

Default: gthread workers, one per CPU, WEB_THREADS (8) threads each, with psycopg's connection pool
(DB_POOL=true, set by Procfile.production). Chosen by measurement (wrk, /api/v1/products/, docs/operations.md
"Web processes"): on plain fast reads the two models were within the noise of a loaded 2-core machine, but
while 8 clients waited on X-Min-Position (a wait of up to READ_POSITION_WAIT_SECONDS) 5 sync workers served
3.9 other requests/s and 2 gthread workers 32.9/s: a waiting request holds a sync worker, but only one
thread of a gthread one. The pool caps connections at workers x DB_POOL_SIZE per database.
WEB_WORKER_CLASS=sync DB_POOL=false selects the other model (then workers default to 2 x CPUs + 1).
"""

import multiprocessing
import os
import shutil
from pathlib import Path
from typing import Any

_cpus = multiprocessing.cpu_count()
_var = Path(os.environ.get("VAR_DIR", Path(__file__).resolve().parent / "var"))

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
worker_class = os.environ.get("WEB_WORKER_CLASS", "gthread")
workers = int(os.environ.get("WEB_CONCURRENCY", str(_cpus if worker_class == "gthread" else 2 * _cpus + 1)))
# 8 threads: a request waiting for the read side (X-Min-Position) holds a thread, not the worker.
threads = int(os.environ.get("WEB_THREADS", "8" if worker_class == "gthread" else "1"))
# A request may wait READ_POSITION_WAIT_SECONDS (5 s) for the read side; 30 s still stops a stuck one.
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "20"))
keepalive = int(os.environ.get("WEB_KEEPALIVE", "5"))
# Recycle workers now and then so that a slow leak never grows without bound.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("WEB_ACCESS_LOG", "-") or None
errorlog = "-"
# The response's X-Correlation-ID ties an access line to the app's own lines about the same request.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" correlation_id=%({x-correlation-id}o)s'
if os.environ.get("LOG_FORMAT") == "json":
    # gunicorn's own lines as one JSON object each too, like the app's (config/settings/security.py LOGGING).
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "cqrs-shop-web"
# gunicorn's control socket defaults to one path per user: two shops on one machine would share it.
control_socket = os.environ.get("WEB_CONTROL_SOCKET", str(_var / "gunicorn.ctl"))

# prometheus-client's multiprocess mode: each worker writes its samples to files in this directory and
# /metrics sums them. It must be set before any worker imports prometheus_client, hence here.
metrics_dir = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(_var / "prometheus")))


def on_starting(server: Any) -> None:
    """Start with empty metric files: the previous run's counters belong to processes that are gone."""
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges (its counters stay summed, as Prometheus expects)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
