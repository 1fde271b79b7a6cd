"""X-Correlation-ID follows a command: echoed, in its events' metadata, on the log lines of the request and batch."""

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from commands.models import Event
from config.correlation import CorrelationFilter
from projections import runner
from tests.conftest import ROOT, subprocess_env, wait_until

pytestmark = pytest.mark.django_db(databases="__all__")
CREATE = "/api/v1/commands/create-product/"


def create_product(client, **headers: str):
    body = {"sku": f"COR-{uuid.uuid4().hex[:8]}", "name": "Traced mug", "price": "4.00"}
    return client.post(CREATE, body, format="json", **headers)


@pytest.fixture
def logs(caplog):
    """Records as the console handler sees them: with its correlation filter applied."""
    caplog.set_level("INFO")
    caplog.handler.addFilter(CorrelationFilter())
    return caplog


def test_a_sent_id_is_echoed_stored_in_the_events_and_logged_by_the_request_and_the_batch(staff_api, logs):
    response = create_product(staff_api, HTTP_X_CORRELATION_ID="checkout-7f3a")
    assert response.status_code == 202
    assert response["X-Correlation-ID"] == "checkout-7f3a"
    command_id = response.json()["command_id"]
    event = Event.objects.get(position=response.json()["position"])
    assert event.metadata["correlation_id"] == "checkout-7f3a"
    assert event.metadata["command_id"] == command_id

    answered = [record for record in logs.records if record.name == "config.requests"]
    assert [(r.correlation_id, r.command_id, r.status) for r in answered] == [("checkout-7f3a", command_id, 202)]
    assert command_id in answered[0].getMessage()

    logs.clear()
    runner.run_all()
    batches = [record for record in logs.records if record.name == "projections.runner"]
    assert batches and all(record.correlation_id == "checkout-7f3a" for record in batches)
    assert all(record.command_ids == [command_id] for record in batches)


@pytest.mark.parametrize(
    "sent",
    ["", "x" * 101, "line\nbreak", "tab\there", "na\u00efve", "\u202eright-to-left", "bell\x07"],
    ids=["empty", "too-long", "newline", "tab", "non-ascii", "bidi", "control"],
)
def test_an_unacceptable_id_is_replaced_by_a_generated_one(staff_api, sent):
    response = create_product(staff_api, HTTP_X_CORRELATION_ID=sent)
    assert response.status_code == 202
    generated = response["X-Correlation-ID"]
    assert generated != sent and uuid.UUID(generated)
    assert Event.objects.get(position=response.json()["position"]).metadata["correlation_id"] == generated


def test_an_id_is_generated_when_none_is_sent_and_the_longest_acceptable_one_is_kept(api, staff_api):
    first, second = api.get("/api/v1/products/")["X-Correlation-ID"], api.get("/healthz")["X-Correlation-ID"]
    assert uuid.UUID(first) and uuid.UUID(second) and first != second
    longest = "a-Z_0.9:~" + "x" * 91
    assert create_product(staff_api, HTTP_X_CORRELATION_ID=longest)["X-Correlation-ID"] == longest


@pytest.mark.pipeline
@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_worker_with_log_format_json_writes_one_object_per_line_naming_the_commands_id(staff_api, tmp_path: Path):
    env = subprocess_env() | {"LOG_FORMAT": "json"}
    log = tmp_path / "worker.log"
    command = [sys.executable, "-m", "celery", "--quiet", "-A", "config", "worker", "-Q", "projections,celery"]
    command += [
        "--pool=solo",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "-n",
        f"json-{uuid.uuid4()}@%h",
    ]
    with log.open("wb") as output:
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        response = create_product(staff_api, HTTP_X_CORRELATION_ID="json-trace-1")
        assert response.status_code == 202

        def batch_logged() -> list[dict]:
            assert worker.poll() is None, log.read_text()
            lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
            return [line for line in lines if line["logger"] == "projections.runner"]

        batches = wait_until(batch_logged, timeout=60, interval=0.2)
        # Every line so far, the worker's own included. (On stop Celery's signal handler prints one plain
        # "worker: Warm shutdown" line straight to stdout; nothing configures that.)
        for line in log.read_text().splitlines():
            assert isinstance(json.loads(line), dict), line
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert batches[0]["correlation_id"] == "json-trace-1"
    assert batches[0]["command_ids"] == [response.json()["command_id"]]
    assert batches[0]["level"] == "INFO" and batches[0]["message"].startswith("projection ")
