"""The command line contract: one JSON line per frame with a valid group, raw strings."""

from __future__ import annotations

import json
import runpy
import sys
from typing import TYPE_CHECKING

import pytest

from custom_components.gestion_energie.tic import Frame, Group, TicMode, encode_frame
from custom_components.gestion_energie.tic.__main__ import frame_json, main

from .samples import SAMPLES

if TYPE_CHECKING:
    from pathlib import Path


def test_decodes_the_binary_capture(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", str(SAMPLES / "pyteleinfo_captured_frames.bin")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 10
    first = json.loads(lines[0])
    assert list(first) == ["mode", "groups", "horodates", "invalid_groups"]
    assert first["mode"] == "historic"
    assert first["groups"]["OPTARIF"] == "BBR("
    assert first["horodates"] == {}
    assert first["invalid_groups"] == 0


def test_raw_strings_and_horodates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    groups = [
        Group("DATE", "", "H250307134349"),
        Group("LTARF", " HEURE  PLEINE  "),
        Group("SMAXSN", "09835", "h250307060708"),
    ]
    capture = tmp_path / "capture.bin"
    capture.write_bytes(
        encode_frame(groups, TicMode.STANDARD) + b"\x02\nIINST 012 X\r\x03"  # an empty frame
    )
    assert main(["decode", str(capture)]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line) == {
        "mode": "standard",
        "groups": {"DATE": "", "LTARF": " HEURE  PLEINE  ", "SMAXSN": "09835"},
        "horodates": {"DATE": "H250307134349", "SMAXSN": "h250307060708"},
        "invalid_groups": 0,
    }


def test_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", str(tmp_path / "missing.bin")]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert main(["decode", str(tmp_path)]) == 1  # a directory


def test_module_entry_point(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        sys, "argv", ["tic", "decode", str(SAMPLES / "pyteleinfo_captured_frames.bin")]
    )
    monkeypatch.delitem(
        sys.modules, "custom_components.gestion_energie.tic.__main__", raising=False
    )
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("custom_components.gestion_energie.tic", run_name="__main__")
    assert exit_info.value.code == 0
    assert len(capsys.readouterr().out.splitlines()) == 10


def test_garbage_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capture = tmp_path / "noise.bin"
    capture.write_bytes(b"\x00\xff no frame here")
    assert main(["decode", str(capture)]) == 0
    assert capsys.readouterr().out == ""


def test_frame_json_is_json_dumps() -> None:
    """The line joined from cached fragments is exactly `json.dumps` of the frame."""
    groups = {
        "MSG1": Group("MSG1", 'A "quoted" \\ back-slashed message     '),
        "DATE": Group("DATE", "", "E250307134349"),
        "SINSTS": Group("SINSTS", "01234"),
    }
    frame = Frame(TicMode.STANDARD, groups, 2)
    expected = {
        "mode": "standard",
        "groups": {label: group.data for label, group in groups.items()},
        "horodates": {"DATE": "E250307134349"},
        "invalid_groups": 2,
    }
    for _ in range(2):  # rendered, then from the cache
        assert frame_json(frame) == json.dumps(expected)
