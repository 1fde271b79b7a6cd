"""Threads for concurrency tests: released together, each with its own database connections."""

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.db import connections, transaction

from projections import blue_green, runner
from projections.base import Projection
from projections.models import Checkpoint
from tests.conftest import ROOT, subprocess_env, wait_until
from tests.factories import make_customer, make_product, place_order

Result = TypeVar("Result")


def in_threads(*works: Callable[[], Result]) -> list[Result]:
    """Run each callable in its own thread, all released together; each thread has its own database connections."""
    start = threading.Barrier(len(works))
    results: dict[int, Result] = {}
    errors: list[BaseException] = []

    def thread_body(index: int, work: Callable[[], Result]) -> None:
        try:
            start.wait()
            results[index] = work()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=thread_body, args=item) for item in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return [results[index] for index in range(len(works))]


class CheckpointHolder(threading.Thread):
    """Another runner: holds the catalog checkpoint's row lock in its own connection until released."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = threading.Event()
        self.release = threading.Event()

    def run(self) -> None:
        try:
            with transaction.atomic(using="read"):
                Checkpoint.objects.select_for_update().get(name="catalog")
                self.holding.set()
                self.release.wait(timeout=30)
        finally:
            connections.close_all()


@contextmanager
def rebuild_running(projection: Projection) -> Iterator[None]:
    """Another rebuild of `projection`, holding its rebuild lock in its own thread and connection meanwhile."""
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with blue_green.rebuild_lock(connections["read"], projection):
                holding.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        yield
    finally:
        release.set()
        holder.join()


@contextmanager
def rebuild_process(*arguments: str, **env: str) -> Iterator[subprocess.Popen]:
    """`manage.py rebuild_projections ARGUMENTS` in a process of its own, after 150 orders of one customer are
    projected live (a rebuild long enough to be caught midway: PROJECTION_REBUILD_BATCH_SIZE=2, its rows written
    after every batch); it is waited for when the block ends, and the block is entered once the orders' new
    generation is past position 20."""
    customer = make_customer()
    product = make_product(stock=10_000)
    for _ in range(150):
        place_order(customer, (product, 1))
    runner.run_all()
    rebuilding = subprocess.Popen(
        [sys.executable, "manage.py", "rebuild_projections", *arguments],
        cwd=ROOT,
        env=subprocess_env()
        | {"PROJECTION_REBUILD_BATCH_SIZE": "2", "PROJECTION_REBUILD_HELD_ROWS": "1", "PYTHONUNBUFFERED": "1", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: Checkpoint.objects.filter(name="orders~next", position__gt=20).exists(), timeout=60)
        yield rebuilding
    finally:
        rebuilding.wait(timeout=30)
