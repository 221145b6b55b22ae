"""The engine's rules, one at a time, with hand-fed readings (6 kVA meter, default settings)."""

from __future__ import annotations

from datetime import UTC, datetime
import json

import pytest

from custom_components.gestion_energie.shedding import (
    Event,
    LoadChange,
    LoadConfig,
    LoadState,
    Notify,
    RaiseLongShed,
    Reason,
    Restore,
    Shed,
    SheddingEngine,
    SheddingSettings,
    Tick,
)

from .helpers import feed, make_engine, only, sample

LOW = LoadConfig("switch.low", priority=1, declared_power_w=2000)
HIGH = LoadConfig("switch.high", priority=2, declared_power_w=2000)


def test_nothing_happens_under_the_limit() -> None:
    engine = make_engine(LOW, HIGH)
    assert feed(engine, 0, 120, 5900) == []
    assert engine.status(120).active is False


def test_sustained_overload_sheds_one_load_at_a_time_lowest_priority_first() -> None:
    engine = make_engine(LOW, HIGH)
    feed(engine, 0, 10, 5000)
    actions = feed(engine, 10, 30, 7000)
    # The dwell time (5 s) passes, then the engine waits for the meter (settle 8 s).
    assert actions == [
        (15, Shed("switch.low", Reason.OVER_LIMIT)),
        (23, Shed("switch.high", Reason.OVER_LIMIT)),
    ]


def test_a_short_spike_is_ignored() -> None:
    engine = make_engine(LOW, HIGH)
    feed(engine, 0, 10, 5000)
    assert feed(engine, 10, 14, 7000) == []
    assert feed(engine, 14, 30, 5000) == []


def test_cutoff_near_sheds_as_many_loads_as_needed_in_one_step() -> None:
    third = LoadConfig("switch.third", priority=3, declared_power_w=2000)
    engine = make_engine(LOW, HIGH, third)
    # Readings still show 9000 VA until the plugs act: the reservation avoids shedding more.
    actions = feed(engine, 0, 8, 9000, seconds_left=30.0)
    status = engine.status(7)
    assert status.releasing_va == 4000
    assert status.expected_va == 5000
    actions += feed(engine, 8, 20, 5000)
    # 9000 - 2000 - 2000 = 5000: two loads are enough, the third stays on.
    assert actions == [
        (0, Shed("switch.low", Reason.CUTOFF_NEAR)),
        (0, Shed("switch.high", Reason.CUTOFF_NEAR)),
    ]


def test_the_meter_overload_signal_is_an_emergency_unless_disabled() -> None:
    engine = make_engine(LOW, HIGH)
    assert only(feed(engine, 0, 1, 6500, pref_exceeded=True)) == [
        Shed("switch.low", Reason.OVERLOAD_SIGNAL)
    ]
    calm = make_engine(LOW, HIGH, emergency_on_overload_signal=False)
    assert feed(calm, 0, 5, 6500, overload_warning=True) == []
    assert only(feed(calm, 5, 6, 6500)) == [Shed("switch.low", Reason.OVER_LIMIT)]


def test_restore_is_staged_highest_priority_first_and_only_when_it_fits() -> None:
    engine = make_engine(LOW, HIGH)
    feed(engine, 0, 1, 9000, seconds_left=10.0)
    assert engine.status(1).active
    feed(engine, 1, 100, 6000)  # no room
    # Minimum off time (120 s) and restore dwell (60 s of readings) both pass at 160.
    assert feed(engine, 100, 165, 2000) == [(160, Restore("switch.high", Reason.BUDGET_AVAILABLE))]
    assert engine.status(160).reserved_va == 2000
    # The meter shows it: 4000 VA leaves 1100 VA under the restore limit, too little.
    assert feed(engine, 165, 300, 4000) == []
    assert feed(engine, 300, 400, 2500) == [(360, Restore("switch.low", Reason.BUDGET_AVAILABLE))]
    assert engine.status(400).active is False


