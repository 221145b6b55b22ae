"""Decoded structures, with the spec's examples and the captures' values."""

from __future__ import annotations

from datetime import time

import pytest

from custom_components.gestion_energie.tic.interpret import (
    Contract,
    CplState,
    CutoffSwitch,
    DryContactAction,
    EuridisState,
    Period,
    Stge,
    SwitchingBlock,
    TariffOption,
    TariffPeriod,
    TempoColour,
    decode_day_profile,
    decode_demain,
    decode_optarif,
    decode_ppot,
    decode_ptec,
    decode_relais,
    decode_stge,
)

CONSUMER = Stge(
    dry_contact_open=False,
    cutoff_switch=CutoffSwitch.CLOSED,
    cover_open=False,
    overvoltage=False,
    reference_power_exceeded=False,
    producer=False,
    negative_active_energy=False,
    supplier_index=1,
    distributor_index=1,
    clock_degraded=False,
    standard_mode=True,
    euridis=EuridisState.ENABLED_WITH_SECURITY,
    cpl=CplState.NEW_LOCK,
    cpl_synchronised=False,
    tempo_today=TempoColour.NONE,
    tempo_tomorrow=TempoColour.NONE,
    mobile_peak_notice=0,
    mobile_peak=0,
)


def test_stge_of_a_consumer() -> None:
    """linkytic capture."""
    assert decode_stge("003A0000") == CONSUMER


def test_stge_of_a_producer() -> None:
    """teleinfo2mqtt capture: producer, dry contact open, energy on supplier index 2."""
    stge = decode_stge("003AC701")
    assert stge.dry_contact_open
    assert stge.producer
    assert stge.negative_active_energy
    assert stge.supplier_index == 2
    assert stge.distributor_index == 4


def test_stge_of_a_tempo_contract() -> None:
    """tasmota capture: a blue day."""
    assert decode_stge("013A0000").tempo_today is TempoColour.BLUE


def test_stge_every_field() -> None:
    value = (
        1  # dry contact open
        | 5 << 1  # cut-off switch: overheat above max current
        | 1 << 4  # cover open
        | 1 << 6  # overvoltage
        | 1 << 7  # PREF exceeded
        | 9 << 10  # supplier index 10
        | 2 << 14  # distributor index 3
        | 1 << 16  # degraded clock
        | 0b01 << 19  # Euridis without security
        | 0b10 << 21  # CPL registered
        | 1 << 23  # CPL synchronised
        | 3 << 24  # red today
        | 2 << 26  # white tomorrow
        | 2 << 28  # PM2 notice
        | 3 << 30  # PM3 in progress
    )
    stge = decode_stge(f"{value:08X}")
    assert stge == Stge(
        dry_contact_open=True,
        cutoff_switch=CutoffSwitch.OPEN_OVERHEAT_ABOVE_MAX_CURRENT,
        cover_open=True,
        overvoltage=True,
        reference_power_exceeded=True,
        producer=False,
        negative_active_energy=False,
        supplier_index=10,
        distributor_index=3,
        clock_degraded=True,
        standard_mode=False,
        euridis=EuridisState.ENABLED_WITHOUT_SECURITY,
        cpl=CplState.REGISTERED,
        cpl_synchronised=True,
        tempo_today=TempoColour.RED,
        tempo_tomorrow=TempoColour.WHITE,
        mobile_peak_notice=2,
        mobile_peak=3,
    )


@pytest.mark.parametrize(
    ("raw", "unknown"),
    [
        ("0100000E", "cutoff_switch"),
        ("01002800", "supplier_index"),
        ("0100F000", "supplier_index"),
        ("01100000", "euridis"),
        ("01600000", "cpl"),
    ],
)
def test_stge_reserved_codes_are_unknown_and_the_rest_is_read(raw: str, unknown: str) -> None:
    """Cut-off 7, supplier index codes 10-15, Euridis 0b10, CPL 0b11 are not defined."""
    stge = decode_stge(raw)
    assert stge.unknown_fields() == [unknown]
    assert stge.tempo_today is TempoColour.BLUE  # bit 24: the other fields are still read


