"""Whole-house scenarios through the simulator: the meter, the plugs and the engine together."""

from __future__ import annotations

from dataclasses import replace

from custom_components.gestion_energie.shedding import (
    LoadConfig,
    Reason,
    Restore,
    Shed,
    SheddingEngine,
    SheddingSettings,
)
from custom_components.gestion_energie.simulators.house import (
    Appliance,
    HouseSimulation,
    Outcome,
    Scenario,
    UserAction,
)

SETTINGS = SheddingSettings()
HOUR = 3600.0

# A 10 A car charge, the electric heating, a water heater: 6.7 kVA on a 6 kVA meter.
EV = Appliance(LoadConfig("switch.ev", priority=1, declared_power_w=2300), 2300, ((600, 7200),))
HEATER = Appliance(LoadConfig("switch.heater", priority=2, declared_power_w=2000), 2000)
WATER = Appliance(
    LoadConfig("switch.water", priority=3, declared_power_w=2400), 2400, ((0, 300), (900, 3000))
)
OVEN = Appliance(LoadConfig("switch.oven", priority=1, declared_power_w=9000), 9000, ((60, 600),))
# An evening: cooking from 1200 s to 2400 s pushes the unmanaged load to 3.5 kVA.
EVENING = Scenario(
    (EV, HEATER, WATER),
    duration_s=3 * HOUR,
    base=((0.0, 700.0), (1200.0, 3500.0), (2400.0, 600.0)),
)


def run(scenario: Scenario, settings: SheddingSettings = SETTINGS) -> Outcome:
    return HouseSimulation(scenario, settings).run()


def sheds(outcome: Outcome) -> list[tuple[float, str]]:
    return [(time, a.load) for time, a in outcome.actions if isinstance(a, Shed)]


def restores(outcome: Outcome) -> list[tuple[float, str]]:
    return [(time, a.load) for time, a in outcome.actions if isinstance(a, Restore)]


def test_without_shedding_the_evening_trips_the_meter() -> None:
    engine = SheddingEngine(SETTINGS, [item.config for item in EVENING.appliances])
    engine.enabled = False
    outcome = HouseSimulation(EVENING, SETTINGS, engine).run()
    assert outcome.tripped_at is not None
    # 7.4 kVA from 900 s is under 1.3 x PCOUP: it holds; cooking makes it 10.2 kVA.
    assert 1200 < outcome.tripped_at < 1300


def test_with_shedding_the_evening_never_trips_and_everything_comes_back() -> None:
    outcome = run(EVENING)
    assert outcome.tripped_at is None
    assert outcome.peak_filtered_ratio < 1.3
    # Lowest priority first: the EV when the water heater starts, the heater when cooking.
    assert [load for _, load in sheds(outcome)] == ["switch.ev", "switch.heater"]
    # Highest priority first on the way back.
    assert [load for _, load in restores(outcome)] == ["switch.heater", "switch.ev"]
    assert not outcome.engine.status(EVENING.duration_s).active
    for load in ("switch.ev", "switch.heater", "switch.water"):
        assert outcome.most_commands_in_an_hour(load) <= SETTINGS.max_toggles_per_hour


def test_a_sudden_overload_is_shed_before_the_cut() -> None:
    oven = OVEN
    outcome = run(Scenario((oven, HEATER), duration_s=900))  # 2.5 x PCOUP: the meter cuts in 40 s
    assert outcome.tripped_at is None
    first_time, first = outcome.actions[0]
    assert first == Shed("switch.oven", Reason.OVERLOAD_SIGNAL)
    assert first_time - 60 <= 1.5  # the first reading that shows it
    assert outcome.peak_filtered_ratio < 1.1


def test_without_meter_signals_the_cutoff_model_still_acts_in_time() -> None:
    oven = OVEN
    scenario = Scenario((oven, HEATER), duration_s=900, overload_signals=False)
    outcome = run(scenario, replace(SETTINGS, shed_dwell_s=600.0))  # the dwell alone is too slow
    assert outcome.tripped_at is None
    assert outcome.actions[0][1] == Shed("switch.oven", Reason.CUTOFF_NEAR)


