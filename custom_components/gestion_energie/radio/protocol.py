"""Wire format of TIC frames over 32-byte nRF24L01 packets (see docs/radio-protocol.md).

Pure code shared by the receiver (Home Assistant side) and the transmitter (by the meter).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
import struct
import zlib

VERSION = 1
MAX_PACKET = 32
FRAGMENT_HEADER = struct.Struct(">BHBB")  # version|type, frame sequence, index, count
FRAGMENT_DATA = MAX_PACKET - FRAGMENT_HEADER.size
CRC_SIZE = 4
MAX_FRAGMENTS = 255
MAX_FRAME = MAX_FRAGMENTS * FRAGMENT_DATA - CRC_SIZE
SEQUENCE_MODULO = 1 << 16

HEARTBEAT = struct.Struct(">BBBBIIIIIH")
"""version|type, software major, minor, TIC mode, uptime, frames read, frames sent,
frames abandoned, packet retries, serial errors."""


class PacketType(IntEnum):
    """Low nibble of a packet's first byte."""

    FRAGMENT = 1
    HEARTBEAT = 2


class MeterMode(IntEnum):
    """TIC mode the transmitter reads, as told by its serial speed."""

    UNKNOWN = 0
    HISTORIC = 1
    STANDARD = 2

    @classmethod
    def from_baudrate(cls, baudrate: int | None) -> MeterMode:
        """Historic mode runs at 1200 baud, standard mode at 9600."""
        return {1200: cls.HISTORIC, 9600: cls.STANDARD}.get(baudrate or 0, cls.UNKNOWN)


class PacketError(ValueError):
    """A packet that is not of this protocol (other version, type, or size)."""


@dataclass(frozen=True, slots=True)
class Fragment:
    """One piece of a frame; the last ones carry the frame's CRC-32."""

    sequence: int
    index: int
    count: int
    data: bytes


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """What the transmitter says about itself, every few seconds."""

    version: tuple[int, int]
    mode: MeterMode
    uptime: int
    frames_read: int
    frames_sent: int
    frames_abandoned: int
    packet_retries: int
    serial_errors: int


def _head(kind: PacketType) -> int:
    return VERSION << 4 | kind


def _u32(value: int) -> int:
    # Counters wrap rather than overflow the field, like the chip's own counters.
    return value & 0xFFFFFFFF


def encode_heartbeat(beat: Heartbeat) -> bytes:
    """Pack a heartbeat into one packet."""
    return HEARTBEAT.pack(
        _head(PacketType.HEARTBEAT),
        beat.version[0] & 0xFF,
        beat.version[1] & 0xFF,
        beat.mode,
        _u32(beat.uptime),
        _u32(beat.frames_read),
        _u32(beat.frames_sent),
        _u32(beat.frames_abandoned),
        _u32(beat.packet_retries),
        beat.serial_errors & 0xFFFF,
    )


def decode_packet(packet: bytes) -> Fragment | Heartbeat:
    """Parse one received packet, or raise PacketError."""
    if not packet:
        raise PacketError("empty packet")
    version, kind = packet[0] >> 4, packet[0] & 0x0F
    if version != VERSION:
        raise PacketError(f"protocol version {version}")
    if kind == PacketType.FRAGMENT:
        if not FRAGMENT_HEADER.size < len(packet) <= MAX_PACKET:
            raise PacketError(f"fragment of {len(packet)} bytes")
        _, sequence, index, count = FRAGMENT_HEADER.unpack_from(packet)
        if not index < count:
            raise PacketError(f"fragment {index} of {count}")
        return Fragment(sequence, index, count, bytes(packet[FRAGMENT_HEADER.size :]))
    if kind == PacketType.HEARTBEAT:
        if len(packet) != HEARTBEAT.size:
            raise PacketError(f"heartbeat of {len(packet)} bytes")
        _, major, minor, mode, *counters = HEARTBEAT.unpack(packet)
        tic_mode = MeterMode(mode) if mode in MeterMode else MeterMode.UNKNOWN
        return Heartbeat((major, minor), tic_mode, *counters)
    raise PacketError(f"packet type {kind}")


def fragment(sequence: int, frame: bytes) -> list[bytes]:
    """Cut a frame into packets: the frame then its CRC-32, in full-size pieces."""
    if not frame:
        raise ValueError("empty frame")
    if len(frame) > MAX_FRAME:
        raise ValueError(f"frame of {len(frame)} bytes, at most {MAX_FRAME}")
    body = frame + zlib.crc32(frame).to_bytes(CRC_SIZE, "big")
    count = -(-len(body) // FRAGMENT_DATA)
    sequence %= SEQUENCE_MODULO
    return [
        FRAGMENT_HEADER.pack(_head(PacketType.FRAGMENT), sequence, index, count)
        + body[index * FRAGMENT_DATA : (index + 1) * FRAGMENT_DATA]
        for index in range(count)
    ]


def check_frame(pieces: list[bytes]) -> bytes | None:
    """Join a frame's pieces; the frame if its CRC-32 matches, else None."""
    body = b"".join(pieces)
    if len(body) <= CRC_SIZE:
        return None
    frame, crc = body[:-CRC_SIZE], body[-CRC_SIZE:]
    return frame if zlib.crc32(frame).to_bytes(CRC_SIZE, "big") == crc else None


def sequence_delta(newer: int, older: int) -> int:
    """Signed distance between two sequence numbers, across the 16-bit wrap."""
    delta = (newer - older) % SEQUENCE_MODULO
    return delta - SEQUENCE_MODULO if delta >= SEQUENCE_MODULO // 2 else delta
