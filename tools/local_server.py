"""What the throw-away database servers of tests and benchmarks share.

tools/postgresql.py and tools/mariadb.py: Debian's packages and PyPI's drivers installed
when missing, a free loopback port. The project's environment runs as root in its Debian
root, so apt-get works as it is.
"""

# ruff: noqa: S603 - the commands run are apt's and pip's, with arguments made here

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys

# The Debian root's package lists may be older than their validity while still the newest
# the mirror serves to this machine: accept them as they are. Another install running (a
# second checkout's tests) is waited for rather than failed on.
_APT = [
    *("apt-get", "-qq", "-o", "Acquire::Check-Valid-Until=false"),
    *("-o", "DPkg::Lock::Timeout=300"),
]


def apt_install(package: str) -> None:
    """Install one of Debian's packages (and what it depends on, no recommends)."""
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*_APT, "update"], check=True, env=environment)
    subprocess.run(
        [*_APT, "install", "-y", "--no-install-recommends", package], check=True, env=environment
    )


def pip_install_missing(module: str, requirement: str) -> None:
    """Install `requirement` from PyPI into this Python when `module` cannot be imported."""
    if importlib.util.find_spec(module) is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", requirement], check=True)
        importlib.invalidate_caches()


def free_port() -> int:
    """A loopback port no one listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
