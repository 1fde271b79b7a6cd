"""`manage.py run_projections`: apply every pending event once, without a worker (what load_demo ends with)."""

from typing import Any

from django.core.management.base import BaseCommand

from projections import runner


class Command(BaseCommand):
    help = "Bring every projection up to the head of the event log once, in this process."

    def handle(self, *args: Any, **options: Any) -> None:
        applied = runner.run_all()
        if options["verbosity"] >= 1:
            self.stdout.write("Projections: " + ", ".join(f"{name} +{count}" for name, count in applied.items()))
