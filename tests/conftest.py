import contextlib
import os
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connections
from rest_framework.test import APIClient

from commands.models import Event
from config.processes import celery_worker_command, stop
from projections.routing import ALL_QUEUES
from queries.api import hot_cache
from tests.factories import make_staff

ROOT = Path(__file__).resolve().parent.parent


def wait_until(predicate: Callable[[], Any], *, timeout: float = 30.0, interval: float = 0.1) -> Any:
    """Poll until `predicate()` is truthy; fail the test on timeout (never a bare sleep)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """PBKDF2 at its production cost takes about a second per hash on CI; tests need no brute-force resistance."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_throttles() -> None:
    """Sign-ups, failed log-ins and the log head are kept in the cache, which outlives a test (and a run) in Redis.

    So does the hot path's body cache (in this process): a rolled-back test's positions come again in the next.
    """
    cache.clear()
    hot_cache.BODIES.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def staff_user(db: None) -> Any:
    return make_staff()


@pytest.fixture
def staff_api(staff_user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


def event_count() -> int:
    return Event.objects.count()


class WriteDatabaseTouched(AssertionError):
    pass


@pytest.fixture
def block_write_db() -> Iterator[list[str]]:
    """Fail any SQL on the write alias except authentication's own lookups (users, tokens, sessions)."""
    allowed = ("auth_user", "knox_authtoken", "django_session", "auth_permission", "auth_group")
    seen: list[str] = []

    def blocker(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        if not any(table in sql for table in allowed):
            seen.append(sql)
            raise WriteDatabaseTouched(f"query touched the write database: {sql}")
        return execute(sql, params, many, context)

    with connections["default"].execute_wrapper(blocker):
        yield seen


def subprocess_env() -> dict[str, str]:
    """Environment for subprocesses (celery worker, web server) pointing at the test databases."""
    env = dict(os.environ)
    for alias, variable in (("default", "DATABASE_URL"), ("read", "READ_DATABASE_URL")):
        settings = connections[alias].settings_dict
        if settings["ENGINE"].endswith("sqlite3"):
            raise RuntimeError("pipeline tests need PostgreSQL: set DATABASE_URL and READ_DATABASE_URL")
        user, host, port = settings["USER"] or "postgres", settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
        env[variable] = f"postgres://{user}@{host}:{port}/{settings['NAME']}"
    env["PROJECTION_CATCHUP_SECONDS"] = "1"
    env["PYTHONPATH"] = str(ROOT)
    env["VAR_DIR"] = str(ROOT / "var" / "test-worker")
    return env


@contextlib.contextmanager
def database_gone(alias: str) -> Iterator[None]:
    """Point `alias` at a database that does not exist, for real, then restore it."""
    connection = connections[alias]
    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = "cqrs_shop_no_such_database"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
        connection.connect()


@pytest.fixture
def read_database_gone() -> Iterator[None]:
    with database_gone("read"):
        yield


class WorkerProcess:
    """One solo worker on every queue by default; `queues` runs one of Procfile.production's two workers."""

    def __init__(self, env: dict[str, str], *, beat: bool, queues: Sequence[str] = ALL_QUEUES) -> None:
        self.process = subprocess.Popen(celery_worker_command("test", beat=beat, queues=queues), cwd=ROOT, env=env)

    def stop(self) -> None:
        stop(self.process)


@pytest.fixture
def celery_worker_process(transactional_db: None, django_db_blocker: Any) -> Iterator[WorkerProcess]:
    """A real `celery worker` process (with an embedded beat doing the catch-up every second)."""
    worker = WorkerProcess(subprocess_env(), beat=True)
    try:
        yield worker
    finally:
        worker.stop()
