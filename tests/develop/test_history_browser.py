"""Adopting an old integration's history from the meter's options, in a real browser.

`scripts/develop` runs on free ports with the simulated meter. The test plays the old
integration: a sensor of the total index (a state set over the REST API) and its three hours
of statistics before this meter's first one (the recorder's `import_statistics` command).
Once the recorder has compiled the meter's first statistics, a French user logs in, opens the
meter's options, chooses the history step, picks the old sensor for the total index, reads the
dry run and confirms; the meter's statistics then start with the old hours, its own sums
raised to continue them. Screenshots in build/browser/ (git-ignored).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from typing import Any

from playwright.async_api import Page, expect
import pytest

from custom_components.gestion_energie.simulators.meter import SimulatedMeter

from .browser import CHROMIUM, SCREENSHOTS, french_page, log_in, owner_of
from .client import HomeAssistantClient
from .test_develop_command import CHECKOUT, Develop, wait_for

FRENCH = json.loads(
    (CHECKOUT / "custom_components/gestion_energie/translations/fr.json").read_text("utf-8")
)["options"]
OLD_SENSOR = "sensor.linkytic_index"
OLD_NAME = "Linkytic Index"
OLD_HOURS = 3
ADJUSTMENT_KWH = 12.4  # the old sum at its last hour: ours are raised by it
# The first 5-minute statistics come at most five minutes (and ten seconds) after the start.
FIRST_STATISTICS_S = 480.0


async def _statistics(ha: HomeAssistantClient, entity_id: str, period: str) -> list[Any]:
    """A statistic's rows (state and sum, in kWh), oldest first."""
    found = await ha.async_ws(
        "recorder/statistics_during_period",
        start_time="2000-01-01T00:00:00+00:00",
        statistic_ids=[entity_id],
        period=period,
        types=["state", "sum"],
        units={"energy": "kWh"},
    )
    return list(found.get(entity_id, []))


async def _old_integration(
    ha: HomeAssistantClient, first_index_kwh: float, cutoff: datetime
) -> None:
    """The old integration's sensor, and its hours before ours.

    They end 0.5 kWh below our first reading: 1.2 kWh an hour, the sums from 10 kWh.
    """
    await ha.async_post(
        f"/api/states/{OLD_SENSOR}",
        {
            "state": str(first_index_kwh - 0.5),
            "attributes": {
                "device_class": "energy",
                "unit_of_measurement": "kWh",
                "friendly_name": OLD_NAME,
            },
        },
    )
    hours = [
        {
            "start": (cutoff - (OLD_HOURS - n) * timedelta(hours=1)).isoformat(),
            "state": round(first_index_kwh - 0.5 - 1.2 * (OLD_HOURS - 1 - n), 3),
            "sum": round(10.0 + 1.2 * n, 3),
        }
        for n in range(OLD_HOURS)
    ]
    await ha.async_ws(
        "recorder/import_statistics",
        metadata={
            "has_sum": True,
            "mean_type": 0,
            "name": None,
            "source": "recorder",
            "statistic_id": OLD_SENSOR,
            "unit_class": "energy",
            "unit_of_measurement": "kWh",
        },
        stats=hours,
    )
    await wait_for(
        "the old sensor's statistics",
        lambda: _statistics(ha, OLD_SENSOR, "hour"),
        lambda rows: len(rows) == OLD_HOURS,
    )


@pytest.mark.timeout(1200)
async def test_a_history_is_adopted_in_a_browser(develop: Develop) -> None:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: scripts/lib/env.sh installs it"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {SCREENSHOTS}")  # noqa: T201  # where to look afterwards
    async with owner_of(develop) as ha:
        await _adopt_in_a_browser(ha)


