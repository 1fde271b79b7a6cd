"""Idempotency-Key: a repeated command returns its first response and writes nothing."""

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from commands.errors import CommandRejected, RejectionCode
from commands.models import IdempotencyRecord


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


def remember_response(
    *, actor: str, key: str, command: str, body: Any, status: int, response: dict, location: str
) -> None:
    """Stored in the command's own transaction: a duplicate racing this one fails on the unique key."""
    IdempotencyRecord.objects.create(
        actor=actor,
        key=key,
        command=command,
        fingerprint=fingerprint(command, body),
        response_status=status,
        response_body=response,
        response_location=location,
    )
