"""The real broker as tests see it: count and purge queued wake-ups, or make it unreachable for this process."""

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import kombu.pools

from config.celery import app
from projections.receivers import broker_pause
from projections.registry import CONSUMERS
from projections.routing import PROJECTION_QUEUE, REACTOR_QUEUE
from projections.segments import consumers
from projections.tasks import forget_queued

WAKE_UP_QUEUES = (PROJECTION_QUEUE, REACTOR_QUEUE)


def queued_wake_ups(queues: tuple[str, ...] = WAKE_UP_QUEUES) -> int:
    """The messages waiting in `queues` (the projections' and the reactors' together by default)."""
    with app.connection_for_write() as connection:
        return sum(connection.default_channel.queue_declare(queue=queue).message_count for queue in queues)


def purge_wake_ups() -> None:
    """Empty the queues, and clear the tasks' flags as their lost messages would have to be (by the catch-up)."""
    with app.connection_for_write() as connection:
        for queue in WAKE_UP_QUEUES:
            connection.default_channel.queue_purge(queue)
    for name in {*CONSUMERS, *consumers()}:  # whole projections and, when split, their segments
        forget_queued(name)


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