def test_reloading_the_state_mid_scenario_gives_the_same_decisions() -> None:
    plain = run(EVENING)
    for moment in (500.0, 1000.5, 1250.0, 2500.0, 5000.0):
        reloaded = run(replace(EVENING, reload_at=moment))
        assert reloaded.actions == plain.actions


def test_a_silent_meter_never_restores_and_sheds_the_flagged_loads() -> None:
    flagged = replace(WATER, config=replace(WATER.config, shed_when_stale=True))
    silence = (2500.0, 4000.0)
    outcome = run(replace(EVENING, appliances=(EV, HEATER, flagged), silences=(silence,)))
    assert outcome.tripped_at is None
    during = [
        (time, action)
        for time, action in outcome.actions
        if silence[0] + SETTINGS.settle_s <= time < silence[1] + SETTINGS.restore_dwell_s
    ]
    assert during == [(2530.0, Shed("switch.water", Reason.STALE_METER))]
    assert not outcome.engine.status(EVENING.duration_s).active


def test_a_user_who_turns_a_shed_load_back_on_is_respected() -> None:
    user = UserAction(1500.0, "switch.heater", on=True)  # during cooking, the heater was shed
    outcome = run(replace(EVENING, user_actions=(user,)))
    assert outcome.tripped_at is None
    heater_sheds = [time for time, load in sheds(outcome) if load == "switch.heater"]
    assert all(time < 1500 or time >= 1500 + SETTINGS.override_respect_s for time in heater_sheds)
    # Something else gave way: the water heater, next in line.
    assert any(load == "switch.water" and time > 1500 for time, load in sheds(outcome))


def test_a_restart_reconciles_and_restores_only_after_fresh_readings() -> None:
    scenario = replace(EVENING, restart_at=1800.0, silences=((1790.0, 1900.0),))
    outcome = run(scenario)
    assert outcome.tripped_at is None
    assert all(time >= 1900 + SETTINGS.restore_dwell_s for time, _ in restores(outcome))
    assert not outcome.engine.status(scenario.duration_s).active


def test_the_engine_learns_a_wrongly_declared_power() -> None:
    wrong = replace(HEATER, config=replace(HEATER.config, declared_power_w=1200))
    outcome = run(replace(EVENING, appliances=(EV, wrong, WATER), duration_s=8 * HOUR))
    assert outcome.tripped_at is None
    # Steps of 2000 VA, tempered by the declared 1200 W until three are known.
    assert 1600 <= outcome.engine.estimated_power_w("switch.heater") <= 2000


def test_a_load_held_too_long_raises_once() -> None:
    always = Scenario((HEATER,), duration_s=2 * HOUR, base=((0.0, 5000.0),))
    outcome = run(always, replace(SETTINGS, max_shed_s=HOUR))
    raised = [a for _, a in outcome.actions if not isinstance(a, Shed | Restore)]
    assert [type(a).__name__ for a in raised] == ["RaiseLongShed"]


def flap_prone() -> Scenario:
    """The unmanaged load swings around the limits every minute."""
    steps = tuple((minute * 60.0, 4500.0 if minute % 2 else 2500.0) for minute in range(180))
    return Scenario((HEATER,), duration_s=3 * HOUR, base=steps)


def test_no_load_toggles_more_than_allowed_per_hour() -> None:
    settings = replace(SETTINGS, min_off_s=0.0, restore_dwell_s=10.0, shed_dwell_s=2.0)
    outcome = run(flap_prone(), settings)
    assert outcome.tripped_at is None
    assert outcome.most_commands_in_an_hour("switch.heater") == settings.max_toggles_per_hour


def test_the_simulator_reports_power_sensors_and_ignores_redundant_switching() -> None:
    config = LoadConfig("switch.m", declared_power_w=1000, power_sensor="sensor.m")
    metered = Appliance(config, 1500, ((10, 100),))
    users = (UserAction(50, "switch.m", on=True), UserAction(250, "switch.m", on=False))
    outcome = run(Scenario((metered,), duration_s=200, user_actions=users))
    assert outcome.engine.estimated_power_w("switch.m") == 1500
    assert outcome.switchings == {}  # already on; the second action comes after the end
