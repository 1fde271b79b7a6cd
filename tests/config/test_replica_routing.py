"""READ_REPLICA_URLS becomes replica aliases; only safe requests read from one, and only the read models.

The real streaming replica is in test_read_replicas.py (slow); these are the routing rules alone.
"""

import json

import pytest
from django.test import RequestFactory

from commands.models import Product
from config import replicas
from config.routers import ReadWriteRouter
from projections.models import Checkpoint
from queries.models import ProductView
from tests.config.test_settings import run_manage


def test_replica_urls_become_aliases_that_tests_never_create():
    shown = run_manage(
        "shell",
        "-c",
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.READ_REPLICAS, {a: [d['HOST'], d['PORT'], d['NAME'], d['TEST']['MIRROR']] "
        "for a, d in s.DATABASES.items() if a.startswith('read_replica')}]))",
        READ_REPLICA_URLS="postgres://shop@replica-a:5433/shop_read, postgres://shop@replica-b/shop_read",
    )
    assert shown.returncode == 0, shown.stderr
    aliases, databases = json.loads(shown.stdout.strip().splitlines()[-1])
    assert aliases == ["read_replica_0", "read_replica_1"]
    assert databases == {
        "read_replica_0": ["replica-a", 5433, "shop_read", "read"],
        "read_replica_1": ["replica-b", "", "shop_read", "read"],
    }


def test_the_router_sends_only_read_model_reads_of_a_replica_request_to_it():
    router = ReadWriteRouter()
    token = replicas._serving.set("read_replica_0")
    try:
        assert router.db_for_read(ProductView) == "read_replica_0"
        assert router.db_for_read(Checkpoint) == "read_replica_0"
        assert router.db_for_write(ProductView) == "read"  # writes: the primary, always
        assert router.db_for_read(Product) == "default"
    finally:
        replicas._serving.reset(token)
    assert router.db_for_read(ProductView) == "read"


@pytest.mark.parametrize(("method", "routed"), [("get", True), ("head", True), ("post", False), ("delete", False)])
def test_only_safe_requests_pick_a_replica(settings, monkeypatch, method, routed):
    settings.READ_REPLICAS = ["read_replica_0"]
    monkeypatch.setattr(replicas, "choose_replica", lambda: "read_replica_0")
    seen = []
    middleware = replicas.ReadReplicaMiddleware(lambda request: seen.append(replicas.serving_replica()))  # type: ignore[arg-type,func-returns-value]
    middleware(getattr(RequestFactory(), method)("/api/v1/products/"))
    assert seen == (["read_replica_0"] if routed else [None])
    assert replicas.serving_replica() is None  # reset after the request
