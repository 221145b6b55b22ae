"""The packet format: fragments, heartbeats, and what is rejected."""

from __future__ import annotations

from hypothesis import given, strategies as st
import pytest

from custom_components.gestion_energie.radio import (
    FRAGMENT_DATA,
    MAX_FRAME,
    MAX_PACKET,
    Fragment,
    Heartbeat,
    MeterMode,
    PacketError,
    decode_packet,
    encode_heartbeat,
    fragment,
)
from custom_components.gestion_energie.radio.protocol import check_frame, sequence_delta


def test_fragment_sizes_and_header() -> None:
    frame = bytes(range(60))
    packets = fragment(0x1234, frame)
    # 60 bytes + 4 of CRC = 64 = 27 + 27 + 10
    assert [len(p) for p in packets] == [32, 32, 15]
    assert packets[0][:5] == bytes([0x11, 0x12, 0x34, 0, 3])
    decoded = [decode_packet(p) for p in packets]
    assert decoded[2] == Fragment(0x1234, 2, 3, packets[2][5:])


@given(st.binary(min_size=1, max_size=2000), st.integers(0, 1 << 20))
def test_fragments_rebuild_the_frame(frame: bytes, sequence: int) -> None:
    packets = fragment(sequence, frame)
    assert all(len(p) <= MAX_PACKET for p in packets)
    pieces = []
    for packet in packets:
        decoded = decode_packet(packet)
        assert isinstance(decoded, Fragment)
        assert decoded.sequence == sequence % 65536
        pieces.append(decoded.data)
    assert check_frame(pieces) == frame


def test_crc_catches_a_changed_byte() -> None:
    pieces = [decode_packet(p).data for p in fragment(1, b"\x02\nADCO 123 X\r\x03")]  # type: ignore[union-attr]
    pieces[0] = bytes([pieces[0][0] ^ 1]) + pieces[0][1:]
    assert check_frame(pieces) is None
    assert check_frame([b"abc"]) is None


def test_frame_limits() -> None:
    assert len(fragment(0, bytes(MAX_FRAME))) == 255
    with pytest.raises(ValueError, match="at most"):
        fragment(0, bytes(MAX_FRAME + 1))
    with pytest.raises(ValueError, match="empty"):
        fragment(0, b"")
    assert FRAGMENT_DATA == 27


def test_heartbeat_round_trip() -> None:
    beat = Heartbeat((1, 2), MeterMode.STANDARD, 3600, 10, 9, 1, 42, 3)
    packet = encode_heartbeat(beat)
    assert len(packet) <= MAX_PACKET
    assert decode_packet(packet) == beat


def test_heartbeat_counters_wrap_and_unknown_mode() -> None:
    beat = Heartbeat((1, 0), MeterMode.HISTORIC, 1 << 32, 0, 0, 0, 0, 1 << 16)
    decoded = decode_packet(encode_heartbeat(beat))
    assert isinstance(decoded, Heartbeat)
    assert decoded.uptime == 0
    assert decoded.serial_errors == 0
    packet = bytearray(encode_heartbeat(beat))
    packet[3] = 9
    decoded = decode_packet(bytes(packet))
    assert isinstance(decoded, Heartbeat)
    assert decoded.mode is MeterMode.UNKNOWN


@pytest.mark.parametrize(
    ("packet", "reason"),
    [
        (b"", "empty"),
        (b"\x21" + bytes(25), "version"),
        (b"\x13" + bytes(10), "type 3"),
        (b"\x11\x00\x01\x00\x01", "fragment of 5"),
        (b"\x11\x00\x01\x00\x01" + bytes(28), "fragment of 33"),
        (b"\x11\x00\x01\x02\x02x", "fragment 2 of 2"),
        (b"\x12" + bytes(10), "heartbeat of 11"),
    ],
)
def test_rejected_packets(packet: bytes, reason: str) -> None:
    with pytest.raises(PacketError, match=reason):
        decode_packet(packet)


def test_modes_from_speed() -> None:
    assert MeterMode.from_baudrate(1200) is MeterMode.HISTORIC
    assert MeterMode.from_baudrate(9600) is MeterMode.STANDARD
    assert MeterMode.from_baudrate(None) is MeterMode.UNKNOWN


def test_sequence_delta_wraps() -> None:
    assert sequence_delta(0, 65535) == 1
    assert sequence_delta(65535, 0) == -1
    assert sequence_delta(100, 90) == 10
