"""Coalesced wake-ups lose nothing: a stream of commits, many landing while a fan-out runs, all projected promptly.

The worker runs without beat, so no periodic catch-up can hide a lost wake-up: every commit must be projected by
a wake-up that it sent, or by the one waiting that it found (projections/receivers.py).
"""

import pytest
from prometheus_client import REGISTRY

from projections import progress
from queries.models import ProductView
from tests.conftest import WorkerProcess, subprocess_env, wait_until
from tests.factories import make_product
from tests.projections.broker import purge_wake_ups
from tests.projections.concurrency import in_threads

pytestmark = [pytest.mark.django_db(transaction=True, databases="__all__"), pytest.mark.pipeline]
WRITERS = 3
PRODUCTS_PER_WRITER = 20


def wake_ups(outcome: str) -> float:
    return REGISTRY.get_sample_value("shop_projection_wake_ups_total", {"outcome": outcome}) or 0.0


def caught_up(head: int) -> None:
    wait_until(lambda: progress.read_position() >= head, timeout=60)


def test_commits_during_a_fan_out_are_projected_by_the_next_wake_up_without_any_catch_up():
    purge_wake_ups()
    # Each applied event takes 5 ms more: the fan-outs run long, so commits keep landing while one is running.
    env = subprocess_env() | {"PROJECTION_FAULT_DELAY_SECONDS": "0.005"}
    worker = WorkerProcess(env, beat=False)
    try:
        make_product()  # the worker is up and has emptied the queue: the stream meets a running worker
        caught_up(progress.head_position())
        sent, pending = wake_ups("sent"), wake_ups("pending")

        def write() -> list:
            made, previous = [], 0
            for _ in range(PRODUCTS_PER_WRITER):
                made.append(make_product())
                # A steady stream over several fan-outs, not one burst before the first: each writer stays at most
                # one commit ahead of the projections (its commit before last is projected before it goes on).
                caught_up(previous)
                previous = progress.head_position()
            return made

        ids = [each for batch in in_threads(*[write] * WRITERS) for each in batch]
        caught_up(progress.head_position())
    finally:
        worker.stop()

    assert ProductView.objects.filter(pk__in=ids).count() == WRITERS * PRODUCTS_PER_WRITER
    commits = WRITERS * PRODUCTS_PER_WRITER
    sent, pending = wake_ups("sent") - sent, wake_ups("pending") - pending
    assert sent + pending == commits
    assert pending > 0  # coalesced: some commits found a wake-up waiting and sent nothing
    assert sent > 1  # and commits after a fan-out had started sent the next one
    print(f"\n{commits} commits sent {sent:.0f} wake-ups")