def test_restore_waits_for_the_meter_between_loads() -> None:
    engine = make_engine(LOW, HIGH)
    feed(engine, 0, 1, 9000, seconds_left=10.0)
    actions = feed(engine, 1, 200, 1000)
    assert [time for time, _ in actions] == [120, 128]  # settle time between the two


def test_a_smaller_load_may_come_back_before_a_bigger_more_important_one() -> None:
    small = LoadConfig("switch.small", priority=1, declared_power_w=1000)
    big = LoadConfig("switch.big", priority=2, declared_power_w=3000)
    engine = make_engine(small, big)
    feed(engine, 0, 1, 9000, seconds_left=10.0)
    assert only(feed(engine, 1, 300, 3000)) == [Restore("switch.small", Reason.BUDGET_AVAILABLE)]


def test_a_notify_only_load_is_announced_once_and_stays_shed() -> None:
    notify_only = LoadConfig("switch.ev", declared_power_w=2000, auto_restore=False)
    engine = make_engine(notify_only)
    feed(engine, 0, 1, 8000, seconds_left=10.0)
    assert only(feed(engine, 1, 400, 1000)) == [Notify("switch.ev", Reason.BUDGET_AVAILABLE)]
    assert engine.status(400).shed[0].load == "switch.ev"


def test_minimum_off_time() -> None:
    engine = make_engine(LOW, min_off_s=600.0)
    feed(engine, 0, 1, 9000, seconds_left=10.0)
    assert feed(engine, 1, 599, 1000) == []
    assert only(feed(engine, 599, 601, 1000)) == [Restore("switch.low", Reason.BUDGET_AVAILABLE)]


def test_anti_flap_lockout_keeps_the_load_off_until_the_hour_has_passed() -> None:
    engine = make_engine(LOW, max_toggles_per_hour=4, min_off_s=0.0, restore_dwell_s=1.0)
    actions = []
    for cycle in range(10):
        start = cycle * 40.0
        actions += feed(engine, start, start + 20, 7000)
        actions += feed(engine, start + 20, start + 40, 3000)
    # Shed, restore, shed: a further restore would leave no room for the next shed.
    assert [type(action) for action in only(actions)] == [Shed, Restore, Shed]
    first = actions[0][0]
    later = feed(engine, 400, first + 3601, 3000)
    assert later[-1] == (first + 3600, Restore("switch.low", Reason.BUDGET_AVAILABLE))


def test_a_silent_meter_sheds_flagged_loads_and_never_restores() -> None:
    flagged = LoadConfig("switch.flagged", priority=5, shed_when_stale=True)
    engine = make_engine(flagged, LOW)
    feed(engine, 0, 10, 1000)
    assert engine.tick(39) == []
    assert engine.tick(40) == [Shed("switch.flagged", Reason.STALE_METER)]
    assert engine.status(40).meter_stale
    # Readings marked stale do not count, however low and however long.
    assert feed(engine, 40, 400, 100, fresh=False) == []
    # Fresh readings come back: a full restore dwell is needed first.
    assert feed(engine, 400, 470, 1000) == [
        (460, Restore("switch.flagged", Reason.BUDGET_AVAILABLE))
    ]


def test_a_disabled_engine_sheds_nothing_when_the_meter_is_silent() -> None:
    engine = make_engine(LoadConfig("switch.flagged", shed_when_stale=True))
    engine.set_enabled(False, 0.0)
    assert engine.tick(100.0) == []


def test_a_meter_never_heard_is_stale_after_the_delay() -> None:
    flagged = LoadConfig("switch.flagged", shed_when_stale=True)
    engine = SheddingEngine(SheddingSettings(), [flagged])
    assert engine.status(0).meter_stale  # nothing seen at all
    assert engine.update_load(LoadState("switch.flagged", is_on=True), 5.0) == []
    assert engine.tick(35.0) == []
    assert engine.tick(36.0) == [Shed("switch.flagged", Reason.STALE_METER)]


