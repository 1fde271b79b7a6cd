"""Databases: "default" is the write side, "read" holds read models and checkpoints; optional read replicas."""

import os
from typing import Any

import dj_database_url

from config.settings.environment import VAR_DIR, env_bool, env_list


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
            config["OPTIONS"]["pool"] = {
                "min_size": 2,
                "max_size": int(os.environ.get("DB_POOL_SIZE", "10")),
                # Recycled well before a server-side idle timeout or a failover would leave them dead.
                "max_lifetime": float(os.environ.get("DB_POOL_MAX_LIFETIME", "600")),
                "max_idle": float(os.environ.get("DB_POOL_MAX_IDLE", "120")),
            }
            config["CONN_MAX_AGE"] = 0
            # With the pool, Django's health check becomes psycopg_pool's check_connection on every
            # checkout, i.e. on every request: a SELECT 1 round trip per database, 14-20 % of an order
            # detail in the bench's profile. The pool already discards a connection handed back broken;
            # what a check would still catch is one killed while idle (a PostgreSQL restart), which then
            # fails one request with a 503 instead. DB_POOL_CHECK=true buys that request back per request.
            config["CONN_HEALTH_CHECKS"] = env_bool("DB_POOL_CHECK", False)
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
