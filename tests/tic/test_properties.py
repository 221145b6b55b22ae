"""Property tests: chunking, random input, round trips of every label."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.gestion_energie.tic import (
    CATALOGUE,
    Group,
    LabelSpec,
    TicDecoder,
    TicMode,
    encode_frame,
    encode_group,
    format_horodate,
    parse_group,
    parse_horodate,
    parse_value,
)

from .samples import SAMPLES, listings, verified
from .test_decoder import FREE_TEXT

STREAM = (SAMPLES / "pyteleinfo_captured_frames.bin").read_bytes() + b"".join(
    capture.raw() for capture in listings()
)
REFERENCE = TicDecoder().feed(STREAM)


@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=60))
def test_any_chunking_gives_the_same_frames(cuts: list[int]) -> None:
    decoder = TicDecoder()
    bounds = [0, *sorted(cuts), len(STREAM)]
    frames = [frame for start, end in pairwise(bounds) for frame in decoder.feed(STREAM[start:end])]
    assert frames == REFERENCE


def test_byte_by_byte() -> None:
    decoder = TicDecoder()
    frames = [frame for i in range(len(STREAM)) for frame in decoder.feed(STREAM[i : i + 1])]
    assert frames == REFERENCE


@given(st.binary(max_size=4000))
def test_random_bytes_never_raise_nor_yield(data: bytes) -> None:
    """A random string forming a whole valid group (LF, known label, exact format, checksum,
    CR, inside STX...ETX) has a probability far below 1e-20: so nothing comes out at all."""
    decoder = TicDecoder()
    assert decoder.feed(data) == []
    assert decoder.feed(b"\x02" + data + b"\x03") == []


_TIC_ALPHABET = st.sampled_from(
    [
        b"\x02",
        b"\x03",
        b"\x04",
        b"\n",
        b"\r",
        b"\t",
        b" ",
        b"0",
        b"1",
        b"9",
        b"A",
        b"E",
        b"H",
        b"PAPP",
        b"IINST",
        b"SINSTS",
        b"DATE",
        b"/",
        b"Z",
        b"\x82",
        b"0000",
    ]
)


@given(st.lists(_TIC_ALPHABET, max_size=400).map(b"".join))
def test_tic_looking_noise_yields_only_verified_groups(data: bytes) -> None:
    """Noise made of TIC pieces can form valid groups; then they are exactly what was sent."""
    decoder = TicDecoder()
    for frame in decoder.feed(data):
        assert verified(frame.groups, frame.mode, data)
        assert frame.groups


def _horodate(spec: LabelSpec) -> st.SearchStrategy[str | None]:
    if not spec.horodate:
        return st.none()
    moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31))
    if spec.label[:3] in {"DPM", "FPM"}:
        return moments.map(lambda moment: " " + moment.strftime("%y%m%d%H%M%S"))
    return st.tuples(moments, st.booleans()).map(
        lambda pair: format_horodate(pair[0].replace(tzinfo=None).astimezone(), degraded=pair[1])
    )


@st.composite
def _groups(draw: st.DrawFn, mode: TicMode) -> list[Group]:
    specs = draw(
        st.lists(
            st.sampled_from([spec for spec in CATALOGUE.values() if spec.mode is mode]),
            unique_by=lambda spec: spec.label,
            min_size=1,
        )
    )
    return [
        Group(
            spec.label,
            draw(st.from_regex(spec.pattern, fullmatch=True)),
            draw(_horodate(spec)),
        )
        for spec in specs
    ]


@given(st.sampled_from(list(TicMode)).flatmap(lambda mode: st.tuples(st.just(mode), _groups(mode))))
def test_encode_then_decode_gives_back_every_label(case: tuple[TicMode, list[Group]]) -> None:
    mode, groups = case
    (frame,) = TicDecoder().feed(encode_frame(groups, mode))
    assert frame.mode is mode
    assert list(frame.groups.values()) == groups
    assert frame.invalid_groups == 0
    for group in groups:
        parse_value(group.label, group.data)
        if group.horodate is not None:
            parse_horodate(group.horodate)


@pytest.mark.parametrize("spec", CATALOGUE.values(), ids=lambda spec: spec.label)
@settings(max_examples=25)
@given(data=st.data())
def test_every_label_round_trips(spec: LabelSpec, data: st.DataObject) -> None:
    group = Group(
        spec.label,
        data.draw(st.from_regex(spec.pattern, fullmatch=True)),
        data.draw(_horodate(spec)),
    )
    (frame,) = TicDecoder().feed(encode_frame([group], spec.mode))
    assert frame.groups == {spec.label: group}


@pytest.mark.parametrize(
    "spec",
    [spec for spec in CATALOGUE.values() if spec.width and spec.label not in FREE_TEXT],
    ids=lambda spec: spec.label,
)
@settings(max_examples=10)
@given(data=st.data())
def test_data_shorter_than_its_width_is_refused(spec: LabelSpec, data: st.DataObject) -> None:
    """Only free text may be shorter than the spec's width, even with a right checksum."""
    full = data.draw(st.from_regex(spec.pattern, fullmatch=True))
    short = full[: data.draw(st.integers(min_value=0, max_value=len(full) - 1))]
    body = encode_group(Group(spec.label, short, data.draw(_horodate(spec))), spec.mode)[1:-1]
    with pytest.raises(ValueError, match="bad_format"):
        parse_group(body)
