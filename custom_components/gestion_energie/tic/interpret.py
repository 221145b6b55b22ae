"""Decoded structures: STGE, RELAIS, PPOT, OPTARIF, PTEC, DEMAIN, PJOURF+1 and PPOINTE.

Each function takes the raw data of a verified group and raises `ValueError` on a value the
spec does not define, rather than guess; except STGE, a register of independent fields: a
field with a reserved code is None (unknown) and the others stay readable.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import time
from enum import IntEnum, StrEnum


class CutoffSwitch(IntEnum):
    """State of the meter's cut-off switch (STGE bits 1-3)."""

    CLOSED = 0
    OPEN_OVERPOWER = 1
    OPEN_OVERVOLTAGE = 2
    OPEN_LOAD_SHEDDING = 3
    OPEN_REMOTE_ORDER = 4  # CPL or Euridis order
    OPEN_OVERHEAT_ABOVE_MAX_CURRENT = 5
    OPEN_OVERHEAT_BELOW_MAX_CURRENT = 6


class EuridisState(IntEnum):
    """Euridis output (STGE bits 19-20)."""

    DISABLED = 0b00
    ENABLED_WITHOUT_SECURITY = 0b01
    ENABLED_WITH_SECURITY = 0b11


class CplState(IntEnum):
    """Power-line carrier state (STGE bits 21-22)."""

    NEW_UNLOCK = 0b00
    NEW_LOCK = 0b01
    REGISTERED = 0b10


class TempoColour(IntEnum):
    """Tempo day colour; NONE means not announced (or not a Tempo contract)."""

    NONE = 0
    BLUE = 1
    WHITE = 2
    RED = 3


@dataclass(frozen=True, slots=True)
class Stge:
    """The status register (54E §6.2.3.14), field by field; None: a code the spec reserves."""

    dry_contact_open: bool
    cutoff_switch: CutoffSwitch | None
    cover_open: bool  # distributor terminal cover
    overvoltage: bool
    reference_power_exceeded: bool
    producer: bool
    negative_active_energy: bool
    supplier_index: int | None  # 1-10, the supplier tariff index energy goes to
    distributor_index: int  # 1-4
    clock_degraded: bool
    standard_mode: bool
    euridis: EuridisState | None
    cpl: CplState | None
    cpl_synchronised: bool
    tempo_today: TempoColour
    tempo_tomorrow: TempoColour
    mobile_peak_notice: int  # 0 none, else the mobile peak (1-3) announced
    mobile_peak: int  # 0 none, else the mobile peak (1-3) in progress

    def unknown_fields(self) -> list[str]:
        """The fields whose code the spec reserves."""
        return [field.name for field in fields(self) if getattr(self, field.name) is None]


def _bits(value: int, first: int, count: int = 1) -> int:
    return (value >> first) & ((1 << count) - 1)


def _defined[Code: IntEnum](codes: type[Code], value: int) -> Code | None:
    """The member of `codes` for `value`; None for a reserved code."""
    try:
        return codes(value)
    except ValueError:
        return None


def decode_stge(raw: str) -> Stge:
    """Decode STGE, 8 hexadecimal characters, most significant first."""
    value = int(raw, 16)
    supplier = _bits(value, 10, 4)
    return Stge(
        dry_contact_open=bool(_bits(value, 0)),
        cutoff_switch=_defined(CutoffSwitch, _bits(value, 1, 3)),
        cover_open=bool(_bits(value, 4)),
        overvoltage=bool(_bits(value, 6)),
        reference_power_exceeded=bool(_bits(value, 7)),
        producer=bool(_bits(value, 8)),
        negative_active_energy=bool(_bits(value, 9)),
        supplier_index=supplier + 1 if supplier <= 9 else None,
        distributor_index=_bits(value, 14, 2) + 1,
        clock_degraded=bool(_bits(value, 16)),
        standard_mode=bool(_bits(value, 17)),
        euridis=_defined(EuridisState, _bits(value, 19, 2)),
        cpl=_defined(CplState, _bits(value, 21, 2)),
        cpl_synchronised=bool(_bits(value, 23)),
        tempo_today=TempoColour(_bits(value, 24, 2)),
        tempo_tomorrow=TempoColour(_bits(value, 26, 2)),
        mobile_peak_notice=_bits(value, 28, 2),
        mobile_peak=_bits(value, 30, 2),
    )


def decode_relais(raw: str) -> tuple[bool, ...]:
    """RELAIS (54E §6.2.3.19): closed state of relays 1 (the real one) to 8 (virtual)."""
    value = int(raw)
    if not 0 <= value <= 255:
        msg = f"RELAIS {raw}: not a byte"
        raise ValueError(msg)
    return tuple(bool(value >> bit & 1) for bit in range(8))


def decode_ppot(raw: str) -> tuple[bool, bool, bool]:
    """PPOT (02E §2.5.5): presence of the potential on phases 1, 2, 3 (bit n set = absent)."""
    value = int(raw, 16)
    if value & ~0b1110:
        msg = f"PPOT {raw}: reserved bits set"
        raise ValueError(msg)
    return (not value & 0b0010, not value & 0b0100, not value & 0b1000)


