"""Decoder behaviour on crafted streams: framing, verification, strictness, statistics."""

from __future__ import annotations

import pytest

from custom_components.gestion_energie.tic import (
    MAX_FRAME_BYTES,
    Frame,
    Group,
    TicDecoder,
    TicMode,
    checksum,
    encode_frame,
    encode_group,
    parse_group,
    parse_value,
)

HISTORIC = [Group("ADCO", "021861348497"), Group("PAPP", "02840"), Group("HHPHC", "A")]
STANDARD = [
    Group("ADSC", "031764953443"),
    Group("DATE", "", "H250307134349"),
    Group("SINSTS", "00766"),
    Group("SMAXSN", "04536", "E230712084949"),
]


def _frame(groups: list[Group], mode: TicMode) -> bytes:
    return encode_frame(groups, mode)


def _decode(data: bytes) -> list[Frame]:
    return TicDecoder().feed(data)


@pytest.mark.parametrize(
    ("groups", "mode"), [(HISTORIC, TicMode.HISTORIC), (STANDARD, TicMode.STANDARD)]
)
def test_round_trip(groups: list[Group], mode: TicMode) -> None:
    (frame,) = _decode(_frame(groups, mode))
    assert frame == Frame(mode, {group.label: group for group in groups}, 0)


def test_checksum_rules_differ_by_mode() -> None:
    assert encode_group(Group("ISOUSC", "30"), TicMode.HISTORIC) == b"\nISOUSC 30 9\r"
    assert encode_group(Group("VTIC", "02"), TicMode.STANDARD) == b"\nVTIC\t02\tJ\r"
    assert checksum(b"") == 0x20


def test_parity_bit_is_stripped() -> None:
    """A port opened 8N1 on the 7E1 line delivers even parity in bit 7."""
    raw = _frame(HISTORIC, TicMode.HISTORIC)
    with_parity = bytes(b | 0x80 if b.bit_count() % 2 else b for b in raw)
    assert with_parity != raw
    assert _decode(with_parity) == _decode(raw)


def test_garbage_before_between_and_after_frames_is_skipped() -> None:
    frame = _frame(HISTORIC, TicMode.HISTORIC)
    decoder = TicDecoder()
    frames = decoder.feed(b"noise\r\n" + frame + b"\x03junk" + frame + b"tail")
    assert len(frames) == 2
    assert decoder.stats.skipped_bytes == len(b"noise\r\n") + len(b"\x03junk") + len(b"tail")


def test_partial_frame_then_new_stx_resynchronises() -> None:
    frame = _frame(HISTORIC, TicMode.HISTORIC)
    decoder = TicDecoder()
    assert decoder.feed(frame[:20] + frame) == _decode(frame)
    assert decoder.stats.aborted_frames == 1


def test_eot_abandons_the_frame_in_progress() -> None:
    frame = _frame(HISTORIC, TicMode.HISTORIC)
    decoder = TicDecoder()
    assert decoder.feed(frame[:-5] + b"\x04" + frame[-5:]) == []
    assert decoder.feed(frame) == _decode(frame)
    assert decoder.stats.aborted_frames == 1


