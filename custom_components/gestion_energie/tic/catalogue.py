"""Every label of the historic (ERDF-NOI-CPT_02E) and standard (Enedis-NOI-CPT_54E) TIC.

The catalogue is data: one frozen `LabelSpec` per label, with the exact format of its data (the
decoder rejects a group whose data does not match it), its unit and what it means. Higher layers
choose device classes and units from it; they never hard-code a label's meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
import re


class TicMode(StrEnum):
    """The two TIC modes of a Linky meter."""

    HISTORIC = "historic"
    STANDARD = "standard"


class ValueKind(StrEnum):
    """How a label's data is converted by `parse_value`."""

    INTEGER = "integer"  # decimal digits -> int
    HEX = "hex"  # hexadecimal register -> int (STGE, PPOT)
    TEXT = "text"  # -> str, trimmed for display
    EMPTY = "empty"  # no data, the value is the horodate (DATE)


class Quantity(StrEnum):
    """The physical quantity of a numeric label, for choosing a sensor's class."""

    ENERGY = "energy"  # Wh index, total increasing
    REACTIVE_ENERGY = "reactive_energy"  # VArh index, total increasing
    CURRENT = "current"
    VOLTAGE = "voltage"
    APPARENT_POWER = "apparent_power"
    ACTIVE_POWER = "active_power"
    DURATION = "duration"


# Horodate SAAMMJJhhmmss (54E §6.2.1.1); ranges are checked so a corrupted date never passes.
_DATE_TIME = (
    r"[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"  # year, month, day
    r"(?:[01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]"  # hour, minute, second
)
HORODATE_PATTERN = re.compile(f"[HEhe]{_DATE_TIME}")
# DPMx/FPMx carry no season: a space instead (54E §6.2.1.1).
HORODATE_NO_SEASON_PATTERN = re.compile(f" {_DATE_TIME}")

_DIGITS = "0-9"
_PRINTABLE = " -~"
_ALNUM = "0-9A-Z"
_HEX = "0-9A-F"
# PJOURF+1 / PPOINTE: 11 blocks HHMMSSSS (SSSS in hex) or NONUTILE, separated by spaces (§6.2.3.22).
_BLOCK = f"(?:(?:[01][0-9]|2[0-3])[0-5][0-9][{_HEX}]{{4}}|NONUTILE)"
_PROFILE = f"{_BLOCK}(?: {_BLOCK}){{10}}"


def _fixed(width: int, charset: str) -> str:
    return f"[{charset}]{{{width}}}"


def _free_text(width: int) -> str:
    """Free text (NGTF, LTARF, MSG1, MSG2): printable, at most `width` characters.

    Some arrive shorter than the spec's width (a producer meter's NGTF is `PRODUCTEUR`), and
    trailing spaces trimmed on the way leave the checksum right when they go by pairs
    (2 x 0x20 = 64): the checksum guards them. Every other label keeps its exact width.
    """
    return f"[{_PRINTABLE}]{{1,{width}}}"


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelSpec:
    """What a label carries and the exact format of its data."""

    label: str
    mode: TicMode
    width: int  # number of characters of the data, as in the spec tables
    format: str  # regular expression the whole data must match
    kind: ValueKind
    name_en: str
    name_fr: str
    unit: str | None = None
    quantity: Quantity | None = None
    horodate: bool = False  # the group carries a horodate (standard mode only)
    phase: int | None = None  # 1, 2 or 3 when the value is for one phase
    three_phase_only: bool = False
    single_phase_only: bool = False
    producer_only: bool = False
    timestamped_maximum: bool = False  # a daily maximum, its horodate says when it was reached
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Compile the data format once."""
        object.__setattr__(self, "pattern", re.compile(self.format))

    @property
    def total_increasing(self) -> bool:
        """True for an energy index (only ever grows, except a meter reset)."""
        return self.quantity in {Quantity.ENERGY, Quantity.REACTIVE_ENERGY}

    def horodate_pattern(self) -> re.Pattern[str]:
        """Return the format of this label's horodate."""
        return HORODATE_NO_SEASON_PATTERN if self.label[:3] in {"DPM", "FPM"} else HORODATE_PATTERN


