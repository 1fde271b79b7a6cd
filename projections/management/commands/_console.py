"""A rich console on a management command's stream (the leading underscore keeps Django from listing it)."""

from typing import IO, cast

from django.core.management.base import OutputWrapper
from rich.console import Console

# Wide enough for the status table when the output is a pipe or a test's StringIO, where rich would assume 80.
PIPE_WIDTH = 140


def console_for(stream: OutputWrapper) -> Console:
    # The wrapped stream, not the wrapper: OutputWrapper.write appends a newline to every chunk rich writes.
    raw = cast(IO[str], stream._out)
    return Console(file=raw, width=None if stream.isatty() else PIPE_WIDTH, highlight=False)
