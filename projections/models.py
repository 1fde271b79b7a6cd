"""Projection state, kept in the read database beside the read models it describes."""

from email.utils import parseaddr

from django.conf import settings
from django.db import models


class Checkpoint(models.Model):
    """How far one projection has applied the event log; committed with its read-model writes."""

    name = models.CharField(max_length=64, primary_key=True)
    position = models.BigIntegerField(default=0)
    last_event_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    failed_position = models.BigIntegerField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True, help_text="when a rebuilt generation last took over")

    def __str__(self) -> str:
        return f"{self.name} @ {self.position}"


class ParkedEvent(models.Model):
    """An event a projection set aside so that it can go on: it failed repeatedly, or it waits behind one that did.

    Sequenced parking: once an event of an aggregate is parked, every later event of that aggregate is parked
    behind it (`held`, not applied), so the aggregate's read rows never see its events out of order; every
    other aggregate keeps flowing. Retry replays the aggregate's parked events in position order.
    """

    projection = models.CharField(max_length=64)
    position = models.BigIntegerField()
    event_type = models.CharField(max_length=64)
    aggregate_id = models.UUIDField(null=True, blank=True)  # null only on rows parked before sequencing existed
    held = models.BooleanField(default=False, help_text="waits behind an earlier parked event of its aggregate")
    error = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    parked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["projection", "position"], name="parked_once")]
        indexes = [models.Index(fields=["projection", "aggregate_id", "position"], name="parked_aggregate")]
        ordering = ["projection", "position"]

    def __str__(self) -> str:
        return f"{self.projection} #{self.position} {self.event_type}"


class OutboxMessage(models.Model):
    """An email a reactor decided to send: written with the reactor's checkpoint, sent later from here.

    Keyed by (reactor, position): the event at that position causes at most one message, whatever the number
    of times the reactor's batch is retried. `sent_at` is empty until delivery has handed it to the backend.
    A refused send sets `next_attempt_at` (backing off); after the last attempt `gave_up_at` is set instead.
    """

    reactor = models.CharField(max_length=64)
    position = models.BigIntegerField()
    event_type = models.CharField(max_length=64)
    to_email = models.EmailField(max_length=254)
    language = models.CharField(max_length=8)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    gave_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reactor", "position"], name="outbox_effect_once")]
        indexes = [
            models.Index(fields=["id"], name="outbox_pending", condition=models.Q(sent_at__isnull=True)),
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.reactor} #{self.position} {self.event_type} → {self.to_email}"

    @property
    def message_id(self) -> str:
        """The same for every send of this row, so a message sent twice after a crash is recognisably one."""
        return f"<outbox.{self.reactor}.{self.position}@{_mail_domain()}>"


def _mail_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"