def _spec(
    mode: TicMode,
    label: str,
    width: int,
    en: str,
    fr: str,
    *,
    fmt: str | None = None,
    charset: str = _DIGITS,
    kind: ValueKind = ValueKind.INTEGER,
    measure: tuple[str, Quantity] | None = None,
    horodate: bool = False,
    phase: int | None = None,
    three: bool = False,
    single: bool = False,
    producer: bool = False,
    maximum: bool = False,
) -> LabelSpec:
    """One label; the format defaults to `width` characters of `charset` (DATE's is empty)."""
    return LabelSpec(
        label=label,
        mode=mode,
        width=width,
        format=fmt if fmt is not None else _fixed(width, charset),
        kind=kind,
        name_en=en,
        name_fr=fr,
        unit=measure and measure[0],
        quantity=measure and measure[1],
        horodate=horodate,
        phase=phase,
        three_phase_only=three,
        single_phase_only=single,
        producer_only=producer,
        timestamped_maximum=maximum,
    )


_historic = partial(_spec, TicMode.HISTORIC)
_standard = partial(_spec, TicMode.STANDARD)


_ENERGY = ("Wh", Quantity.ENERGY)
_REACTIVE = ("VArh", Quantity.REACTIVE_ENERGY)
_AMPS = ("A", Quantity.CURRENT)
_VOLTS = ("V", Quantity.VOLTAGE)
_VA = ("VA", Quantity.APPARENT_POWER)
_KVA = ("kVA", Quantity.APPARENT_POWER)
_WATTS = ("W", Quantity.ACTIVE_POWER)

_TEMPO_INDEXES = {
    "BBRHCJB": ("Tempo blue days, off-peak hours", "Tempo jours bleus, heures creuses"),
    "BBRHPJB": ("Tempo blue days, peak hours", "Tempo jours bleus, heures pleines"),
    "BBRHCJW": ("Tempo white days, off-peak hours", "Tempo jours blancs, heures creuses"),
    "BBRHPJW": ("Tempo white days, peak hours", "Tempo jours blancs, heures pleines"),
    "BBRHCJR": ("Tempo red days, off-peak hours", "Tempo jours rouges, heures creuses"),
    "BBRHPJR": ("Tempo red days, peak hours", "Tempo jours rouges, heures pleines"),
}
_PHASE_EN = {1: "phase 1", 2: "phase 2", 3: "phase 3"}