def test_memory_is_bounded() -> None:
    decoder = TicDecoder()
    flood = b"\x02" + b"\nPAPP 02840 /\r" * (MAX_FRAME_BYTES // 10)
    assert decoder.feed(flood) == []
    assert decoder.feed(flood[1:]) == []  # the rest of the oversized frame is skipped
    assert len(decoder._buffer) == 0
    assert decoder.stats.aborted_frames == 1
    frame = _frame(HISTORIC, TicMode.HISTORIC)
    assert decoder.feed(frame) == _decode(frame)


def test_growing_frame_is_capped_across_chunks() -> None:
    decoder = TicDecoder()
    decoder.feed(b"\x02")
    for _ in range(MAX_FRAME_BYTES // 100 + 1):
        decoder.feed(b"x" * 100)
    assert decoder.stats.aborted_frames == 1
    assert len(decoder._buffer) <= MAX_FRAME_BYTES


def test_bad_groups_are_dropped_and_counted() -> None:
    good = encode_group(Group("PAPP", "02840"), TicMode.HISTORIC)
    bad_sum = b"\nIINST 012 X\r"
    bad_width = encode_group(Group("IINST", "12"), TicMode.HISTORIC)
    unknown = encode_group(Group("FOO", "12"), TicMode.HISTORIC)
    wrong_mode = encode_group(Group("PAPP", "02840"), TicMode.STANDARD)
    no_lf = b"IMAX 090 H\r"
    two_lf = b"\nIM\nAX 090 H\r"  # a group that lost its CR, then one with a wrong checksum
    decoder = TicDecoder()
    (frame,) = decoder.feed(
        b"\x02"
        + good
        + bad_sum
        + bad_width
        + unknown
        + wrong_mode
        + no_lf
        + two_lf
        + b"\nTRUNC\x03"
    )
    assert list(frame.groups) == ["PAPP"]
    assert frame.invalid_groups == 8
    stats = decoder.stats
    assert (stats.groups_ok, stats.bad_checksum, stats.unknown_label, stats.bad_format) == (
        1,
        2,
        1,
        5,
    )


@pytest.mark.parametrize(
    ("mode", "groups"), [(TicMode.HISTORIC, HISTORIC), (TicMode.STANDARD, STANDARD)]
)
def test_the_group_after_one_that_lost_its_cr_is_decoded(
    mode: TicMode, groups: list[Group]
) -> None:
    lost_cr = encode_group(groups[0], mode)[:-1]
    rest = b"".join(encode_group(group, mode) for group in groups[1:])
    decoder = TicDecoder()
    (frame,) = decoder.feed(b"\x02" + lost_cr + rest + b"\x03")
    assert frame.groups == {group.label: group for group in groups[1:]}
    assert frame.invalid_groups == 1
    assert decoder.stats.bad_format == 1
    # Noise before an LF is one bad group; the group from the LF still counts.
    (frame,) = decoder.feed(b"\x02\x7f\x7f" + rest + b"\x03")
    assert frame.groups == {group.label: group for group in groups[1:]}
    assert frame.invalid_groups == 1


FREE_TEXT = {"NGTF": 16, "LTARF": 16, "MSG1": 32, "MSG2": 16}


@pytest.mark.parametrize(("label", "width"), FREE_TEXT.items())
def test_free_text_shorter_than_its_width_passes_with_its_checksum(label: str, width: int) -> None:
    # A producer meter's NGTF: six trailing spaces trimmed leave the checksum as it was.
    sent = encode_group(Group(label, "PRODUCTEUR      "), TicMode.STANDARD)
    trimmed = encode_group(Group(label, "PRODUCTEUR"), TicMode.STANDARD)
    assert trimmed == sent.replace(b" " * 6, b"")
    for group in (sent, trimmed):
        mode, parsed = parse_group(group[1:-1])
        assert mode is TicMode.STANDARD
        assert parse_value(label, parsed.data) == "PRODUCTEUR"
    # Longer than the spec allows, or with a wrong checksum: still refused.
    too_long = encode_group(Group(label, "X" * (width + 1)), TicMode.STANDARD)
    with pytest.raises(ValueError, match="bad_format"):
        parse_group(too_long[1:-1])
    with pytest.raises(ValueError, match="bad_checksum"):
        parse_group(trimmed[1:-2] + bytes((trimmed[-2] ^ 1,)))


def test_frame_without_valid_group_is_not_handed_out() -> None:
    decoder = TicDecoder()
    assert decoder.feed(b"\x02\nIINST 012 X\r\x03\x02\x03") == []
    assert decoder.stats.empty_frames == 2
    assert decoder.stats.frames == 0


def test_the_first_valid_group_sets_the_frame_mode() -> None:
    historic = encode_group(Group("PAPP", "02840"), TicMode.HISTORIC)
    standard = encode_group(Group("SINSTS", "02840"), TicMode.STANDARD)
    (frame,) = _decode(b"\x02" + historic + standard + b"\x03")
    assert frame.mode is TicMode.HISTORIC
    assert list(frame.groups) == ["PAPP"]
    assert frame.invalid_groups == 1


def test_repeated_label() -> None:
    first = encode_group(Group("PAPP", "02840"), TicMode.HISTORIC)
    other = encode_group(Group("PAPP", "02850"), TicMode.HISTORIC)
    adco = encode_group(Group("ADCO", "021861348497"), TicMode.HISTORIC)
    # Identical copies are harmless.
    (frame,) = _decode(b"\x02" + first + adco + first + b"\x03")
    assert list(frame.groups) == ["PAPP", "ADCO"]
    assert frame.invalid_groups == 0
    # Conflicting copies: no way to know which is right, all of them go.
    decoder = TicDecoder()
    (frame,) = decoder.feed(b"\x02" + first + adco + other + first + b"\x03")
    assert list(frame.groups) == ["ADCO"]
    assert frame.invalid_groups == 3
    assert decoder.stats.conflicting == 3
    assert decoder.stats.groups_ok == 1
    # Nothing left at all: no frame.
    assert _decode(b"\x02" + first + other + b"\x03") == []


@pytest.mark.parametrize(
    "body",
    [
        b"A \x20",  # too short
        b"PAPP",  # no separator before the checksum
        b"PAPP 02840/",  # no separator before the checksum
        b"PAPP\t02840\t\t\tX",  # too many fields
        b"PAPP02840 /",  # historic without separator between label and data
    ],
)
def test_malformed_bodies(body: bytes) -> None:
    fixed = body[:-1] + bytes((checksum(body[:-1] if body[-2] == 9 else body[:-2]),))
    with pytest.raises(ValueError, match="bad_format"):
        parse_group(fixed)


@pytest.mark.parametrize(
    ("label", "horodate", "data"),
    [
        ("SMAXSN", None, "04536"),  # horodate missing
        ("SINSTS", "E230712084949", "00766"),  # horodate where none belongs
        ("SMAXSN", "X230712084949", "04536"),  # unknown season
        ("SMAXSN", " 230712084949", "04536"),  # only DPM/FPM go without season
        ("DPM1", "H230712084949", "01"),  # and those have none
        ("SMAXSN", "E230230084949", "04536"),  # 30 February
        ("SMAXSN", "E230229084949", "04536"),  # 29 February 2023
        ("SMAXSN", "E230431084949", "04536"),  # 31 April
        ("SMAXSN", "E231301084949", "04536"),  # month 13
        ("SMAXSN", "E230712246060", "04536"),  # 24:60:60
    ],
)
def test_bad_horodates_are_rejected(label: str, horodate: str | None, data: str) -> None:
    with pytest.raises(ValueError, match="bad_format"):
        parse_group(encode_group(Group(label, data, horodate), TicMode.STANDARD)[1:-1])


@pytest.mark.parametrize(
    ("label", "horodate"),
    [("SMAXSN", "E240229084949"), ("SMAXSN", "h230731084949"), ("DPM1", " 230712084949")],
)
def test_good_horodates_pass(label: str, horodate: str) -> None:
    group = Group(label, "01" if label == "DPM1" else "04536", horodate)
    assert parse_group(encode_group(group, TicMode.STANDARD)[1:-1]) == (TicMode.STANDARD, group)


def test_stats_are_a_snapshot() -> None:
    decoder = TicDecoder()
    snapshot = decoder.stats
    decoder.feed(_frame(HISTORIC, TicMode.HISTORIC))
    assert snapshot.frames == 0
    assert decoder.stats.frames == 1
    assert decoder.stats.groups_ok == 3


def test_verdict_memory_is_bounded() -> None:
    decoder = TicDecoder()
    groups = [Group("PAPP", f"{n:05}") for n in range(2000)]
    frames = [decoder.feed(encode_frame([group], TicMode.HISTORIC)) for group in groups]
    assert [frame.groups["PAPP"] for (frame,) in frames] == groups
    assert len(decoder._verdicts) <= 512
