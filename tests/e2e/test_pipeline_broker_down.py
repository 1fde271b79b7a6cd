"""No lost event: with the broker unreachable a command still answers 202 at once, and the catch-up projects it."""

import time

import pytest

from tests.conftest import WorkerProcess, subprocess_env, wait_until
from tests.projections.broker import purge_wake_ups, queued_wake_ups, unreachable_broker

pytestmark = [pytest.mark.django_db(transaction=True, databases="__all__"), pytest.mark.pipeline]


def create_product(client, sku: str) -> tuple[dict, float]:
    started = time.monotonic()
    response = client.post(
        "/api/v1/commands/create-product/", {"sku": sku, "name": f"Offline {sku}", "price": "3.00"}, format="json"
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 202, response.content
    return response.json(), elapsed


def test_commands_sent_while_the_broker_is_down_are_projected_by_the_periodic_catch_up(staff_api):
    purge_wake_ups()
    with unreachable_broker():
        first, first_seconds = create_product(staff_api, "OFFLINE-1")
        later = [create_product(staff_api, f"OFFLINE-{n}") for n in range(2, 6)]
    assert first_seconds < 5.0  # one refused connection attempt, no hang
    assert max(seconds for _, seconds in later) < 0.5  # the wake-ups pause; commands do not wait for the broker
    assert queued_wake_ups() == 0  # not one wake-up reached the broker
    assert staff_api.get(f"/api/v1/products/{first['aggregate_id']}/").status_code == 404  # nothing projected yet

    # Only now a worker starts: with no message queued, only its beat's periodic catch-up can project them.
    worker = WorkerProcess(subprocess_env(), beat=True)
    try:
        last_position = later[-1][0]["position"]

        def projected():
            response = staff_api.get("/api/v1/products/", {"page_size": 100}, HTTP_X_MIN_POSITION=str(last_position))
            return response.json()["results"] if response.status_code == 200 else None

        listed = wait_until(projected, timeout=30)
    finally:
        worker.stop()
    assert sorted(product["sku"] for product in listed) == [f"OFFLINE-{n}" for n in range(1, 6)]


def test_a_running_worker_catches_up_on_commands_whose_wake_up_was_lost(celery_worker_process, staff_api):
    with unreachable_broker():
        sent, _ = create_product(staff_api, "LOST-WAKE-UP")

    def visible():
        return staff_api.get(f"/api/v1/products/{sent['aggregate_id']}/").status_code == 200

    wait_until(visible, timeout=30)
