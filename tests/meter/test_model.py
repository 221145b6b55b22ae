"""The household's model of the meter, alone (no Home Assistant)."""

from __future__ import annotations

from custom_components.gestion_energie.meter.model import MeterModel
from custom_components.gestion_energie.tic import Group, TicDecoder, TicMode, encode_frame
from custom_components.gestion_energie.tic.interpret import Period, TempoColour

T0 = 1_764_165_600.0


def feed(
    model: MeterModel, groups: list[Group], now: float, mode: TicMode = TicMode.STANDARD
) -> None:
    (frame,) = TicDecoder().feed(encode_frame(groups, mode))
    model.update(frame, now)


def test_an_index_is_held_until_confirmed_then_guarded() -> None:
    model = MeterModel()
    feed(model, [Group("EAST", "000001000")], T0)
    assert "EAST" not in model.data.values  # waiting for a second reading
    feed(model, [Group("EAST", "009999999")], T0 + 1)  # inconsistent: the first may be wrong
    feed(model, [Group("EAST", "010000000")], T0 + 2)  # confirms the second
    assert model.data.values["EAST"] == 10_000_000
    assert model.data.rejected_values == 0
    feed(model, [Group("EAST", "009999000")], T0 + 3)  # backwards
    feed(model, [Group("EAST", "010100000")], T0 + 4)  # +100 kWh in a second
    assert model.data.values["EAST"] == 10_000_000
    assert model.data.rejected_values == 2
    feed(model, [Group("EAST", "010000013")], T0 + 5)  # 13 Wh in 3 s: 15.6 kW, possible
    assert model.data.values["EAST"] == 10_000_013


def test_historic_contract_headroom_period_colours_and_overload() -> None:
    model = MeterModel()
    groups = [
        Group("ADCO", "021861348497"),
        Group("OPTARIF", "BBR("),
        Group("ISOUSC", "30"),
        Group("PTEC", "HPJR"),
        Group("DEMAIN", "BLAN"),
        Group("IINST", "032"),
        Group("ADPS", "032"),
        Group("PAPP", "07400"),
    ]
    feed(model, groups, T0, TicMode.HISTORIC)
    data = model.data
    assert data.address == "021861348497"
    assert data.reference_power_va == 6000  # 30 A x 200 VA
    assert data.headroom_va == -1400
    assert data.headroom_percent == -23.3
    assert (data.tariff_period, data.tempo_today, data.tempo_tomorrow) == (
        Period.PEAK,
        TempoColour.RED,
        TempoColour.WHITE,
    )
    assert data.overload
    feed(model, [group for group in groups if group.label != "ADPS"], T0 + 2, TicMode.HISTORIC)
    assert not model.data.overload  # ADPS is sent only while it holds


def test_standard_period_from_the_tariff_label_and_status_register() -> None:
    model = MeterModel()
    tempo_red_today_blue_tomorrow = 3 << 24 | 1 << 26 | 1 << 17 | 1 << 7
    feed(
        model,
        [
            Group("LTARF", f"{'HC  ROUGE':<16}"),
            Group("STGE", f"{tempo_red_today_blue_tomorrow:08X}"),
            Group("SINSTS", "03000"),
            Group("PREF", "06"),
        ],
        T0,
    )
    data = model.data
    assert data.tariff_period is Period.OFF_PEAK
    assert (data.tempo_today, data.tempo_tomorrow) == (TempoColour.RED, TempoColour.BLUE)
    assert data.overload  # STGE bit 7: reference power exceeded
    assert data.seconds_to_cutoff is None  # 3 kVA on 6 kVA: never


def test_three_phase_meter_cuts_on_its_most_loaded_phase() -> None:
    """54E §7: each phase is checked on its own, against its share of PCOUP."""
    model = MeterModel()
    phases = [Group("SINSTS1", "02800"), Group("SINSTS2", "00300"), Group("SINSTS3", "00300")]
    common = [Group("PREF", "06"), Group("PCOUP", "06"), Group("SINSTS", "03400")]
    for second in range(0, 60, 2):
        feed(model, [*common, *phases], T0 + second)
    # The total (3.4 kVA) is far below 6 kVA, but phase 1 draws 1.4 x its 2 kVA share.
    left = model.data.seconds_to_cutoff
    assert left is not None
    assert 0 <= left <= 250
    single = MeterModel()
    for second in range(0, 60, 2):
        feed(single, common, T0 + second)
    assert single.data.seconds_to_cutoff is None
