"""The README's blueprint instructions followed in a real browser, as a new user would.

`scripts/develop` runs a fresh configuration: the integration installs its blueprints on its
first start, and they show in Settings → Automations & scenes → Blueprints. A README link's
address is typed into the UI's "Import blueprint" dialog, previewed and imported; another is
followed where my.home-assistant.io sends the browser (`/_my_redirect/blueprint_import` on the
user's Home Assistant, which opens the same dialog with the address filled in). The internet
is out of reach here: GitHub is played by a loopback HTTP server serving this checkout as
raw.githubusercontent.com serves the repository. Last, an automation from the off-peak
blueprint offers the meter alone in its meter picker. Screenshots are kept in build/browser/
(git-ignored).
"""

from __future__ import annotations

from pathlib import Path
import re
from urllib.parse import parse_qs, urlencode

import aiohttp
from aiohttp import web
from playwright.async_api import Page, async_playwright, expect
import pytest
from yarl import URL

from .client import HomeAssistantClient
from .test_dashboard_browser import CHROMIUM, SCREENSHOTS, UI_TIMEOUT_MS, _log_in
from .test_develop_command import CHECKOUT, Develop, wait_for, wait_until_serving

BLUEPRINTS = CHECKOUT / "custom_components" / "gestion_energie" / "blueprints"
README_LINK = re.compile(
    r"\[([^\]]+)\]\(https://my\.home-assistant\.io/redirect/blueprint_import/\?([^)]+)\)"
)
# The frontend's words (French instance, French browser; English if it ever falls back).
IMPORT = re.compile(r"Importer un blueprint|Import blueprint", re.IGNORECASE)
ADDRESS = re.compile(r"Adresse du Blueprint|Blueprint address", re.IGNORECASE)
PREVIEW = re.compile(r"Aperçu|Preview")


def readme_links() -> dict[str, str]:
    """Each blueprint the README links to: its name, and the raw GitHub address it imports."""
    readme = (CHECKOUT / "README.md").read_text("utf-8")
    return {
        name: parse_qs(query)["blueprint_url"][0] for name, query in README_LINK.findall(readme)
    }


async def start_github(port_holder: list[int]) -> web.AppRunner:
    """raw.githubusercontent.com for this repository, on loopback: files of this checkout."""

    async def raw_file(request: web.Request) -> web.Response:
        path = (CHECKOUT / request.match_info["path"]).resolve()
        if CHECKOUT not in path.parents or not path.is_file():
            raise web.HTTPNotFound
        return web.Response(text=path.read_text("utf-8"), content_type="text/plain")

    app = web.Application()
    app.router.add_get("/{owner}/{name}/{branch}/{path:.+}", raw_file)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port_holder.append(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
    return runner


def on_loopback(raw_url: str, port: int) -> str:
    """The raw GitHub address, served by the loopback server instead."""
    return str(URL(raw_url).with_scheme("http").with_host("127.0.0.1").with_port(port))


@pytest.mark.timeout(900)
async def test_a_new_user_finds_and_imports_the_blueprints_in_a_browser(
    develop: Develop,
) -> None:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: scripts/lib/env.sh installs it"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    links = readme_links()
    bundled = {path.name for path in BLUEPRINTS.glob("*.yaml")}
    assert sorted(URL(url).name for url in links.values()) == sorted(bundled)
    ports: list[int] = []
    github = await start_github(ports)
    try:
        async with aiohttp.ClientSession() as session:
            await wait_until_serving(develop, session)
            ha = HomeAssistantClient(session, develop.port)
            await ha.async_onboard()
            await ha.async_finish_onboarding()
            try:
                await wait_for(
                    "Home Assistant started",
                    lambda: ha.async_get("/api/config"),
                    lambda config: config["state"] == "RUNNING",
                )
                await _in_a_browser(ha, links, ports[0])
                # Saved where the dialog said, beside those the integration installed.
                listed = await ha.async_ws("blueprint/list", domain="automation")
                assert {f"gestion_energie/{name}" for name in bundled} <= set(listed)
                assert "127.0.0.1/off_peak.yaml" in listed
                imported = listed["127.0.0.1/off_peak.yaml"]["metadata"]
                assert imported["name"] == "Prises allumées en heures creuses"
                assert "127.0.0.1/tempo_red_days.yaml" in listed
            finally:
                await ha.async_close()
    finally:
        await github.cleanup()


async def _in_a_browser(ha: HomeAssistantClient, links: dict[str, str], port: int) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
            page.set_default_timeout(UI_TIMEOUT_MS)
            expect.set_options(timeout=UI_TIMEOUT_MS)
            try:
                # Settings → Automations & scenes → Blueprints: the integration's three are there.
                await _log_in(page, ha.base, "/config/blueprint/dashboard")
                for name in links:
                    await expect(page.get_by_text(name, exact=True).first).to_be_visible()
                await page.screenshot(path=SCREENSHOTS / "blueprints.png", full_page=True)
                off_peak = "Prises allumées en heures creuses"
                await _import(page, on_loopback(links[off_peak], port), off_peak, "off_peak")
                # The README's link, from my.home-assistant.io on: the dialog opens filled in.
                tempo = "Prises éteintes les jours rouges Tempo"
                query = urlencode({"blueprint_url": on_loopback(links[tempo], port)})
                await page.goto(f"{ha.base}/_my_redirect/blueprint_import?{query}")
                await _import(page, None, tempo, "tempo_red_days")
                await _pick_the_meter(page)
            except Exception:
                await page.screenshot(path=SCREENSHOTS / "blueprints-failure.png", full_page=True)
                raise
        finally:
            await browser.close()


async def _import(page: Page, url: str | None, name: str, file: str) -> None:
    """The "Import blueprint" dialog: the address typed (unless given), previewed, imported."""
    dialog = page.locator("ha-dialog-import-blueprint")
    if url is not None:
        await page.get_by_role("button", name=IMPORT).first.click()
        await expect(dialog).to_contain_text(ADDRESS)
        await dialog.locator("ha-input input").fill(url)
    await dialog.get_by_role("button", name=PREVIEW).click()
    await expect(dialog).to_contain_text(name)
    path = f"127.0.0.1/{file}"  # where Home Assistant saves a blueprint from that host
    await expect(dialog.locator("ha-input input")).to_have_value(path)
    await page.screenshot(path=SCREENSHOTS / f"blueprint-import-{file}.png", full_page=True)
    await dialog.get_by_role("button", name=IMPORT).click()
    # The dialog closed, the list shows the new one by its path.
    await expect(page.get_by_text(f"{path}.yaml", exact=True)).to_be_visible()
    await page.screenshot(path=SCREENSHOTS / f"blueprint-imported-{file}.png", full_page=True)


async def _pick_the_meter(page: Page) -> None:
    """An automation from the installed off-peak blueprint: its picker offers the meter alone.

    The develop house has plugs of the integration too (the water heater's...): a device
    picker filtered on the integration alone would offer them.
    """
    await page.get_by_text("gestion_energie/off_peak.yaml", exact=True).click()
    await page.locator("ha-selector-device ha-picker-field").click()
    # Each device offered shows its integration's name beside its own.
    offered = page.locator("ha-selector-device ha-combo-box-item", has_text="Gestion Énergie")
    await expect(offered).to_have_count(1)
    await expect(offered).to_contain_text("Linky")
    await page.screenshot(path=SCREENSHOTS / "blueprint-meter-picker.png", full_page=True)
