"""Every real capture decodes; the groups the captures garbled are rejected."""

from __future__ import annotations

import pytest

from custom_components.gestion_energie.tic import TicDecoder, TicMode, encode_group, parse_group

from .samples import SAMPLES, Capture, has_control_bytes, listings, load

CAPTURES = listings()


def _verdict(body: bytes) -> bool:
    try:
        parse_group(body)
    except ValueError:
        return False
    return True


def test_all_listings_are_found() -> None:
    assert len(CAPTURES) == 9


def test_only_the_groups_with_control_bytes_fail() -> None:
    """SOURCES.md: 1352 of 1360 groups verify (160 of them in the .bin, checked below)."""
    bodies = [body for capture in CAPTURES for body in capture.bodies()]
    rejected = [body for body in bodies if not _verdict(body)]
    assert len(bodies) == 1200
    assert len(rejected) == 8
    assert all(has_control_bytes(body) for body in rejected)
    assert not any(has_control_bytes(body) for body in bodies if _verdict(body))


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda capture: capture.name)
def test_capture_decodes_as_a_stream(capture: Capture) -> None:
    decoder = TicDecoder()
    frames = decoder.feed(capture.raw())
    assert frames
    valid = {body for body in capture.bodies() if _verdict(body)}
    for frame in frames:
        for group in frame.groups.values():
            assert encode_group(group, frame.mode)[1:-1] in valid
    clean = not any(has_control_bytes(body) for body in capture.bodies())
    if clean and not capture.name.startswith("t2m_standard.frames.log"):
        assert len(frames) == len(capture.frames)
        assert all(frame.invalid_groups == 0 for frame in frames)
    stats = decoder.stats
    assert stats.frames == len(frames)


def test_teleinfo2mqtt_log_as_raw_bytes() -> None:
    """The log's lines end CR LF and frames are ETX STX: as a byte stream it is real TIC."""
    decoder = TicDecoder()
    frames = decoder.feed((SAMPLES / "t2m_standard.frames.log").read_bytes())
    assert {frame.mode for frame in frames} == {TicMode.STANDARD}
    stats = decoder.stats
    # STX inside garbled groups restarts frames, so some frames are abandoned.
    assert stats.aborted_frames >= 1
    # The frame where SMAXSN-1 comes twice with different values keeps neither copy.
    assert stats.conflicting == 2


def test_pyteleinfo_binary_capture_matches_its_listing() -> None:
    frames = TicDecoder().feed((SAMPLES / "pyteleinfo_captured_frames.bin").read_bytes())
    listing = load(SAMPLES / "pyteleinfo_captured_frames.txt")
    assert len(frames) == 10
    assert all(frame.mode is TicMode.HISTORIC for frame in frames)
    assert sum(len(frame.groups) for frame in frames) == 160
    assert all(frame.invalid_groups == 0 for frame in frames)
    assert frames[0].groups["OPTARIF"].data == "BBR("
    # Same meter, other moments: same labels in the same order.
    labels = [body.split(b" ")[0].decode() for body in listing.frames[0]]
    assert all(list(frame.groups) == labels for frame in frames)


def test_checksum_that_is_a_space() -> None:
    body = b"SMAXSN-1\tH250316044335\t06731\t "
    mode, group = parse_group(body)
    assert mode is TicMode.STANDARD
    assert group.horodate == "H250316044335"
