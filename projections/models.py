"""Projection state, kept in the read database beside the read models it describes."""

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

    def __str__(self) -> str:
        return f"{self.name} @ {self.position}"


class ParkedEvent(models.Model):
    """An event a projection failed on repeatedly, set aside so the projection can go on."""

    projection = models.CharField(max_length=64)
    position = models.BigIntegerField()
    event_type = models.CharField(max_length=64)
    error = models.TextField()
    attempts = models.PositiveIntegerField()
    parked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["projection", "position"], name="parked_once")]
        ordering = ["projection", "position"]

    def __str__(self) -> str:
        return f"{self.projection} #{self.position} {self.event_type}"
