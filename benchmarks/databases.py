"""The bench's own PostgreSQL databases, created before Django starts and dropped at the end.

The server comes from DATABASE_URL / READ_DATABASE_URL (as `make bench` passes them); the database names
are benchh_write and benchh_read for the HTTP part (benchh_rebuild_write … for the others), so a bench never
touches a development or test database (the doubled h keeps them apart from test databases named after a
"bench" checkout). BENCH_DB_PREFIX changes the "benchh" part, so two benches on one server (two checkouts)
keep apart. `--keep-seed` keeps the HTTP part's pair, and the other parts' names never touch it.
"""

import os
from urllib.parse import quote

import dj_database_url
import psycopg
from psycopg import sql

PREFIX = os.environ.get("BENCH_DB_PREFIX", "benchh")


class BenchDatabase:
    def __init__(self, server_url: str, name: str) -> None:
        config = dj_database_url.parse(server_url)
        if "postgresql" not in config["ENGINE"]:
            raise SystemExit(f"make bench needs PostgreSQL, not {config['ENGINE']}")
        self.name = name
        self.user = config["USER"] or "postgres"
        self.password = config["PASSWORD"] or ""
        self.host = config["HOST"] or "127.0.0.1"
        self.port = int(config["PORT"] or 5432)

    @property
    def url(self) -> str:
        secret = f":{quote(self.password, safe='')}" if self.password else ""
        return f"postgres://{quote(self.user, safe='')}{secret}@{self.host}:{self.port}/{self.name}"

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(
            dbname="postgres", user=self.user, password=self.password, host=self.host, port=self.port, autocommit=True
        )

    def create(self) -> None:
        with self._admin() as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))

    def exists(self) -> bool:
        with self._admin() as connection:
            found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.name]).fetchone()
        return found is not None

    def drop(self) -> None:
        with self._admin() as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))


def bench_databases(part: str = "http") -> list[BenchDatabase]:
    prefix = PREFIX if part == "http" else f"{PREFIX}_{part}"
    write_server = os.environ.get("DATABASE_URL")
    if not write_server:
        raise SystemExit("make bench needs PostgreSQL: set DATABASE_URL (and READ_DATABASE_URL) to a server")
    read_server = os.environ.get("READ_DATABASE_URL") or write_server
    return [BenchDatabase(write_server, f"{prefix}_write"), BenchDatabase(read_server, f"{prefix}_read")]


def point_django_at(databases: list[BenchDatabase]) -> None:
    """Must run before Django reads its settings (and is inherited by the worker subprocess)."""
    write, read = databases
    os.environ["DATABASE_URL"] = write.url
    os.environ["READ_DATABASE_URL"] = read.url
