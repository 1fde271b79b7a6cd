import logging
import os
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("cqrs_shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Autodiscovery looks for each app's top-level `tasks` module only; the reactors' delivery task lives deeper.
app.autodiscover_tasks(["projections.reactors"])


@signals.celeryd_init.connect
def warnings_as_log_lines(**kwargs: Any) -> None:
    """A worker's start-up warnings (running as root) become log lines in LOG_FORMAT, not raw stderr text."""
    logging.captureWarnings(True)


@signals.setup_logging.connect
def keep_django_logging(*, loglevel: int | str | None = None, **kwargs: Any) -> None:
    """Workers and beat log through settings.LOGGING (format, correlation ids), not a handler of Celery's own."""
    if loglevel:
        logging.getLogger().setLevel(loglevel)  # --loglevel still means what it says
    logging.captureWarnings(True)
