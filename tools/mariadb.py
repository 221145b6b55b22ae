"""A throw-away MariaDB server on a loopback port, for tests and benchmarks.

Debian's `mariadb-server` package is installed when missing, and PyMySQL, the pure-Python
driver Home Assistant's recorder takes for `mysql+pymysql://` URLs (mysqlclient, for
`mysql://`, would need a compiler and MariaDB's headers), when it cannot be imported. The
server's files live in a temporary folder, owned by the `mysql` user when run as root (the
server will not run as root), and are removed with it when stopped.
"""

# ruff: noqa: S603 - the commands run are MariaDB's, with arguments made here

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
import os
from pathlib import Path
import pwd
import shutil
import subprocess
import tempfile
import time

from tools.local_server import apt_install, free_port, pip_install_missing

DRIVER = "PyMySQL==1.2.4"
USER = "gestion"  # the recorder's user: every privilege, no password, from 127.0.0.1 only
_SERVER = Path("/usr/sbin/mariadbd")
_INSTALL_DB = Path("/usr/bin/mariadb-install-db")
_CLIENT = Path("/usr/bin/mariadb")
_START_TIMEOUT = 60.0


def ensure_installed() -> None:
    """MariaDB's server and client, and the driver, installing them if needed."""
    if not (_SERVER.exists() and _INSTALL_DB.exists() and _CLIENT.exists()):
        apt_install("mariadb-server")
    if not _SERVER.exists():
        raise RuntimeError(f"MariaDB's server is not at {_SERVER}")
    pip_install_missing("pymysql", DRIVER)


class MariaDB:
    """A running throw-away server: its port, and databases made and dropped in it."""

    def __init__(self, folder: Path, port: int) -> None:
        """Describe a server started by `mariadb_server`."""
        self.folder = folder
        self.port = port

    @property
    def socket(self) -> Path:
        """The server's Unix socket, where root connects."""
        return self.folder / "mariadb.sock"

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of a database (Home Assistant's recorder `db_url`)."""
        return f"mysql+pymysql://{USER}@127.0.0.1:{self.port}/{database}?charset=utf8mb4"

    def sql(self, statement: str, database: str = "mysql") -> str:
        """Run one statement as root through the socket; its output, tab-separated, no headers."""
        result = subprocess.run(
            [
                str(_CLIENT),
                *("--no-defaults", f"--socket={self.socket}", "--user=root"),
                *("--batch", "--skip-column-names", database, "-e", statement),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout.strip()

    def create_database(self, name: str) -> str:
        """A new empty database in utf8mb4 (the recorder's character set); its URL."""
        self.sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database."""
        self.sql(f"DROP DATABASE IF EXISTS `{name}`")


@contextmanager
def mariadb_server(*, durable: bool = True) -> Iterator[MariaDB]:
    """Start a server on a free loopback port; stop it and remove its files afterwards.

    `durable=False` flushes InnoDB's log about once a second instead of at each commit:
    faster, and the same data once written.
    """
    ensure_installed()
    owner = pwd.getpwnam("mysql") if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="gestion-energie-mariadb-"))
    data = folder / "data"
    user = [f"--user={owner.pw_name}"] if owner is not None else []
    try:
        if owner is not None:
            os.chown(folder, owner.pw_uid, owner.pw_gid)
        subprocess.run(
            [
                str(_INSTALL_DB),
                *("--no-defaults", f"--datadir={data}", *user),
                *("--auth-root-authentication-method=socket", "--skip-test-db"),
            ],
            check=True,
            capture_output=True,
        )
        port = free_port()
        server = MariaDB(folder, port)
        settings = [
            *("--no-defaults", f"--datadir={data}", *user),
            *(f"--socket={server.socket}", f"--port={port}", "--bind-address=127.0.0.1"),
            *(f"--pid-file={folder / 'mariadb.pid'}", f"--log-error={folder / 'server.log'}"),
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=64M",
        ]
        if not durable:
            settings += ["--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0"]
        # What it says before reading --log-error (open-file limits) is not for our output.
        process = subprocess.Popen([str(_SERVER), *settings], stderr=subprocess.DEVNULL)
        try:
            _wait_ready(server, process)
            server.sql(
                f"CREATE USER '{USER}'@'127.0.0.1'; "
                f"GRANT ALL PRIVILEGES ON *.* TO '{USER}'@'127.0.0.1'"
            )
            yield server
        finally:
            process.terminate()  # SIGTERM: MariaDB's own clean shutdown
            # No timeout: a wait with one polls with time.sleep, which Home Assistant's
            # blocking-call guard refuses in its loop's thread (a benchmark stops it there).
            process.wait()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _wait_ready(server: MariaDB, process: subprocess.Popen[bytes]) -> None:
    """Until root can run a statement, or fail with the server's log if it ended."""
    deadline = time.monotonic() + _START_TIMEOUT
    while True:
        if process.poll() is not None:
            log = server.folder / "server.log"
            raise RuntimeError(f"MariaDB ended: {log.read_text() if log.exists() else '?'}")
        try:
            server.sql("SELECT 1")
        except subprocess.CalledProcessError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
        else:
            return
