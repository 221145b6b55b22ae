"""What the browser tests share: the owner of a running `scripts/develop`, and a French page.

Debian's chromium (scripts/lib/env.sh installs it), driven by Playwright through its
executable path: no browser is ever downloaded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
import shutil

import aiohttp
from playwright.async_api import Page, async_playwright, expect

from .client import HomeAssistantClient
from .test_develop_command import CHECKOUT, Develop, wait_until_serving

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = CHECKOUT / "build" / "browser"
UI_TIMEOUT_MS = 60_000  # a loaded machine renders slowly; expect() polls until then


@asynccontextmanager
async def owner_of(develop: Develop) -> AsyncIterator[HomeAssistantClient]:
    """The instance's owner, once it serves: onboarded as a new user's first visit does."""
    async with aiohttp.ClientSession() as session:
        await wait_until_serving(develop, session)
        ha = HomeAssistantClient(session, develop.port)
        await ha.async_onboard()
        await ha.async_finish_onboarding()
        try:
            yield ha
        finally:
            await ha.async_close()


@asynccontextmanager
async def french_page() -> AsyncIterator[Page]:
    """A French household's browser page: the frontend speaks French, as the instance does."""
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
            yield page
        finally:
            await browser.close()


async def log_in(page: Page, base: str, url: str) -> None:
    """Through Home Assistant's own login page, as the owner onboarding made."""
    await page.goto(f"{base}{url}")
    await page.locator("input[name=username]").fill("owner")
    await page.locator("input[name=password]").fill("owner-password")
    await page.locator("input[name=password]").press("Enter")
    await page.wait_for_url(f"{base}{url}**", timeout=UI_TIMEOUT_MS)
