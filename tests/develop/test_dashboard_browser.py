"""The meter's dashboard in a real browser: headless Debian chromium driven by Playwright.

`scripts/develop` runs on free ports with the simulated meter and its plugs; the test enters
prices and adds the water heater and a radiator as loads under shedding (the options and
subentry forms, over the REST API), creates the dashboard with the `create_dashboard` action,
then logs in as the owner through Home Assistant's login page and looks: the gauge of power, the
cost of today and the price now, the time before the cut-off during an overload, the load's
state, a priority changed by clicking into its box, and the shedding order changed by a click
on "Délester plus tôt". Screenshots are kept in the folder the test prints (build/browser/ in
the checkout, git-ignored).
"""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

from playwright.async_api import Page, expect
import pytest

from custom_components.gestion_energie.simulators.meter import SimulatedMeter

from .browser import CHROMIUM, SCREENSHOTS, french_page, log_in, owner_of
from .client import HomeAssistantClient
from .test_develop_command import (
    CHECKOUT,
    WATER_HEATER,
    Develop,
    number,
    wait_for,
)

FRENCH = json.loads(
    (CHECKOUT / "custom_components/gestion_energie/translations/fr.json").read_text("utf-8")
)["entity"]
# The gauge's reading in French, above 6 kVA: "9 360 VA" (a narrow space between thousands).
OVER_6000_VA = re.compile(r"(?:[6-9]|[1-9]\d)[\s\u202f\u00a0]\d{3}\s?VA")


RADIATORS = "Radiateurs"  # the plug simulator's two-socket plug
PRICE = 0.2  # €/kWh of every period, made up for the test


async def _enter_prices(ha: HomeAssistantClient, entry_id: str) -> None:
    """What the user does in the meter's options: a price for each of its periods."""

    async def prices_form() -> dict[str, Any]:
        flow = await ha.async_post("/api/config/config_entries/options/flow", {"handler": entry_id})
        form: dict[str, Any] = await ha.async_post(
            f"/api/config/config_entries/options/flow/{flow['flow_id']}",
            {"next_step_id": "prices"},
        )
        return form

    # The form asks a price for each period the meter has told (aborted before its frame).
    form = await wait_for("the prices form", prices_form, lambda form: form["type"] == "form")
    path = f"/api/config/config_entries/options/flow/{form['flow_id']}"
    prices = {f["name"]: PRICE for f in form["data_schema"] if f["name"].startswith("price_")}
    assert prices, form
    result = await ha.async_post(
        path, {"valid_from": "2020-01-01", "subscription_per_month": 12.0, **prices}
    )
    assert result["type"] == "create_entry", result


async def _add_load(ha: HomeAssistantClient, entry_id: str, switch: str, priority: int) -> None:
    """What the user does in the meter's page: add a load, a plug's switch."""
    flow = await ha.async_post(
        "/api/config/config_entries/subentries/flow",
        {"handler": [entry_id, "load"], "show_advanced_options": False},
    )
    result = await ha.async_post(
        f"/api/config/config_entries/subentries/flow/{flow['flow_id']}",
        {
            "switch": switch,
            "priority": priority,
            "declared_power": 2000,
            "interrupt": "interrupt",
            "restore": "auto",
            "shed_when_stale": False,
        },
    )
    assert result["type"] == "create_entry", result


@pytest.mark.timeout(900)
async def test_the_dashboard_in_a_browser(develop: Develop) -> None:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: scripts/lib/env.sh installs it"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {SCREENSHOTS}")  # noqa: T201  # where to look afterwards
    async with owner_of(develop) as ha:
        await _check_the_dashboard(ha)


async def _check_the_dashboard(ha: HomeAssistantClient) -> None:
    address = SimulatedMeter().address
    entities = await wait_for(
        "the meter's entities",
        lambda: ha.async_ws("config/entity_registry/list"),
        lambda entities: any(e["unique_id"] == f"{address}_apparent_power" for e in entities),
    )
    ours = {e["unique_id"]: e for e in entities if e["platform"] == "gestion_energie"}
    entry_id = ours[f"{address}_apparent_power"]["config_entry_id"]
    devices = {device["id"]: device for device in await ha.async_ws("config/device_registry/list")}

    def plug_switch(name: str) -> str:
        return min(
            str(e["entity_id"])
            for e in ours.values()
            if e["entity_id"].startswith("switch.")
            and e["device_id"] is not None
            and devices[e["device_id"]]["name"] == name
        )

    heater = plug_switch(WATER_HEATER)
    await ha.async_post("/api/services/switch/turn_on", {"entity_id": heater})
    await _enter_prices(ha, entry_id)
    await _add_load(ha, entry_id, heater, 60)
    await _add_load(ha, entry_id, plug_switch(RADIATORS), 40)

    async def registry() -> list[dict[str, Any]]:
        return list(await ha.async_ws("config/entity_registry/list"))

    loads = await wait_for(
        "the loads' priorities",
        registry,
        lambda entities: sum(e["unique_id"].endswith("_priority") for e in entities) == 2,
    )
    devices = {device["id"]: device for device in await ha.async_ws("config/device_registry/list")}

    def heaters(key: str) -> str:
        """The water heater's load entity of `key`, found by its device."""
        return next(
            str(e["entity_id"])
            for e in loads
            if e["unique_id"].endswith(key)
            and e["device_id"] in devices
            and WATER_HEATER in devices[e["device_id"]]["name"]
        )

    priority = heaters("_priority")
    status = heaters("_load_status")
    time_to_cutoff = ours[f"{address}_time_to_cutoff"]["entity_id"]

    created = await ha.async_post(
        "/api/services/gestion_energie/create_dashboard?return_response",
        {"config_entry_id": entry_id},
    )
    url = created["service_response"]["url"]
    assert url == f"/linky-{address}"

    # Started: the frontend no longer shows its "still starting" notice over the cards.
    await wait_for(
        "Home Assistant started",
        lambda: ha.async_get("/api/config"),
        lambda config: config["state"] == "RUNNING",
    )
    async with french_page() as page:
        await log_in(page, ha.base, url)
        await _look(
            page,
            ha,
            priority=priority,
            status=status,
            cutoff=time_to_cutoff,
            power=ours[f"{address}_apparent_power"]["entity_id"],
        )


