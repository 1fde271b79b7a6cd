"""The cache (django-redis, or local memory when nothing is configured) and Celery's broker and schedule."""

import os

from config.settings.environment import VAR_DIR

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": os.environ.get("CACHE_REDIS_URL", REDIS_URL.rstrip("/").rsplit("/", 1)[0] + "/1"),
            # A cache outage must never fail a command: django-redis swallows connection errors.
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Anonymous catalog reads, keyed by read position (queries/response_cache.py): safe in local memory too.
RESPONSE_CACHE_SECONDS = int(os.environ.get("RESPONSE_CACHE_SECONDS", "60"))
# The hot read path's rendered bodies, per process, keyed by read position (queries/api/hot_cache.py); 0: off.
HOT_READ_CACHE_BYTES = int(os.environ.get("HOT_READ_CACHE_BYTES", str(16 * 1024 * 1024)))

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    for sub in ("in", "processed", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "in"),
        "data_folder_out": str(_broker_dir / "in"),
        "processed_folder": str(_broker_dir / "processed"),
        # kombu keeps its exchange bindings in ./control by default, i.e. in the checkout.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        # kombu sleeps this long whenever the folder is empty (default 1 s: every projection would lag 1 s).
        "polling_interval": 0.1,
    }
else:
    # A projection batch is short; the visibility timeout only has to outlast the longest one.
    # Socket timeouts: without them a publish to a broker that accepts connections but never answers
    # (failover, firewall) blocks the command forever; the worker's BRPOP runs in its event loop, unaffected.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_timeout": 3, "socket_connect_timeout": 2}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "celery"
# The projections on their queue, the reactors (emails, their delivery) on theirs: projections/routing.py.
CELERY_TASK_ROUTES = ("projections.routing.route",)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TIMEZONE = "UTC"
PROJECTION_CATCHUP_SECONDS = float(os.environ.get("PROJECTION_CATCHUP_SECONDS", "10"))
CELERY_BEAT_SCHEDULE = {
    "projections-catch-up": {
        "task": "projections.catch_up",
        "schedule": PROJECTION_CATCHUP_SECONDS,
        "options": {"expires": PROJECTION_CATCHUP_SECONDS * 3},
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
