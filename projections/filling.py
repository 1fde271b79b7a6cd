"""Filling several new generations at once: the projections dealt into shares, each filled by a forked process.

Why: a rebuild of every projection from one read of the log keeps one core busy in Python (the handlers' folds,
building rows, COPY) while the database waits for it; with one process per core each share is filled from its
own read of the log, in parallel. The shares are dealt by `Projection.rebuild_cost` (the heaviest first, each to
the lightest share so far), so the processes finish at about the same time.

Design:
- The parent (blue_green.rebuild_all) has made the new generations (committed) and read the head; each child
  streams the log up to that head, only the event types its share applies, and commits every batch to its
  share's generations with their `~next` checkpoints (blue_green.apply_to_generations), as the one-process
  fill does. The parent then applies what was appended meanwhile and swaps each generation in, as before.
- Why fork, not multiprocessing or a subprocess: a Celery prefork child is daemonic, and multiprocessing
  refuses children there; a new interpreter would not know the databases the parent was pointed at (the test
  suite's are renamed in-process). A forked child starts from the parent's memory, settings included.
- A child must not use, nor free, the parent's database connections: libpq ends a server session when its
  connection object is freed. So a child sets fresh, unconnected ones in their place, keeps the inherited ones
  referenced, and leaves with os._exit: no finalizer runs.
- A child reports each commit to the parent over a pipe ("<projection> <events>\\n"; "!<traceback>" if it failed),
  so `progress` is called in the parent as before. A failed child fails the rebuild (FillingFailed); the others
  are stopped. A child whose parent is gone (a worker killed mid-rebuild) stops at its next batch: its
  generation is left behind, and the next rebuild drops it and starts again from 0, as in one process.
- Only outside a transaction: a child sees only what the parent has committed. Inside one (a test's atomic
  block) or with one share, the shares are filled in this process, one read for all (blue_green.fill_here).
"""

import os
import selectors
import signal
import traceback
from collections.abc import Callable, Sequence
from contextlib import suppress

from django.conf import settings
from django.db import connections

from projections.base import Projection

Fill = Callable[[Sequence[Projection], Callable[[Projection, int], None]], None]
_inherited: list[object] = []  # a child's copies of the parent's connections: referenced, never used or freed


class FillingFailed(Exception):
    """A child filling a share of the new generations failed; its traceback is the message."""


def process_count() -> int:
    configured = getattr(settings, "PROJECTION_REBUILD_PROCESSES", None)
    return max(1, int(configured) if configured else os.cpu_count() or 1)


def shares(projections: Sequence[Projection], processes: int) -> list[list[Projection]]:
    """The projections dealt into at most `processes` shares of about equal cost (the heaviest first)."""
    dealt: list[list[Projection]] = [[] for _ in range(min(processes, len(projections)))]
    for projection in sorted(projections, key=lambda each: each.rebuild_cost, reverse=True):
        min(dealt, key=lambda share: sum(each.rebuild_cost for each in share)).append(projection)
    return [share for share in dealt if share]


def fill_in_children(
    dealt: Sequence[Sequence[Projection]],
    fill: Fill,
    progress: Callable[[str, int], None] | None,
) -> None:
    """Run `fill(share, report)` for each share in a forked child; returns once every child has succeeded."""
    children: dict[int, Child] = {}  # by the read end of its pipe
    parent = os.getpid()
    try:
        for share in dealt:
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover (the child's coverage is not collected)
                os.close(read_end)
                _run_child(share, fill, write_end, parent)
            os.close(write_end)
            children[read_end] = Child(pid, share)
        _follow(children, progress)
    finally:
        for read_end, child in children.items():
            if not child.reaped:  # the rebuild failed or was interrupted: the others stop too
                with suppress(ProcessLookupError, ChildProcessError):
                    os.kill(child.pid, signal.SIGTERM)
                    os.waitpid(child.pid, 0)
            os.close(read_end)


class Child:
    __slots__ = ("pid", "reaped", "received", "share")

    def __init__(self, pid: int, share: Sequence[Projection]) -> None:
        self.pid = pid
        self.share = share
        self.received = b""
        self.reaped = False


def _run_child(share: Sequence[Projection], fill: Fill, out: int, parent: int) -> None:
    """The child's whole life: fresh connections, the fill, a report per batch, and os._exit."""
    code = 0
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the worker's handlers, inherited
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        for alias in connections:
            _inherited.append(connections[alias])
            connections[alias] = connections.create_connection(alias)

        def report(projection: Projection, count: int) -> None:
            if os.getppid() != parent:
                raise SystemExit("the rebuild's process is gone")
            os.write(out, f"{projection.name} {count}\n".encode())

        fill(share, report)
    except BaseException:
        code = 1
        with suppress(BaseException):  # the parent may be gone: nothing must keep the child from os._exit
            os.write(out, ("!" + traceback.format_exc()).encode())
    finally:
        with suppress(BaseException):
            for alias in connections:
                connections[alias].close()  # the child's own sessions, not the inherited ones
        os._exit(code)


def _follow(children: dict[int, Child], progress: Callable[[str, int], None] | None) -> None:
    """Pass on every child's reports until each has closed its pipe; raise the first failure."""
    selector = selectors.DefaultSelector()
    for read_end in children:
        selector.register(read_end, selectors.EVENT_READ)
    open_ends = set(children)
    while open_ends:
        for key, _mask in selector.select():
            read_end = key.fd
            child = children[read_end]
            if chunk := os.read(read_end, 65536):
                child.received = _report(child.received + chunk, progress)
                continue
            selector.unregister(read_end)
            open_ends.discard(read_end)
            _, status = os.waitpid(child.pid, 0)
            child.reaped = True
            if child.received.startswith(b"!") or os.waitstatus_to_exitcode(status) != 0:
                names = ", ".join(each.name for each in child.share)
                raise FillingFailed(f"filling {names} failed:\n{child.received[1:].decode(errors='replace')}")


def _report(received: bytes, progress: Callable[[str, int], None] | None) -> bytes:
    """Pass on each complete line ("<projection> <events>"); returns what is left (a partial line, or a failure's
    traceback)."""
    if received.startswith(b"!"):
        return received
    *lines, rest = received.split(b"\n")
    if progress:
        for line in lines:
            name, count = line.decode().split()
            progress(name, int(count))
    return rest