async def _look(
    page: Page,
    ha: HomeAssistantClient,
    *,
    priority: str,
    status: str,
    cutoff: str,
    power: str,
) -> None:
    # The gauge of power now shows a number of VA.
    gauge = page.locator("hui-gauge-card")
    await expect(gauge).to_contain_text("VA")
    # The load's state, as the state machine has it, in French.
    load_state = (await ha.async_states())[status]["state"]
    state_name = FRENCH["sensor"]["load_status"]["state"][load_state]
    load_card = page.locator("hui-entities-card", has_text=WATER_HEATER)
    await expect(load_card).to_contain_text(state_name)
    # What today cost so far, and the price now, in euros.
    money = page.locator("hui-entities-card", has_text=FRENCH["sensor"]["cost_day"]["name"])
    await expect(money).to_contain_text("€/kWh")
    await expect(money).to_contain_text(re.compile(r"0,20\d*\s?€/kWh"))
    cost_row = money.locator("hui-sensor-entity-row", has_text=FRENCH["sensor"]["cost_day"]["name"])
    await expect(cost_row).to_contain_text(re.compile(r"\d,\d\d\s?€"))
    await page.screenshot(path=SCREENSHOTS / "dashboard.png", full_page=True)

    # An overload: the time before the cut-off counts down on the dashboard.
    await ha.async_post(
        "/api/services/gestion_energie/simulate_overload",
        {"config_entry_id": (await _entry_of(ha, cutoff)), "power": 18000, "duration": 120},
    )
    await wait_for(
        "a time before the cut-off",
        lambda: _state(ha, cutoff),
        lambda state: number(state) is not None,
    )
    cutoff_name = FRENCH["sensor"]["time_to_cutoff"]["name"]
    cutoff_row = page.locator("hui-sensor-entity-row", has_text=cutoff_name)
    await expect(cutoff_row).not_to_contain_text("Inconnu")
    await expect(cutoff_row).to_contain_text("s")
    # The gauge follows the overload (the power is written at most every 10 s).
    await wait_for(
        "the overload's power", lambda: _state(ha, power), lambda s: (number(s) or 0) > 6000
    )
    await expect(gauge).to_contain_text(OVER_6000_VA)
    await page.screenshot(path=SCREENSHOTS / "dashboard-overload.png", full_page=True)

    # The load's priority, changed by clicking into its box and typing.
    box = load_card.locator("hui-number-entity-row", has_text=FRENCH["number"]["priority"]["name"])
    field = box.locator("input")
    await field.click()
    await field.fill("85")
    await field.press("Enter")
    await wait_for(
        "the priority typed in the dashboard",
        lambda: _state(ha, priority),
        lambda state: number(state) == 85,
    )
    await page.screenshot(path=SCREENSHOTS / "dashboard-priority.png", full_page=True)

    # The shedding order: the radiators (40) first, then the water heater (85); one click on
    # "Délester plus tôt" puts the water heater first, the two priorities swapped.
    order = page.locator("hui-markdown-card")
    await expect(order).to_contain_text(_in_order(RADIATORS, "(40)", WATER_HEATER, "(85)"))
    earlier = load_card.locator(
        "hui-button-entity-row", has_text=FRENCH["button"]["shed_earlier"]["name"]
    )
    await earlier.get_by_role("button").click()
    await wait_for(
        "the water heater moved first", lambda: _state(ha, priority), lambda s: number(s) == 40
    )
    await expect(order).to_contain_text(_in_order(WATER_HEATER, "(40)", RADIATORS, "(85)"))
    await page.screenshot(path=SCREENSHOTS / "dashboard-order.png", full_page=True)


def _in_order(*texts: str) -> re.Pattern[str]:
    """The texts one after the other, whatever lies between (line breaks too)."""
    return re.compile(".*".join(re.escape(text) for text in texts), re.DOTALL)


async def _state(ha: HomeAssistantClient, entity_id: str) -> dict[str, Any] | None:
    return (await ha.async_states()).get(entity_id)


async def _entry_of(ha: HomeAssistantClient, entity_id: str) -> str:
    entry = await ha.async_ws("config/entity_registry/get", entity_id=entity_id)
    return str(entry["config_entry_id"])
