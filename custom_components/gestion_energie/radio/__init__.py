"""TIC frames over nRF24L01 packets: framing, fragmenting and reassembly.

Pure protocol code, shared by the receiver in Home Assistant and the transmitter by the
meter. No Home Assistant and no pyrf24 import here.
"""

from .protocol import (
    FRAGMENT_DATA,
    MAX_FRAME,
    MAX_PACKET,
    VERSION,
    Fragment,
    Heartbeat,
    MeterMode,
    PacketError,
    PacketType,
    decode_packet,
    encode_heartbeat,
    fragment,
)
from .reassembly import LinkCounters, Reassembler

__all__ = [
    "FRAGMENT_DATA",
    "MAX_FRAME",
    "MAX_PACKET",
    "VERSION",
    "Fragment",
    "Heartbeat",
    "LinkCounters",
    "MeterMode",
    "PacketError",
    "PacketType",
    "Reassembler",
    "decode_packet",
    "encode_heartbeat",
    "fragment",
]