_HISTORIC: list[LabelSpec] = [
    _historic("ADCO", 12, "Meter address", "Adresse du compteur", kind=ValueKind.TEXT),
    _historic(
        "OPTARIF",
        4,
        "Tariff option",
        "Option tarifaire choisie",
        # BBRx: x holds the auxiliary-contact programmes, bit 6 = 0 and bit 5 = 1 (02E §2.3).
        fmt=r"BASE|HC\.\.|EJP\.|BBR[ -?]",
        kind=ValueKind.TEXT,
    ),
    _historic("ISOUSC", 2, "Subscribed current", "Intensité souscrite", measure=_AMPS),
    _historic("BASE", 9, "Base index", "Index option Base", measure=_ENERGY),
    _historic("HCHC", 9, "Off-peak hours index", "Index heures creuses", measure=_ENERGY),
    _historic("HCHP", 9, "Peak hours index", "Index heures pleines", measure=_ENERGY),
    _historic("EJPHN", 9, "EJP normal hours index", "Index EJP heures normales", measure=_ENERGY),
    _historic(
        "EJPHPM",
        9,
        "EJP mobile peak hours index",
        "Index EJP heures de pointe mobile",
        measure=_ENERGY,
    ),
    *(
        _historic(label, 9, f"{en} index", f"Index {fr}", measure=_ENERGY)
        for label, (en, fr) in _TEMPO_INDEXES.items()
    ),
    _historic(
        "PEJP",
        2,
        "EJP start notice",
        "Préavis début EJP",
        measure=("min", Quantity.DURATION),
    ),
    _historic(
        "PTEC",
        4,
        "Current tariff period",
        "Période tarifaire en cours",
        fmt=r"TH\.\.|HC\.\.|HP\.\.|HN\.\.|PM\.\.|HC(?:JB|JW|JR)|HP(?:JB|JW|JR)",
        kind=ValueKind.TEXT,
    ),
    _historic(
        "DEMAIN",
        4,
        "Tomorrow's Tempo colour",
        "Couleur du lendemain",
        fmt=r"----|BLEU|BLAN|ROUG",
        kind=ValueKind.TEXT,
    ),
    _historic("IINST", 3, "Current", "Intensité instantanée", single=True, measure=_AMPS),
    *(
        _historic(
            f"IINST{n}",
            3,
            f"Current {_PHASE_EN[n]}",
            f"Intensité instantanée phase {n}",
            phase=n,
            three=True,
            measure=_AMPS,
        )
        for n in (1, 2, 3)
    ),
    _historic(
        "ADPS",
        3,
        "Subscribed power exceeded warning",
        "Avertissement de dépassement de puissance souscrite",
        single=True,
        measure=_AMPS,
    ),
    *(
        _historic(
            f"ADIR{n}",
            3,
            f"Setting current exceeded warning {_PHASE_EN[n]}",
            f"Avertissement de dépassement d'intensité de réglage phase {n}",
            phase=n,
            three=True,
            measure=_AMPS,
        )
        for n in (1, 2, 3)
    ),
    _historic(
        "IMAX", 3, "Maximum current", "Intensité maximale appelée", single=True, measure=_AMPS
    ),
    *(
        _historic(
            f"IMAX{n}",
            3,
            f"Maximum current {_PHASE_EN[n]}",
            f"Intensité maximale phase {n}",
            phase=n,
            three=True,
            measure=_AMPS,
        )
        for n in (1, 2, 3)
    ),
    _historic(
        "PMAX",
        5,
        "Maximum three-phase power",
        "Puissance maximale triphasée atteinte",
        three=True,
        measure=_WATTS,
    ),
    _historic("PAPP", 5, "Apparent power", "Puissance apparente", measure=_VA),
    _historic(
        "HHPHC",
        1,
        "Peak/off-peak hours schedule",
        "Horaire heures pleines heures creuses",
        fmt="[ACDEY]",
        kind=ValueKind.TEXT,
    ),
    _historic(
        "MOTDETAT",
        6,
        "Meter status word",
        "Mot d'état du compteur",
        charset=_ALNUM,
        kind=ValueKind.TEXT,
    ),
    _historic(
        "PPOT",
        2,
        "Phase potentials",
        "Présence des potentiels",
        # Bit 0 and bits 4-7 are always 0 (02E §2.5.5).
        fmt="0[02468ACE]",
        kind=ValueKind.HEX,
        three=True,
    ),
]

