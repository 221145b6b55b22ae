"""Everything the meter records, on a real MariaDB server: states, statistics, adoption.

A throw-away server (Debian's mariadb-server, installed when missing) on a loopback port serves
one new database per test as the recorder's `db_url`, through PyMySQL (`mysql+pymysql://`).
"""

from __future__ import annotations

from collections.abc import Iterator
import uuid

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gestion_energie.coordinator import MeterCoordinator
from tools.mariadb import MariaDB, mariadb_server

from .recording import check_recorded_and_adopted


@pytest.fixture
def mariadb(socket_enabled: None) -> Iterator[MariaDB]:
    """A server for the test (sockets: its free port is found by binding one), removed after."""
    with mariadb_server(durable=False) as server:
        yield server


@pytest.fixture
def recorder_db_url(mariadb: MariaDB) -> Iterator[str]:
    """The recorder's database: a new one in the server, dropped after the test."""
    name = f"recorder_{uuid.uuid4().hex[:12]}"
    yield mariadb.create_database(name)
    mariadb.drop_database(name)


async def test_states_statistics_and_an_adopted_history_on_mariadb(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    before_start: None,
    coordinator: MeterCoordinator,
    loaded_simulator: MockConfigEntry,
    recorder_mock: Recorder,
) -> None:
    assert recorder_mock.dialect_name == "mysql"
    await check_recorded_and_adopted(hass, freezer, coordinator, loaded_simulator)
