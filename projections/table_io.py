"""The unit of work's reads and writes on PostgreSQL, in plain SQL: one `= ANY(array)` select per model, COPY out.

Why not the ORM (rows.py used `in_bulk` and `bulk_create`): at a batch of 2,000 events the ORM's own work was
most of a rebuild's time. `bulk_create` on PostgreSQL sends each column as an array, which psycopg builds in
Python (escaping every JSON document with a regular expression), and compiles a value expression per field per
row; `in_bulk` on a composite key compiles a tuple lookup per key. Here:

- load: `SELECT <columns> FROM <table> WHERE <pk> = ANY(%s)` (a composite key: its leading fields equal, the
  last one in the array), rows built with `Model.from_db` and the fields' own `from_db_value` (JSON);
- new rows: `COPY <table> (<columns>) FROM STDIN (FORMAT BINARY)`, each column in its type's binary form (psycopg's
  C dumpers; the text form spent its time formatting datetimes, UUIDs and decimals in Python, and the server
  parsing them again: binary was a third of the client's CPU and half the COPY's time, measured on order rows);
  a duplicate key still fails the flush with an IntegrityError, as the INSERT did;
- changed rows: COPY into a temporary table shaped like the table, then one
  `INSERT … SELECT … ON CONFLICT (<pk>) DO UPDATE` from it: the same upsert as before, without its parameters.

Table names are unqualified, so a blue/green rebuild's `search_path` (generations.writing_to) sends all of it to
the new generation. Values go out as the model holds them: psycopg adapts UUIDs, decimals, datetimes and strings
itself, JSON fields are dumped (fast_json; with their encoder if they have one), and any other field type gets
Django's `get_db_prep_save`.
"""

import json
import operator
from collections.abc import Callable, Collection, Iterable
from functools import cache
from typing import Any

import psycopg
import psycopg.sql
from django.db import connections, models, transaction
from psycopg import adapters
from psycopg.adapt import Dumper
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader

from projections import fast_json

READ_DB = "read"
# Field types psycopg adapts from the model's attribute value as it is (what get_db_prep_save would return).
PLAIN_FIELDS = (
    models.UUIDField,
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.DecimalField,
    models.DateTimeField,
    models.BooleanField,
)


def load(model: type[models.Model], keys: Collection[Any]) -> dict[Any, models.Model]:
    """The rows of these primary keys that exist, by key (a composite key as a tuple)."""
    layout = _layout(model)
    found: dict[Any, models.Model] = {}
    connection = connections[READ_DB]
    connection.ensure_connection()
    # A psycopg cursor of its own: server-side binding, the keys sent as one binary array (Django's cursor binds on
    # the client, quoting every UUID into the query text in Python), timestamps decoded by psycopg's C loader.
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
        for leading, last in _grouped(model, keys).items():
            condition = " AND ".join([*(f"{name} = %s" for name in layout.leading), f"{layout.last} = ANY(%b)"])
            cursor.execute(f"SELECT {layout.columns} FROM {layout.table} WHERE {condition}", [*leading, list(last)])
            for values in cursor.fetchall():
                row = model.from_db(
                    READ_DB,
                    layout.names,
                    [convert(value) for convert, value in zip(layout.loaders, values, strict=True)],
                )
                found[row.pk] = row
    return found


def _grouped(model: type[models.Model], keys: Iterable[Any]) -> dict[tuple[Any, ...], set[Any]]:
    """The keys by their leading fields (a simple key: all under ()), so each group is one `= ANY` select."""
    groups: dict[tuple[Any, ...], set[Any]] = {}
    for key in keys:
        if model._meta.is_composite_pk:
            groups.setdefault(tuple(key[:-1]), set()).add(key[-1])
        else:
            groups.setdefault((), set()).add(key)
    return groups


def insert(model: type[models.Model], rows: Collection[models.Model]) -> None:
    """The new rows, in one COPY."""
    layout = _layout(model)
    _copy(layout, layout.table, rows)


def upsert(model: type[models.Model], rows: Collection[models.Model]) -> None:
    """The changed rows: COPY into a temporary copy of the table, then one INSERT … ON CONFLICT DO UPDATE."""
    layout = _layout(model)
    staging = f'"staged_{model._meta.db_table}"'
    with transaction.atomic(using=READ_DB), connections[READ_DB].cursor() as cursor:
        # ON COMMIT DROP: created once per transaction (a rebuild's swap flushes several batches in one).
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} (LIKE {layout.table}) ON COMMIT DROP")
        cursor.execute(f"TRUNCATE {staging}")
        _copy(layout, staging, rows)
        cursor.execute(
            f"INSERT INTO {layout.table} ({layout.columns}) SELECT {layout.columns} FROM {staging}"
            f" ON CONFLICT ({layout.key}) DO UPDATE SET {layout.updates}"
        )