_STANDARD: list[LabelSpec] = [
    _standard(
        "ADSC",
        12,
        "Meter secondary address",
        "Adresse secondaire du compteur",
        kind=ValueKind.TEXT,
    ),
    _standard("VTIC", 2, "TIC version", "Version de la TIC", kind=ValueKind.TEXT),
    _standard(
        "DATE",
        0,
        "Current date and time",
        "Date et heure courante",
        fmt="",
        kind=ValueKind.EMPTY,
        horodate=True,
    ),
    _standard(
        "NGTF",
        16,
        "Supplier tariff calendar name",
        "Nom du calendrier tarifaire fournisseur",
        fmt=_free_text(16),
        kind=ValueKind.TEXT,
    ),
    _standard(
        "LTARF",
        16,
        "Current supplier tariff label",
        "Libellé tarif fournisseur en cours",
        fmt=_free_text(16),
        kind=ValueKind.TEXT,
    ),
    _standard(
        "EAST", 9, "Total active energy drawn", "Énergie active soutirée totale", measure=_ENERGY
    ),
    *(
        _standard(
            f"EASF{n:02}",
            9,
            f"Active energy drawn, supplier index {n}",
            f"Énergie active soutirée fournisseur, index {n:02}",
            measure=_ENERGY,
        )
        for n in range(1, 11)
    ),
    *(
        _standard(
            f"EASD{n:02}",
            9,
            f"Active energy drawn, distributor index {n}",
            f"Énergie active soutirée distributeur, index {n:02}",
            measure=_ENERGY,
        )
        for n in range(1, 5)
    ),
    _standard(
        "EAIT",
        9,
        "Total active energy injected",
        "Énergie active injectée totale",
        producer=True,
        measure=_ENERGY,
    ),
    *(
        _standard(
            f"ERQ{n}",
            9,
            f"Total reactive energy Q{n}",
            f"Énergie réactive Q{n} totale",
            producer=True,
            measure=_REACTIVE,
        )
        for n in range(1, 5)
    ),
    *(
        _standard(
            f"IRMS{n}",
            3,
            f"RMS current {_PHASE_EN[n]}",
            f"Courant efficace phase {n}",
            phase=n,
            three=n > 1,
            measure=_AMPS,
        )
        for n in (1, 2, 3)
    ),
    *(
        _standard(
            f"URMS{n}",
            3,
            f"RMS voltage {_PHASE_EN[n]}",
            f"Tension efficace phase {n}",
            phase=n,
            three=n > 1,
            measure=_VOLTS,
        )
        for n in (1, 2, 3)
    ),
    _standard(
        "PREF", 2, "Reference apparent power", "Puissance apparente de référence", measure=_KVA
    ),
    _standard("PCOUP", 2, "Cut-off apparent power", "Puissance apparente de coupure", measure=_KVA),
    _standard(
        "SINSTS", 5, "Apparent power drawn", "Puissance apparente instantanée soutirée", measure=_VA
    ),
    *(
        _standard(
            f"SINSTS{n}",
            5,
            f"Apparent power drawn {_PHASE_EN[n]}",
            f"Puissance apparente instantanée soutirée phase {n}",
            phase=n,
            three=True,
            measure=_VA,
        )
        for n in (1, 2, 3)
    ),
    _standard(
        "SMAXSN",
        5,
        "Maximum apparent power drawn today",
        "Puissance apparente max. soutirée n",
        horodate=True,
        maximum=True,
        measure=_VA,
    ),
    *(
        _standard(
            f"SMAXSN{n}",
            5,
            f"Maximum apparent power drawn today {_PHASE_EN[n]}",
            f"Puissance apparente max. soutirée n phase {n}",
            horodate=True,
            maximum=True,
            phase=n,
            three=True,
            measure=_VA,
        )
        for n in (1, 2, 3)
    ),
    _standard(
        "SMAXSN-1",
        5,
        "Maximum apparent power drawn yesterday",
        "Puissance apparente max. soutirée n-1",
        horodate=True,
        maximum=True,
        measure=_VA,
    ),
    *(
        _standard(
            f"SMAXSN{n}-1",
            5,
            f"Maximum apparent power drawn yesterday {_PHASE_EN[n]}",
            f"Puissance apparente max. soutirée n-1 phase {n}",
            horodate=True,
            maximum=True,
            phase=n,
            three=True,
            measure=_VA,
        )
        for n in (1, 2, 3)
    ),
    _standard(
        "SINSTI",
        5,
        "Apparent power injected",
        "Puissance apparente instantanée injectée",
        producer=True,
        measure=_VA,
    ),
    _standard(
        "SMAXIN",
        5,
        "Maximum apparent power injected today",
        "Puissance apparente max. injectée n",
        horodate=True,
        maximum=True,
        producer=True,
        measure=_VA,
    ),
    _standard(
        "SMAXIN-1",
        5,
        "Maximum apparent power injected yesterday",
        "Puissance apparente max. injectée n-1",
        horodate=True,
        maximum=True,
        producer=True,
        measure=_VA,
    ),
    _standard(
        "CCASN",
        5,
        "Active power drawn, last load-curve point",
        "Point n de la courbe de charge active soutirée",
        horodate=True,
        measure=_WATTS,
    ),
    _standard(
        "CCASN-1",
        5,
        "Active power drawn, previous load-curve point",
        "Point n-1 de la courbe de charge active soutirée",
        horodate=True,
        measure=_WATTS,
    ),
    _standard(
        "CCAIN",
        5,
        "Active power injected, last load-curve point",
        "Point n de la courbe de charge active injectée",
        horodate=True,
        producer=True,
        measure=_WATTS,
    ),
    _standard(
        "CCAIN-1",
        5,
        "Active power injected, previous load-curve point",
        "Point n-1 de la courbe de charge active injectée",
        horodate=True,
        producer=True,
        measure=_WATTS,
    ),
    *(
        _standard(
            f"UMOY{n}",
            3,
            f"Average voltage {_PHASE_EN[n]}",
            f"Tension moyenne phase {n}",
            horodate=True,
            phase=n,
            three=n > 1,
            measure=_VOLTS,
        )
        for n in (1, 2, 3)
    ),
    _standard(
        "STGE", 8, "Status register", "Registre de statuts", charset=_HEX, kind=ValueKind.HEX
    ),
    *(
        spec
        for n in (1, 2, 3)
        for spec in (
            _standard(
                f"DPM{n}",
                2,
                f"Mobile peak {n} start",
                f"Début pointe mobile {n}",
                horodate=True,
                kind=ValueKind.INTEGER,
            ),
            _standard(
                f"FPM{n}",
                2,
                f"Mobile peak {n} end",
                f"Fin pointe mobile {n}",
                horodate=True,
                kind=ValueKind.INTEGER,
            ),
        )
    ),
    _standard(
        "MSG1", 32, "Short message", "Message court", fmt=_free_text(32), kind=ValueKind.TEXT
    ),
    _standard(
        "MSG2",
        16,
        "Ultra-short message",
        "Message ultra court",
        fmt=_free_text(16),
        kind=ValueKind.TEXT,
    ),
    _standard("PRM", 14, "Delivery point (PRM)", "PRM", kind=ValueKind.TEXT),
    _standard(
        "RELAIS",
        3,
        "Relays",
        "Relais",
        # 8 relays as a decimal byte (§6.2.3.19): 000 to 255.
        fmt="[01][0-9]{2}|2[0-4][0-9]|25[0-5]",
    ),
    _standard(
        "NTARF",
        2,
        "Current supplier tariff index",
        "Numéro de l'index tarifaire en cours",
        fmt="0[1-9]|10",
    ),
    _standard(
        "NJOURF",
        2,
        "Supplier calendar day number",
        "Numéro du jour en cours calendrier fournisseur",
    ),
    _standard(
        "NJOURF+1",
        2,
        "Supplier calendar next day number",
        "Numéro du prochain jour calendrier fournisseur",
    ),
    _standard(
        "PJOURF+1",
        98,
        "Supplier calendar next day profile",
        "Profil du prochain jour calendrier fournisseur",
        fmt=_PROFILE,
        kind=ValueKind.TEXT,
    ),
    _standard(
        "PPOINTE",
        98,
        "Next peak day profile",
        "Profil du prochain jour de pointe",
        fmt=_PROFILE,
        kind=ValueKind.TEXT,
    ),
]

