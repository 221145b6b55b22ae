"""A throw-away PostgreSQL server on a loopback port, for tests and benchmarks.

Debian's `postgresql` package is installed when missing (the project's environment runs as
root in its Debian root), and Home Assistant's PostgreSQL driver (psycopg2) when it cannot be
imported. The cluster lives in a temporary folder, owned by the `postgres` user when run as
root (PostgreSQL refuses to run as root), and is removed with it when stopped.
"""

# ruff: noqa: S603 - the commands run are PostgreSQL's, with arguments made here

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
import os
from pathlib import Path
import pwd
import shutil
import subprocess
import tempfile

from tools.local_server import apt_install, free_port, pip_install_missing

# The driver Home Assistant's recorder uses for postgresql:// URLs (requirements_test.txt).
DRIVER = "psycopg2-binary==2.9.13"
_BINARIES = Path("/usr/lib/postgresql")


def ensure_installed() -> Path:
    """The folder of PostgreSQL's server programs, installing Debian's package if needed."""
    if (found := _binaries()) is None:
        apt_install("postgresql")
        found = _binaries()
    if found is None:
        raise RuntimeError("PostgreSQL's programs are not in /usr/lib/postgresql")
    pip_install_missing("psycopg2", DRIVER)
    return found


def _binaries() -> Path | None:
    versions = sorted(_BINARIES.glob("*/bin/initdb"), key=lambda path: int(path.parts[-3]))
    return versions[-1].parent if versions else None


class PostgreSQL:
    """A running throw-away cluster: its port, and databases made and dropped in it."""

    def __init__(self, binaries: Path, folder: Path, port: int) -> None:
        """Describe a cluster started by `postgresql_server`."""
        self.binaries = binaries
        self.folder = folder
        self.port = port

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of a database (Home Assistant's recorder `db_url`)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement with psql; its output, unaligned and without headers."""
        result = subprocess.run(
            [
                str(self.binaries / "psql"),
                *("-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"),
                *("-d", database, "-At", "-v", "ON_ERROR_STOP=1", "-c", statement),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout.strip()

    def create_database(self, name: str) -> str:
        """A new empty database; its URL."""
        self.sql(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8'")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, closing its connections."""
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _as_owner(owner: pwd.struct_passwd | None, command: list[str]) -> list[str]:
    return command if owner is None else ["runuser", "-u", owner.pw_name, "--", *command]


@contextmanager
def postgresql_server(*, durable: bool = True) -> Iterator[PostgreSQL]:
    """Start a cluster on a free loopback port; stop it and remove its files afterwards.

    `durable=False` turns fsync off: faster, and the same data on disk.
    """
    binaries = ensure_installed()
    owner = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="gestion-energie-postgresql-"))
    data = folder / "data"
    try:
        if owner is not None:
            os.chown(folder, owner.pw_uid, owner.pw_gid)
        initdb = [str(binaries / "initdb"), "-D", str(data), "-U", "postgres"]
        initdb += ["--auth=trust", "--encoding=UTF8", "--no-sync"]
        subprocess.run(_as_owner(owner, initdb), check=True, capture_output=True)
        port = free_port()
        settings = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
        if not durable:
            settings += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        start = [str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log")]
        subprocess.run(
            _as_owner(owner, [*start, "-w", "-o", settings, "start"]),
            check=True,
            capture_output=True,
        )
        try:
            yield PostgreSQL(binaries, folder, port)
        finally:
            stop = [str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]
            subprocess.run(_as_owner(owner, stop), check=False, capture_output=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
