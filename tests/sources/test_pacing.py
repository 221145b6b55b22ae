"""Reading a stream about twice per frame: the pause guessed from the last frame's length."""

from __future__ import annotations

import pytest

from custom_components.gestion_energie.sources.base import FramePacer


def test_no_pause_until_a_whole_frame_was_timed() -> None:
    pacer = FramePacer()
    assert pacer.pause_after(b"middle of a frame", 0.0) == 0  # joined mid-frame
    assert pacer.pause_after(b"\x02\nADSC", 0.1) == 0  # a start, but no length known yet
    assert pacer.pause_after(b"...", 0.2) == 0


def test_after_its_start_a_frame_is_left_unread_until_just_after_its_end() -> None:
    pacer = FramePacer()
    pacer.pause_after(b"\x02\nADSC", 10.0)
    assert pacer.pause_after(b"\r\x03", 10.8) == 0  # a whole frame took 0.8 s
    # The next frame starts: read again 2 % of 0.8 s after it should end.
    assert pacer.pause_after(b"\x02\nADSC", 11.0) == pytest.approx(0.816)
    # A longer frame is not whole then: its last bytes are read as they come.
    assert pacer.pause_after(b"VTIC\t02", 11.816) == 0
    assert pacer.pause_after(b"\r\x03", 11.83) == 0


def test_back_to_back_frames_are_timed_from_the_chunk_holding_both_ends() -> None:
    pacer = FramePacer()
    pacer.pause_after(b"\x02\nADCO", 0.0)
    # Historic mode at 1200 baud: the end of one frame and the start of the next together.
    assert pacer.pause_after(b"\r\x03\x02\n", 2.0) == 1.0  # 2.04 s, but 1 s at most at once
    assert pacer.pause_after(b"ISOUSC", 3.0) == 1.0  # 1.04 s left: 1 s again
    assert pacer.pause_after(b"PAPP", 4.0) == pytest.approx(0.04)  # then the rest


def test_a_frame_that_lost_its_end_does_not_set_the_pause() -> None:
    pacer = FramePacer()
    pacer.pause_after(b"\x02\n", 0.0)
    pacer.pause_after(b"\x02\n", 1.0)  # a new start: the first frame's end never came
    assert pacer.pause_after(b"\r\x03", 1.5) == 0
    pacer.pause_after(b"\x02\n", 2.0)
    assert pacer.pause_after(b"\r\x03", 9.0) == 0  # 7 s: not a frame's length
    assert pacer.pause_after(b"\x02\n", 10.0) == 0
