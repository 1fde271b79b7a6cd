"""Production settings pass Django's deployment checks; the router keeps each app on its own database."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from commands.models import Event, Product
from config.routers import ReadWriteRouter
from projections.models import Checkpoint
from queries.models import OrderView, ProductView

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests' conftest for this process; check --deploy rejects it.
    leaked = {"SECRET_KEY", "PRODUCTION", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in leaked}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def test_production_settings_pass_check_deploy():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", PRODUCTION="true", SECRET_KEY=secrets.token_urlsafe(50)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", PRODUCTION="true")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_router_sends_each_app_to_its_database():
    router = ReadWriteRouter()
    for model in (Product, Event):
        assert router.db_for_read(model) == router.db_for_write(model) == "default"
    for model in (ProductView, OrderView, Checkpoint):
        assert router.db_for_read(model) == router.db_for_write(model) == "read"
    assert router.allow_migrate("read", "queries") and not router.allow_migrate("default", "queries")
    assert router.allow_migrate("default", "commands") and not router.allow_migrate("read", "commands")
    assert router.allow_migrate("default", "auth") and not router.allow_migrate("read", "auth")
    assert not router.allow_relation(Product(), ProductView())


def mail_settings(**env: str) -> list[str]:
    """EMAIL_BACKEND, EMAIL_HOST and PASSWORD_RESET_TIMEOUT as a fresh process computes them from `env`."""
    clean = {"EMAIL_BACKEND": "", "EMAIL_HOST": "", "PASSWORD_RESET_TIMEOUT": ""} | env
    names = ("EMAIL_BACKEND", "EMAIL_HOST", "PASSWORD_RESET_TIMEOUT")
    code = "from django.conf import settings; print(" + ", ".join(f"settings.{name}" for name in names) + ")"
    result = run_manage("shell", "-c", code, **clean)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1].split()


@pytest.mark.slow  # four fresh processes: over 5 s on a loaded machine
def test_mail_goes_to_the_console_by_default_to_smtp_once_configured_and_reset_links_last_an_hour():
    console, smtp = "django.core.mail.backends.console.EmailBackend", "django.core.mail.backends.smtp.EmailBackend"
    locmem = "django.core.mail.backends.locmem.EmailBackend"
    assert mail_settings() == [console, "localhost", "3600"]
    assert mail_settings(EMAIL_HOST="smtp.example.com", PASSWORD_RESET_TIMEOUT="900") == [
        smtp,
        "smtp.example.com",
        "900",
    ]
    assert mail_settings(PRODUCTION="true", SECRET_KEY=secrets.token_urlsafe(50))[0] == smtp
    assert mail_settings(EMAIL_HOST="smtp.example.com", EMAIL_BACKEND=locmem)[0] == locmem
