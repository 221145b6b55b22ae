"""Settings, limits, readings and the learner on their own."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from custom_components.gestion_energie.shedding import (
    Limit,
    MeterSample,
    PowerLearner,
    SheddingSettings,
    Unit,
)
from custom_components.gestion_energie.shedding.model import seconds


def test_limits_in_percent_or_va() -> None:
    assert Limit(90).va(6000) == 5400
    assert Limit(4000, Unit.VA).va(6000) == 4000


def test_the_shed_limit_never_exceeds_the_meter_threshold() -> None:
    settings = SheddingSettings(shed_limit=Limit(150), restore_limit=Limit(140))
    assert settings.shed_limit_va(6000) == pytest.approx(7800)
    assert settings.restore_limit_va(6000) == pytest.approx(7800)
    assert SheddingSettings().restore_limit_va(6000) == 5100


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"restore_limit": Limit(5000, Unit.VA)}, "same unit"),
        ({"restore_limit": Limit(100)}, "below the shed limit"),
        ({"max_toggles_per_hour": 1}, "two toggles"),
    ],
)
def test_settings_that_cannot_work_are_rejected(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SheddingSettings(**changes)  # type: ignore[arg-type]


def test_readings() -> None:
    reading = MeterSample(0.0, 100.0, 6.0, 9.0, overload_warning=True)
    assert reading.pcoup_va == 9000
    assert reading.overload_signalled
    assert not MeterSample(0.0, 100.0, 6.0, 6.0).overload_signalled


def test_instants() -> None:
    assert seconds(12) == 12.0
    assert seconds(datetime(1970, 1, 1, 0, 1, tzinfo=UTC)) == 60.0


def test_the_learner_filters_steps_and_keeps_a_median() -> None:
    learner = PowerLearner(2000.0)
    assert learner.estimate_w == 2000
    assert not learner.observe_step(20.0)  # noise
    assert not learner.observe_step(-2000.0)  # wrong sign
    assert not learner.observe_step(700.0)  # too far below the declared power
    assert not learner.observe_step(5100.0)  # too far above
    assert learner.observe_step(4500.0)
    assert learner.estimate_w == 3250.0  # one odd step is tempered by the declared power
    for step in (1800.0, 1900.0, 4000.0, 1850.0, 1700.0, 1750.0):
        assert learner.observe_step(step)
    assert learner.steps == [1900.0, 4000.0, 1850.0, 1700.0, 1750.0]  # the last five
    assert learner.estimate_w == 1850.0  # one wild step does not move the median far
    assert PowerLearner.from_dict(2000.0, learner.to_dict()) == learner
    assert learner.restore_need_w == 1850.0
    assert PowerLearner(1000.0, [1400.0, 1500.0, 1600.0]).restore_need_w == 1000.0
    learner.observe_running(1500.0)
    assert learner.estimate_w == learner.restore_need_w == 1500.0