def test_a_user_who_turns_a_shed_load_on_is_respected_and_another_load_is_shed() -> None:
    engine = make_engine(LOW, HIGH)
    feed(engine, 0, 1, 7000, seconds_left=10.0)
    engine.update_load(LoadState("switch.low", is_on=False), 1.5)
    assert engine.update_load(LoadState("switch.low", is_on=True), 50.0) == []
    assert engine.status(50).overrides == {"switch.low": 3650.0}
    assert only(feed(engine, 50, 60, 7000)) == [Shed("switch.high", Reason.OVER_LIMIT)]
    # Once the respect time is over, the low-priority load is fair game again.
    engine.update_load(LoadState("switch.high", is_on=False), 61.0)
    assert only(feed(engine, 3650, 3660, 7000, seconds_left=10.0)) == [
        Shed("switch.low", Reason.CUTOFF_NEAR)
    ]


def test_a_user_undoing_a_restore_drops_the_reservation() -> None:
    engine = make_engine(LOW)
    feed(engine, 0, 1, 9000, seconds_left=10.0)
    engine.update_load(LoadState("switch.low", is_on=False), 1.0)
    assert only(feed(engine, 1, 121, 1000)) == [Restore("switch.low", Reason.BUDGET_AVAILABLE)]
    engine.update_load(LoadState("switch.low", is_on=True), 121.0)
    assert engine.status(121).reserved_va == 2000
    engine.update_load(LoadState("switch.low", is_on=False), 122.0)
    assert engine.status(122).reserved_va == 0


def test_non_interruptible_loads_are_cut_only_as_a_last_resort() -> None:
    washer = LoadConfig("switch.washer", priority=0, may_interrupt=False, power_sensor="sensor.w")
    engine = make_engine(washer, HIGH)
    engine.update_load(LoadState("switch.washer", is_on=True, power_w=2000), 0.0)
    assert only(feed(engine, 0, 6, 7000)) == [Shed("switch.high", Reason.OVER_LIMIT)]
    engine = make_engine(washer, HIGH)
    engine.update_load(LoadState("switch.washer", is_on=True, power_w=2000), 0.0)
    assert only(feed(engine, 0, 1, 9000, seconds_left=20.0)) == [
        Shed("switch.high", Reason.CUTOFF_NEAR),
        Shed("switch.washer", Reason.CUTOFF_NEAR),
    ]


def test_an_idle_non_interruptible_load_is_kept_from_starting_when_it_would_not_fit() -> None:
    washer = LoadConfig("switch.washer", declared_power_w=2000, may_interrupt=False)
    engine = make_engine(washer)
    engine.update_load(LoadState("switch.washer", is_on=True, power_w=0.0), 0.0)
    assert feed(engine, 0, 10, 3000) == []
    assert only(feed(engine, 10, 11, 4500)) == [Shed("switch.washer", Reason.PREVENT_START)]
    assert only(feed(engine, 11, 300, 2500)) == [Restore("switch.washer", Reason.BUDGET_AVAILABLE)]


def test_power_is_learned_from_the_meter_step() -> None:
    engine = make_engine(LOW, HIGH)
    feed(engine, 0, 10, 5500)
    feed(engine, 10, 11, 7500, seconds_left=10.0)  # sheds the low-priority load
    engine.update_load(LoadState("switch.low", is_on=False), 10.8)
    feed(engine, 11, 200, 5300)
    # One step of 2200 VA, and the declared 2000 W as a vote: the median is 2100.
    assert engine.estimated_power_w("switch.low") == 2100
    engine.update_load(LoadState("switch.high", is_on=False), 200.0)  # by hand
    feed(engine, 200, 210, 3400)
    assert engine.estimated_power_w("switch.high") == 1950


def test_two_switchings_at_once_teach_nothing() -> None:
    engine = make_engine(LOW, HIGH)
    feed(engine, 0, 10, 9000)
    engine.update_load(LoadState("switch.low", is_on=False), 10.0)
    engine.update_load(LoadState("switch.high", is_on=False), 10.5)
    feed(engine, 10, 30, 4000)
    assert engine.estimated_power_w("switch.low") == 2000
    assert engine.estimated_power_w("switch.high") == 2000


