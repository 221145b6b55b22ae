"""Build the source a config entry describes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.core import HomeAssistant

from .const import (
    CONF_CONTRACT,
    CONF_MODE,
    CONF_SOURCE,
    CONF_SUBSCRIBED_KVA,
    SOURCE_SIMULATOR,
)
from .coordinator import ByteSource
from .simulators.meter import Contract, SimulatedMeter, SimulatedMeterSource
from .tic import TicMode


def create_source(
    hass: HomeAssistant, data: dict[str, Any], on_data: Callable[[bytes], None]
) -> tuple[ByteSource, SimulatedMeter | None]:
    """The source of an entry's data, and the simulated meter when it is one."""
    kind = data[CONF_SOURCE]
    if kind == SOURCE_SIMULATOR:
        meter = SimulatedMeter(
            mode=TicMode(data[CONF_MODE]),
            contract=Contract(data[CONF_CONTRACT]),
            subscribed_kva=int(data[CONF_SUBSCRIBED_KVA]),
        )
        return SimulatedMeterSource(meter, on_data), meter
    msg = f"unknown source {kind!r}"
    raise ValueError(msg)
