"""The history tests run a real recorder; the database-server ones start their clock early."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
import pytest

from .recording import SERVER_START


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The recorder starts before Home Assistant's other parts, as the fixtures require."""


@pytest.fixture
def before_start(freezer: FrozenDateTimeFactory) -> None:
    """The clock before the simulated hours on a database server, from the meter's set-up on.

    The meter's first (real-time) frame must not come from a time after them: the model
    refuses an index that grows faster than the meter can count since an earlier reading.
    """
    freezer.move_to(SERVER_START - timedelta(minutes=1))
