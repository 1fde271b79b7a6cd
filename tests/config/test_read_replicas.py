"""READ_REPLICA_URLS on a real streaming replica: queries read from it, read-your-writes holds, a dead one is skipped.

For the length of a test the "read" alias points at a private primary (tests/config/replica_cluster.py) and
"read_replica_0" at its hot standby; a real Celery worker projects into the primary.
"""

import contextlib
import copy
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections
from django.db.backends.postgresql.base import DatabaseWrapper

from config import replicas
from projections import runner
from projections.models import Checkpoint
from projections.registry import PROJECTIONS
from tests.config.replica_cluster import Cluster, primary_and_replica
from tests.conftest import WorkerProcess, subprocess_env, wait_until
from tests.factories import make_product
from tests.queries.admin_clients import staff_client

pytestmark = [pytest.mark.slow, pytest.mark.pipeline, pytest.mark.django_db(transaction=True, databases="__all__")]
REPLICA = "read_replica_0"
PRODUCTS_READ = re.compile(r'FROM "?queries_productview"?\s')
DATABASE = "shop_read"


class PrimaryReadBlocked(AssertionError):
    pass


@dataclass
class Replication:
    primary: Cluster
    replica: Cluster
    queries: dict[str, list[str]] = field(default_factory=lambda: {"read": [], REPLICA: []})

    def url(self, cluster: Cluster) -> str:
        return f"postgres://postgres@127.0.0.1:{cluster.port}/{DATABASE}"

    def products_read_on(self, alias: str) -> int:
        """How many product-list queries ran on the alias (the lag checks read checkpoints, not products); the
        ORM quotes the table's name, the hot read path (queries/api/hot.py) does not."""
        return sum(bool(PRODUCTS_READ.search(sql)) for sql in self.queries[alias])

    def caught_up(self) -> bool:
        return runner_position(REPLICA) == runner_position("read")


def runner_position(alias: str) -> int:
    return replicas.read_position_on(alias) or 0


def counting(seen: list[str]) -> Callable:
    def wrapper(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, context)

    return wrapper


