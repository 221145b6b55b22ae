"""The loads French homes shed, as named appliances of the house simulator.

    house = (fil_pilote_heater("select.living_room"), thermostat("climate.bedroom"),
             water_heater("switch.water_heater"), ev_charger("number.charger_current"))

Each is an `Appliance` with the steps the integration would give it (as the load form proposes
them): a fil pilote heater's comfort, eco, frost protection and off; a thermostat's setpoint
lowered, then off; a water heater's contactor with its minimum run; a charger's current lowered
in amperes, then off. What a step saves depends on the house (insulation, the room, the car):
the shares here are a model's assumptions, not measures.
"""

from __future__ import annotations

from ..shedding import LoadConfig
from .house import Appliance, Interval

FIL_PILOTE_ORDERS = ("comfort", "eco", "frost_protection", "off")  # the steps, in order
# Assumed: eco (comfort less 3.5 °C) draws a third less, frost protection (about 7 °C) two
# thirds less than comfort.
FIL_PILOTE_SAVINGS = (1 / 3, 2 / 3)
SETBACK_SAVING = 0.3  # assumed: a setpoint 2 °C lower draws 30 % less
VOLTS = 230.0


def fil_pilote_heater(
    load: str, power_w: float = 1500.0, *, priority: int = 10, phase: int | None = None
) -> Appliance:
    """An electric heater on fil pilote (a `select` of its orders): it heats whenever on."""
    config = LoadConfig(
        load,
        priority=priority,
        declared_power_w=power_w,
        step_savings_w=tuple(round(power_w * share) for share in FIL_PILOTE_SAVINGS),
        phase=phase,
    )
    return Appliance(config, power_w)


def thermostat(
    load: str,
    power_w: float = 2000.0,
    *,
    priority: int = 20,
    phase: int | None = None,
    cycle_s: float = 600.0,
    duty: float = 0.6,
    duration_s: float = 86400.0,
) -> Appliance:
    """A heater under its own thermostat (a `climate`): it heats `duty` of each cycle."""
    config = LoadConfig(
        load,
        priority=priority,
        declared_power_w=power_w,
        step_savings_w=(round(power_w * SETBACK_SAVING),),
        phase=phase,
    )
    count = int(duration_s // cycle_s) + 1
    runs = tuple((index * cycle_s, index * cycle_s + duty * cycle_s) for index in range(count))
    return Appliance(config, power_w, runs)


def water_heater(
    load: str,
    power_w: float = 2000.0,
    *,
    priority: int = 30,
    min_run_h: float = 4.0,
    phase: int | None = None,
    starts_on: bool = True,
    runs: tuple[Interval, ...] | None = None,
) -> Appliance:
    """A water heater behind a contactor (a `switch`) that must heat `min_run_h` a day.

    `starts_on=False`: left off by the user (the off-peak contact open); `runs`: when its own
    thermostat wants heat (None: whenever on).
    """
    config = LoadConfig(
        load,
        priority=priority,
        declared_power_w=power_w,
        min_run_s=min_run_h * 3600.0,
        phase=phase,
    )
    return Appliance(config, power_w, runs, starts_on=starts_on)


def ev_charger(
    load: str,
    *,
    max_a: int = 32,
    lower_a: tuple[int, ...] = (16, 6),
    priority: int = 5,
    phase: int | None = None,
    runs: tuple[Interval, ...] | None = None,
) -> Appliance:
    """A charger whose current is a `number` (max_a A), lowered to each of `lower_a`, then off."""
    power_w = max_a * VOLTS
    config = LoadConfig(
        load,
        priority=priority,
        declared_power_w=power_w,
        step_savings_w=tuple((max_a - amps) * VOLTS for amps in sorted(lower_a, reverse=True)),
        phase=phase,
    )
    return Appliance(config, power_w, runs)
