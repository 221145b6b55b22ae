"""The named appliances of a French home through the house simulator and the engine.

A 6 kVA house (shed above 6000 VA, restore under 5100 VA): two fil pilote heaters, a
thermostat, a water heater left off with its 4 h to run off-peak (22:00 to 06:00 is not in one
day: here 00:00 to 06:00) and a charger.
"""

from __future__ import annotations

from custom_components.gestion_energie.shedding import Reason, Run, Shed, SheddingSettings
from custom_components.gestion_energie.simulators.appliances import (
    FIL_PILOTE_ORDERS,
    ev_charger,
    fil_pilote_heater,
    thermostat,
    water_heater,
)
from custom_components.gestion_energie.simulators.house import HouseSimulation, Scenario

HOUR = 3600.0


def test_each_named_appliance_has_the_steps_the_form_would_give_it() -> None:
    heater = fil_pilote_heater("select.living_room", 1500)
    assert heater.config.last_step == len(FIL_PILOTE_ORDERS) - 1  # comfort is the user's own
    assert heater.config.step_savings_w == (500, 1000)
    charger = ev_charger("number.charger", max_a=32, lower_a=(6, 16))
    assert charger.config.declared_power_w == 7360
    assert charger.config.step_savings_w == (16 * 230, 26 * 230)  # 16 A, then 6 A
    cycling = thermostat("climate.bedroom", 2000, cycle_s=600, duty=0.5, duration_s=1200)
    assert cycling.runs == ((0, 300), (600, 900), (1200, 1500))
    assert water_heater("switch.water", min_run_h=4).config.min_run_s == 4 * HOUR


def test_an_evening_overload_turns_the_fil_pilote_heaters_down_and_spares_the_charger() -> None:
    house = (
        fil_pilote_heater("select.living_room", 1500, priority=10),
        fil_pilote_heater("select.kitchen", 1000, priority=11),
        thermostat("climate.bedroom", 2000, priority=20, duration_s=2 * HOUR),
        # A 10 A charger (2300 W) plugged in at 10 minutes: 7600 VA with everything on, a
        # sustained overload under 1.3 x PCOUP (never a cut, no emergency).
        ev_charger(
            "number.charger", max_a=10, lower_a=(6,), priority=30, runs=((600.0, 2 * HOUR),)
        ),
    )
    # The meter's own overload signal left out (it would make it an emergency): the engine
    # acts on the power staying above the shed limit.
    scenario = Scenario(
        house,
        duration_s=2 * HOUR,
        base=((0.0, 800.0),),
        meter_period_s=2.0,
        overload_signals=False,
    )
    outcome = HouseSimulation(scenario, SheddingSettings()).run()
    assert outcome.tripped_at is None
    sheds = [action for _, action in outcome.actions if isinstance(action, Shed)]
    # The least important heater goes down its fil pilote orders first (eco, frost protection).
    assert sheds[:2] == [
        Shed("select.living_room", Reason.OVER_LIMIT, 1),
        Shed("select.living_room", Reason.OVER_LIMIT, 2),
    ]
    # The heaters' fil pilote orders are enough each time the thermostat heats: neither it
    # nor the charger is touched.
    assert {action.load for action in sheds} == {"select.living_room", "select.kitchen"}


def test_a_water_heater_left_off_heats_its_four_hours_off_peak_then_is_off_again() -> None:
    house = (
        fil_pilote_heater("select.living_room", 1500, priority=10),
        water_heater("switch.water_heater", 2000, starts_on=False, min_run_h=4),
    )
    scenario = Scenario(
        house,
        duration_s=8 * HOUR,
        base=((0.0, 600.0),),
        meter_period_s=10.0,
        tick_s=10.0,
        off_peak=((0.0, 6 * HOUR),),
    )
    outcome = HouseSimulation(scenario, SheddingSettings()).run()
    assert outcome.tripped_at is None
    runs = [(time, action) for time, action in outcome.actions if isinstance(action, Run)]
    assert [action.on for _, action in runs] == [True, False]
    (start, _), (end, _) = runs
    assert start < 5 * 60  # off-peak, once the restore dwell shows room
    assert 4 * HOUR <= end - start < 4 * HOUR + 60
    assert outcome.switchings["switch.water_heater"][-1][1] is False  # left off, as it was