def test_a_step_whose_reading_before_misses_other_switchings_teaches_nothing() -> None:
    heater = LoadConfig("switch.heater", priority=1, declared_power_w=2000)
    lamps = [LoadConfig(f"switch.lamp_{n}", priority=5, declared_power_w=600) for n in (1, 2)]
    engine = make_engine(heater, *lamps)
    for load in (heater, *lamps):
        engine.update_load(LoadState(load.load, is_on=True), 0.0)
    feed(engine, 0, 20, 5000)
    # Both lamps go off together, then the heater before the meter showed the lamps' step:
    # the reading before the heater's switching still has the lamps in it.
    engine.update_load(LoadState("switch.lamp_1", is_on=False), 20.0)
    engine.update_load(LoadState("switch.lamp_2", is_on=False), 20.2)
    feed(engine, 20, 22, 5000)
    engine.update_load(LoadState("switch.heater", is_on=False), 22.0)
    feed(engine, 22, 40, 1800)
    assert engine.estimated_power_w("switch.heater") == 2000  # not the 3,200 VA step
    # Once the meter has shown them, a switching teaches again.
    engine.update_load(LoadState("switch.heater", is_on=True), 40.0)
    feed(engine, 40, 60, 3900)
    assert engine.estimated_power_w("switch.heater") == 2050


def test_restores_wait_for_a_recent_reading() -> None:
    engine = make_engine(LOW)
    feed(engine, 0, 1, 9000, seconds_left=10.0)
    feed(engine, 1, 100, 1000)
    # The last reading is 20 s old at 120: not stale yet, but too old to restore on.
    assert engine.tick(120.0) == []


def test_a_switching_without_a_recent_reading_teaches_nothing() -> None:
    engine = make_engine(LOW)
    engine.update_load(LoadState("switch.low", is_on=False), 10.0)
    feed(engine, 20, 40, 100)
    assert engine.estimated_power_w("switch.low") == 2000


def test_a_power_sensor_reading_wins() -> None:
    engine = make_engine(LoadConfig("switch.s", power_sensor="sensor.s"))
    engine.update_load(LoadState("switch.s", is_on=True, power_w=1234.0), 1.0)
    engine.update_load(LoadState("switch.s", is_on=True, power_w=3.0), 2.0)  # idle
    assert engine.estimated_power_w("switch.s") == 1234.0


def test_a_long_shed_is_raised_once() -> None:
    engine = make_engine(LOW)
    assert engine.shed("switch.low", 0.0) == [Shed("switch.low", Reason.MANUAL)]
    assert engine.tick(4 * 3600 - 1) == []
    assert engine.tick(4 * 3600) == [RaiseLongShed("switch.low", 0.0)]
    assert engine.tick(4 * 3600 + 1) == []
    assert engine.status(4 * 3600).shed[0].long_shed


def test_user_requests() -> None:
    engine = make_engine(LOW, HIGH)
    assert engine.shed("switch.low", 0.0) == [Shed("switch.low", Reason.MANUAL)]
    assert engine.shed("switch.low", 1.0) == []
    assert feed(engine, 0, 400, 1000) == []  # a manual shed is not undone by the engine
    assert engine.restore("switch.low", 400.0) == [Restore("switch.low", Reason.MANUAL)]
    assert engine.restore("switch.low", 401.0) == []
    assert engine.status(401).overrides == {"switch.low": 4000.0}
    assert engine.boost("switch.high", 402.0, 600.0) == []  # already on: just kept on
    engine.update_load(LoadState("switch.high", is_on=False), 403.0)
    assert engine.boost("switch.high", 404.0, 600.0) == [Restore("switch.high", Reason.BOOST)]


def test_an_emergency_shed_can_be_made_manual() -> None:
    engine = make_engine(LOW)
    feed(engine, 0, 1, 9000, seconds_left=10.0)
    assert engine.shed("switch.low", 2.0) == []
    assert engine.status(2).shed[0].reason is Reason.MANUAL


def test_set_priority_changes_the_order() -> None:
    engine = make_engine(LOW, HIGH)
    engine.set_priority("switch.low", 10)
    assert only(feed(engine, 0, 1, 7000, seconds_left=10.0)) == [
        Shed("switch.high", Reason.CUTOFF_NEAR)
    ]