CATALOGUE: dict[str, LabelSpec] = {spec.label: spec for spec in (*_HISTORIC, *_STANDARD)}
# The active energy indexes, every mode and contract (the Energy dashboard's).
ENERGY_INDEX_LABELS = frozenset(
    spec.label
    for spec in CATALOGUE.values()
    if spec.total_increasing and spec.quantity is Quantity.ENERGY
)
# Messages for the meter's display of 16-character lines: the spaces that pad each line are
# no part of the text ("PAS DE          MESSAGE" is "PAS DE MESSAGE").
_MESSAGES = frozenset({"MSG1", "MSG2"})


def parse_value(label: str, data: str) -> int | str | None:
    """Convert a group's raw data to its typed value; text is trimmed for display.

    Raises `KeyError` for a label outside the catalogue and `ValueError` for data that does not
    fit the label's format (the decoder never hands out such data).
    """
    spec = CATALOGUE[label]
    if spec.pattern.fullmatch(data) is None:
        msg = f"{label}: {data!r} does not match {spec.format!r}"
        raise ValueError(msg)
    match spec.kind:
        case ValueKind.INTEGER:
            return int(data)
        case ValueKind.HEX:
            return int(data, 16)
        case ValueKind.TEXT:
            return " ".join(data.split()) if label in _MESSAGES else data.strip()
    return None  # ValueKind.EMPTY: the value is the horodate
