"""The radio receiver and the real transmitter code, over the fake air."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest

from custom_components.gestion_energie.radio import LinkCounters, MeterMode
from custom_components.gestion_energie.radio.chip import (
    RadioConfig,
    RadioNotFoundError,
    SpiUnavailableError,
    open_chip,
)
from custom_components.gestion_energie.simulators.fake_radio import (
    FakeAir,
    FakeIrq,
    FakeRF24,
    Impairments,
)
from custom_components.gestion_energie.sources import Backoff, SourceSilentError
from custom_components.gestion_energie.sources.radio import (
    RadioSource,
    _Pyrf24Chip,
    gpiod_irq,
    probe_radio,
    pyrf24_chip,
)
from transmitter.app import Transmitter

from .frames import decode, historic_frame, up, wait_for

if TYPE_CHECKING:
    from custom_components.gestion_energie.radio.chip import Chip

pytestmark = pytest.mark.timeout(60)

FAST = Backoff(initial=0.01, maximum=0.1)
CONFIG = RadioConfig(channel=90, address=b"TEST1")


class Link:
    """A receiver source and a transmitter sharing one fake air."""

    def __init__(
        self, air: FakeAir, *, poll_interval: float = 0.001, irq: bool = False, **kwargs: Any
    ) -> None:
        self.air = air
        self.rx = FakeRF24(air)
        self.tx = FakeRF24(air)
        self.received: list[bytes] = []
        self.source = RadioSource(
            self.received.append,
            CONFIG,
            chip_factory=lambda _: self.rx,
            irq_factory=(lambda _, chip: FakeIrq(self.rx)) if irq else None,
            backoff=FAST,
            poll_interval=poll_interval,
            **kwargs,
        )
        chip = open_chip(lambda _: self.tx, CONFIG, receive=False)
        self.transmitter = Transmitter(
            chip, mode=MeterMode.HISTORIC, retry_delay=0.0005, sequence=65530
        )

    async def send(self, frames: list[bytes], pause: float = 0.0) -> list[bool]:
        """Send frames from a thread, as the transmitter's own loop would."""

        def run() -> list[bool]:
            results = []
            for frame in frames:
                results.append(self.transmitter.send_frame(frame))
                self.transmitter.sleep(pause)
            self.air.flush()
            return results

        return await asyncio.to_thread(run)


def frames(count: int) -> list[bytes]:
    return [historic_frame(n) for n in range(1, count + 1)]


async def test_clean_link_delivers_every_frame_once_in_order() -> None:
    link = Link(FakeAir(time_scale=0.01))
    await link.source.start()
    await link.source.start()  # idempotent
    try:
        sent = frames(30)
        assert all(await link.send(sent))
        await wait_for(lambda: len(link.received) == 30)
        assert link.received == sent
        counters = link.source.link
        assert counters.frames_delivered == 30
        assert counters.frames_lost == counters.frames_corrupt == 0
        assert up(link.source)
        assert link.source.status.bytes_received == sum(map(len, sent))
    finally:
        await link.source.stop()
    assert not up(link.source)
    assert link.rx.powered is False


@pytest.mark.parametrize("seed", range(4))
async def test_loss_lost_acks_and_a_full_fifo(seed: int) -> None:
    """Without reordering, every frame the transmitter got through is delivered, once."""
    air = FakeAir(Impairments(loss=0.2, ack_loss=0.2), seed=seed, time_scale=0.02)
    # A slow receiver: the 3-entry FIFO fills and the chip stops acknowledging.
    link = Link(air, poll_interval=0.004)
    await link.source.start()
    try:
        sent = frames(25)
        results = await link.send(sent)
        got_through = [f for f, ok in zip(sent, results, strict=True) if ok]
        await wait_for(lambda: len(link.received) >= len(got_through))
        await asyncio.sleep(0.05)
        assert air.fifo_full_drops > 0
        assert set(got_through) <= set(link.received)
        _assert_subsequence(link.received, sent)
    finally:
        await link.source.stop()


@pytest.mark.parametrize("seed", range(6))
async def test_every_fault_at_once_never_delivers_twice_or_corrupt(seed: int) -> None:
    air = FakeAir(
        Impairments(loss=0.1, ack_loss=0.1, duplicate=0.2, reorder=0.2),
        seed=seed,
        time_scale=0.02,
    )
    link = Link(air, poll_interval=0.003)
    await link.source.start()
    try:
        sent = frames(25)
        await link.send(sent)
        await wait_for(lambda: link.source.link.frames_delivered == len(link.received))
        await asyncio.sleep(0.1)
        _assert_subsequence(link.received, sent)
        assert len(link.received) >= 10  # the link still works
        counters = link.source.link
        assert counters.frames_delivered == len(link.received)
        assert counters.fragments_duplicate > 0
    finally:
        await link.source.stop()


def _assert_subsequence(received: list[bytes], sent: list[bytes]) -> None:
    """Each received frame is a sent one, none twice, in the order sent."""
    positions = [sent.index(frame) for frame in received]
    assert positions == sorted(set(positions))


async def test_heartbeat_alone_brings_the_link_up() -> None:
    link = Link(FakeAir(time_scale=0.01))
    statuses: list[bool] = []
    link.source._on_status = lambda status: statuses.append(status.connected)
    await link.source.start()
    try:
        await asyncio.to_thread(link.transmitter.tick)
        await wait_for(lambda: link.source.heartbeat is not None)
        beat = link.source.heartbeat
        assert beat is not None
        assert beat.mode is MeterMode.HISTORIC
        assert beat.version == (1, 0)
        assert up(link.source)
        assert statuses == [True]
        assert link.received == []
    finally:
        await link.source.stop()
    assert statuses == [True, False]