def test_disabled_engine_sheds_nothing_but_still_restores() -> None:
    engine = make_engine(LOW)
    feed(engine, 0, 1, 9000, seconds_left=10.0)
    assert engine.set_enabled(False, 1.0) == []
    assert feed(engine, 1, 10, 9000, seconds_left=10.0) == []
    assert only(feed(engine, 10, 200, 1000)) == [Restore("switch.low", Reason.BUDGET_AVAILABLE)]
    assert engine.status(200).enabled is False


def test_unknown_loads_are_ignored() -> None:
    engine = make_engine(LOW)
    assert engine.update_load(LoadState("switch.other", is_on=True), 0.0) == []


def test_datetimes_are_accepted() -> None:
    engine = make_engine(LOW)
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    assert engine.tick(moment) == []
    assert engine.status(moment).meter_stale


def test_state_survives_json_and_gives_the_same_decisions() -> None:
    engine = make_engine(LOW, HIGH, LoadConfig("switch.s", priority=3, power_sensor="sensor.s"))
    feed(engine, 0, 10, 7000)
    engine.update_load(LoadState("switch.low", is_on=False), 5.5)
    engine.update_load(LoadState("switch.s", is_on=True, power_w=800.0), 6.0)
    data = json.loads(json.dumps(engine.to_dict()))
    configs = [LOW, HIGH, LoadConfig("switch.s", priority=3, power_sensor="sensor.s")]
    twin = SheddingEngine.from_dict(data, SheddingSettings(), configs)
    assert twin.to_dict() == engine.to_dict()
    assert feed(twin, 10, 500, 2000) == feed(engine, 10, 500, 2000)


def test_reload_drops_loads_no_longer_configured_and_rejects_unknown_versions() -> None:
    engine = make_engine(LOW, HIGH)
    feed(engine, 0, 10, 9000)
    engine.update_load(LoadState("switch.high", is_on=False), 10.0)
    data = engine.to_dict()
    twin = SheddingEngine.from_dict(data, SheddingSettings(), [LOW])
    assert list(twin.to_dict()["loads"]) == ["switch.low"]
    assert twin.to_dict()["observations"] == []
    with pytest.raises(ValueError, match="version"):
        SheddingEngine.from_dict({**data, "version": 99}, SheddingSettings(), [LOW])


def test_reconcile_at_start_releases_loads_found_on_and_restores_the_others_in_stages() -> None:
    engine = make_engine(LOW, HIGH)
    feed(engine, 0, 1, 9000, seconds_left=10.0)
    saved = json.loads(json.dumps(engine.to_dict()))
    restarted = SheddingEngine.from_dict(saved, SheddingSettings(), [LOW, HIGH])
    states = [
        LoadState("switch.low", is_on=False),
        LoadState("switch.high", is_on=True),
        LoadState("switch.gone", is_on=True),
    ]
    assert restarted.reconcile(states, 1000.0) == []
    assert [item.load for item in restarted.status(1000).shed] == ["switch.low"]
    assert restarted.status(1000).expected_va is None
    # No reading yet: nothing comes back, however long; then a full dwell of fresh readings.
    assert restarted.tick(1020.0) == []
    assert feed(restarted, 1020, 1085, 1000) == [
        (1080, Restore("switch.low", Reason.BUDGET_AVAILABLE))
    ]


