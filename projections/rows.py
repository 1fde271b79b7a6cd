"""The unit of work a batch of events is applied through: handlers are folds over in-memory read-model rows.

Why: an ORM statement per event costs a round trip per event (about 1,500 events/s), which makes a rebuild of a
million events take ten minutes. So a batch is applied in three steps, and each projection's rules stay written
once, in its handlers, for the live path, the catch-up and the rebuild alike:

1. load: the first time a handler asks for a row of a model, every row of that model the batch may touch is
   read in one query. The keys are the UUIDs the events name (the aggregate id and every `*_id` in the payload,
   lines included): over-fetching is harmless, and no handler declares what it reads. A row asked for outside
   those keys is still read (one query for it), so correctness never depends on the guess, only speed does.
   A model with a composite key whose last field is the UUID the events name (OrderCustomer's
   (segment, id): each segment of the orders projection keeps its own copy, projections/segments.py) is
   asked for by the whole key, a tuple; its batch load combines the asked key's leading fields (the
   segment) with the batch's UUIDs, so a segment reads and writes only its own copy.
2. fold: the handlers run in log order against those rows (`rows().get / change / create`), in memory.
3. flush: new rows go out in one COPY per model (a duplicate key still fails, as `create` did), changed rows
   in one `INSERT … ON CONFLICT (pk) DO UPDATE` per model from a COPY-filled temporary table (a composite key:
   all its fields; projections/table_io.py, in plain SQL; SQLite, and fewer than COPY_MIN_ROWS rows, keep the
   ORM's bulk_create),
   then the set-based follow-ups the handlers queued, once per batch each (the fan-out of a customer's new
   name onto all of that customer's order documents is one UPDATE … FROM per segment for every customer
   renamed in the batch, from that segment's copy onto that segment's documents only).

Segments (projections/segments.py): a segment's unit of work is loaded only from the events it applies
(its own aggregates' and the broadcast customer events), and the fault-delay hook still runs per event in the
fold, so a worker killed mid batch leaves nothing written: the flush and checkpoint commit together.

The runner commits the flush and the checkpoint in one read-DB transaction, as before. A handler that raises
names its event (the fold runs in order); a flush that fails (a constraint) does not, so the runner applies
that batch again one event at a time, a unit of work per event, to find the poison event and park it. That
per-event mode is also the baseline `make bench` measures beside the batch one.
"""

from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any, TypeVar
from uuid import UUID

from django.db import IntegrityError, connections, models
from django.utils.functional import cached_property

from commands.events import parsed_uuid
from projections import table_io

READ_DB = "read"
# Fewer rows than this go out through the ORM: COPY (and a temporary table for an upsert) pays off only in bulk, and
# the per-event path (the parking fallback, the bench's baseline) stays the single statement it was.
COPY_MIN_ROWS = 20
ModelT = TypeVar("ModelT", bound=models.Model)
FollowUp = Callable[[set[Any]], None]


