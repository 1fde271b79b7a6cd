"""How the admin sends a command: as the logged-in staff user, through the handler, never a model save."""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest

from commands.errors import AggregateNotFound, CommandError, CommandRejected, InvalidReference, VersionConflict
from commands.event_log import CommandContext
from commands.handlers.recording import CommandResult
from projections.runner import read_position

POLL_SECONDS = 0.05


def actor_of(user: AbstractBaseUser | AnonymousUser) -> str:
    return f"user:{user.pk}"


def send_command(
    handler: Callable[..., CommandResult], *, request: HttpRequest, command: str, **arguments: Any
) -> CommandResult:
    """Run one command handler for the request's user; its CommandError subclasses propagate."""
    context = CommandContext(command=command, actor=actor_of(request.user))
    return handler(context=context, **arguments)


def refusal_message(error: CommandError, *, label: str) -> str:
    """What a staff member reads when a command is refused."""
    if isinstance(error, VersionConflict):
        return (
            f"Someone else changed this {label} meanwhile (it is now at version {error.current_version}). "
            "Reload the page to see their change, then try again."
        )
    if isinstance(error, CommandRejected | AggregateNotFound):
        return error.detail
    if isinstance(error, InvalidReference):
        return f"Invalid reference: {error.errors}"
    return str(error)


def wait_until_projected(position: int, projections: tuple[str, ...]) -> bool:
    """Give the asynchronous projections a moment to show the command's effect; True once they do."""
    timeout = settings.ADMIN_READ_WAIT_SECONDS
    deadline = time.monotonic() + timeout
    while read_position(projections) < position:
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_SECONDS)
    return True


def saved_message(done: str, *, projected: bool) -> str:
    return done if projected else f"{done} The pages will show it in a moment."
