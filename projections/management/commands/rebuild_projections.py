"""`manage.py rebuild_projections [--projection NAME]`: replay the event log into a new generation of read models."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from projections import blue_green
from projections.base import Projection
from projections.management.commands._console import console_for
from projections.registry import PROJECTIONS


class EventRateColumn(ProgressColumn):
    """Events per second since the rebuild started (rich's own speed needs several updates to show anything)."""

    def render(self, task: Task) -> Text:
        elapsed = task.finished_time if task.finished else task.elapsed
        if not elapsed or not task.completed:
            return Text("- events/s", style="cyan")
        return Text(f"{task.completed / elapsed:,.0f} events/s", style="cyan")


def selected_projections(name: str | None) -> list[Projection]:
    if name is None:
        return list(PROJECTIONS.values())
    if name not in PROJECTIONS:
        raise CommandError(f"Unknown projection {name!r}; valid names: {', '.join(sorted(PROJECTIONS))}")
    return [PROJECTIONS[name]]


class Command(BaseCommand):
    help = "Rebuild read models from position 0 into a new generation that takes over once caught up (blue/green)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--projection", metavar="NAME", help=f"only this one of: {', '.join(PROJECTIONS)}")

    def handle(self, *args: Any, **options: Any) -> None:
        projections = selected_projections(options["projection"])
        total = blue_green.events_to_read(projections)
        results = Table(title="Rebuilt")
        results.add_column("projection")
        for heading in ("position", "events", "seconds", "events/s"):
            results.add_column(heading, justify="right")
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            EventRateColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console_for(self.stderr)) as progress:
            # Several at once (blue_green.rebuild_all: shares in parallel, one read each), so one time for all.
            tasks = {each.name: progress.add_task(each.name, total=total[each.name] or None) for each in projections}
            started = time.perf_counter()
            positions = blue_green.rebuild_all(
                projections, progress=lambda name, count: progress.advance(tasks[name], count)
            )
            seconds = time.perf_counter() - started
            for name, task in tasks.items():
                applied = int(progress.tasks[task].completed)
                progress.update(task, total=applied, completed=applied)
                rate = f"{applied / seconds:,.0f}" if seconds > 0 and applied else "-"
                results.add_row(name, str(positions[name]), str(applied), f"{seconds:.2f}", rate)
        console_for(self.stdout).print(results)
