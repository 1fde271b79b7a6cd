"""How far the read side has got: the public answer for queries, the admin, the storefront and operators.

`read_position(names)` — every event up to it is reflected in those projections' read models;
`wait_for_position(...)` — the one polling loop that waits for a position (X-Min-Position, `?after=N`, the
admin's "saved" message); `projection_statuses()` — checkpoint, lag, errors and parked events per consumer;
`held_aggregates(names)` — the aggregates whose events wait behind a parked one (sequenced parking);
`snapshot_columns(names)` / `position_and_held(names)` — read position and "is anything held" as SQL, selected
in the same statement as the rows a query serves (or in one of their own when there are none);
`generation_sql(count)` / `cache_version(names)` — with which rebuilt generation: what a cache keyed by position adds;
`RebuildProgress` — how far a running rebuild has replayed.
"""

import dataclasses
import functools
import time
from datetime import datetime

from django.core.cache import cache
from django.db import connections, router
from django.db.models import BigIntegerField, BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from commands.log_head import published_head
from commands.models import Event
from projections import segments
from projections.models import Checkpoint, ParkedEvent
from projections.registry import CONSUMERS

EVENT_DB = "default"
POLL_SECONDS = 0.05
ERROR_PREVIEW_CHARS = 60
HELD_SHOWN = 20
# The names snapshot_columns' expressions are selected under (annotations on a read model's rows).
SNAPSHOT_POSITION = "snapshot_read_position"
SNAPSHOT_HELD = "snapshot_anything_held"


class NotYetProjected(Exception):
    """The read side did not reach `wanted` within the wait; it was at `position`."""

    def __init__(self, wanted: int, position: int) -> None:
        super().__init__(f"The read models have not reached position {wanted} yet.")
        self.wanted = wanted
        self.position = position


class BeyondLogHead(NotYetProjected):
    """No event has position `wanted`: the log, as the write side last published it, ends at `head`."""

    def __init__(self, wanted: int, position: int, head: int) -> None:
        Exception.__init__(self, f"No event has position {wanted}: the event log ends at {head}.")
        self.wanted = wanted
        self.position = position
        self.head = head


def head_position() -> int:
    last = Event.objects.using(EVENT_DB).order_by("-position").values_list("position", flat=True).first()
    return last or 0


def read_position(names: tuple[str, ...] | None = None) -> int:
    """Every event up to this position is reflected in the named projections' read models (all, without names).

    The minimum over the checkpoints they depend on: one per projection, one per segment of a split one.
    """
    wanted = segments.expand(names)
    positions = dict(Checkpoint.objects.filter(name__in=wanted).values_list("name", "position"))
    return min((positions.get(name, 0) for name in wanted), default=0)


def snapshot_columns(names: tuple[str, ...] | None = None) -> dict[str, RawSQL]:
    """`read_position(names)` and "is any aggregate held" as two SQL expressions, to select beside the rows.

    Why in the same statement: a statement reads one snapshot of the read database, and a projection commits
    its rows and its checkpoint in one transaction, so the position selected with the rows is exactly the one
    they are at: every event up to it is in them, and (with nothing held in that snapshot) no later one is
    missing from what the position promises. Two statements (position, then rows) were one round trip more
    and only a lower bound: the rows could already be past the position they were served under. The held check
    belongs to the same snapshot for the same reason: nothing held there means every event up to the position
    is in the rows (sequenced parking lets a held aggregate's rows lag behind it).
    Both are uncorrelated subqueries, evaluated once per statement (not per row), on the checkpoints' primary
    key and the parked events' index. Written as SQL rather than querysets: compiling two ORM subqueries on
    every request cost more Python time than the round trips they saved.
    """
    units = tuple(segments.expand(names))
    position_sql, held_sql = snapshot_sql(len(units))
    return {
        SNAPSHOT_POSITION: RawSQL(position_sql, (len(units), *units), output_field=BigIntegerField()),
        SNAPSHOT_HELD: RawSQL(held_sql, units, output_field=BooleanField()),
    }


@functools.cache
def snapshot_sql(count: int) -> tuple[str, str]:
    """The two subqueries for `count` checkpoint units: a unit with no checkpoint row yet is at 0."""
    names = ", ".join(["%s"] * count)
    checkpoints, parked = Checkpoint._meta.db_table, ParkedEvent._meta.db_table
    position = (
        f"(SELECT CASE WHEN COUNT(*) = %s THEN MIN(position) ELSE 0 END FROM {checkpoints} WHERE name IN ({names}))"
    )
    held = f"EXISTS (SELECT 1 FROM {parked} WHERE projection IN ({names}) AND aggregate_id IS NOT NULL)"
    return position, held


def position_and_held(names: tuple[str, ...] | None = None) -> tuple[int, bool]:
    """`snapshot_columns` in a statement of their own: for answers with no row to carry them (a 404, an empty page)."""
    columns = snapshot_columns(names).values()
    alias = router.db_for_read(Checkpoint)
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(column.sql for column in columns), [p for c in columns for p in c.params])
        position, held = cursor.fetchone()
    return int(position or 0), bool(held)


