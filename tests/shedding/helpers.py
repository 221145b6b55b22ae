"""Shared builders for the shedding tests."""

from __future__ import annotations

from typing import Any

from custom_components.gestion_energie.shedding import (
    Action,
    LoadConfig,
    LoadState,
    MeterSample,
    SheddingEngine,
    SheddingSettings,
)

PCOUP_KVA = 6.0  # limits with the default settings: shed above 6000 VA, restore under 5100 VA


def sample(time: float, va: float, **signals: Any) -> MeterSample:
    """Return a reading from a 6 kVA meter."""
    return MeterSample(time, va, PCOUP_KVA, PCOUP_KVA, **signals)


def make_engine(*loads: LoadConfig, **settings: Any) -> SheddingEngine:
    """Return an engine over `loads`, all reported on at time 0."""
    engine = SheddingEngine(SheddingSettings(**settings), loads)
    for load in loads:
        engine.update_load(LoadState(load.load, is_on=True), 0.0)
    return engine


def feed(
    engine: SheddingEngine, start: float, end: float, va: float, period: float = 1.0, **signals: Any
) -> list[tuple[float, Action]]:
    """Feed a steady reading every `period` from `start` to before `end`; return the actions."""
    actions: list[tuple[float, Action]] = []
    time = start
    while time < end:
        actions += [(time, action) for action in engine.update_meter(sample(time, va, **signals))]
        time += period
    return actions


def only(actions: list[tuple[float, Action]]) -> list[Action]:
    """Drop the times."""
    return [action for _, action in actions]