def test_relais_spec_examples() -> None:
    """54E §6.2.3.19: relays 3, 4 and 8 closed is 140; relay 1 alone is 001."""
    assert decode_relais("140") == (False, False, True, True, False, False, False, True)
    assert decode_relais("001") == (True, *(False,) * 7)
    with pytest.raises(ValueError, match="byte"):
        decode_relais("256")


def test_ppot() -> None:
    assert decode_ppot("00") == (True, True, True)
    assert decode_ppot("0A") == (False, True, False)
    with pytest.raises(ValueError, match="reserved"):
        decode_ppot("01")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("BASE", TariffOption(Contract.BASE)),
        ("HC..", TariffOption(Contract.OFF_PEAK)),
        ("EJP.", TariffOption(Contract.EJP)),
        ("BBR(", TariffOption(Contract.TEMPO, "A", 0)),  # 0x28: circuit 1 = A, circuit 2 = P0
        ("BBR?", TariffOption(Contract.TEMPO, "C", 7)),
        ("BBR ", TariffOption(Contract.TEMPO, None, 0)),
    ],
)
def test_optarif(raw: str, expected: TariffOption) -> None:
    assert decode_optarif(raw) == expected


@pytest.mark.parametrize("raw", ["BBRa", "TEMP", "BBR"])
def test_optarif_undefined(raw: str) -> None:
    with pytest.raises(ValueError, match="undefined"):
        decode_optarif(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("TH..", TariffPeriod(Period.ALL_HOURS)),
        ("HC..", TariffPeriod(Period.OFF_PEAK)),
        ("HP..", TariffPeriod(Period.PEAK)),
        ("HN..", TariffPeriod(Period.NORMAL)),
        ("PM..", TariffPeriod(Period.MOBILE_PEAK)),
        ("HCJB", TariffPeriod(Period.OFF_PEAK, TempoColour.BLUE)),
        ("HPJW", TariffPeriod(Period.PEAK, TempoColour.WHITE)),
        ("HPJR", TariffPeriod(Period.PEAK, TempoColour.RED)),
    ],
)
def test_ptec(raw: str, expected: TariffPeriod) -> None:
    assert decode_ptec(raw) == expected


@pytest.mark.parametrize("raw", ["THJB", "HNJB", "HCJX", "XX.."])
def test_ptec_undefined(raw: str) -> None:
    with pytest.raises(ValueError, match="undefined"):
        decode_ptec(raw)


def test_demain() -> None:
    assert decode_demain("ROUG") is TempoColour.RED
    assert decode_demain("----") is TempoColour.NONE
    with pytest.raises(ValueError, match="undefined"):
        decode_demain("VERT")


def test_day_profile_of_a_hc_contract() -> None:
    """teleinfo2mqtt capture: index 2 from 00:00, index 1 from 02:10, and so on."""
    raw = (
        "00008002 0210C001 08108002 1440C001 16408002 "
        "NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE"
    )
    none = (False,) * 7
    assert decode_day_profile(raw) == [
        SwitchingBlock(time(0, 0), 2, DryContactAction.OPEN, none),
        SwitchingBlock(time(2, 10), 1, DryContactAction.CLOSE, none),
        SwitchingBlock(time(8, 10), 2, DryContactAction.OPEN, none),
        SwitchingBlock(time(14, 40), 1, DryContactAction.CLOSE, none),
        SwitchingBlock(time(16, 40), 2, DryContactAction.OPEN, none),
    ]


def test_day_profile_virtual_contacts_and_no_index_change() -> None:
    (block,) = decode_day_profile("06004010 " + " ".join(["NONUTILE"] * 10))
    assert block == SwitchingBlock(
        time(6, 0), None, DryContactAction.TEMPO_CONFIGURED, (True, *(False,) * 6)
    )
    (block,) = decode_day_profile("0600840B")
    assert block.supplier_index is None
    assert block.virtual_contacts == (False,) * 6 + (True,)


@pytest.mark.parametrize("raw", ["2500C001", "0600XYZ1", "0600C01"])
def test_day_profile_undefined(raw: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message varies with the cause
        decode_day_profile(raw)
