"""Reactors: the third kind of consumer of the event log, beside projections and the query side.

A reactor is declared and run exactly like a projection (`@handles(EventClass)` methods, a `Checkpoint` row,
`runner.run_projection` with its order, lock, retries and parking), but what its handlers produce is an effect
outside the read models: an email today. A handler never performs the effect itself. It records it as an
`OutboxMessage` keyed by (reactor, event position), in the runner's read-DB transaction, so the effect and the
checkpoint that moves past its event commit together or not at all. `delivery.deliver_pending` then sends the
recorded messages; see there for what "exactly once" can mean against SMTP.

Why the read database: the checkpoint lives there (one transaction must hold both, and PostgreSQL has no
transaction across the two databases), and the read database is the one the runner already writes.

Where a handler takes the customer's address and language from: the write model (`commands.Customer`), the
authority for a customer's current contact details. The read models could lag behind the reactor (each consumer
runs at its own pace), and the events alone would make the reactor keep a copy of every customer's details. The
row is read once per batch, for every customer the batch names (one query), when the effects are recorded; a
retried batch finds the outbox rows already there.

Why per batch: an email cost about nine statements (the customer, `get_or_create`'s select, savepoint, insert
and release, then delivery's lock, mark and commit), 3.4 ms to record and 2.7 ms to deliver in-process, more
than the four projections together. Now a batch's emails are one INSERT … ON CONFLICT DO NOTHING at the unit of
work's flush (`rows().later`), and delivery sends up to a batch of messages over one connection.

A reactor is not rebuilt or verified (blue/green replays would send every email again): it is not in
`registry.PROJECTIONS`, only in `registry.CONSUMERS`, which the tasks run. The order emails reactor's checkpoint
is created at the log's head by the migration that adds the outbox (projections/migrations/0004), so a shop that
existed before, or an empty read database recreated under a full log, emails only what comes next.
"""

import logging
from dataclasses import asdict, dataclass

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise

from projections.base import Projection
from projections.models import OutboxMessage
from projections.recorded import Recorded
from projections.rows import rows

READ_DB = "read"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Email:
    """An email an event causes, as rendered; recorded as an OutboxMessage at the batch's flush."""

    position: int
    event_type: str
    to_email: str
    language: str
    subject: str
    body: str


class Reactor(Projection):
    read_models = ()

    def send_email(
        self,
        recorded: Recorded,
        *,
        to: str,
        language: str,
        subject: Promise | str,
        template: str,
        context: dict,
    ) -> None:
        """Record the email this event causes, rendered in `language`; it is sent once the batch has committed."""
        with translation.override(language):
            rendered_subject = " ".join(str(subject).split())
            body = render_to_string(template, context)
        email = Email(recorded.position, recorded.type, to, language, rendered_subject, body)
        rows().later(self.record_emails, email)

    def record_emails(self, emails: set[Email]) -> None:
        """The batch's emails in one INSERT; a checkpoint moved back by an operator finds each effect recorded
        (the (reactor, position) key) and causes nothing new."""
        messages = [OutboxMessage(reactor=self.name, **asdict(email)) for email in sorted(emails, key=by_position)]
        OutboxMessage.objects.using(READ_DB).bulk_create(messages, ignore_conflicts=True)
        if not any(entry[1] is wake_delivery for entry in transaction.get_connection(READ_DB).run_on_commit):
            transaction.on_commit(wake_delivery, using=READ_DB, robust=True)


def by_position(email: Email) -> int:
    return email.position


def wake_delivery() -> None:
    """Like the projections' wake-up, only a hint: the periodic catch-up delivers what a lost message left."""
    from projections.reactors.tasks import deliver_outbox

    try:
        deliver_outbox.apply_async(retry=False)
    except Exception:
        logger.warning("broker unreachable: the outbox is delivered on the next catch-up", exc_info=True)