async def test_irq_line_instead_of_polling() -> None:
    link = Link(FakeAir(time_scale=0.01), poll_interval=10.0, irq=True)
    await link.source.start()
    try:
        sent = frames(10)
        await link.send(sent, pause=0.002)
        await wait_for(lambda: len(link.received) == 10)
        assert link.received == sent
    finally:
        await link.source.stop()


async def test_silence_restarts_the_chip_and_recovers() -> None:
    link = Link(FakeAir(time_scale=0.01), silence_timeout=0.15)
    begins = 0
    real_begin = link.rx.begin

    def counting_begin() -> bool:
        nonlocal begins
        begins += 1
        return real_begin()

    link.rx.begin = counting_begin  # type: ignore[method-assign]
    await link.source.start()
    try:
        await link.send(frames(2))
        await wait_for(lambda: len(link.received) == 2)
        await wait_for(lambda: not up(link.source))  # the transmitter went quiet
        assert isinstance(link.source.status.last_error, SourceSilentError)
        await wait_for(lambda: begins >= 2)  # the chip was set up again
        await link.send([historic_frame(3)])
        await wait_for(lambda: len(link.received) == 3)
        assert up(link.source)
        assert decode(b"".join(link.received)) == [1, 2, 3]
    finally:
        await link.source.stop()


async def test_missing_chip_is_reported_and_recovered() -> None:
    air = FakeAir(time_scale=0.01)
    link = Link(air)
    link.rx.present = False
    await link.source.start()
    try:
        await wait_for(lambda: link.source.status.errors >= 3)
        assert isinstance(link.source.status.last_error, RadioNotFoundError)
        assert not up(link.source)
        link.rx.present = True  # plugged back
        await wait_for(lambda: link.rx.listening)
        await link.send(frames(1))
        await wait_for(lambda: len(link.received) == 1)
    finally:
        await link.source.stop()


async def test_without_spi_device_the_real_pyrf24_says_so() -> None:
    """pyrf24 itself, on a machine without /dev/spidev: a typed error, no crash."""
    pytest.importorskip("pyrf24")
    source = RadioSource(lambda _: None, RadioConfig(spi_bus=7), backoff=FAST)
    await source.start()
    try:
        await wait_for(lambda: source.status.last_error is not None)
        assert isinstance(source.status.last_error, SpiUnavailableError)
        assert "/dev/spidev7.0" in str(source.status.last_error)
    finally:
        await source.stop()
    with pytest.raises(SpiUnavailableError):
        await asyncio.to_thread(probe_radio, RadioConfig(spi_bus=7))


def test_probe() -> None:
    air = FakeAir()
    chip = FakeRF24(air)
    probe_radio(CONFIG, lambda _: chip)
    assert not chip.powered
    absent = FakeRF24(air, present=False)
    with pytest.raises(RadioNotFoundError, match=r"spidev0\.0"):
        probe_radio(CONFIG, lambda _: absent)
    no_spi = FakeRF24(air, spi_present=False)
    with pytest.raises(SpiUnavailableError):
        probe_radio(CONFIG, lambda _: no_spi)


async def test_corrupt_payload_length_flushes_the_fifo() -> None:
    link = Link(FakeAir(time_scale=0.01), poll_interval=0.002)
    await link.source.start()
    try:
        await wait_for(lambda: link.rx.listening)
        link.rx.receive(bytes(40))  # the chip reports a length over 32: flush
        await wait_for(lambda: not link.rx.rx_fifo)
        await link.send(frames(1))
        await wait_for(lambda: len(link.received) == 1)
        assert link.source.link.packets_invalid == 1
    finally:
        await link.source.stop()


async def test_nothing_is_delivered_after_stop() -> None:
    link = Link(FakeAir(time_scale=0.01))
    await link.source.start()
    await link.source.stop()
    await link.source.stop()
    link.source._guarded(link.source._received, historic_frame(1), LinkCounters())
    assert link.received == []


def test_pyrf24_adapter_converts_codes() -> None:
    calls: list[tuple[str, object]] = []

    class Module:
        @staticmethod
        def rf24_datarate_e(code: int) -> str:
            return f"rate{code}"

        @staticmethod
        def rf24_pa_dbm_e(code: int) -> str:
            return f"pa{code}"

    class Raw:
        def setDataRate(self, rate: object) -> bool:  # noqa: N802
            calls.append(("rate", rate))
            return True

        def setPALevel(self, level: object, lna: bool) -> None:  # noqa: N802
            calls.append(("pa", level))

        def begin(self) -> bool:
            return False

    chip = _Pyrf24Chip(Module, Raw())
    assert chip.setDataRate(2)
    chip.setPALevel(3)
    assert not chip.begin()
    assert calls == [("rate", "rate2"), ("pa", "pa3")]


def test_an_irq_pin_selects_gpiod() -> None:
    source = RadioSource(lambda _: None, RadioConfig(irq_pin=24))
    assert source._irq_factory is gpiod_irq
    assert source.seconds_since_data is None


def test_real_pyrf24_chip_object() -> None:
    pytest.importorskip("pyrf24")
    chip: Chip = pyrf24_chip(RadioConfig(ce_pin=22, spi_bus=1, spi_device=1))
    with pytest.raises(RuntimeError, match=r"spidev1\.1"):
        chip.begin()
