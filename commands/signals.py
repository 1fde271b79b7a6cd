from django.dispatch import Signal

# Sent inside the write transaction each time events are appended; kwargs: events (list[Event]), using.
# Receivers that act on the outside world must wait for commit (transaction.on_commit(using=using)).
events_recorded = Signal()
