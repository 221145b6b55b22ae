"""The catalogue: complete, consistent, and its value converter."""

from __future__ import annotations

import pytest

from custom_components.gestion_energie.tic import (
    CATALOGUE,
    Quantity,
    TicMode,
    ValueKind,
    parse_value,
)
from custom_components.gestion_energie.tic.catalogue import HORODATE_NO_SEASON_PATTERN

HISTORIC = [
    "ADCO",
    "OPTARIF",
    "ISOUSC",
    "BASE",
    "HCHC",
    "HCHP",
    "EJPHN",
    "EJPHPM",
    "BBRHCJB",
    "BBRHPJB",
    "BBRHCJW",
    "BBRHPJW",
    "BBRHCJR",
    "BBRHPJR",
    "PEJP",
    "PTEC",
    "DEMAIN",
    "IINST",
    "IINST1",
    "IINST2",
    "IINST3",
    "ADPS",
    "ADIR1",
    "ADIR2",
    "ADIR3",
    "IMAX",
    "IMAX1",
    "IMAX2",
    "IMAX3",
    "PMAX",
    "PAPP",
    "HHPHC",
    "MOTDETAT",
    "PPOT",
]
STANDARD = [
    "ADSC",
    "VTIC",
    "DATE",
    "NGTF",
    "LTARF",
    "EAST",
    "EASF01",
    "EASF02",
    "EASF03",
    "EASF04",
    "EASF05",
    "EASF06",
    "EASF07",
    "EASF08",
    "EASF09",
    "EASF10",
    "EASD01",
    "EASD02",
    "EASD03",
    "EASD04",
    "EAIT",
    "ERQ1",
    "ERQ2",
    "ERQ3",
    "ERQ4",
    "IRMS1",
    "IRMS2",
    "IRMS3",
    "URMS1",
    "URMS2",
    "URMS3",
    "PREF",
    "PCOUP",
    "SINSTS",
    "SINSTS1",
    "SINSTS2",
    "SINSTS3",
    "SMAXSN",
    "SMAXSN1",
    "SMAXSN2",
    "SMAXSN3",
    "SMAXSN-1",
    "SMAXSN1-1",
    "SMAXSN2-1",
    "SMAXSN3-1",
    "SINSTI",
    "SMAXIN",
    "SMAXIN-1",
    "CCASN",
    "CCASN-1",
    "CCAIN",
    "CCAIN-1",
    "UMOY1",
    "UMOY2",
    "UMOY3",
    "STGE",
    "DPM1",
    "FPM1",
    "DPM2",
    "FPM2",
    "DPM3",
    "FPM3",
    "MSG1",
    "MSG2",
    "PRM",
    "RELAIS",
    "NTARF",
    "NJOURF",
    "NJOURF+1",
    "PJOURF+1",
    "PPOINTE",
]


def test_every_label_of_both_specs_in_spec_order() -> None:
    assert list(CATALOGUE) == HISTORIC + STANDARD
    assert all(CATALOGUE[label].mode is TicMode.HISTORIC for label in HISTORIC)
    assert all(CATALOGUE[label].mode is TicMode.STANDARD for label in STANDARD)


@pytest.mark.parametrize("spec", CATALOGUE.values(), ids=lambda spec: spec.label)
def test_spec_is_consistent(spec: object) -> None:
    from custom_components.gestion_energie.tic import LabelSpec  # noqa: PLC0415

    assert isinstance(spec, LabelSpec)
    # The spec says 8 characters at most, yet its own SMAXSNx-1 labels have 9.
    assert len(spec.label) <= 9
    assert spec.name_en
    assert spec.name_fr
    assert (spec.unit is None) is (spec.quantity is None)
    assert spec.total_increasing is (spec.unit in {"Wh", "VArh"})
    if spec.timestamped_maximum:
        assert spec.horodate
        assert spec.quantity is Quantity.APPARENT_POWER
    if spec.phase is not None:
        assert spec.label[-1] == str(spec.phase) or spec.label.endswith(f"{spec.phase}-1")
    assert not (spec.three_phase_only and spec.single_phase_only)
    assert spec.horodate is False or spec.mode is TicMode.STANDARD


def test_parse_value_kinds() -> None:
    assert parse_value("EAST", "080490250") == 80_490_250
    assert parse_value("STGE", "003AC701") == 0x003AC701
    assert parse_value("LTARF", " HEURE  PLEINE  ") == "HEURE  PLEINE"
    assert parse_value("ADCO", "021861348497") == "021861348497"  # an identifier keeps its zeros
    assert parse_value("DATE", "") is None
    assert parse_value("PPOT", "0A") == 10


def test_parse_value_rejects_what_the_decoder_would() -> None:
    with pytest.raises(ValueError, match="does not match"):
        parse_value("PAPP", "2840")
    with pytest.raises(KeyError):
        parse_value("NOPE", "1")


def test_only_mobile_peaks_go_without_season() -> None:
    assert CATALOGUE["DPM2"].horodate_pattern() is HORODATE_NO_SEASON_PATTERN
    assert CATALOGUE["SMAXSN"].horodate_pattern() is not HORODATE_NO_SEASON_PATTERN


def test_kinds() -> None:
    assert {spec.kind for spec in CATALOGUE.values()} == set(ValueKind)
