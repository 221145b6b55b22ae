"""Give scripts/develop's Home Assistant a simulated meter from the first run.

Writes the config entry of the built-in simulated Linky into the configuration's
storage when the configuration has no config entries yet (a fresh checkout). The
record is built by Home Assistant's own ConfigEntry class, so its format is the
installed version's. Run: scripts/run python tools/develop_seed.py config
"""

from __future__ import annotations

import json
from pathlib import Path
import sys
from types import MappingProxyType

from custom_components.gestion_energie.const import (
    CONF_CONTRACT,
    CONF_MODE,
    CONF_SOURCE,
    CONF_SUBSCRIBED_KVA,
    DOMAIN,
    SOURCE_SIMULATOR,
)
from custom_components.gestion_energie.simulators.meter import SimulatedMeter
from homeassistant.config_entries import (
    SOURCE_USER,
    STORAGE_KEY,
    STORAGE_VERSION,
    STORAGE_VERSION_MINOR,
    ConfigEntry,
)
from homeassistant.helpers.json import json_bytes


def seed(config_dir: Path) -> bool:
    """Write the simulated meter's entry unless config entries already exist."""
    storage = config_dir / ".storage" / STORAGE_KEY
    if storage.exists():
        return False
    address = SimulatedMeter().address
    entry = ConfigEntry(
        data={
            CONF_SOURCE: SOURCE_SIMULATOR,
            CONF_MODE: "standard",
            CONF_CONTRACT: "tempo",
            CONF_SUBSCRIBED_KVA: "6",
        },
        discovery_keys=MappingProxyType({}),
        domain=DOMAIN,
        minor_version=1,
        options={},
        source=SOURCE_USER,
        subentries_data=None,
        title=f"Linky {address}",
        unique_id=address,
        version=1,
    )
    storage.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "version": STORAGE_VERSION,
        "minor_version": STORAGE_VERSION_MINOR,
        "key": STORAGE_KEY,
        "data": {"entries": [json.loads(json_bytes(entry.as_dict()))]},
    }
    storage.write_text(json.dumps(record, indent=2), encoding="utf-8")
    return True


if __name__ == "__main__":
    if seed(Path(sys.argv[1])):
        print("Added the simulated Linky meter to the development configuration.")  # noqa: T201
