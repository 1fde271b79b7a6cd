"""Read the messages Django's file-based email backend wrote: they can be counted across processes."""

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def messages_in(directory: Path) -> list[EmailMessage]:
    found = []
    for path in sorted(directory.glob("*.log")):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                found.append(email.message_from_bytes(chunk.lstrip(), policy=email.policy.default))
    return found  # type: ignore[return-value]


def by_message_id(directory: Path) -> dict[str, list[EmailMessage]]:
    grouped: dict[str, list[EmailMessage]] = {}
    for message in messages_in(directory):
        grouped.setdefault(str(message["Message-ID"]), []).append(message)
    return grouped
