"""What each energy index counts: its tariff period, as far as the meter tells.

Historic mode names its indexes after their periods (HCHC, BBRHPJR...). Standard mode numbers
the supplier's indexes (EASF01 to EASF10): its calendar's name (NGTF) and the label of the
running index (LTARF, for index NTARF only) tell what they count. Well-known calendars give
every index's period from the start; the labels of the others are learnt by `MeterModel` as the
meter moves through their periods. The distributor's indexes (EASD01-04) are named nowhere.
Pure: no Home Assistant.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..tic.interpret import Period, TariffPeriod, TempoColour, decode_ptec

# Words of suppliers' labels (LTARF, NGTF) and what they mean.
_PERIOD_WORDS = {
    "BASE": Period.ALL_HOURS,
    "CREUSE": Period.OFF_PEAK,
    "CREUSES": Period.OFF_PEAK,
    "HC": Period.OFF_PEAK,
    "PLEINE": Period.PEAK,
    "PLEINES": Period.PEAK,
    "HP": Period.PEAK,
    "NORMALE": Period.NORMAL,
    "NORMALES": Period.NORMAL,
    "POINTE": Period.MOBILE_PEAK,
}
_COLOUR_WORDS = {
    "BLEU": TempoColour.BLUE,
    "BLEUS": TempoColour.BLUE,
    "BLANC": TempoColour.WHITE,
    "BLANCS": TempoColour.WHITE,
    "BLAN": TempoColour.WHITE,  # Tempo colours as DEMAIN spells them
    "ROUGE": TempoColour.RED,
    "ROUGES": TempoColour.RED,
    "ROUG": TempoColour.RED,
}
_FILLER_WORDS = frozenset({"H", "HEURE", "HEURES", "J", "JOUR", "JOURS"})

# Tempo's indexes as EDF numbers them (1 blue off-peak, 2 blue peak, 3 white off-peak...).
_COLOURED = (Period.OFF_PEAK, Period.PEAK)
_TEMPO_CALENDAR = tuple(
    TariffPeriod(period, colour)
    for colour in (TempoColour.BLUE, TempoColour.WHITE, TempoColour.RED)
    for period in _COLOURED
)
# Every period an index can be named after: the kinds of hours, and Tempo's by colour.
INDEX_PERIODS: tuple[TariffPeriod, ...] = (
    *(TariffPeriod(period) for period in Period),
    *_TEMPO_CALENDAR,
)
# Other well-known supplier calendars: the period of index 1, 2...
_OFF_PEAK_CALENDAR = (TariffPeriod(Period.OFF_PEAK), TariffPeriod(Period.PEAK))
_BASE_CALENDAR = (TariffPeriod(Period.ALL_HOURS),)

# Historic indexes, by the PTEC code of the period each counts.
HISTORIC_INDEXES: dict[str, TariffPeriod] = {
    label: decode_ptec(ptec)
    for label, ptec in (
        ("BASE", "TH.."),
        ("HCHC", "HC.."),
        ("HCHP", "HP.."),
        ("EJPHN", "HN.."),
        ("EJPHPM", "PM.."),
        *((f"BBR{code}", code) for code in ("HCJB", "HPJB", "HCJW", "HPJW", "HCJR", "HPJR")),
    )
}
_SUPPLIER_INDEX_PREFIX = "EASF"


def _words(text: str) -> list[str]:
    return text.upper().replace("/", " ").split()


def label_hours(label: str) -> Period | None:
    """The kind of hours a supplier's label (LTARF) names: its first word that tells."""
    return next((_PERIOD_WORDS[word] for word in _words(label) if word in _PERIOD_WORDS), None)


def label_period(label: str) -> TariffPeriod | None:
    """The period a supplier's label names, when every word of it is understood.

    `HEURE CREUSE`, `HC  BLEU`, `BASE` are; `HC HIVER` is not (it would be named like the
    summer's off-peak index), and is shown in the supplier's own words instead.
    """
    hours: Period | None = None
    colour: TempoColour | None = None
    for word in _words(label):
        if hours is None and word in _PERIOD_WORDS:
            hours = _PERIOD_WORDS[word]
        elif colour is None and word in _COLOUR_WORDS:
            colour = _COLOUR_WORDS[word]
        elif word not in _FILLER_WORDS:
            return None
    if hours is None or (colour is not None and hours not in _COLOURED):
        return None
    return TariffPeriod(hours, colour)


def calendar_periods(calendar: str) -> tuple[TariffPeriod, ...]:
    """The periods of indexes 1, 2... of a well-known supplier calendar (NGTF), else ()."""
    words = set(_words(calendar))
    if "TEMPO" in words:
        return _TEMPO_CALENDAR
    if words == {"BASE"}:
        return _BASE_CALENDAR
    if {_PERIOD_WORDS.get(word) for word in words} >= {Period.OFF_PEAK, Period.PEAK}:
        return _OFF_PEAK_CALENDAR  # H PLEINE/CREUSE: 1 off-peak, 2 peak
    return ()


def supplier_index(label: str) -> int | None:
    """The number of a standard-mode supplier index (EASF01 -> 1), else None."""
    if label.startswith(_SUPPLIER_INDEX_PREFIX) and label[4:].isdigit():
        return int(label[4:])
    return None


def is_period_index(label: str) -> bool:
    """Whether `label` is a supplier's index of one tariff period (historic, or EASF01-10)."""
    return label in HISTORIC_INDEXES or supplier_index(label) is not None


def index_period(
    label: str, calendar: str | None, learnt: Mapping[int, str]
) -> TariffPeriod | str | None:
    """What the index `label` counts: a period, the supplier's own label for it, or None.

    `learnt` holds the label (LTARF) the meter gave each supplier index of `calendar`; what
    the meter said wins over what a well-known calendar usually means.
    """
    if label in HISTORIC_INDEXES:
        return HISTORIC_INDEXES[label]
    number = supplier_index(label)
    if number is None:
        return None
    if number in learnt:
        return label_period(learnt[number]) or " ".join(learnt[number].split())
    known = calendar_periods(calendar) if calendar else ()
    return known[number - 1] if number <= len(known) else None


def period_key(period: TariffPeriod) -> str:
    """A period's name key: `off_peak`, `peak_red`..."""
    if period.tempo_colour is None:
        return period.period.value
    return f"{period.period.value}_{period.tempo_colour.name.lower()}"
