"""Threads for concurrency tests: released together, each with its own database connections."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.db import connections, transaction

from projections import blue_green
from projections.base import Projection
from projections.models import Checkpoint

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
