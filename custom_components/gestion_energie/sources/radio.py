"""The nRF24L01 receiver: one thread owns the chip, frames reach the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
import importlib
import threading
import time
from typing import Any, Protocol, cast

from ..radio import Heartbeat, LinkCounters, Reassembler
from ..radio.chip import Chip, ChipFactory, RadioConfig, open_chip
from .base import Backoff, DataCallback, MeterSource, SourceSilentError, StatusCallback

MAX_PAYLOAD = 32
IRQ_WAIT = 0.2
"""Longest sleep on the IRQ line, so silence and stop are still noticed."""


class IrqLine(Protocol):
    """The chip's IRQ pin, falling when a packet arrives."""

    def wait(self, timeout: float) -> bool:
        """Wait for the line to fall; False on timeout."""

    def close(self) -> None:
        """Release the line."""


IrqFactory = Callable[[RadioConfig, Chip], IrqLine]


class _Pyrf24Chip:
    """pyrf24's RF24 with rate and power taken as chip codes (pyrf24 wants its enums)."""

    def __init__(self, module: Any, chip: Any) -> None:
        self._module = module
        self._chip = chip

    def __getattr__(self, name: str) -> Any:
        return getattr(self._chip, name)

    def setDataRate(self, speed: int) -> bool:  # noqa: N802
        return bool(self._chip.setDataRate(self._module.rf24_datarate_e(speed)))

    def setPALevel(self, level: int, lna_enable: bool = True) -> None:  # noqa: N802
        self._chip.setPALevel(self._module.rf24_pa_dbm_e(level), lna_enable)


def pyrf24_chip(config: RadioConfig) -> Chip:
    """Return the real chip through pyrf24 (imported only when a radio is used)."""
    module: Any = importlib.import_module("pyrf24")
    return cast(Chip, _Pyrf24Chip(module, module.RF24(config.ce_pin, config.csn_pin)))


class _GpiodIrq:  # pragma: no cover - needs a GPIO chip
    def __init__(self, config: RadioConfig) -> None:
        gpiod: Any = importlib.import_module("gpiod")
        line: Any = importlib.import_module("gpiod.line")
        settings = gpiod.LineSettings(edge_detection=line.Edge.FALLING, bias=line.Bias.PULL_UP)
        self._request = gpiod.request_lines(
            config.gpio_chip, consumer="gestion_energie", config={config.irq_pin: settings}
        )

    def wait(self, timeout: float) -> bool:
        if not self._request.wait_edge_events(timeout):
            return False
        self._request.read_edge_events()
        return True

    def close(self) -> None:
        self._request.release()


def gpiod_irq(config: RadioConfig, chip: Chip) -> IrqLine:  # pragma: no cover - needs GPIO
    """Watch the IRQ pin through gpiod (imported only when configured)."""
    return _GpiodIrq(config)


def probe_radio(config: RadioConfig, factory: ChipFactory = pyrf24_chip) -> None:
    """Check that the chip answers, then put it to sleep; blocking, for the config flow.

    Raises SpiUnavailableError or RadioNotFoundError (both RadioError).
    """
    open_chip(factory, config, receive=False).powerDown()


class RadioSource(MeterSource):
    """TIC frames received over nRF24L01, reassembled and checked, one frame per `on_data`.

    A dedicated thread owns the chip: it drains the RX FIFO (on the IRQ line when one is
    configured, else every `poll_interval`), reassembles frames and hands them to the event
    loop. Silence longer than `silence_timeout` (the transmitter beats every few seconds), or
    a chip error, restarts the chip after a backoff.
    """

    def __init__(
        self,
        on_data: DataCallback,
        config: RadioConfig | None = None,
        *,
        chip_factory: ChipFactory = pyrf24_chip,
        irq_factory: IrqFactory | None = None,
        on_status: StatusCallback | None = None,
        silence_timeout: float = 60.0,
        backoff: Backoff | None = None,
        poll_interval: float = 0.005,
    ) -> None:
        """Receive with `config` once started (gpiod watches the IRQ pin if one is set)."""
        super().__init__(
            on_data, on_status=on_status, silence_timeout=silence_timeout, backoff=backoff
        )
        self.config = config or RadioConfig()
        self._chip_factory = chip_factory
        if irq_factory is None and self.config.irq_pin is not None:
            irq_factory = gpiod_irq
        self._irq_factory = irq_factory
        self.poll_interval = poll_interval
        self.name = f"nRF24 radio on channel {self.config.channel}"
        self.link = LinkCounters()
        """Reassembly counters, as of the last packet that changed anything."""
        self.heartbeat: Heartbeat | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    async def start(self) -> None:
        """Start the radio thread."""
        if self._thread is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        """Stop the thread and put the chip to sleep."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        await asyncio.to_thread(thread.join)
        if self._status.connected:
            self._status.connected = False
            self._notify()

    # Radio thread

    def _run(self) -> None:
        reassembler = Reassembler()
        while not self._stopping.is_set():
            chip: Chip | None = None
            irq: IrqLine | None = None
            try:
                chip = open_chip(self._chip_factory, self.config, receive=True)
                if self._irq_factory is not None:
                    irq = self._irq_factory(self.config, chip)
                self._receive(chip, irq, reassembler)
            except Exception as err:  # whatever stops the chip, report it and restart it
                self._post(self._link_down, err)
            finally:
                if irq is not None:
                    with contextlib.suppress(Exception):
                        irq.close()
                if chip is not None:
                    with contextlib.suppress(Exception):
                        chip.powerDown()
            self._stopping.wait(self.backoff.next())

    def _receive(self, chip: Chip, irq: IrqLine | None, reassembler: Reassembler) -> None:
        heard = time.monotonic()
        while not self._stopping.is_set():
            if self._drain(chip, reassembler):
                heard = time.monotonic()
                self.backoff.reset()
            elif time.monotonic() - heard > self.silence_timeout:
                raise SourceSilentError(f"no packet for {self.silence_timeout:g} s")
            if irq is None:
                self._stopping.wait(self.poll_interval)
            elif irq.wait(IRQ_WAIT):
                # Release the line before draining: a packet landing meanwhile pulls it
                # down again, so none is left waiting for an edge that already happened.
                chip.clearStatusFlags()

    def _drain(self, chip: Chip, reassembler: Reassembler) -> bool:
        """Read every packet in the RX FIFO; whether there was any."""
        got = False
        while chip.available():
            size = chip.getDynamicPayloadSize()
            if not 0 < size <= MAX_PAYLOAD:
                # The datasheet's advice for a corrupt length: flush the FIFO.
                chip.flush_rx()
                reassembler.counters.packets_invalid += 1
                continue
            got = True
            result = reassembler.feed(bytes(chip.read(size)))
            if result is not None:
                self._post(self._received, result, reassembler.counters.copy())
        return got

    def _post(self, callback: Callable[..., None], *args: object) -> None:
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed under us
                loop.call_soon_threadsafe(self._guarded, callback, *args)

    # Event loop

    def _guarded(self, callback: Callable[..., None], *args: object) -> None:
        if self._thread is not None:  # nothing after stop()
            callback(*args)

    def _received(self, result: bytes | Heartbeat, counters: LinkCounters) -> None:
        self.link = counters
        if isinstance(result, Heartbeat):
            self.heartbeat = result
            if not self._status.connected:
                self._link_up()
        else:
            self._data(result)
