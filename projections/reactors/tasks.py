"""The delivery task: woken after a reactor's batch commits, and run by the periodic catch-up."""

from celery import shared_task

from projections.reactors.delivery import deliver_pending


@shared_task(name="projections.deliver_outbox")
def deliver_outbox() -> int:
    """Safe to run twice or concurrently: each worker takes rows the others have not locked."""
    return deliver_pending()