class Rows:
    def __init__(
        self, keys: Iterable[UUID] | Callable[[], Iterable[UUID]] = (), *, holds_every_row: bool = False
    ) -> None:
        # The batch's keys are worked out when a handler first reads a row (a projection that only creates rows,
        # the event feed, never pays for them).
        self._keys = keys
        # The tables were empty when this unit of work began and nothing else writes them (a new generation filled
        # by its own process: projections/held.py): every row is held here or was let go (written, then forgotten
        # but for its key), and a key that is neither names no row: nothing is looked for.
        self.holds_every_row = holds_every_row
        self._rows: dict[type[models.Model], dict[Any, models.Model | None]] = {}
        self._let_go: dict[type[models.Model], set[Any]] = {}
        self._loaded: set[type[models.Model]] = set()
        self._new: dict[type[models.Model], dict[Any, models.Model]] = {}
        self._changed: dict[type[models.Model], dict[Any, models.Model]] = {}
        self._follow_ups: dict[FollowUp, set[Any]] = {}
        self.followed_up = False  # the last flush ran a follow-up: rows held may be older than the table's

    @cached_property
    def keys(self) -> set[UUID]:
        return set(self._keys() if callable(self._keys) else self._keys)

    def next_batch(self, keys: Iterable[UUID] | Callable[[], Iterable[UUID]]) -> None:
        """Go on with another batch (a unit of work held across batches: held.py): the rows it names that are not
        held yet are loaded together, when first asked for, as for a unit of work of its own."""
        self._keys = keys
        self.__dict__.pop("keys", None)
        self._loaded.clear()

    def held(self) -> dict[type[models.Model], int]:
        """How many rows of each model this unit of work holds (those known not to exist too)."""
        return {model: len(known) for model, known in self._rows.items()}

    def let_go(self, model: type[models.Model]) -> None:
        """Forget the model's rows (once written: after a flush); they are read again when asked for."""
        known = self._rows.pop(model, {})
        if self.holds_every_row:
            self._let_go.setdefault(model, set()).update(key for key, row in known.items() if row is not None)

    def get(self, model: type[ModelT], pk: Any) -> ModelT | None:
        """The row as the batch has left it so far; None if there is none."""
        pk = _key(model, pk)
        known = self._rows.setdefault(model, {})
        if pk in known:
            return known[pk]  # type: ignore[return-value]
        let_go = self._let_go.get(model, set())
        if self.holds_every_row and pk not in let_go:
            return None
        named = pk[-1] if isinstance(pk, tuple) else pk
        if model not in self._loaded and isinstance(named, UUID):
            self._loaded.add(model)
            batch = {(*pk[:-1], key) for key in self.keys} if isinstance(pk, tuple) else self.keys
            self._load(model, known, ((batch & let_go if self.holds_every_row else batch) | {pk}) - known.keys())
        if pk not in known:
            self._load(model, known, {pk})
        return known[pk]  # type: ignore[return-value]

    def _load(self, model: type[models.Model], known: dict[Any, models.Model | None], keys: set[Any]) -> None:
        if connections[READ_DB].vendor == "postgresql":
            found = table_io.load(model, keys)
        else:
            found = model._base_manager.using(READ_DB).in_bulk(list(keys))
        known.update({key: found.get(key) for key in keys})

    def require(self, model: type[ModelT], pk: Any) -> ModelT:
        """Like `Model.objects.get`: a missing row fails the event."""
        row = self.get(model, pk)
        if row is None:
            raise model.DoesNotExist(f"{model.__name__} {pk} does not exist")  # type: ignore[attr-defined]
        return row

    def change(self, model: type[ModelT], pk: Any) -> ModelT | None:
        """The row, to change in place (written back at the flush); None if there is none (nothing to change)."""
        row = self.get(model, pk)
        if row is not None and row.pk not in self._new.get(model, {}):
            self._changed.setdefault(model, {})[row.pk] = row
        return row

    def create(self, row: models.Model) -> None:
        model = type(row)
        known = self._rows.setdefault(model, {})
        if known.get(row.pk) is not None or (row.pk in self._let_go.get(model, ()) and row.pk not in known):
            raise IntegrityError(f"{model.__name__} {row.pk} already exists")
        known[row.pk] = row
        self._new.setdefault(model, {})[row.pk] = row

    def later(self, follow_up: FollowUp, key: Hashable) -> None:
        """Run `follow_up(keys)` once at the flush, after the rows are written, with every key queued for it."""
        self._follow_ups.setdefault(follow_up, set()).add(key)

    def flush(self) -> None:
        postgresql = connections[READ_DB].vendor == "postgresql"
        for model, new in self._new.items():
            if postgresql and len(new) >= COPY_MIN_ROWS:
                table_io.insert(model, new.values())
            else:
                model._base_manager.using(READ_DB).bulk_create(list(new.values()))
        for model, changed in self._changed.items():
            if postgresql and len(changed) >= COPY_MIN_ROWS:
                table_io.upsert(model, changed.values())
            else:
                _upsert(model, list(changed.values()))
        for follow_up, keys in self._follow_ups.items():
            follow_up(keys)
        # Written: a unit of work held on (held.py) changes these rows again as rows already in the table.
        self.followed_up = bool(self._follow_ups)
        self._new, self._changed, self._follow_ups = {}, {}, {}


def _upsert(model: type[models.Model], changed: list[models.Model]) -> None:
    """The ORM's upsert (SQLite, and a few rows: the per-event path): one INSERT … ON CONFLICT DO UPDATE."""
    key_fields = model._meta.pk_fields
    model._base_manager.using(READ_DB).bulk_create(
        changed,
        update_conflicts=True,
        unique_fields=[field.name for field in key_fields],
        update_fields=[field.name for field in model._meta.concrete_fields if field not in key_fields],
    )


def _key(model: type[models.Model], pk: Any) -> Any:
    """The primary key as the rows are stored by: a composite one as a tuple of its fields' Python values."""
    if model._meta.is_composite_pk:
        return tuple(field.to_python(value) for field, value in zip(model._meta.pk_fields, pk, strict=True))
    return model._meta.pk.to_python(pk)  # type: ignore[union-attr]


_current: ContextVar[Rows] = ContextVar("rows")


def rows() -> Rows:
    """The unit of work of the batch being applied (LookupError outside the runner)."""
    return _current.get()


@contextmanager
def unit_of_work(keys: Iterable[UUID] | Callable[[], Iterable[UUID]]) -> Iterator[Rows]:
    """Handlers called inside see a new unit of work as `rows()`; the caller flushes it."""
    work = Rows(keys)
    with working_in(work):
        yield work


@contextmanager
def working_in(work: Rows) -> Iterator[None]:
    """Handlers called inside see `work` as `rows()`."""
    token = _current.set(work)
    try:
        yield
    finally:
        _current.reset(token)


def keys_of(aggregate_id: UUID, payload: dict[str, Any]) -> Iterator[UUID]:
    """The ids an event names: its aggregate and every `*_id` in its payload, in lists of objects too."""
    yield aggregate_id
    for name, value in payload.items():
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    yield from keys_of(aggregate_id, item)
        elif name.endswith("_id") and isinstance(value, str):
            with suppress(ValueError):
                yield parsed_uuid(value)  # once per id: a batch names the same ones again and again


def assign(row: models.Model, **values: object) -> None:
    """Set several fields of a row in memory (what `queryset.update(**values)` did in the database)."""
    for name, value in values.items():
        setattr(row, name, value)
