"""The real broker as tests see it: count and purge queued wake-ups, or make it unreachable for this process."""

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import kombu.pools

from config.celery import app
from projections.receivers import broker_pause
from projections.tasks import WAKE_UP, forget_queued

WAKE_UP_QUEUE = "projections"


def queued_wake_ups() -> int:
    with app.connection_for_write() as connection:
        return connection.default_channel.queue_declare(queue=WAKE_UP_QUEUE).message_count


def purge_wake_ups() -> None:
    """Empty the queue, and clear the wake-up's flag as its lost message would have to be (by the catch-up)."""
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(WAKE_UP_QUEUE)
    forget_queued(WAKE_UP)


def _use_broker(url: str) -> None:
    """Point this process's celery app at `url`, dropping every pooled connection and producer."""
    kombu.pools.reset()  # closes the pools and forgets them: a closed pool must not be handed out again
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def unreachable_broker(*, silent: bool = False) -> Iterator[str]:
    """The broker URL becomes a closed port, or with `silent` a port that accepts connections and never answers.

    Only this process is affected: a worker subprocess keeps its own, working broker.
    """
    original = app.conf.broker_url
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        if silent:
            listener.listen(8)  # the kernel completes the handshakes; nobody ever reads or writes
        else:
            listener.close()  # nothing listens here any more: connections are refused
        url = f"redis://127.0.0.1:{port}/0"
        _use_broker(url)
        try:
            yield url
        finally:
            _use_broker(original)
            broker_pause.end()
