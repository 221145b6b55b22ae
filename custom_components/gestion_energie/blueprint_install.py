"""The integration's blueprints, installed in the configuration when it is first set up.

HACS installs only `custom_components/gestion_energie`: the blueprints ride along inside it
and are copied to `blueprints/automation/gestion_energie/` when that folder does not exist,
as Home Assistant does with its own. A folder that exists is the user's: it is left alone.
"""

from __future__ import annotations

from pathlib import Path
import shutil

from homeassistant.core import HomeAssistant

from .const import DOMAIN, LOGGER

BUNDLED = Path(__file__).parent / "blueprints"


async def async_install_blueprints(hass: HomeAssistant) -> None:
    """Copy the blueprints into the configuration, unless their folder is there already."""
    target = Path(hass.config.path("blueprints", "automation", DOMAIN))

    def install() -> bool:
        if target.exists():
            return False
        shutil.copytree(BUNDLED, target)
        return True

    if await hass.async_add_executor_job(install):
        LOGGER.info("Blueprints installed in %s", target)