async def _adopt_in_a_browser(ha: HomeAssistantClient) -> None:
    total_key = f"{SimulatedMeter().address}_east"
    entities = await wait_for(
        "the meter's total index",
        lambda: ha.async_ws("config/entity_registry/list"),
        lambda entities: any(e["unique_id"] == total_key for e in entities),
    )
    total = next(e["entity_id"] for e in entities if e["unique_id"] == total_key)
    ours = await wait_for(
        "the total index's first statistics",
        lambda: _statistics(ha, total, "5minute"),
        bool,
        within=FIRST_STATISTICS_S,
    )
    first = ours[0]
    first_index_kwh = first["state"] - first["sum"]
    cutoff = datetime.fromtimestamp(first["start"] / 1000, UTC).replace(minute=0)
    await _old_integration(ha, first_index_kwh, cutoff)
    await wait_for(
        "Home Assistant started",
        lambda: ha.async_get("/api/config"),
        lambda config: config["state"] == "RUNNING",
    )
    total_name = (await ha.async_states())[total]["attributes"]["friendly_name"]

    async with french_page() as page:
        await log_in(page, ha.base, "/config/integrations/integration/gestion_energie")
        await _pick_and_confirm(page, total_name)

    # Our statistics start with the old hours; our own first row's sum is raised by the old sum.
    adopted = await _statistics(ha, total, "hour")
    old = adopted[:OLD_HOURS]
    assert [row["start"] / 1000 for row in old] == [
        (cutoff - (OLD_HOURS - n) * timedelta(hours=1)).timestamp() for n in range(OLD_HOURS)
    ]
    assert [round(row["sum"], 3) for row in old] == [10.0, 11.2, 12.4]
    assert round(old[-1]["state"], 3) == round(first_index_kwh - 0.5, 3)
    raised = await _statistics(ha, total, "5minute")
    assert round(raised[0]["sum"], 3) == round(first["sum"] + ADJUSTMENT_KWH, 3)


async def _pick_and_confirm(page: Page, total_name: str) -> None:
    """What the user does: the meter's options, the history step, a sensor picked, confirmed."""
    step = FRENCH["step"]
    await page.get_by_role("button", name="Configurer").click()
    await page.get_by_text(step["init"]["menu_options"]["history"]).click()
    dialog = page.locator("dialog-data-entry-flow")
    await expect(dialog).to_contain_text(step["history"]["title"])
    # Each picker is labelled with the name of our index sensor, not an entity id.
    picker = dialog.locator("ha-selector-entity", has_text=total_name)
    await expect(picker).to_have_count(1)
    await expect(dialog).not_to_contain_text("sensor.")
    await page.screenshot(path=SCREENSHOTS / "history-form.png")

    await picker.get_by_text("Sélectionner une entité").click()
    # Into the list's search field, not typed at the page: letters that reach the page before
    # the field has the focus open Home Assistant's quick bar, over the list (seen in CI).
    search = picker.locator("input")
    await expect(search).to_be_visible()
    await search.fill("Linkytic")
    offered = picker.locator("ha-combo-box-item", has_text=OLD_NAME)
    await expect(offered).to_have_count(1)
    await offered.click()
    await expect(picker).to_contain_text(OLD_NAME)
    await page.screenshot(path=SCREENSHOTS / "history-picked.png")
    await dialog.get_by_role("button", name="Valider").click()

    # The dry run, in French: the sensors by their names, the hours, the raise in kWh.
    await expect(dialog).to_contain_text(step["history_confirm"]["title"])
    await expect(dialog).to_contain_text(f"{total_name} ← {OLD_NAME} : {OLD_HOURS} heures")
    await expect(dialog).to_contain_text("sommes relevées de 12,400 kWh")
    await expect(dialog).to_contain_text("0,500 kWh comptés sans enregistrement")
    await page.screenshot(path=SCREENSHOTS / "history-dry-run.png")
    await dialog.get_by_role("button", name="Valider").click()

    done = FRENCH["abort"]["history_adopted"].replace("{indexes}", "1")
    await expect(dialog).to_contain_text(done)
    await page.screenshot(path=SCREENSHOTS / "history-done.png")
