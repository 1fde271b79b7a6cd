"""What makes a function a command handler: the command's name, its write transaction, how a screen sends it.

Like an action in Zulip's zerver/actions/, a handler owns its transaction: its checks, writes and event
append commit together or not at all, whoever calls it (the command API, the admin, the storefront, a test).
"""

import functools
from collections.abc import Callable
from typing import Any, Generic, ParamSpec, cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from commands.event_log import WRITE_DB, CommandContext
from commands.handlers.recording import CommandResult

P = ParamSpec("P")


class CommandHandler(Generic[P]):
    """A handler under its command's name (the one the API, the event metadata and idempotency records use)."""

    def __init__(self, name: str, function: Callable[P, CommandResult]) -> None:
        self.name = name
        self.function = function
        functools.update_wrapper(self, function)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> CommandResult:
        with transaction.atomic(using=WRITE_DB):
            return self.function(*args, **kwargs)

    def inside(self, *args: P.args, **kwargs: P.kwargs) -> CommandResult:
        """Run as part of the caller's transaction, which a refusal rolls back whole (the command API's).

        No savepoint of its own: SAVEPOINT and RELEASE are two round trips of a one-line order's ten. Only for a
        caller that lets the error end its transaction: after a refusal no query may run in it any more.
        """
        with transaction.atomic(using=WRITE_DB, savepoint=False):
            return self.function(*args, **kwargs)

    def send(self, user: AbstractBaseUser | AnonymousUser, **arguments: Any) -> CommandResult:
        """Run the command for a person at a screen (admin or storefront); a refusal raises a CommandError."""
        run = cast(Callable[..., CommandResult], self)
        return run(context=CommandContext.for_user(user, command=self.name), **arguments)


def command(name: str) -> Callable[[Callable[P, CommandResult]], CommandHandler[P]]:
    """Declare a handler: `@command("pay-order")` above `def pay_order(*, context, ...)`."""

    def declare(function: Callable[P, CommandResult]) -> CommandHandler[P]:
        return CommandHandler(name, function)

    return declare
