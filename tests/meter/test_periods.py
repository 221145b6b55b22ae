"""What each energy index counts: historic labels, supplier calendars, labels learnt."""

from __future__ import annotations

from datetime import datetime

import pytest

from custom_components.gestion_energie.meter.model import MeterModel
from custom_components.gestion_energie.meter.periods import (
    HISTORIC_INDEXES,
    INDEX_PERIODS,
    calendar_periods,
    index_period,
    label_period,
    period_key,
)
from custom_components.gestion_energie.simulators.meter import Contract, SimulatedMeter
from custom_components.gestion_energie.tic import (
    CATALOGUE,
    PARIS,
    Group,
    Quantity,
    TicDecoder,
    TicMode,
)
from custom_components.gestion_energie.tic.interpret import Period, TariffPeriod, TempoColour

from .test_model import T0, feed

OFF_PEAK, PEAK = TariffPeriod(Period.OFF_PEAK), TariffPeriod(Period.PEAK)


def test_every_historic_energy_index_is_named_after_its_period() -> None:
    historic = {
        spec.label
        for spec in CATALOGUE.values()
        if spec.mode is TicMode.HISTORIC and spec.quantity is Quantity.ENERGY
    }
    assert set(HISTORIC_INDEXES) == historic
    assert HISTORIC_INDEXES["HCHC"] == OFF_PEAK
    assert HISTORIC_INDEXES["BBRHPJR"] == TariffPeriod(Period.PEAK, TempoColour.RED)
    assert HISTORIC_INDEXES["EJPHPM"] == TariffPeriod(Period.MOBILE_PEAK)
    assert set(HISTORIC_INDEXES.values()) <= set(INDEX_PERIODS)


@pytest.mark.parametrize(
    ("label", "period"),
    [
        (" HEURE  PLEINE  ", PEAK),
        ("HEURE CREUSE", OFF_PEAK),
        ("    HC  BLEU    ", TariffPeriod(Period.OFF_PEAK, TempoColour.BLUE)),
        ("HP ROUG", TariffPeriod(Period.PEAK, TempoColour.RED)),  # the simulator's spelling
        ("HP JOURS BLANCS", TariffPeriod(Period.PEAK, TempoColour.WHITE)),
        ("BASE", TariffPeriod(Period.ALL_HOURS)),
        ("HEURES NORMALES", TariffPeriod(Period.NORMAL)),
        ("HC HIVER", None),  # a word not understood: the supplier's words are shown instead
        ("BASE ROUGE", None),  # colours only go with off-peak and peak hours
        ("BLEU", None),
        ("", None),
    ],
)
def test_supplier_labels(label: str, period: TariffPeriod | None) -> None:
    assert label_period(label) == period


def test_well_known_calendars() -> None:
    tempo = calendar_periods("     TEMPO      ")
    assert [period_key(period) for period in tempo] == [
        "off_peak_blue",
        "peak_blue",
        "off_peak_white",
        "peak_white",
        "off_peak_red",
        "peak_red",
    ]
    assert calendar_periods("H PLEINE/CREUSE") == (OFF_PEAK, PEAK)
    assert calendar_periods("base") == (TariffPeriod(Period.ALL_HOURS),)
    assert calendar_periods("PRODUCTEUR") == ()
    assert {period_key(period) for period in INDEX_PERIODS} >= {"all_hours", "mobile_peak"}


def test_what_the_meter_said_wins_over_the_calendar() -> None:
    assert index_period("EASF02", "TEMPO", {}) == TariffPeriod(Period.PEAK, TempoColour.BLUE)
    assert index_period("EASF02", "TEMPO", {2: "HEURE PLEINE"}) == PEAK
    assert index_period("EASF03", "MON FOURNISSEUR", {3: " HC  HIVER "}) == "HC HIVER"
    assert index_period("EASF07", "TEMPO", {}) is None  # Tempo has six indexes
    assert index_period("EASF01", None, {}) is None
    assert index_period("EASD01", "TEMPO", {1: "HC BLEU"}) is None  # distributor: never named
    assert index_period("HCHP", None, {}) == PEAK


