"""The shop's own knobs: currency, payment gateway, command limits, projection batches and lag, metrics access."""

import ipaddress
import os
from typing import Any

from config.settings.environment import env_list

SHOP_CURRENCY = os.environ.get("SHOP_CURRENCY", "EUR")
# The card payment gateway (commands/payments/): a class with charge(amount, currency, card_number, idempotency_key),
# built with PAYMENT_GATEWAY_OPTIONS. The built-in sandbox approves 4242 4242 4242 4242, declines
# 4000 0000 0000 0002 and times out on 4000 0000 0000 0119 (options: approved, declined, timeout, timeout_seconds).
PAYMENT_GATEWAY = os.environ.get("PAYMENT_GATEWAY", "commands.payments.sandbox.SandboxGateway")
PAYMENT_GATEWAY_OPTIONS: dict[str, Any] = {}
# A payment attempt still "charging" after this long is taken to have timed out (a crashed web process).
PAYMENT_ATTEMPT_STALE_SECONDS = 120
COMMAND_MAX_BODY_BYTES = 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = COMMAND_MAX_BODY_BYTES
READ_POSITION_WAIT_SECONDS = float(os.environ.get("READ_POSITION_WAIT_SECONDS", "5"))
# After an admin command: how long to wait for the projections before redirecting to the read-model page.
ADMIN_READ_WAIT_SECONDS = float(os.environ.get("ADMIN_READ_WAIT_SECONDS", "2"))
PROJECTION_BATCH_SIZE = int(os.environ.get("PROJECTION_BATCH_SIZE", "500"))
# Split a projection into N segments by aggregate (projections/segments.py), e.g. "orders=2"; unset: 1 each.
PROJECTION_SEGMENTS = {
    name.strip(): int(count)
    for name, _, count in (each.partition("=") for each in os.environ.get("PROJECTION_SEGMENTS", "").split(","))
    if name.strip()
}
# Test fault hook only (the SIGKILL-mid-batch test): each applied event takes this long. Never set in production.
PROJECTION_FAULT_DELAY_SECONDS = float(os.environ.get("PROJECTION_FAULT_DELAY_SECONDS", "0"))
# How many events a rebuild replays per transaction into the new generation (blue/green, projections/blue_green.py).
# 10,000 rather than 2,000: a product's or a customer's row is then read and written once per 10,000 events, not
# five times (every projection from one read at 279k events: the database's CPU 11.2 s -> 7.3 s, ours 27.6 -> 25.2);
# a batch of them holds about 150 MB at most.
PROJECTION_REBUILD_BATCH_SIZE = int(os.environ.get("PROJECTION_REBUILD_BATCH_SIZE", "10000"))
# A rebuild folds the events into rows it holds from batch to batch, writes them past this many rows held and lets
# go of the largest models' until half as many are (projections/held.py).
PROJECTION_REBUILD_HELD_ROWS = int(os.environ.get("PROJECTION_REBUILD_HELD_ROWS", "200000"))
# A rebuild of several projections fills their new generations in this many forked processes, each a share of the
# projections (projections/filling.py); unset or 0: one per CPU; 1: all in the rebuilding process.
PROJECTION_REBUILD_PROCESSES = int(os.environ.get("PROJECTION_REBUILD_PROCESSES", "0"))
# /readyz answers 503 while a projection is more events, or its oldest unapplied event more seconds, behind.
PROJECTION_READY_MAX_LAG_EVENTS = int(os.environ.get("PROJECTION_READY_MAX_LAG_EVENTS", "1000"))
PROJECTION_READY_MAX_LAG_SECONDS = float(os.environ.get("PROJECTION_READY_MAX_LAG_SECONDS", "60"))

# /metrics (Prometheus) answers a bearer token or an address in these networks (CIDR); with neither, nobody.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = [
    str(ipaddress.ip_network(net, strict=False)) for net in env_list("METRICS_ALLOWED_NETWORKS")
]
