"""`manage.py projection_status`: how far each projection is behind the head of the event log."""

import dataclasses
import json
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from rich.table import Table

from commands.models import Event
from projections import runner
from projections.management.commands._console import console_for
from projections.models import Checkpoint, ParkedEvent
from projections.registry import PROJECTIONS

ERROR_PREVIEW_CHARS = 60


@dataclasses.dataclass(frozen=True)
class ProjectionStatus:
    name: str
    checkpoint: int
    head: int
    events_behind: int
    seconds_behind: float
    last_error: str
    last_error_at: datetime | None
    parked: int


def projection_statuses(*, now: datetime | None = None) -> list[ProjectionStatus]:
    now = now or timezone.now()
    head = runner.head_position()
    checkpoints = {checkpoint.name: checkpoint for checkpoint in Checkpoint.objects.filter(name__in=PROJECTIONS)}
    statuses = []
    for name in PROJECTIONS:
        checkpoint = checkpoints.get(name) or Checkpoint(name=name)
        # Counted rather than head - checkpoint: positions may have gaps (rolled-back appends).
        unapplied = Event.objects.using(runner.EVENT_DB).filter(position__gt=checkpoint.position)
        oldest = unapplied.order_by("position").values_list("occurred_at", flat=True).first()
        statuses.append(
            ProjectionStatus(
                name=name,
                checkpoint=checkpoint.position,
                head=head,
                events_behind=unapplied.count() if oldest else 0,
                seconds_behind=round(max((now - oldest).total_seconds(), 0.0), 3) if oldest else 0.0,
                last_error=checkpoint.last_error,
                last_error_at=checkpoint.last_error_at,
                parked=ParkedEvent.objects.filter(projection=name).count(),
            )
        )
    return statuses


def short_error(error: str) -> str:
    """The last line of a traceback says what went wrong; the rest is in the checkpoint row."""
    lines = [line for line in error.strip().splitlines() if line.strip()]
    last = lines[-1].strip() if lines else ""
    return last if len(last) <= ERROR_PREVIEW_CHARS else last[: ERROR_PREVIEW_CHARS - 1] + "…"


def status_table(statuses: list[ProjectionStatus]) -> Table:
    table = Table(title="Projections")
    table.add_column("projection")
    for heading in ("checkpoint", "head", "events behind", "seconds behind"):
        table.add_column(heading, justify="right")
    table.add_column("last error", overflow="fold")
    table.add_column("parked", justify="right")
    for status in statuses:
        behind_style = "green" if status.events_behind == 0 else "yellow"
        table.add_row(
            status.name,
            str(status.checkpoint),
            str(status.head),
            f"[{behind_style}]{status.events_behind}[/]",
            f"{status.seconds_behind:.1f}",
            short_error(status.last_error) or "-",
            f"[red]{status.parked}[/]" if status.parked else "0",
        )
    return table


def as_json(status: ProjectionStatus) -> dict[str, Any]:
    data = dataclasses.asdict(status)
    data["last_error"] = short_error(status.last_error)
    data["last_error_at"] = status.last_error_at.isoformat() if status.last_error_at else None
    return data


class Command(BaseCommand):
    help = "Show, per projection, its checkpoint, the head of the event log, and how far behind it is."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def handle(self, *args: Any, **options: Any) -> None:
        statuses = projection_statuses()
        if options["json"]:
            self.stdout.write(json.dumps([as_json(status) for status in statuses], indent=2))
            return
        console_for(self.stdout).print(status_table(statuses))
