"""Every command the README gives, run as a user runs it (made small where it takes a size).

A command nobody runs in CI breaks silently: the README's main command once did, with every
test green. A command added to the README without a row here fails the first test.
"""

from __future__ import annotations

import os
from pathlib import Path
import re
import subprocess

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]
CAPTURE = CHECKOUT.parent / "shared" / "tic-samples" / "pyteleinfo_captured_frames.bin"

# Each README command, and how a test runs it: the same command with smaller sizes, or
# the test that runs it (None).
COMMANDS: dict[str, list[str] | None] = {
    "scripts/develop": None,  # tests/develop/test_develop_command.py
    "scripts/test": None,  # what runs this test (.ci/run)
    "scripts/run CMD...": None,  # its general form: every row below runs through it
    "scripts/lint": ["scripts/lint"],
    "scripts/run python -m custom_components.gestion_energie.tic decode capture.bin": [
        *("scripts/run", "python", "-m", "custom_components.gestion_energie.tic"),
        *("decode", str(CAPTURE)),
    ],
    "scripts/run python benchmarks/tic_decode.py --runs 5": [
        *("scripts/run", "python", "benchmarks/tic_decode.py"),
        *("--runs", "1", "--hours", "0.02"),
    ],
    "scripts/run python benchmarks/tic_corruption.py --frames 50000": [
        *("scripts/run", "python", "benchmarks/tic_corruption.py", "--frames", "200"),
    ],
    "scripts/run python benchmarks/source_latency.py --frames 500": [
        *("scripts/run", "python", "benchmarks/source_latency.py", "--frames", "10"),
    ],
    "scripts/run python benchmarks/update_policy.py --hours 1": [
        *("scripts/run", "python", "benchmarks/update_policy.py", "--hours", "0.02"),
    ],
    "scripts/run python benchmarks/database_growth.py --hours 1": [
        *("scripts/run", "python", "benchmarks/database_growth.py", "--hours", "0.01"),
    ],
    "scripts/run python benchmarks/ha_cpu.py --minutes 15 --warmup 60": [
        *("scripts/run", "python", "benchmarks/ha_cpu.py", "--minutes", "0.25", "--warmup", "5"),
    ],
    "scripts/run python benchmarks/shedding_latency.py --trials 200": [
        *("scripts/run", "python", "benchmarks/shedding_latency.py", "--trials", "3"),
    ],
}


def readme_commands() -> set[str]:
    """The commands the README shows: code spans and code-block lines under scripts/."""
    text = (CHECKOUT / "README.md").read_text(encoding="utf-8")
    spans = re.findall(r"`(scripts/\w[^`]*)`", text)
    block_lines = re.findall(r"^(scripts/\w+)", text, flags=re.MULTILINE)
    return {command for command in [*spans, *block_lines] if command != "scripts/*"}


def test_every_readme_command_is_run_by_a_test() -> None:
    assert readme_commands() == set(COMMANDS)


def sources() -> dict[Path, bytes]:
    """The checkout's source files and their contents (the environment has no git)."""
    return {
        path: path.read_bytes()
        for folder in ("custom_components", "tests", "benchmarks", "tools", "scripts")
        for path in (CHECKOUT / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.mark.timeout(600)
@pytest.mark.usefixtures("socket_enabled")  # benchmarks serve plugs on 127.0.0.1
@pytest.mark.parametrize(
    "command",
    [pytest.param(run, id=readme) for readme, run in COMMANDS.items() if run is not None],
)
def test_readme_command_runs(command: list[str]) -> None:
    before = sources()
    done = subprocess.run(  # noqa: S603 - the project's own scripts
        command,
        cwd=CHECKOUT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=540,
        env={**os.environ, "PYTHONHASHSEED": "0"},
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.stdout.strip() or command == ["scripts/lint"], done.stderr[-3000:]
    # A command run from the checkout leaves it as it was (scripts/lint: already formatted).
    assert sources() == before
