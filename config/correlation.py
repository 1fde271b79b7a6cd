"""One id follows a request through its command, its events and the projection batch that applies them.

`X-Correlation-ID` comes in (or is generated), is echoed on the response, lands in every event's metadata
through CommandContext, and stamps every log line written while the request runs. The projection runner
logs the ids of the events each batch applied, so a grep for one id finds the whole story.
"""

import contextvars
import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse

HEADER = "X-Correlation-ID"
MAX_LENGTH = 100
NONE = "-"
_current: contextvars.ContextVar[str] = contextvars.ContextVar("correlation_id", default="")
logger = logging.getLogger("config.requests")


def current_correlation_id() -> str:
    """The id of the request being served, or "" outside one (a worker, a management command)."""
    return _current.get()


def acceptable(value: str) -> bool:
    """Printable ASCII, 1 to 100 characters: anything else could forge or break log lines."""
    return 0 < len(value) <= MAX_LENGTH and value.isascii() and value.isprintable()


class CorrelationIdMiddleware:
    """Take the caller's X-Correlation-ID when it is acceptable, else generate one; echo it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = request.headers.get(HEADER)
        correlation_id = sent if sent is not None and acceptable(sent) else str(uuid.uuid4())
        token = _current.set(correlation_id)
        try:
            response = self.get_response(request)
            self.log_command(request, response)
        finally:
            _current.reset(token)
        response[HEADER] = correlation_id
        return response

    @staticmethod
    def log_command(request: HttpRequest, response: HttpResponse) -> None:
        from config.metrics import command_name

        if command := command_name(request):
            data = getattr(response, "data", None)
            command_id = data.get("command_id") if isinstance(data, dict) else None
            logger.info(
                "command %s answered %s (command id %s)",
                command,
                response.status_code,
                command_id or NONE,
                extra={"command": command, "status": response.status_code, "command_id": command_id},
            )


def correlation_of(events: Sequence[Any]) -> dict[str, Any]:
    """Log fields naming the commands behind a batch of events (their distinct ids, in log order)."""
    correlation_ids = dict.fromkeys(event.metadata.get("correlation_id") or NONE for event in events)
    command_ids = dict.fromkeys(event.metadata.get("command_id") or NONE for event in events)
    return {"correlation_id": ",".join(correlation_ids), "command_ids": list(command_ids)}


class CorrelationFilter(logging.Filter):
    """Give every record a correlation_id: its own (a projection batch sets one), the request's, or "-"."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "correlation_id", None):
            record.correlation_id = _current.get() or NONE
        return True
