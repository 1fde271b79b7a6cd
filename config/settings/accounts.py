"""Passwords, log-in, email, tokens and the REST framework: how people and integrators get in."""

import os
from datetime import timedelta

from config.settings.environment import PRODUCTION, VAR_DIR, env_bool
from config.settings.services import REDIS_URL

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
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "emails"))  # for EMAIL_BACKEND=...filebased...
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "CQRS Shop <shop@localhost>")
# A message the mail server refuses is tried again after 1, 2, 4 ... minutes (at most an hour apart), and
# given up after OUTBOX_MAX_ATTEMPTS tries (about 7 hours with these values); staff can send it again.
OUTBOX_RETRY_SECONDS = int(os.environ.get("OUTBOX_RETRY_SECONDS") or "60")
OUTBOX_RETRY_MAX_SECONDS = int(os.environ.get("OUTBOX_RETRY_MAX_SECONDS") or "3600")
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS") or "12")

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