def test_a_restore_still_on_its_way_when_saved_is_held_again_at_start() -> None:
    """It may fail after the save (a reload, Home Assistant dying): found off, it is held."""
    engine = make_engine(LOW)
    feed(engine, 0, 1, 9000, seconds_left=10.0)
    engine.update_load(LoadState("switch.low", is_on=False), 1)
    assert feed(engine, 1, 121, 1000) == [(120, Restore("switch.low", Reason.BUDGET_AVAILABLE))]
    saved = json.loads(json.dumps(engine.to_dict()))
    restarted = SheddingEngine.from_dict(saved, SheddingSettings(), [LOW])
    assert restarted.reconcile([LoadState("switch.low", is_on=False)], 1000.0) == []
    (held,) = restarted.status(1000).shed
    assert (held.load, held.reason, held.since) == ("switch.low", Reason.CUTOFF_NEAR, 0)
    assert only(feed(restarted, 1000, 1061, 1000)) == [
        Restore("switch.low", Reason.BUDGET_AVAILABLE)
    ]
    # Found on: the restore happened.
    again = SheddingEngine.from_dict(saved, SheddingSettings(), [LOW])
    assert again.reconcile([LoadState("switch.low", is_on=True)], 1000.0) == []
    assert again.status(1000).shed == ()


def test_a_restore_the_switch_never_shows_is_held_again_and_tried_again() -> None:
    engine = make_engine(LOW)
    feed(engine, 0, 1, 9000, seconds_left=10.0)
    engine.update_load(LoadState("switch.low", is_on=False), 1)
    assert feed(engine, 1, 121, 1000) == [(120, Restore("switch.low", Reason.BUDGET_AVAILABLE))]
    # The switch answered the command but never reports on: once the settle time is over,
    # the load is held again as it was, and tried again.
    assert feed(engine, 121, 128, 1000) == []
    assert feed(engine, 128, 129, 1000) == [(128, Restore("switch.low", Reason.BUDGET_AVAILABLE))]
    # This time it reports on: nothing more.
    engine.update_load(LoadState("switch.low", is_on=True), 129)
    assert feed(engine, 129, 300, 1000) == []
    assert engine.status(300).shed == ()


@pytest.mark.parametrize("reading", [5500.0, 1e12, float("nan"), float("inf"), -20.0])
def test_a_power_reading_the_load_cannot_draw_is_no_reading(reading: float) -> None:
    """1,500 W declared: a reading over 2.5x that is no reading of this load's."""
    radiator = LoadConfig("switch.radiator", priority=1, declared_power_w=1500, power_sensor="s")
    engine = make_engine(radiator)
    engine.update_load(LoadState("switch.radiator", is_on=True, power_w=1400), 0)
    engine.update_load(LoadState("switch.radiator", is_on=True, power_w=reading), 1)
    assert engine.estimated_power_w("switch.radiator") == 1400
    feed(engine, 2, 3, 9000, seconds_left=10.0)
    assert engine.status(3).releasing_va == 1400  # what shedding it frees: not the reading
    engine.update_load(LoadState("switch.radiator", is_on=False, power_w=reading), 4)
    restored = only(feed(engine, 4, 300, 500))
    assert restored[:1] == [Restore("switch.radiator", Reason.BUDGET_AVAILABLE)]
    # One saved before readings were checked is dropped too.
    saved = engine.to_dict()
    saved["loads"]["switch.radiator"]["learned"]["measured_w"] = 5500.0
    again = SheddingEngine.from_dict(saved, SheddingSettings(), [radiator])
    assert again.estimated_power_w("switch.radiator") == 1500


def test_simulate_is_a_dry_run() -> None:
    engine = make_engine(LOW, HIGH)
    feed(engine, 0, 10, 5000)
    before = engine.to_dict()
    events: list[Event] = [
        sample(10, 7500, seconds_left=10.0),
        LoadChange(11, LoadState("switch.low", is_on=False)),
        Tick(12),
    ]
    assert engine.simulate(events) == [(10, Shed("switch.low", Reason.CUTOFF_NEAR))]
    assert engine.to_dict() == before


def test_status_reports_available_and_shed_power() -> None:
    engine = make_engine(LOW, HIGH)
    feed(engine, 0, 1, 7000, seconds_left=10.0)
    status = engine.status(1)
    assert status.available_va == 5100 - 5000
    assert status.shed_power_va == 2000
    assert status.seconds_left == 10.0
    assert status.shed[0].since == 0