@functools.cache
def generation_sql(count: int) -> str:
    """When a rebuilt generation last took over any of `count` checkpoint units (NULL: never), as SQL.

    Why a cache keyed by the read position needs it too: a blue/green swap (blue_green.py) takes over at the
    head, which may be the very position the live generation had reached, so one position can stand for rows
    written by two versions of the projection's code. The swap sets rebuilt_at in its own transaction.
    """
    names = ", ".join(["%s"] * count)
    return f"(SELECT MAX(rebuilt_at) FROM {Checkpoint._meta.db_table} WHERE name IN ({names}))"


def cache_version(names: tuple[str, ...] | None = None) -> tuple[int, bool, datetime | None]:
    """`position_and_held` and `generation_sql`, from one snapshot: what an answer cached at a position is keyed by."""
    units = tuple(segments.expand(names))
    position_sql, held_sql = snapshot_sql(len(units))
    statement = f"SELECT {position_sql}, {held_sql}, {generation_sql(len(units))}"
    with connections[router.db_for_read(Checkpoint)].cursor() as cursor:
        cursor.execute(statement, [len(units), *units, *units, *units])
        position, held, generation = cursor.fetchone()
    return int(position or 0), bool(held), generation


def wait_for_position(names: tuple[str, ...], wanted: int | None, timeout: float) -> int:
    """The read position once it reaches `wanted` (at once, without one); NotYetProjected after `timeout` s.

    A position past the published head of the log can never be reached by waiting: BeyondLogHead at once.
    """
    deadline = time.monotonic() + timeout
    position = read_position(names)
    if wanted is not None and position < wanted:
        head = published_head()
        if head is not None and wanted > head:
            raise BeyondLogHead(wanted, position, head)
    while wanted is not None and position < wanted:
        if time.monotonic() >= deadline:
            raise NotYetProjected(wanted, position)
        time.sleep(POLL_SECONDS)
        position = read_position(names)
    return position


def has_reached(names: tuple[str, ...], wanted: int, timeout: float) -> bool:
    """Like wait_for_position, for callers that only say "in a moment" when it is not there yet."""
    try:
        wait_for_position(names, wanted, timeout)
    except NotYetProjected:
        return False
    return True


def held_aggregates(names: tuple[str, ...] | None = None, *, limit: int = HELD_SHOWN) -> list[str]:
    """Ids of aggregates held back in the named projections (at most `limit`): their read rows lag behind N."""
    parked = ParkedEvent.objects.filter(projection__in=segments.expand(names), aggregate_id__isnull=False)
    ids = parked.order_by("aggregate_id").values_list("aggregate_id", flat=True).distinct()[:limit]
    return [str(each) for each in ids]


@dataclasses.dataclass(frozen=True)
class ProjectionStatus:
    name: str
    checkpoint: int
    head: int
    events_behind: int
    seconds_behind: float
    last_error: str
    last_error_at: datetime | None
    parked: int
    held_aggregates: list[str]


def projection_statuses(
    *, now: datetime | None = None, names: tuple[str, ...] = tuple(CONSUMERS)
) -> list[ProjectionStatus]:
    """By default the reactors too: a stuck email reactor is as much the operators' business as a projection.

    Readiness passes `PROJECTIONS` only: a reactor behind delays emails, never what a query serves.
    """
    now = now or timezone.now()
    head = head_position()
    checkpoints = {
        checkpoint.name: checkpoint for checkpoint in Checkpoint.objects.filter(name__in=segments.expand(names))
    }
    statuses = []
    for name in names:
        # A split projection is as far as its slowest segment; its errors are those of the first segment with one.
        units = [checkpoints.get(each) or Checkpoint(name=each) for each in segments.expand((name,))]
        checkpoint = min(units, key=lambda each: each.position)
        erring = next((each for each in units if each.last_error), checkpoint)
        # Counted rather than head - checkpoint: positions may have gaps (rolled-back appends).
        unapplied = Event.objects.using(EVENT_DB).filter(position__gt=checkpoint.position)
        oldest = unapplied.order_by("position").values_list("occurred_at", flat=True).first()
        statuses.append(
            ProjectionStatus(
                name=name,
                checkpoint=checkpoint.position,
                head=head,
                events_behind=unapplied.count() if oldest else 0,
                seconds_behind=round(max((now - oldest).total_seconds(), 0.0), 3) if oldest else 0.0,
                last_error=erring.last_error,
                last_error_at=erring.last_error_at,
                parked=ParkedEvent.objects.filter(projection__in=segments.expand((name,))).count(),
                held_aggregates=held_aggregates((name,)),
            )
        )
    return statuses


def short_error(error: str) -> str:
    """The last line of a traceback says what went wrong; the rest is in the checkpoint row."""
    lines = [line for line in error.strip().splitlines() if line.strip()]
    last = lines[-1].strip() if lines else ""
    return last if len(last) <= ERROR_PREVIEW_CHARS else last[: ERROR_PREVIEW_CHARS - 1] + "…"


class RebuildProgress:
    """Counts a running rebuild's applied events in the cache, where the admin's projections page reads it."""

    def __init__(self, name: str, total: int) -> None:
        self.key = progress_key(name)
        self.total = total
        self.applied = 0

    def report(self, applied: int) -> None:
        self.applied += applied
        cache.set(self.key, {"applied": self.applied, "total": self.total}, timeout=24 * 3600)

    def finish(self) -> None:
        cache.delete(self.key)


def progress_key(name: str) -> str:
    return f"projections:rebuild-progress:{name}"


def rebuild_progress(name: str) -> dict[str, int] | None:
    return cache.get(progress_key(name))
