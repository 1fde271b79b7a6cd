"""`manage.py verify_projections`: exit 0 only when every read model equals a fresh replay of the log."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projections import verification
from projections.registry import PROJECTIONS


class Command(BaseCommand):
    help = "Compare each projection's read models with a replay up to its checkpoint (rolled back afterwards)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=20, help="differences to print per projection")

    def handle(self, *args: Any, **options: Any) -> None:
        limit = options["limit"]
        failed = []
        for name, projection in PROJECTIONS.items():
            differences = verification.verify(projection)
            if not differences:
                self.stdout.write(self.style.SUCCESS(f"{name}: equals a fresh replay"))
                continue
            failed.append(name)
            self.stdout.write(self.style.ERROR(f"{name}: {len(differences)} difference(s)"))
            for difference in differences[:limit]:
                self.stdout.write(f"  {difference}")
            if len(differences) > limit:
                self.stdout.write(f"  … and {len(differences) - limit} more")
        if failed:
            raise CommandError(f"read models differ from a fresh replay: {', '.join(failed)}", returncode=1)