def blocking(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
    raise PrimaryReadBlocked(f"a query reached the read primary: {sql}")


@pytest.fixture
def replication(transactional_db: None, settings: Any) -> Iterator[Replication]:
    read = connections["read"]
    original = copy.deepcopy(read.settings_dict)
    with primary_and_replica() as (primary, replica):
        with primary.connect() as admin:
            admin.execute(f"CREATE DATABASE {DATABASE}")
        read.close()
        try:
            read.settings_dict.update(HOST="127.0.0.1", PORT=str(primary.port), NAME=DATABASE)
            call_command("migrate", database="read", verbosity=0)
            # A connection of this thread only, not in settings.DATABASES: Django's test case lets the test use
            # it (settings' READ_REPLICA_URLS makes the same aliases in a deployment).
            replica_settings = {**copy.deepcopy(read.settings_dict), "PORT": str(replica.port)}
            replica_settings["OPTIONS"] = {"connect_timeout": 2}
            connections[REPLICA] = DatabaseWrapper(replica_settings, alias=REPLICA)
            settings.READ_REPLICAS = [REPLICA]
            settings.READ_REPLICA_CHECK_SECONDS = 0
            settings.READ_REPLICA_RETRY_SECONDS = 60
            replicas._health.clear()
            state = Replication(primary, replica)
            wait_until(replicated_schema, timeout=60, interval=0.2)
            with (
                connections["read"].execute_wrapper(counting(state.queries["read"])),
                connections[REPLICA].execute_wrapper(counting(state.queries[REPLICA])),
            ):
                yield state
        finally:
            read.close()
            with contextlib.suppress(Exception):
                connections[REPLICA].close()
                del connections[REPLICA]
            read.settings_dict.clear()
            read.settings_dict.update(original)
            replicas._health.clear()


def replicated_schema() -> bool:
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT to_regclass('projections_checkpoint') IS NOT NULL")
        return cursor.fetchone()[0]


@pytest.fixture
def worker(replication: Replication) -> Iterator[WorkerProcess]:
    env = subprocess_env() | {"READ_DATABASE_URL": replication.url(replication.primary)}
    process = WorkerProcess(env, beat=True)
    try:
        # Ready once its catch-up (every second) has created the checkpoints in the private primary.
        projected = Checkpoint.objects.using("read").filter(name__in=PROJECTIONS)  # the reactors' rows aside
        wait_until(lambda: projected.count() == len(PROJECTIONS), timeout=120, interval=0.2)
        yield process
    finally:
        process.stop()


def test_queries_are_served_by_the_replica_while_the_primary_read_alias_is_blocked(replication, api):
    admin = staff_client(superuser=True)
    product_ids = [str(make_product(name=f"Replicated {n}")) for n in range(3)]
    runner.run_all()
    wait_until(replication.caught_up, timeout=30, interval=0.1)
    position = runner_position("read")

    with connections["read"].execute_wrapper(blocking):
        listed = api.get("/api/v1/products/?page_size=100")
        detail = api.get(f"/api/v1/products/{product_ids[0]}/")
        page = api.get("/")
        admin_list = admin.get("/admin/queries/productview/")
    assert listed.status_code == 200 and {item["id"] for item in listed.json()["results"]} == set(product_ids)
    assert listed["X-Read-Position"] == str(position)
    assert detail.status_code == 200 and detail.json()["name"] == "Replicated 0"
    assert page.status_code == 200 and b"Replicated 1" in page.content
    assert admin_list.status_code == 200 and b"Replicated 2" in admin_list.content


def test_read_your_writes_holds_on_the_replica(replication, worker, staff_api, api):
    with connections["read"].execute_wrapper(blocking):
        for n in range(5):
            sku = f"RYW-{n}-{uuid.uuid4().hex[:6]}"
            accepted = staff_api.post(
                "/api/v1/commands/create-product/", {"sku": sku, "name": f"Fresh {n}", "price": "2.00"}, format="json"
            )
            assert accepted.status_code == 202, accepted.content
            product_id, position = accepted.json()["aggregate_id"], accepted.json()["position"]
            # Projected by the worker into the primary, streamed to the replica, waited for there.
            detail = api.get(f"/api/v1/products/{product_id}/", HTTP_X_MIN_POSITION=str(position))
            assert detail.status_code == 200, detail.content
            assert detail.json()["sku"] == sku and int(detail["X-Read-Position"]) >= position
            page = api.get(f"/products/{product_id}/?after={position}")
            assert page.status_code == 200 and f"Fresh {n}".encode() in page.content
    assert replication.queries[REPLICA]


def test_a_stopped_replica_is_skipped_and_queries_fall_back_to_the_primary(replication, api, settings):
    # Every read below must reach a database (the test counts where they went): no response cache, no kept bodies.
    settings.RESPONSE_CACHE_SECONDS = 0
    settings.HOT_READ_CACHE_BYTES = 0
    make_product(name="Still served")
    runner.run_all()
    wait_until(replication.caught_up, timeout=30, interval=0.1)
    assert api.get("/api/v1/products/").status_code == 200
    assert replication.products_read_on(REPLICA) == 1 and replication.products_read_on("read") == 0

    replication.replica.stop("immediate")
    for _ in range(3):
        response = api.get("/api/v1/products/")
        assert response.status_code == 200
        assert [item["name"] for item in response.json()["results"]] == ["Still served"]
    assert replication.products_read_on("read") == 3  # the primary answered instead
    assert replication.products_read_on(REPLICA) == 1
    assert api.get("/").status_code == 200


def test_a_replica_far_behind_is_skipped(replication, api, settings):
    settings.READ_REPLICA_MAX_LAG_EVENTS = 2
    with replication.replica.connect() as standby:
        standby.execute("SELECT pg_wal_replay_pause()")
        for _ in range(3):
            make_product(name="Behind")
        runner.run_all()
        response = api.get("/api/v1/products/")
        assert response.status_code == 200 and len(response.json()["results"]) == 3  # from the primary
        assert int(response["X-Read-Position"]) == runner_position("read")
        standby.execute("SELECT pg_wal_replay_resume()")
