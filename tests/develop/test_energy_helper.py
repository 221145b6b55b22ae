"""scripts/develop's helper in a real Home Assistant with its recorder: the Energy dashboard
set up from the simulated meter, with a day of statistics the recorder carries on from."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
import sys
from typing import Any

from homeassistant.components.energy.data import async_get_manager
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.statistics import (
    StatisticsRow,
    get_latest_short_term_statistics_with_session,
    statistics_during_period,
)
from homeassistant.components.recorder.util import session_scope
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.gestion_energie.const import DOMAIN

# The helper is a custom integration of scripts/develop, beside the checkout's own.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "develop"))
from custom_components.gestion_energie_develop import (
    HISTORY_HOURS,
    async_set_up_energy,
)


def label_of(registry: er.EntityRegistry, entity_id: str) -> str:
    """The meter label of an index sensor, from its unique id (address_label)."""
    entry = registry.async_get(entity_id)
    assert entry is not None
    return entry.unique_id.split("_", 1)[1]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The recorder starts before Home Assistant's other parts, as the fixtures require."""


async def test_energy_dashboard_set_up_with_a_day_behind_it(
    recorder_mock: Recorder, hass: HomeAssistant, loaded_simulator: MockConfigEntry
) -> None:
    assert await async_setup_component(hass, "energy", {})
    await async_set_up_energy(hass)
    manager = await async_get_manager(hass)
    assert manager.data is not None
    sources = manager.data["energy_sources"]
    registry = er.async_get(hass)
    # Tempo in standard mode: one grid source per supplier index that counted, no total.
    index_ids = [str(source.get("stat_energy_from")) for source in sources]
    labels = {label_of(registry, entity_id) for entity_id in index_ids}
    assert labels
    assert labels <= {f"easf{n:02}" for n in range(1, 7)}
    assert all(source["type"] == "grid" for source in sources)

    await async_wait_recording_done(hass)
    entity_id = index_ids[0]
    now = dt_util.utcnow()
    rows: dict[str, list[StatisticsRow]] = await recorder_mock.async_add_executor_job(
        statistics_during_period,
        hass,
        now - timedelta(hours=HISTORY_HOURS + 1),
        None,
        {entity_id},
        "hour",
        None,
        {"state", "sum"},
    )
    hourly = rows[entity_id]
    assert len(hourly) == HISTORY_HOURS
    sums = [row["sum"] for row in hourly if row["sum"] is not None]
    assert len(sums) == HISTORY_HOURS
    assert sums == sorted(sums)
    assert sums[-1] > 0
    state = hass.states.get(entity_id)
    assert state is not None
    # The series ends at the running meter's index, and the 5-minute statistics the
    # recorder compiles next continue from there.
    assert hourly[-1]["state"] == float(state.state)

    def latest_short_term() -> dict[str, Any]:
        with session_scope(hass=hass, read_only=True) as session:
            rows = get_latest_short_term_statistics_with_session(
                hass, session, {entity_id}, {"state", "sum"}
            )
        return dict(rows[entity_id][0])

    short = await recorder_mock.async_add_executor_job(latest_short_term)
    assert (short["state"], short["sum"]) == (hourly[-1]["state"], hourly[-1]["sum"])

    # A second start leaves the user's dashboard as it is.
    await async_set_up_energy(hass)
    assert manager.data["energy_sources"] == sources
    assert DOMAIN in hass.config.components