def copy_from(source: str, model: type[models.Model], query: psycopg.sql.Composable) -> int:
    """The rows `query` selects on database `source`, copied into `model`'s table as they are: one binary COPY
    out streamed into one binary COPY in, no row ever built in Python (the columns must match, type for type).
    Returns how many rows were copied."""
    layout = _layout(model)
    origin, target = connections[source], connections[READ_DB]
    origin.ensure_connection()
    target.ensure_connection()
    with (
        target.wrap_database_errors,
        origin.connection.cursor() as reading,
        target.connection.cursor() as writing,
    ):
        statement = psycopg.sql.SQL("COPY ({}) TO STDOUT (FORMAT BINARY)").format(query)
        with (
            reading.copy(statement) as out,
            writing.copy(f"COPY {layout.table} ({layout.columns}) FROM STDIN (FORMAT BINARY)") as into,
        ):
            for data in out:
                into.write(data)
        return writing.rowcount


def _copy(layout: "Layout", table: str, rows: Collection[models.Model]) -> None:
    connection = connections[READ_DB]
    with (
        connection.wrap_database_errors,  # psycopg's errors as Django's (IntegrityError): the runner catches those
        connection.cursor() as cursor,
    ):
        types = layout.types(cursor.cursor)
        cursor.cursor.adapters.register_dumper(None, EncodedJsonb)  # the jsonb columns: fast_json's bytes as they are
        with cursor.cursor.copy(f"COPY {table} ({layout.columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row([dump(value) for dump, value in zip(layout.dumpers, layout.values(row), strict=True)])


class EncodedJsonb(Dumper):
    """A jsonb column in a binary COPY, from its JSON text already encoded: the format's version byte, then it."""

    format = Format.BINARY
    oid = adapters.types["jsonb"].oid

    def dump(self, obj: bytes) -> bytes:
        return b"\x01" + obj


class Layout:
    """A model's table as these statements need it, worked out once per model."""

    def __init__(self, model: type[models.Model]) -> None:
        quote = connections[READ_DB].ops.quote_name
        fields = model._meta.concrete_fields
        key_fields = model._meta.pk_fields
        columns = {field: str(field.column) for field in fields}
        self.table = quote(model._meta.db_table)
        self.column_names = [columns[field] for field in fields]
        self.columns = ", ".join(quote(columns[field]) for field in fields)
        self.key = ", ".join(quote(columns[field]) for field in key_fields)
        self.leading = [quote(columns[field]) for field in key_fields[:-1]]
        self.last = quote(columns[key_fields[-1]])
        self.updates = ", ".join(
            f"{quote(columns[field])} = EXCLUDED.{quote(columns[field])}" for field in fields if field not in key_fields
        )
        self.names = [field.attname for field in fields]
        self.values = operator.attrgetter(*(field.attname for field in fields))
        self.loaders = [_loader(field) for field in fields]
        self.dumpers = [_dumper(field) for field in fields]
        self._types: list[int] | None = None

    def types(self, cursor: psycopg.Cursor) -> list[int]:
        """The columns' PostgreSQL types (a binary COPY sends each in its type's form), read once."""
        if self._types is None:
            cursor.execute(
                "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                [self.table],
            )
            oids: dict[str, int] = dict(cursor.fetchall())
            self._types = [oids[column] for column in self.column_names]
        return self._types


_layout = cache(Layout)


def _same(value: Any) -> Any:
    return value


def _loader(field: models.Field) -> Callable[[Any], Any]:
    if isinstance(field, models.JSONField) and field.decoder is None:
        return _json_or_none  # what its from_db_value does, through orjson
    from_db_value = getattr(field, "from_db_value", None)
    if from_db_value is None:
        return _same
    return lambda value: from_db_value(value, None, connections[READ_DB])


def _json_or_none(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return fast_json.loads(value)
    except json.JSONDecodeError:
        return value  # as JSONField.from_db_value


def _dumper(field: models.Field) -> Callable[[Any], Any]:
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda value: None if value is None else fast_json.dumps(value, encoder)
    if isinstance(field, PLAIN_FIELDS):
        return _same
    return lambda value: field.get_db_prep_save(value, connections[READ_DB])
