"""Segments: one projection split into N parts by a stable hash of the aggregate id, each run on its own.

Why: the order projection is the heaviest; with one checkpoint it is one lock, so a second worker can only
wait. With PROJECTION_SEGMENTS = {"orders": 2} it is two units of work, `orders/0` and `orders/1`, each with
its own checkpoint row (its lock) and its own parked events, so two workers apply it at once.

Design:
- An event of aggregate A belongs to segment crc32(A.bytes) % N: stable across processes and restarts
  (unlike `hash()`), so all of an aggregate's events go to one segment and are applied there in position order.
- Every segment reads the whole log and advances its checkpoint over every event; it applies only its own
  aggregates' events. Events the projection needs from *other* aggregates (the customer events that give the
  order documents their customer's name) are `broadcast_types`: every segment applies them, each to its own
  copy of the data they feed (OrderCustomer has a `segment` column) and to its own order documents only.
  A shared copy would be wrong: a segment lagging at position 50 would read a name written at position 90
  by the segment ahead of it, and a replay would not reproduce it.
- Sequenced parking is per segment (the parked event's `projection` is the segment's name), so a parked order
  holds back only its own later events, and only in its segment.
- The read position of a segmented projection is the minimum over its segments' checkpoints (progress.py).
- A blue/green rebuild builds one generation for the whole projection and, at the swap, locks every segment's
  checkpoint and sets them all to the position it took over at.
- Default 1 (unset): the projection is one unit named as before, so nothing changes for an existing
  deployment, and a single worker gains nothing from segments (it would read the log N times). Changing N
  for a projection needs `rebuild_projections --projection NAME`: the new segments' checkpoints start at the
  lowest checkpoint the projection had, which is exact only if the old units had stopped at one position.
"""

import copy

from django.conf import settings

from projections.base import Projection, segment_of
from projections.registry import PROJECTIONS, REACTORS

SEPARATOR = "/"
__all__ = ["checkpoint_names", "consumers", "expand", "projection_of", "segment_of", "units"]


def segment_count(name: str) -> int:
    return max(1, int(getattr(settings, "PROJECTION_SEGMENTS", {}).get(name, 1)))


def unit_name(name: str, index: int, count: int) -> str:
    return name if count == 1 else f"{name}{SEPARATOR}{index}"


def checkpoint_names(name: str) -> list[str]:
    """The checkpoint rows (one per segment) whose minimum is the projection's position."""
    count = segment_count(name)
    return [unit_name(name, index, count) for index in range(count)]


def projection_of(unit: str) -> str:
    return unit.split(SEPARATOR, 1)[0]


def segment(projection: Projection, index: int, count: int) -> Projection:
    """The projection restricted to one segment: its own name (checkpoint, lock, parking) and its aggregates."""
    if count == 1:
        return projection
    part = copy.copy(projection)
    part.name = unit_name(projection.name, index, count)  # type: ignore[misc]
    part.segment = index
    part.segments = count
    return part


def parts(projection: Projection) -> list[Projection]:
    """The projection's segments (itself alone when it is not split)."""
    count = segment_count(projection.name)
    return [segment(projection, index, count) for index in range(count)]


def units() -> dict[str, Projection]:
    """Every unit of work the runner keeps up to date, by checkpoint name: whole projections and segments."""
    found: dict[str, Projection] = {}
    for projection in PROJECTIONS.values():
        found.update((part.name, part) for part in parts(projection))
    return found


def consumers() -> dict[str, Projection]:
    """What the tasks run: every unit above and the reactors, never split (one outbox order per reactor)."""
    return {**units(), **REACTORS}


def expand(names: tuple[str, ...] | None = None) -> list[str]:
    """Checkpoint names of the named projections (every one without names)."""
    return [unit for name in names or tuple(PROJECTIONS) for unit in checkpoint_names(name)]