def _standard(ntarf: int | None, ltarf: str | None, ngtf: str = "MON FOURNISSEUR") -> list[Group]:
    groups = [Group("NGTF", f"{ngtf:<16}"), Group("SINSTS", "01000")]
    if ntarf is not None:
        groups.append(Group("NTARF", f"{ntarf:02}"))
    if ltarf is not None:
        groups.append(Group("LTARF", f"{ltarf:<16}"))
    return groups


def test_the_model_learns_the_label_of_the_running_index() -> None:
    model = MeterModel()
    feed(model, _standard(3, "HC HIVER"), T0)
    assert model.data.tariff_labels == {}  # once could be a frame sent as the index changes
    feed(model, _standard(3, "HC HIVER"), T0 + 1)
    assert model.data.tariff_labels == {3: "HC HIVER"}
    assert model.data.tariff_calendar == "MON FOURNISSEUR"
    # The next index: its LTARF group lost in one frame, the old label is not given to it.
    feed(model, _standard(4, None), T0 + 2)
    feed(model, _standard(4, None), T0 + 3)
    feed(model, _standard(4, "HP HIVER"), T0 + 4)
    assert model.data.tariff_labels == {3: "HC HIVER"}
    feed(model, _standard(4, "HP HIVER"), T0 + 5)
    assert model.data.tariff_labels == {3: "HC HIVER", 4: "HP HIVER"}
    # Another calendar (a new contract): what its indexes mean is learnt again.
    feed(model, _standard(1, "BASE", ngtf="BASE"), T0 + 6)
    assert model.data.tariff_labels == {}
    assert model.data.tariff_calendar == "BASE"


def test_labels_learnt_before_a_restart_come_back_for_the_same_calendar_only() -> None:
    model = MeterModel()
    model.restore_tariff_label("MON FOURNISSEUR", 3, "HC HIVER")
    feed(model, _standard(4, "HP HIVER"), T0)
    assert model.data.tariff_labels == {3: "HC HIVER"}
    model.restore_tariff_label("UN AUTRE", 5, "HC ETE")  # not this meter's calendar
    model.restore_tariff_label("MON FOURNISSEUR", 3, "ANCIEN")  # learnt since: kept
    assert model.data.tariff_labels == {3: "HC HIVER"}


@pytest.mark.parametrize("contract", list(Contract))
def test_the_simulated_meter_names_every_index_it_counts(contract: Contract) -> None:
    """From its first frame by its calendar, and what it says agrees with the calendar."""
    meter = SimulatedMeter(mode=TicMode.STANDARD, contract=contract)
    model = MeterModel()
    decoder = TicDecoder()
    start = datetime(2026, 1, 5, tzinfo=PARIS).timestamp()  # a winter Monday: red days too
    used = {"base": 1, "off_peak": 2, "tempo": 6}[contract.value]
    for step in range(24 * 14):  # every 10 minutes for 56 hours, crossing days
        now = start + step * 600
        for frame in decoder.feed(meter.frame(now)):
            model.update(frame, now)
        data = model.data
        for number in range(1, used + 1):
            assert isinstance(
                index_period(f"EASF{number:02}", data.tariff_calendar, {}), TariffPeriod
            )
    for number, label in data.tariff_labels.items():
        calendar = calendar_periods(str(data.tariff_calendar))
        assert label_period(label) == calendar[number - 1], label
    assert len(data.tariff_labels) == min(used, 3)  # Tempo: blue and white days these 56 h
    historic = SimulatedMeter(mode=TicMode.HISTORIC, contract=contract)
    (frame,) = TicDecoder().feed(historic.frame(start))
    indexes = [label for label in frame.groups if CATALOGUE[label].total_increasing]
    assert indexes
    assert all(label in HISTORIC_INDEXES for label in indexes)
