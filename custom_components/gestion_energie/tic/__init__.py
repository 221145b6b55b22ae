"""TIC (télé-information client) of French electricity meters: decoding and interpretation.

Pure Python, standard library only: no Home Assistant import anywhere in this package.
"""

from .catalogue import (
    CATALOGUE,
    ENERGY_INDEX_LABELS,
    LabelSpec,
    Quantity,
    TicMode,
    ValueKind,
    parse_value,
)
from .cutoff import CutoffModel
from .decoder import (
    MAX_FRAME_BYTES,
    DecoderStats,
    Frame,
    Group,
    TicDecoder,
    checksum,
    encode_frame,
    encode_group,
    parse_group,
)
from .horodate import PARIS, Horodate, format_horodate, parse_horodate

__all__ = [
    "CATALOGUE",
    "ENERGY_INDEX_LABELS",
    "MAX_FRAME_BYTES",
    "PARIS",
    "CutoffModel",
    "DecoderStats",
    "Frame",
    "Group",
    "Horodate",
    "LabelSpec",
    "Quantity",
    "TicDecoder",
    "TicMode",
    "ValueKind",
    "checksum",
    "encode_frame",
    "encode_group",
    "format_horodate",
    "parse_group",
    "parse_horodate",
    "parse_value",
]