def test_a_load_whose_switch_cannot_be_reached_is_neither_shed_nor_restored() -> None:
    engine = make_engine(LOW, HIGH)
    feed(engine, 0, 10, 3000)
    assert only(feed(engine, 10, 11, 9000, seconds_left=10.0)) == [
        Shed("switch.low", Reason.CUTOFF_NEAR),
        Shed("switch.high", Reason.CUTOFF_NEAR),
    ]
    engine.update_load(LoadState("switch.low", is_on=False), 11)
    engine.update_load(LoadState("switch.high", is_on=False), 11)
    assert engine.update_unavailable("switch.low", 12) == []
    assert engine.update_unavailable("switch.gone", 12) == []
    # Room for both, well past the minimum off time: only the one that answers comes back.
    actions = only(feed(engine, 12, 131, 1000))
    assert actions == [Restore("switch.high", Reason.BUDGET_AVAILABLE)]
    engine.update_load(LoadState("switch.high", is_on=True), 131)
    assert feed(engine, 131, 400, 1000) == []
    assert [item.load for item in engine.status(400).shed] == ["switch.low"]
    # It answers again, still off: it comes back; switched on meanwhile, it is released.
    assert engine.update_load(LoadState("switch.low", is_on=False), 400) == [
        Restore("switch.low", Reason.BUDGET_AVAILABLE)
    ]
    engine.update_unavailable("switch.high", 420)
    engine.shed("switch.high", 421)
    engine.update_load(LoadState("switch.high", is_on=True), 422)
    assert engine.status(422).shed == ()


def test_a_restore_that_does_not_reach_the_switch_is_held_again() -> None:
    engine = make_engine(LOW)
    feed(engine, 0, 10, 3000)
    feed(engine, 10, 11, 9000, seconds_left=10.0)
    engine.update_load(LoadState("switch.low", is_on=False), 11)
    assert feed(engine, 11, 131, 1000) == [(130, Restore("switch.low", Reason.BUDGET_AVAILABLE))]
    engine.switch_failed("switch.low", True, 130.5)
    (held,) = engine.status(131).shed
    assert (held.reason, held.since) == (Reason.CUTOFF_NEAR, 10)
    # Tried again on the next readings; a switch that cannot be reached waits for its report.
    assert only(feed(engine, 131, 132, 1000)) == [Restore("switch.low", Reason.BUDGET_AVAILABLE)]
    engine.switch_failed("switch.low", True, 131.5, reachable=False)
    assert feed(engine, 132, 300, 1000) == []
    assert engine.update_load(LoadState("switch.low", is_on=False), 300) == [
        Restore("switch.low", Reason.BUDGET_AVAILABLE)
    ]
    # A failed shed, an unknown load, a restore already seen: nothing changes.
    engine.switch_failed("switch.gone", True, 301)
    engine.update_load(LoadState("switch.low", is_on=True), 302)
    engine.switch_failed("switch.low", True, 303)
    assert engine.status(303).shed == ()
    engine.shed("switch.low", 304)
    engine.switch_failed("switch.low", False, 304)
    assert [item.load for item in engine.status(304).shed] == ["switch.low"]


def test_a_failed_boost_of_a_load_not_held_holds_nothing() -> None:
    engine = make_engine(LOW)
    engine.update_load(LoadState("switch.low", is_on=False), 1)
    assert engine.boost("switch.low", 2, 600) == [Restore("switch.low", Reason.BOOST)]
    engine.switch_failed("switch.low", True, 3)
    assert engine.status(3).shed == ()


def test_a_renamed_load_keeps_its_state() -> None:
    engine = make_engine(LOW, HIGH)
    feed(engine, 0, 1, 7000, seconds_left=10.0)
    engine.rename("switch.low", "switch.renamed")
    engine.rename("switch.renamed", "switch.high")  # taken: refused
    engine.rename("switch.gone", "switch.other")
    (held,) = engine.status(1).shed
    assert (held.load, held.reason) == ("switch.renamed", Reason.CUTOFF_NEAR)
    engine.update_load(LoadState("switch.renamed", is_on=False), 2)
    assert only(feed(engine, 2, 200, 1000))[:1] == [
        Restore("switch.renamed", Reason.BUDGET_AVAILABLE)
    ]
