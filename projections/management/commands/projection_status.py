"""`manage.py projection_status`: how far each projection is behind the head of the event log."""

import dataclasses
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from rich.table import Table

from projections.management.commands._console import console_for
from projections.progress import ProjectionStatus, projection_statuses, short_error


def status_table(statuses: list[ProjectionStatus]) -> Table:
    table = Table(title="Projections")
    table.add_column("projection")
    for heading in ("checkpoint", "head", "events behind", "seconds behind"):
        table.add_column(heading, justify="right")
    table.add_column("last error", overflow="fold")
    table.add_column("parked", justify="right")
    table.add_column("held aggregates", overflow="fold")
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
            ", ".join(status.held_aggregates) or "-",
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