class Contract(StrEnum):
    """Historic-mode tariff option (OPTARIF)."""

    BASE = "base"
    OFF_PEAK = "off_peak"  # Heures Creuses
    EJP = "ejp"
    TEMPO = "tempo"


@dataclass(frozen=True, slots=True)
class TariffOption:
    """OPTARIF: the contract and, for Tempo, the auxiliary contacts' programmes."""

    contract: Contract
    circuit_1_programme: str | None = None  # "A", "B" or "C" (None: not programmed)
    circuit_2_programme: int | None = None  # P0 to P7


_OPTARIF = {"BASE": Contract.BASE, "HC..": Contract.OFF_PEAK, "EJP.": Contract.EJP}


def decode_optarif(raw: str) -> TariffOption:
    """Decode OPTARIF: BASE, HC.., EJP. or BBRx (x codes the contact programmes, 02E §2.3)."""
    if raw in _OPTARIF:
        return TariffOption(_OPTARIF[raw])
    if len(raw) != 4 or not raw.startswith("BBR") or not 0x20 <= ord(raw[3]) <= 0x3F:
        msg = f"OPTARIF {raw!r} undefined"
        raise ValueError(msg)
    code = ord(raw[3])
    circuit_1 = (None, "A", "B", "C")[_bits(code, 3, 2)]
    return TariffOption(Contract.TEMPO, circuit_1, _bits(code, 0, 3))


class Period(StrEnum):
    """Kind of hours of the current tariff period."""

    ALL_HOURS = "all_hours"
    OFF_PEAK = "off_peak"  # heures creuses
    PEAK = "peak"  # heures pleines
    NORMAL = "normal"  # EJP heures normales
    MOBILE_PEAK = "mobile_peak"  # EJP pointe mobile


@dataclass(frozen=True, slots=True)
class TariffPeriod:
    """PTEC: the hours in effect and, for Tempo, today's colour."""

    period: Period
    tempo_colour: TempoColour | None = None


_PERIODS = {
    "TH": Period.ALL_HOURS,
    "HC": Period.OFF_PEAK,
    "HP": Period.PEAK,
    "HN": Period.NORMAL,
    "PM": Period.MOBILE_PEAK,
}
_COLOUR_LETTERS = {"B": TempoColour.BLUE, "W": TempoColour.WHITE, "R": TempoColour.RED}


def decode_ptec(raw: str) -> TariffPeriod:
    """Decode PTEC: TH.., HC.., HP.., HN.., PM.. or HCJx/HPJx for Tempo (x = B, W, R)."""
    period = _PERIODS.get(raw[:2])
    if period is not None and raw[2:] == "..":
        return TariffPeriod(period)
    if raw[:2] in {"HC", "HP"} and raw[2:3] == "J" and raw[3:] in _COLOUR_LETTERS:
        return TariffPeriod(_PERIODS[raw[:2]], _COLOUR_LETTERS[raw[3:]])
    msg = f"PTEC {raw!r} undefined"
    raise ValueError(msg)


_DEMAIN = {
    "----": TempoColour.NONE,
    "BLEU": TempoColour.BLUE,
    "BLAN": TempoColour.WHITE,
    "ROUG": TempoColour.RED,
}


def decode_demain(raw: str) -> TempoColour:
    """Decode DEMAIN, tomorrow's Tempo colour (---- when not known yet)."""
    try:
        return _DEMAIN[raw]
    except KeyError:
        msg = f"DEMAIN {raw!r} undefined"
        raise ValueError(msg) from None


class DryContactAction(IntEnum):
    """What a switching block does to the dry contact (bits 15-14)."""

    NONE = 0b00
    TEMPO_CONFIGURED = 0b01  # Tempo contract: set by the Tempo dry-contact configuration
    OPEN = 0b10
    CLOSE = 0b11


@dataclass(frozen=True, slots=True)
class SwitchingBlock:
    """One slot of a day profile: from `start`, these actions apply."""

    start: time
    supplier_index: int | None  # 1-10, None: the tariff index is left unchanged
    dry_contact: DryContactAction
    virtual_contacts: tuple[bool, ...]  # contacts 1 to 7, True = closed


def decode_day_profile(raw: str) -> list[SwitchingBlock]:
    """Decode PJOURF+1 or PPOINTE (54E §6.2.3.22): the used blocks, NONUTILE ones left out."""
    blocks: list[SwitchingBlock] = []
    for block in raw.split(" "):
        if block == "NONUTILE":
            continue
        if len(block) != 8 or not block[:4].isdigit():
            msg = f"day profile block {block!r} undefined"
            raise ValueError(msg)
        action = int(block[4:], 16)
        index = _bits(action, 0, 4)
        blocks.append(
            SwitchingBlock(
                start=time(int(block[:2]), int(block[2:4])),
                supplier_index=index if 1 <= index <= 10 else None,
                dry_contact=DryContactAction(_bits(action, 14, 2)),
                virtual_contacts=tuple(bool(_bits(action, bit)) for bit in range(4, 11)),
            )
        )
    return blocks
