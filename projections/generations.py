"""Where a new generation of a projection's read models lives while it fills (blue_green.py): a schema of its own,
`rebuild_<projection>`, holding empty copies of the read-model tables, written through `search_path`, with its
checkpoint `<projection>~next` beside the live ones."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from projections.base import Projection
from projections.models import Checkpoint

READ_DB = "read"


def next_name(name: str) -> str:
    return f"{name}~next"


def schema_of(projection: Projection) -> str:
    return f"rebuild_{projection.name}"


def tables_of(projection: Projection) -> list[str]:
    return [model._meta.db_table for model in projection.read_models]


def create_generation(connection: BaseDatabaseWrapper, projection: Projection) -> None:
    """An empty schema with a copy of each read-model table: columns, checks, keys and indexes under their names."""
    with transaction.atomic(using=READ_DB):
        copy_tables(connection, projection, schema_of(projection), indexes=False)  # built before the swap
        Checkpoint.objects.filter(name=next_name(projection.name)).delete()
        Checkpoint.objects.create(name=next_name(projection.name))


def copy_tables(connection: BaseDatabaseWrapper, projection: Projection, name: str, *, indexes: bool = True) -> None:
    """Schema `name`, emptied, with a copy of each read-model table (also verify_projections' scratch schema):
    columns, checks, primary and unique keys, and (unless `indexes` is False: create_indexes later) the other
    indexes, under their names."""
    schema = connection.ops.quote_name(name)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")  # a killed rebuild's leftovers
        cursor.execute(f"CREATE SCHEMA {schema}")
        for table in tables_of(projection):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"CREATE TABLE {schema}.{quoted} (LIKE {quoted} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = %s::regclass AND contype IN ('p', 'u') ORDER BY contype",
                [table],
            )
            for constraint, definition in cursor.fetchall():
                quoted_name = connection.ops.quote_name(constraint)
                cursor.execute(f"ALTER TABLE {schema}.{quoted} ADD CONSTRAINT {quoted_name} {definition}")
    if indexes:
        create_indexes(connection, projection, name)


def create_indexes(connection: BaseDatabaseWrapper, projection: Projection, name: str) -> None:
    """The live tables' indexes that back no constraint (the searches' GIN ones, the orderings' B-trees), on the
    copies in schema `name`. A rebuild builds them once the bulk of the log is in (the bulk-load recipe): kept up
    row by row they were much of the database's work, a customer's row changing with each of its orders."""
    schema = connection.ops.quote_name(name)
    with connection.cursor() as cursor:
        for table in tables_of(projection):
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s::regclass"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = indexrelid)",
                [table],
            )
            for (definition,) in cursor.fetchall():
                head, _, rest = definition.partition(" ON ")
                cursor.execute(f"{head} ON {schema}.{quoted} {rest.split(' ', 1)[1]}")


@contextmanager
def writing_to(connection: BaseDatabaseWrapper, projection: Projection, schema: str | None = None) -> Iterator[None]:
    """Inside the caller's transaction: unqualified table names resolve to the new generation's schema first."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('search_path')")
        original = cursor.fetchone()[0]
        cursor.execute(
            "SELECT set_config('search_path', %s, true)", [f'"{schema or schema_of(projection)}", {original}']
        )
    yield
    # Reached only without an error (a failing block's rollback undoes the setting): a test's outer transaction
    # would otherwise keep writing to the new generation.
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('search_path', %s, true)", [original])


def save_next_checkpoint(projection: Projection, position: int) -> None:
    Checkpoint.objects.filter(name=next_name(projection.name)).update(position=position)
