"""Idempotency-Key: a repeated command returns its first response and writes nothing."""

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from commands.errors import CommandRejected, RejectionCode
from commands.models import IdempotencyRecord

# The response_status of a claim whose command is still running; no other transaction ever sees one.
RUNNING = 0


def fingerprint(command: str, body: Any) -> str:
    canonical = json.dumps([command, body], sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


def previous_response(*, actor: str, key: str, command: str, body: Any) -> IdempotencyRecord | None:
    """The stored first response, or None; a different command or body under the same key is refused."""
    record = IdempotencyRecord.objects.filter(actor=actor, key=key).first()
    if record is not None and record.fingerprint != fingerprint(command, body):
        raise CommandRejected(
            RejectionCode.IDEMPOTENCY_KEY_REUSED,
            "This Idempotency-Key was already used with a different command or body.",
        )
    return record


def claim(*, actor: str, key: str, command: str, body: Any) -> IdempotencyRecord:
    """Take the key before the command runs, in the command's transaction.

    A concurrent request with the same key then waits on the unique index instead of running the command
    beside this one: when this transaction commits, its insert fails and its retry finds the response to
    replay; when this one is refused and rolls back, the waiting request runs the command itself.
    """
    return IdempotencyRecord.objects.create(
        actor=actor,
        key=key,
        command=command,
        fingerprint=fingerprint(command, body),
        response_status=RUNNING,
        response_body={},
    )


def remember_response(claimed: IdempotencyRecord, *, status: int, response: dict, location: str) -> None:
    claimed.response_status = status
    claimed.response_body = response
    claimed.response_location = location
    claimed.save(update_fields=["response_status", "response_body", "response_location"])
