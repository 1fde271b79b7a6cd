"""Which queue a task goes to: the projections on one, the reactors (emails and their delivery) on their own.

Why two: a command is read-visible when the projections have applied it, and a reactor's work is slower than
all the projections together (rendering an email, writing the outbox, sending it: about 12 ms an order against
a few for the four projections). On one queue with the same worker children, a projection's wake-up waited
behind reactor batches and deliveries. On their own queue, consumed by their own worker process
(Procfile.production's `reactors`), the emails take the time they take and the projections never wait for them.

The `project` task serves both kinds of consumer (one task, one runner, the same checkpoint, lock, retries and
parking): it is routed by the name it is given. A retry keeps the queue its first delivery came from.
"""

from typing import Any

PROJECTION_QUEUE = "projections"
REACTOR_QUEUE = "reactors"
DEFAULT_QUEUE = "celery"
# What a worker consuming everything listens to: the tests' single solo worker, and `make run`'s.
ALL_QUEUES = (PROJECTION_QUEUE, REACTOR_QUEUE, DEFAULT_QUEUE)
REACTOR_TASKS = frozenset({"projections.deliver_outbox"})


def route(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **extra: Any) -> dict[str, str] | None:
    """Celery's router (settings.CELERY_TASK_ROUTES): the queue of one task message, None for the default one."""
    if not name.startswith("projections."):
        return None
    if name in REACTOR_TASKS or (name == "projections.project" and args and is_reactor(args[0])):
        return {"queue": REACTOR_QUEUE}
    return {"queue": PROJECTION_QUEUE}


def is_reactor(unit: str) -> bool:
    from projections.registry import REACTORS  # at call time: the settings name this module before apps load

    return unit in REACTORS
