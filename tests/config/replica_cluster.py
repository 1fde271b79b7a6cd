"""A private PostgreSQL primary with a real streaming replica, for the read-replica tests.

Both clusters live in a temporary directory on random free ports and are torn down afterwards; the shared
cluster on 5432 is never replicated. initdb, pg_ctl and pg_basebackup run as the postgres user (runuser)
when the tests run as root, as they do in CI.
"""

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg

from tests.conftest import wait_until
from tests.e2e.processes import free_port

USER = "postgres"


def postgres_bin() -> Path:
    """The newest installed server's bin directory (Debian keeps them out of PATH)."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda path: int(path.parts[-3]))
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    if not found:
        raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) are not installed")
    return Path(found).parent


def as_postgres(*command: str | Path) -> list[str]:
    arguments = [str(part) for part in command]
    return ["runuser", "-u", USER, "--", *arguments] if os.geteuid() == 0 else arguments


class Cluster:
    def __init__(self, root: Path, name: str) -> None:
        self.bin = postgres_bin()
        self.root = root
        self.data = root / name
        self.log = root / f"{name}.log"
        self.port = free_port()

    def run(self, *command: str | Path) -> None:
        done = subprocess.run(as_postgres(*command), capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stdout}\n{done.stderr}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self.run(self.bin / "pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self.run(self.bin / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user=USER, dbname=dbname, autocommit=True)


@contextlib.contextmanager
def primary_and_replica() -> Iterator[tuple[Cluster, Cluster]]:
    """initdb a primary, start it, clone it with `pg_basebackup -R` and start the clone as a hot standby."""
    root = Path(tempfile.mkdtemp(prefix="cqrs-shop-replication-"))
    if os.geteuid() == 0:
        account = pwd.getpwnam(USER)
        os.chown(root, account.pw_uid, account.pw_gid)
    primary, replica = Cluster(root, "primary"), Cluster(root, "replica")
    try:
        primary.run(primary.bin / "initdb", "-D", primary.data, "-U", USER, "-A", "trust", "--no-sync")
        primary.start()
        replica.run(
            primary.bin / "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(primary.port), "-U", USER, "-D", replica.data),
            *("-R", "-X", "stream", "--no-sync"),
        )
        replica.start()

        def streaming() -> bool:
            with primary.connect() as connection:
                return bool(connection.execute("SELECT count(*) FROM pg_stat_replication").fetchone()[0])

        wait_until(streaming, timeout=60, interval=0.2)
        yield primary, replica
    finally:
        for cluster in (replica, primary):
            if cluster.running():
                with contextlib.suppress(Exception):
                    cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
