"""Reassembly: whole frames exactly once and in order, nothing corrupt, every drop counted."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from custom_components.gestion_energie.radio import (
    Heartbeat,
    MeterMode,
    Reassembler,
    encode_heartbeat,
    fragment,
)
from custom_components.gestion_energie.radio.protocol import decode_packet, sequence_delta

frames_strategy = st.lists(st.binary(min_size=1, max_size=300), min_size=1, max_size=12)


def _packets(frames: list[bytes], first: int) -> list[tuple[int, bytes]]:
    return [
        ((first + n) % 65536, packet)
        for n, frame in enumerate(frames)
        for packet in fragment(first + n, frame)
    ]


def _feed(reassembler: Reassembler, packets: list[bytes]) -> list[bytes]:
    return [out for p in packets if isinstance(out := reassembler.feed(p), bytes)]


def _expected(arrived: list[bytes], sent: dict[int, bytes]) -> list[bytes]:
    """Independent oracle: a frame is due when its last missing fragment arrives, unless a
    newer frame was delivered before that moment."""
    first_seen: dict[tuple[int, int], int] = {}
    for position, packet in enumerate(arrived):
        frag = decode_packet(packet)
        assert not isinstance(frag, Heartbeat)
        first_seen.setdefault((frag.sequence, frag.index), position)
    completion: list[tuple[int, int]] = []
    for seq, frame in sent.items():
        count = len(fragment(seq, frame))
        positions = [first_seen.get((seq, index)) for index in range(count)]
        if all(p is not None for p in positions):
            completion.append((max(p for p in positions if p is not None), seq))
    delivered, horizon = [], None
    for _, seq in sorted(completion):
        if horizon is None or sequence_delta(seq, horizon) > 0:
            delivered.append(sent[seq])
            horizon = seq
    return delivered


@settings(max_examples=300)
@given(
    frames=frames_strategy,
    first=st.integers(0, 65535),
    faults=st.lists(st.tuples(st.sampled_from("kdsx"), st.integers(0, 10_000)), max_size=40),
)
def test_any_loss_duplication_and_reordering(
    frames: list[bytes], first: int, faults: list[tuple[str, int]]
) -> None:
    """Drop (d), duplicate (k), swap with the next (s) packets: the output is exactly the oracle."""
    tagged = _packets(frames, first)
    sent = {(first + n) % 65536: frame for n, frame in enumerate(frames)}
    stream = [p for _, p in tagged]
    for kind, where in faults:
        if not stream:
            break
        i = where % len(stream)
        if kind == "d":
            del stream[i]
        elif kind == "k":
            stream.insert(i, stream[i])
        elif kind == "s" and i + 1 < len(stream):
            stream[i], stream[i + 1] = stream[i + 1], stream[i]
    reassembler = Reassembler()
    out = _feed(reassembler, stream)
    assert out == _expected(stream, sent)
    assert reassembler.counters.frames_delivered == len(out)


@settings(max_examples=300)
@given(
    frames=frames_strategy,
    flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 31), st.integers(1, 255))),
)
def test_corruption_never_delivers_a_wrong_frame(
    frames: list[bytes], flips: list[tuple[int, int, int]]
) -> None:
    tagged = _packets(frames, 0)
    stream = [bytearray(p) for _, p in tagged]
    for where, offset, mask in flips:
        packet = stream[where % len(stream)]
        packet[offset % len(packet)] ^= mask
    out = _feed(Reassembler(), [bytes(p) for p in stream])
    assert all(frame in frames for frame in out)
    if not flips:
        assert out == frames


def test_clean_stream_counts() -> None:
    frames = [bytes([n]) * 100 for n in range(5)]
    reassembler = Reassembler()
    assert _feed(reassembler, [p for _, p in _packets(frames, 65533)]) == frames
    counters = reassembler.counters
    assert counters.frames_delivered == 5
    assert counters.frames_lost == counters.frames_incomplete == counters.frames_corrupt == 0


def test_missing_fragment_drops_the_frame_and_its_stragglers_are_late() -> None:
    reassembler = Reassembler()
    first, second, third = fragment(1, b"a" * 60), fragment(2, b"b" * 60), fragment(3, b"c" * 10)
    out = _feed(reassembler, [*first[:2], *second, first[2], *third])
    assert out == [b"b" * 60, b"c" * 10]
    counters = reassembler.counters
    assert counters.frames_incomplete == 1
    assert counters.fragments_late == 1
    assert counters.frames_lost == 0  # frame 1 was never delivered, 2 came first
    # A whole frame lost between two delivered ones counts as lost.
    _feed(reassembler, fragment(6, b"d"))
    assert counters.frames_lost == 2


def test_duplicates_are_ignored_conflicts_drop_the_frame() -> None:
    reassembler = Reassembler()
    packets = fragment(7, b"x" * 40)
    assert _feed(reassembler, [packets[0], packets[0], packets[1], packets[1]]) == [b"x" * 40]
    assert reassembler.counters.fragments_duplicate == 2
    forged = bytearray(fragment(8, b"y" * 40)[0])
    forged[-1] ^= 0xFF
    assert _feed(reassembler, [fragment(8, b"y" * 40)[0], bytes(forged)]) == []
    assert reassembler.counters.frames_corrupt == 1
    # The rest of the dropped frame is late, not the start of a new one.
    assert _feed(reassembler, [fragment(8, b"y" * 40)[1]]) == []
    assert reassembler.counters.fragments_late == 1


def test_count_mismatch_and_bad_crc_are_corrupt() -> None:
    reassembler = Reassembler()
    head = fragment(1, b"z" * 60)[0]
    other = fragment(1, b"z" * 20)[0]
    assert _feed(reassembler, [head, other]) == []
    bad = bytearray(fragment(2, b"q")[0])
    bad[-1] ^= 1
    assert _feed(reassembler, [bytes(bad)]) == []
    assert reassembler.counters.frames_corrupt == 2


def test_window_bounds_memory() -> None:
    reassembler = Reassembler(window=2)
    heads = [fragment(n, b"w" * 40)[0] for n in range(1, 5)]
    _feed(reassembler, heads)
    assert reassembler.counters.frames_incomplete == 2
    assert len(reassembler._pending) == 2


def test_restart_and_jumps_resync() -> None:
    reassembler = Reassembler()
    beat = Heartbeat((1, 0), MeterMode.HISTORIC, 500, 0, 0, 0, 0, 0)
    assert reassembler.feed(encode_heartbeat(beat)) == beat
    assert _feed(reassembler, fragment(30, b"a")) == [b"a"]
    # The transmitter reboots: uptime goes back, its sequence restarts at 0.
    reboot = Heartbeat((1, 0), MeterMode.HISTORIC, 3, 0, 0, 0, 0, 0)
    reassembler.feed(encode_heartbeat(reboot))
    assert _feed(reassembler, fragment(0, b"b")) == [b"b"]
    # A long gap (receiver off, or a reboot without heartbeat) resynchronises too.
    assert _feed(reassembler, fragment(40_000, b"c")) == [b"c"]
    assert reassembler.counters.resyncs == 2
    assert reassembler.counters.frames_lost == 0
    assert reassembler.counters.heartbeats == 2
    assert reassembler.heartbeat == reboot


def test_invalid_packets_are_counted() -> None:
    reassembler = Reassembler()
    assert reassembler.feed(b"\xff" * 32) is None
    assert reassembler.counters.packets_invalid == 1
    snapshot = reassembler.counters.copy()
    reassembler.feed(b"")
    assert snapshot.packets_invalid == 1
    assert reassembler.counters.packets_invalid == 2
