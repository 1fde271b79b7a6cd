"""PostgreSQL refusing connections to one database: every surface answers 503 naming it, then converges.

A real web server process (gunicorn, persistent connections with health checks) and a real Celery worker
run against the test databases; `ALLOW_CONNECTIONS false` plus `pg_terminate_backend` takes one database
away for everyone, from the `postgres` maintenance database, and a `finally` gives it back. The same web
process must then serve again without a restart.
"""

import contextlib
import json
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client
from knox.models import AuthToken

from config import processes
from tests.conftest import ROOT, subprocess_env, wait_until
from tests.factories import make_customer, make_product

pytestmark = [pytest.mark.slow, pytest.mark.pipeline, pytest.mark.django_db(transaction=True, databases="__all__")]

PASSWORD = "correct-horse-battery-staple"


@dataclass
class Reply:
    status: int
    headers: Any
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


class WebServer:
    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = subprocess_env() | {"CONN_MAX_AGE": "60", "DEBUG": "false"}
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "1",
            "--threads",
            "1",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)
        wait_until(lambda: self.reachable() and self.request("GET", "/healthz").status == 200, timeout=60)

    def reachable(self) -> bool:
        try:
            self.request("GET", "/healthz")
        except OSError:
            return False
        return True

    def request(self, method: str, path: str, *, headers: dict[str, str] | None = None, body: Any = None) -> Reply:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Reply(response.status, response.headers, response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.headers, error.read().decode())

    def stop(self) -> None:
        processes.stop(self.process)


@pytest.fixture
def web(celery_worker_process: Any) -> Iterator[WebServer]:
    server = WebServer()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def refusing_connections(alias: str) -> Iterator[None]:
    """The server refuses every new connection to `alias`'s database and drops the open ones."""
    settings = connections[alias].settings_dict
    name = settings["NAME"]
    maintenance = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"] or "postgres",
        dbname="postgres",
        autocommit=True,
    )
    try:
        maintenance.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        maintenance.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        yield
    finally:
        maintenance.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        maintenance.close()
        connections[alias].close()  # this process's own connection was dropped too


@pytest.fixture
def shop() -> dict[str, Any]:
    product_id = make_product(stock=5)
    email = "outage-shopper@example.com"
    make_customer(email=email, password=PASSWORD)
    user_model = get_user_model()
    boss = user_model.objects.create_superuser(username="outage-boss")
    token = AuthToken.objects.create(user=boss)[1]
    sessions = {}
    for name, user in (("admin", boss), ("shopper", user_model.objects.get(username=email))):
        client = Client()
        client.force_login(user)
        sessions[name] = f"sessionid={client.cookies['sessionid'].value}"
    return {"product": product_id, "token": {"Authorization": f"Token {token}"}, **sessions}


def create_product(web: WebServer, shop: dict[str, Any], sku: str) -> Reply:
    return web.request(
        "POST",
        "/api/v1/commands/create-product/",
        headers=shop["token"],
        body={"sku": sku, "name": "Outage tea", "price": "3.00"},
    )


def served(web: WebServer, path: str, **headers: str) -> bool:
    return web.request("GET", path, headers=headers).status == 200


def assert_api_503(reply: Reply, code: str, alias: str) -> None:
    assert reply.status == 503, reply.text
    assert reply.headers["Content-Type"] == "application/json"
    assert int(reply.headers["Retry-After"]) > 0
    assert reply.json()["code"] == code and reply.json()["failed"] == [alias]


def assert_page_503(reply: Reply, *texts: str) -> None:
    assert reply.status == 503, reply.text[:500]
    assert int(reply.headers["Retry-After"]) > 0
    assert "Traceback" not in reply.text
    for text in texts:
        assert text in reply.text


def test_the_read_database_refusing_connections(web, shop):
    wait_until(lambda: served(web, f"/api/v1/products/{shop['product']}/"), timeout=60)
    assert served(web, "/api/v1/orders/", **shop["token"])  # the token is cached from here on

    with refusing_connections("read"):
        assert_api_503(web.request("GET", "/api/v1/products/", headers=shop["token"]), "read_unavailable", "read")
        assert_api_503(web.request("GET", "/api/v1/events/", headers=shop["token"]), "read_unavailable", "read")
        accepted = create_product(web, shop, "READ-DOWN-1")
        assert accepted.status == 202, accepted.text
        assert_page_503(web.request("GET", "/"), "We'll be right back", "css/shop.css")
        assert_page_503(web.request("GET", "/", headers={"Cookie": "django_language=ru"}), "Мы скоро вернёмся")
        assert_page_503(web.request("GET", "/orders/", headers={"Cookie": shop["shopper"]}), "right back")
        assert_page_503(
            web.request("GET", "/admin/queries/orderview/", headers={"Cookie": shop["admin"]}), "read database"
        )
        health = web.request("GET", "/healthz")
        assert (health.status, health.json()["failed"]) == (503, ["read"])

    # Back: the same web process reconnects, and the worker projects what was accepted meanwhile.
    created = accepted.json()
    position = {"X-Min-Position": str(created["position"]), **shop["token"]}
    wait_until(lambda: served(web, f"/api/v1/products/{created['aggregate_id']}/", **position), timeout=60)
    assert served(web, "/")
    assert served(web, "/orders/", Cookie=shop["shopper"])
    assert served(web, "/admin/queries/orderview/", Cookie=shop["admin"])
    assert served(web, "/healthz")


def test_the_write_database_refusing_connections(web, shop):
    wait_until(lambda: served(web, f"/api/v1/products/{shop['product']}/"), timeout=60)
    assert served(web, "/api/v1/orders/", **shop["token"])  # the token is cached from here on

    with refusing_connections("default"):
        for path in ("/api/v1/products/", "/api/v1/orders/", "/api/v1/customers/", "/api/v1/events/"):
            reply = web.request("GET", path, headers=shop["token"])
            assert reply.status == 200, (path, reply.text)
        assert_api_503(create_product(web, shop, "WRITE-DOWN-1"), "write_unavailable", "default")
        assert served(web, "/")  # an anonymous catalog needs no write database
        assert_page_503(web.request("GET", "/orders/", headers={"Cookie": shop["shopper"]}), "We'll be right back")
        russian = {"Cookie": f"{shop['shopper']}; django_language=ru"}
        assert_page_503(web.request("GET", "/account/", headers=russian), "Мы скоро вернёмся")
        assert_page_503(
            web.request("GET", "/admin/queries/orderview/", headers={"Cookie": shop["admin"]}), "write database"
        )
        health = web.request("GET", "/healthz")
        assert (health.status, health.json()["failed"]) == (503, ["default"])

    accepted = wait_until(lambda: (reply := create_product(web, shop, "WRITE-BACK-1")).status == 202 and reply)
    created = accepted.json()
    position = {"X-Min-Position": str(created["position"]), **shop["token"]}
    wait_until(lambda: served(web, f"/api/v1/products/{created['aggregate_id']}/", **position), timeout=60)
    assert served(web, "/orders/", Cookie=shop["shopper"])
    assert served(web, "/admin/queries/orderview/", Cookie=shop["admin"])
    assert served(web, "/healthz")
