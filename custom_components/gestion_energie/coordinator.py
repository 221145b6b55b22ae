"""The meter's coordinator: bytes from a source, through the decoder, into `MeterData`.

Push only (no polling): every frame is decoded and folded into the model at once,
so overload detection sees it immediately. Entities decide what reaches the state
machine (see `entity.py`). When no valid frame has come for the configured time,
every entity turns unavailable together, and comes back with the next frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
import time
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import (
    CONF_STALE_AFTER,
    CONF_UPDATE_INTERVAL,
    DEFAULT_STALE_AFTER,
    DEFAULT_UPDATE_INTERVAL,
    DOMAIN,
    LOGGER,
)
from .meter.model import MeterData, MeterModel
from .meter.probe import cannot_open
from .meter.write_policy import WriteGate
from .sources.base import MeterSource, SourceStatus
from .subentries import SubentryEntities
from .tic import TicDecoder
from .tic.interpret import CutoffSwitch

if TYPE_CHECKING:
    from .money_manager import MoneyTracker
    from .plug_coordinator import PlugCoordinator
    from .shedding_manager import SheddingManager
    from .simulators.meter import SimulatedMeter

STALE_CHECK_INTERVAL = timedelta(seconds=5)
# A repair issue is raised when frames keep failing their checks for this long.
CHECKSUM_ISSUE_AFTER = timedelta(minutes=5)


def wall_clock() -> float:
    """Seconds since the epoch, looked up at each call (so tests may freeze time)."""
    return time.time()


@dataclass(slots=True)
class RuntimeData:
    """What a config entry holds while it is loaded."""

    coordinator: MeterCoordinator
    source: MeterSource
    simulator: SimulatedMeter | None = None  # the simulated meter, for its services
    plugs: dict[str, PlugCoordinator] = field(default_factory=dict)  # by subentry id
    shedding: SheddingManager | None = None  # the load shedding of the meter's loads
    subentry_entities: SubentryEntities = field(default_factory=SubentryEntities)
    money: MoneyTracker | None = None  # costs of the energy, from the price sets


type GestionEnergieConfigEntry = ConfigEntry[RuntimeData]


class MeterCoordinator(DataUpdateCoordinator[MeterData]):
    """Decode what the source delivers and keep the meter's data."""

    config_entry: GestionEnergieConfigEntry

    def __init__(self, hass: HomeAssistant, entry: GestionEnergieConfigEntry) -> None:
        """Set up an empty model; `async_start` begins listening."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=None,
            always_update=True,
        )
        # Wall clock of frames and of the update policy; benchmarks drive it faster.
        self.clock: Callable[[], float] = wall_clock
        self.decoder = TicDecoder()
        self.model = MeterModel()
        self.data = self.model.data
        self._stale = False
        self._unsub_stale: CALLBACK_TYPE | None = None
        self._bad_since: float | None = None  # first rejected group since the last frame
        self._in_frame = False  # a frame's data is being handed to the listeners
        # A decision was taken on this frame: its measurements are written, throttled or not.
        self.write_now = False
        self._rejected_at_last_frame = 0
        # Entities holding back a change, and when (clock) they may write it: one timer
        # for all of them, set for the earliest.
        self._held_back: dict[CALLBACK_TYPE, float] = {}
        self._unsub_held_back: CALLBACK_TYPE | None = None
        self._held_back_timer_at: float | None = None

    @property
    def update_interval_s(self) -> int:
        """How often fast-moving measurements may be written, from the options."""
        return int(self.config_entry.options.get(CONF_UPDATE_INTERVAL, DEFAULT_UPDATE_INTERVAL))

    @property
    def stale_after_s(self) -> int:
        """Seconds without a valid frame before the meter counts as silent."""
        return int(self.config_entry.options.get(CONF_STALE_AFTER, DEFAULT_STALE_AFTER))

    @callback
    def async_start_watchdog(self) -> None:
        """Check regularly that frames still arrive."""
        self._unsub_stale = async_track_time_interval(
            self.hass, self._async_check_stale, STALE_CHECK_INTERVAL
        )
        self.config_entry.async_on_unload(self._cancel_watchdog)

    @callback
    def _cancel_watchdog(self) -> None:
        if self._unsub_stale is not None:
            self._unsub_stale()
            self._unsub_stale = None
        self._held_back.clear()
        self._schedule_held_back()

    @callback
    def async_held_back(
        self, gate: WriteGate, value: object, write: CALLBACK_TYPE, *, frame: bool, at_once: bool
    ) -> bool:
        """Whether the update policy holds an entity's new `value` back.

        If so, `write` is called when it is due (unless a frame writes it first); if not,
        the value counts as written now. `at_once`: news to write whatever the policy says.
        """
        now = self.clock()
        if at_once:
            gate.wrote(value, now)
            return False
        due = gate.consider(
            value,
            now,
            self.update_interval_s,
            frame=frame,
            reference=self.data.reference_power_va,
        )
        if due is None:
            return False
        self.async_write_later(write, due)
        return True

    @callback
    def async_write_later(self, write: CALLBACK_TYPE, due: float) -> None:
        """Call `write` at `due` (the clock's time), so a value held back gets written."""
        held = self._held_back.get(write)
        if held is not None and held <= due:
            return  # asked for already: then it checks whether it is still due
        self._held_back[write] = due
        if self._held_back_timer_at is None or due < self._held_back_timer_at:
            self._schedule_held_back()

    @callback
    def async_cancel_write_later(self, write: CALLBACK_TYPE) -> None:
        """Forget a write asked for (its entity is removed)."""
        if self._held_back.pop(write, None) is not None:
            self._schedule_held_back()

    @callback
    def async_write_due(self, _now: object = None) -> None:
        """Run the writes whose time has come."""
        self._unsub_held_back = self._held_back_timer_at = None
        now = self.clock()
        due = [write for write, at in self._held_back.items() if at <= now]
        for write in due:
            del self._held_back[write]
        for write in due:
            write()
        self._schedule_held_back()

    def _schedule_held_back(self) -> None:
        if self._unsub_held_back is not None:
            self._unsub_held_back()
            self._unsub_held_back = self._held_back_timer_at = None
        if self._held_back:
            self._held_back_timer_at = min(self._held_back.values())
            self._unsub_held_back = async_call_later(
                self.hass, max(self._held_back_timer_at - self.clock(), 0.0), self.async_write_due
            )

    @callback
    def async_receive(self, data: bytes) -> None:
        """Take bytes from the source (in the event loop)."""
        now = self.clock()
        frames = self.decoder.feed(data)
        if not frames:
            self._watch_bad_input(now, produced_frames=False)
            return
        for frame in frames:
            self.model.update(frame, now)
        self._watch_bad_input(now, produced_frames=True)
        if self._stale:
            self._stale = False
            LOGGER.info("Meter %s: frames arrive again", self.config_entry.title)
            self._clear_issue("no_data")
        self._check_cutoff_switch()
        self._in_frame = True
        try:
            self.async_set_updated_data(self.model.data)
            if self.write_now:  # the entities updated before the request write now
                self.async_update_listeners()
        finally:
            self._in_frame = self.write_now = False

    @callback
    def async_write_now(self) -> None:
        """Have the frame being handled written by every entity, throttled or not.

        For a decision taken on one frame (a shed): the history shows what it rested on.
        Only while a frame is handed to the listeners (outside, nothing new is to be written).
        """
        self.write_now = self._in_frame

    def _raise_issue(self, key: str, severity: ir.IssueSeverity, **placeholders: str) -> None:
        """Raise (or keep) the repair issue `key` of this meter; its text names the meter."""
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            f"{key}_{self.config_entry.entry_id}",
            is_fixable=False,
            severity=severity,
            translation_key=key,
            translation_placeholders={"meter": self.config_entry.title, **placeholders},
        )

    def _clear_issue(self, key: str) -> None:
        ir.async_delete_issue(self.hass, DOMAIN, f"{key}_{self.config_entry.entry_id}")

    @callback
    def _async_check_stale(self, _now: object = None) -> None:
        last = self.data.last_frame_time
        silent = last is None or self.clock() - last > self.stale_after_s
        if silent and not self._stale and last is not None:
            self._stale = True
            LOGGER.warning(
                "Meter %s: no valid frame for %s s", self.config_entry.title, self.stale_after_s
            )
            self.async_set_update_error(
                UpdateFailed(translation_domain=DOMAIN, translation_key="no_data")
            )
            self._raise_issue("no_data", ir.IssueSeverity.WARNING)

    def _watch_bad_input(self, now: float, *, produced_frames: bool) -> None:
        """Raise a repair issue when only rejected groups arrive for long (wiring, adapter)."""
        stats = self.decoder.stats
        rejected = stats.bad_checksum + stats.bad_format
        if produced_frames:
            self._rejected_at_last_frame = rejected
            if self._bad_since is not None:
                self._bad_since = None
                self._clear_issue("checksum_errors")
            return
        if rejected == self._rejected_at_last_frame:
            return
        if self._bad_since is None:
            self._bad_since = now
        elif now - self._bad_since > CHECKSUM_ISSUE_AFTER.total_seconds():
            self._raise_issue("checksum_errors", ir.IssueSeverity.ERROR)

    @callback
    def async_source_status(self, status: SourceStatus) -> None:
        """A repair issue while the source cannot be opened (adapter gone, no radio chip)."""
        error = status.last_error
        if status.connected or error is None or not cannot_open(error):
            self._clear_issue("source_unavailable")
        else:
            self._raise_issue("source_unavailable", ir.IssueSeverity.ERROR, error=str(error))

    def _check_cutoff_switch(self) -> None:
        """A repair issue while the meter's cut-off switch is open."""
        status = self.data.status
        if status is None or status.cutoff_switch is CutoffSwitch.CLOSED:
            self._clear_issue("cutoff_open")
        elif status.cutoff_switch is not None:  # None: a reserved code, the issue stays as it was
            reason = status.cutoff_switch.name.lower()
            self._raise_issue("cutoff_open", ir.IssueSeverity.CRITICAL, reason=reason)
