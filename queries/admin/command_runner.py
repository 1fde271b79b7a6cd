"""What the admin says about a command it sent (refused, or saved and maybe not shown yet), and the wait for it."""

from django.conf import settings

from commands.errors import AggregateNotFound, CommandError, CommandRejected, InvalidReference, VersionConflict
from projections.progress import has_reached


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
    return has_reached(projections, position, settings.ADMIN_READ_WAIT_SECONDS)


def saved_message(done: str, *, projected: bool) -> str:
    return done if projected else f"{done} The pages will show it in a moment."
