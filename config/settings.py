"""Settings driven by the environment; with nothing set, everything runs embedded under var/."""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp import constants as csp

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# PRODUCTION=true: behind HTTPS, with a real SECRET_KEY; `manage.py check --deploy` passes with it.
PRODUCTION = env_bool("PRODUCTION", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY must be set when PRODUCTION=true")
    # Development and tests only: a fixed key so sessions survive restarts of `make run`.
    SECRET_KEY = "insecure-dev-key-only-for-make-run-and-tests-0123456789abcdefghijklmnop"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "config",
    "commands",
    "projections",
    "queries",
]

MIDDLEWARE = [
    "config.correlation.CorrelationIdMiddleware",
    "config.metrics.RequestMetricsMiddleware",
    "config.outages.DatabaseOutageMiddleware",
    "config.replicas.ReadReplicaMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Databases: "default" is the write side, "read" holds read models and checkpoints -------------


def database(url_env: str, sqlite_name: str) -> dict[str, Any]:
    url = os.environ.get(url_env)
    if url:
        config: dict[str, Any] = dict(
            dj_database_url.parse(url, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")))
        )
        config.setdefault("OPTIONS", {})
        # A database host that does not answer fails a request in seconds (a 503 naming it), not minutes.
        config["OPTIONS"].setdefault("connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "5")))
        config["CONN_HEALTH_CHECKS"] = True
        if env_bool("DB_POOL", False):
            # psycopg's connection pool for threaded web servers (not for forking Celery workers).
            config["OPTIONS"]["pool"] = {"min_size": 2, "max_size": int(os.environ.get("DB_POOL_SIZE", "10"))}
            config["CONN_MAX_AGE"] = 0
        return config
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / sqlite_name,
        # IMMEDIATE: a transaction takes the write lock when it begins, so a projection runner that
        # reads its checkpoint cannot race another one (SQLite has no SELECT ... FOR UPDATE).
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"},
        "TEST": {"NAME": VAR_DIR / f"test_{sqlite_name}"},
    }


DATABASES = {
    "default": database("DATABASE_URL", "write.sqlite3"),
    "read": database("READ_DATABASE_URL", "read.sqlite3"),
}
# PostgreSQL streaming replicas of the read database: safe web requests read from one (config/replicas.py).
READ_REPLICAS: list[str] = []
for _index, _url in enumerate(env_list("READ_REPLICA_URLS")):
    _alias = f"read_replica_{_index}"
    DATABASES[_alias] = dict(dj_database_url.parse(_url, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60"))))
    DATABASES[_alias].update(
        CONN_HEALTH_CHECKS=True,
        OPTIONS={"connect_timeout": 2},
        TEST={"MIRROR": "read"},  # tests never create a replica's database; they point it at their own
    )
    READ_REPLICAS.append(_alias)
READ_REPLICA_MAX_LAG_EVENTS = int(os.environ.get("READ_REPLICA_MAX_LAG_EVENTS", "1000"))
READ_REPLICA_CHECK_SECONDS = float(os.environ.get("READ_REPLICA_CHECK_SECONDS", "5"))
READ_REPLICA_RETRY_SECONDS = float(os.environ.get("READ_REPLICA_RETRY_SECONDS", "10"))
DATABASE_ROUTERS = ["config.routers.ReadWriteRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker --------------------------------------------------------------------------------

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
CELERY_TASK_ROUTES = {"projections.*": {"queue": "projections"}}
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

# --- Auth, API ------------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/account/login/"
# How long a password-reset link works, in seconds (Django's default is 3 days; a mailbox is a weak spot).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT") or "3600")

# --- Email: the console under `make run`; SMTP once EMAIL_HOST is set or in production -------------

EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST or PRODUCTION
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = EMAIL_HOST or "localhost"
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))  # a hung SMTP server must not hang the page
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "CQRS Shop <shop@localhost>")

# ModelBackend with cached permission sets: queries check has_perm without reading the write database.
AUTHENTICATION_BACKENDS = ["config.permission_cache.CachedPermissionsBackend"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.token_auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["config.json_parser.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
    # Sign-ups per client; failed log-ins per client and per username (config/throttles.py).
    "DEFAULT_THROTTLE_RATES": {
        "signup": os.environ.get("SIGNUP_THROTTLE", "20/hour"),
        "login_client": os.environ.get("LOGIN_THROTTLE_PER_CLIENT", "30/hour"),
        "login_username": os.environ.get("LOGIN_THROTTLE_PER_USERNAME", "10/hour"),
        "password_reset_client": os.environ.get("PASSWORD_RESET_THROTTLE_PER_CLIENT", "10/hour"),
        "password_reset_email": os.environ.get("PASSWORD_RESET_THROTTLE_PER_EMAIL", "3/hour"),
    },
    # How many proxies of ours append to X-Forwarded-For; 0 trusts no such header (the client's own address).
    "NUM_PROXIES": int(os.environ.get("NUM_PROXIES", "0")),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=int(os.environ.get("TOKEN_TTL_HOURS", "10"))),
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": None,
}
# Token lookups cached for so long at most (config/token_cache.py); off without a cache shared by all processes.
AUTH_TOKEN_CACHE_SECONDS = int(os.environ.get("AUTH_TOKEN_CACHE_SECONDS", "300" if REDIS_URL else "0"))
SPECTACULAR_SETTINGS = {
    "TITLE": "cqrs-shop API",
    "DESCRIPTION": "Commands (POST, 202 Accepted) write to the event log; queries (GET) read projections.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # No badge fetched from an outside validator: the docs work offline and under the CSP's img-src.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# --- Shop -----------------------------------------------------------------------------------------

SHOP_CURRENCY = os.environ.get("SHOP_CURRENCY", "EUR")
# The card payment gateway (commands/payments/): a class with charge(amount, currency, card_number, idempotency_key),
# built with PAYMENT_GATEWAY_OPTIONS. The built-in sandbox approves 4242 4242 4242 4242, declines
# 4000 0000 0000 0002 and times out on 4000 0000 0000 0119 (options: approved, declined, timeout, timeout_seconds).
PAYMENT_GATEWAY = os.environ.get("PAYMENT_GATEWAY", "commands.payments.sandbox.SandboxGateway")
PAYMENT_GATEWAY_OPTIONS: dict[str, Any] = {}
# A payment attempt still "charging" after this long is taken to have timed out (a crashed web process).
PAYMENT_ATTEMPT_STALE_SECONDS = 120
COMMAND_MAX_BODY_BYTES = 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = COMMAND_MAX_BODY_BYTES
READ_POSITION_WAIT_SECONDS = float(os.environ.get("READ_POSITION_WAIT_SECONDS", "5"))
# After an admin command: how long to wait for the projections before redirecting to the read-model page.
ADMIN_READ_WAIT_SECONDS = float(os.environ.get("ADMIN_READ_WAIT_SECONDS", "2"))
PROJECTION_BATCH_SIZE = int(os.environ.get("PROJECTION_BATCH_SIZE", "500"))
# How many events a rebuild replays per transaction into the new generation (blue/green, projections/blue_green.py).
PROJECTION_REBUILD_BATCH_SIZE = int(os.environ.get("PROJECTION_REBUILD_BATCH_SIZE", "2000"))
# /readyz answers 503 while a projection is more events, or its oldest unapplied event more seconds, behind.
PROJECTION_READY_MAX_LAG_EVENTS = int(os.environ.get("PROJECTION_READY_MAX_LAG_EVENTS", "1000"))
PROJECTION_READY_MAX_LAG_SECONDS = float(os.environ.get("PROJECTION_READY_MAX_LAG_SECONDS", "60"))

# /metrics (Prometheus) answers a bearer token or an address in these networks (CIDR); with neither, nobody.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = [
    str(ipaddress.ip_network(net, strict=False)) for net in env_list("METRICS_ALLOWED_NETWORKS")
]

# --- i18n, static ---------------------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
# Uploaded product images, through the "default" storage below (a bucket backend can replace the filesystem).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
# Django serves MEDIA_ROOT itself unless PRODUCTION (there a web server or the bucket serves MEDIA_URL).
SERVE_MEDIA = env_bool("SERVE_MEDIA", not PRODUCTION)
# Hashed, compressed names once `collectstatic` has written its manifest (`make serve` runs it with
# STATIC_MANIFEST=true, so that it writes one); plain files served by whitenoise's finders otherwise
# (`make run`, tests).
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", (STATIC_ROOT / "staticfiles.json").exists())
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
WHITENOISE_MANIFEST_STRICT = False

# --- Security (production values unless DEBUG) ----------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
# One policy for the storefront, the admin and the API docs: every script and stylesheet is a file of our own
# origin (the docs' init script too: config/urls.py serves it split from the page). Styles allow inline
# because the admin's and Swagger UI's markup carry style attributes; scripts stay strict. Swagger UI draws
# its icons from data: URIs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF, csp.UNSAFE_INLINE],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# LOG_FORMAT=json: one JSON object per line (python-json-logger). Every line carries the correlation id of
# the request it was written in, or of the events a projection batch applied (config/correlation.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
if LOG_FORMAT not in {"text", "json"}:
    raise RuntimeError("LOG_FORMAT must be text or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"correlation": {"()": "config.correlation.CorrelationFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(correlation_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["correlation"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
