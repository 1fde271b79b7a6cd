"""A new generation filled through units of work held across batches: a row is read never, and written once.

Why: the live runner's unit of work lives for one batch (rows.py), so a rebuild read and wrote the rows each batch
touched, batch after batch. A product sells in nearly every batch of a busy log, so at a million events the
catalog upserted each product a hundred times, and each customer and each order's customer copy was read and
written again with every batch that named it: loads and upserts were most of the database's work and a third of
the rebuild's own (py-spy).

Design:
- Each projection being filled (each segment of one) keeps one unit of work for the whole fill. The generation
  started empty and only this process writes it until the swap, so the unit of work holds every row of it: a key
  it does not hold names no row, and nothing is read (`Rows(holds_every_row=True)`). A row created during the
  fill goes out once, in one COPY, as the last event left it.
- Memory stays bounded: past PROJECTION_REBUILD_HELD_ROWS rows held (all of the fill's units of work together)
  everything is written, with the generations' `~next` checkpoints, in one transaction, and let go. From then
  on the units of work load what a batch names and they do not hold, once per batch, as the live runner does,
  and keep what they load or create until the next time the bound is reached. Letting go of everything, not some
  of it, is what keeps the rows held right: the follow-ups (rows.later) write rows in SQL behind the unit of
  work's back at the flush.
- A write that fails (a constraint the handlers do not check) is rolled back, and the events since the last
  write are applied again batch by batch by the live path (runner.apply_batch, with the per-event fallback),
  which names the event that fails, as a rebuild always did.
- Garbage is collected after each write, not after each batch (blue_green.collecting_between_batches): the
  fill makes no reference cycles (none found at 100,000 events), and a collection per batch walked that batch's
  rows once more, 7 % of the fill's time; a cycle, should one appear, lives until the next write.
- Progress is reported per batch folded, not per commit. A fill killed midway leaves its generation behind to
  be dropped by the next rebuild, which starts again from 0, so what was folded but not written is never missed.
"""

import functools
import gc
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from projections import runner, segments
from projections.base import Projection
from projections.generations import save_next_checkpoint, writing_to
from projections.recorded import LogRow
from projections.rows import Rows, working_in

READ_DB = runner.READ_DB
Redo = Callable[[int, int], None]


class HeldFill:
    """The units of work of the projections a fill applies, held from one batch to the next (the module's why)."""

    def __init__(self, connection: BaseDatabaseWrapper, projections: Sequence[Projection], *, redo: Redo) -> None:
        self.connection = connection
        self.projections = projections
        self.units = self._units(holds_every_row=True)
        self.redo = redo  # applies (after, up_to] again through the live path: the write that failed names its event
        self.written = 0  # everything up to this position is written
        self.folded = 0  # and up to this one folded

    def _units(self, *, holds_every_row: bool) -> dict[Projection, list[tuple[Projection, Rows]]]:
        """Each projection's units of work, one per segment."""
        return {
            projection: [(part, Rows(holds_every_row=holds_every_row)) for part in segments.parts(projection)]
            for projection in self.projections
        }

    def held(self) -> int:
        return sum(sum(work.held().values()) for work in self._all())

    def _all(self) -> list[Rows]:
        return [work for units in self.units.values() for _, work in units]

    def apply(self, batch: Sequence[LogRow]) -> None:
        """Fold the batch into every unit of work (each event decoded once); write them all past the bound."""
        with runner.decoding_once():
            for projection, units in self.units.items():
                # What a unit of work loads, it loads from the new generation (a transaction: search_path is local).
                with transaction.atomic(using=READ_DB), writing_to(self.connection, projection):
                    for part, work in units:
                        work.next_batch(functools.partial(runner.named_keys, part, batch))
                        with working_in(work):
                            runner.fold(part, batch)
        self.folded = batch[-1].position
        if self.held() > settings.PROJECTION_REBUILD_HELD_ROWS:
            self.write()

    def write(self) -> None:
        """Everything folded so far into the generations, with their checkpoints, in one transaction; let go."""
        if self.folded == self.written:
            return
        try:
            with transaction.atomic(using=READ_DB):
                for projection, units in self.units.items():
                    with writing_to(self.connection, projection):
                        for _, work in units:
                            work.flush()
                    save_next_checkpoint(projection, self.folded)
        except DatabaseError:
            self.redo(self.written, self.folded)
            self.units = self._units(holds_every_row=False)
        else:
            self._let_go()
        self.written = self.folded
        gc.collect(1)

    def _let_go(self) -> None:
        """Down to half the bound, the largest models first; all of a unit of work whose follow-ups changed rows
        in the table behind it."""
        for work in self._all():
            if work.followed_up:
                for model in work.held():
                    work.let_go(model)
        largest_first = sorted(
            ((work, model, count) for work in self._all() for model, count in work.held().items()),
            key=lambda each: each[2],
            reverse=True,
        )
        held = self.held()
        for work, model, count in largest_first:
            if held <= settings.PROJECTION_REBUILD_HELD_ROWS // 2:
                break
            work.let_go(model)
            held -= count
