"""Rebuild TIC frames from received packets, in order and at most once each."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, fields

from .protocol import Fragment, Heartbeat, PacketError, check_frame, decode_packet, sequence_delta

RESYNC_DISTANCE = 64
"""A sequence this far from the last delivered frame means the transmitter restarted
or the receiver missed a long stretch: start afresh rather than call it late."""


@dataclass(slots=True)
class LinkCounters:
    """What the receiver saw of the link since it started."""

    frames_delivered: int = 0
    frames_lost: int = 0
    """Sequence numbers skipped between two delivered frames, whatever the reason."""
    frames_incomplete: int = 0
    """Frames dropped with a fragment missing (a newer frame completed first)."""
    frames_corrupt: int = 0
    """Frames dropped for a CRC mismatch or fragments that disagree."""
    fragments_late: int = 0
    fragments_duplicate: int = 0
    packets_invalid: int = 0
    heartbeats: int = 0
    resyncs: int = 0

    def copy(self) -> LinkCounters:
        """Return a snapshot, safe to hand to another thread."""
        return LinkCounters(*(getattr(self, f.name) for f in fields(self)))


@dataclass(slots=True)
class _Partial:
    count: int
    pieces: list[bytes | None]
    missing: int


class Reassembler:
    """Turn packets into whole, CRC-checked frames, delivered in sequence order.

    A frame comes out once all its fragments are in and its CRC-32 matches. Frames are never
    delivered out of order: when a frame completes, older unfinished ones are dropped and
    their stragglers count as late. An exact copy of a fragment already held is ignored
    (the radio repeats a packet whose acknowledgement was lost); a different payload for the
    same slot drops the frame. Memory is bounded by `window` unfinished frames.
    """

    def __init__(self, window: int = 8) -> None:
        """Keep at most `window` unfinished frames at once."""
        self.counters = LinkCounters()
        self.heartbeat: Heartbeat | None = None
        self._window = window
        self._pending: dict[int, _Partial] = {}
        self._dead: set[int] = set()
        self._delivered: deque[int] = deque(maxlen=16)
        self._horizon: int | None = None

    def feed(self, packet: bytes) -> bytes | Heartbeat | None:
        """Take one packet; return a completed frame, a heartbeat, or None."""
        try:
            decoded = decode_packet(packet)
        except PacketError:
            self.counters.packets_invalid += 1
            return None
        if isinstance(decoded, Heartbeat):
            return self._heartbeat(decoded)
        return self._fragment(decoded)

    def _heartbeat(self, beat: Heartbeat) -> Heartbeat:
        self.counters.heartbeats += 1
        if self.heartbeat is not None and beat.uptime < self.heartbeat.uptime:
            # The transmitter rebooted: its sequence numbers started again.
            self._resync()
        self.heartbeat = beat
        return beat

    def _resync(self) -> None:
        self.counters.resyncs += 1
        self.counters.frames_incomplete += len(self._pending)
        self._pending.clear()
        self._dead.clear()
        self._delivered.clear()
        self._horizon = None

    def _fragment(self, frag: Fragment) -> bytes | None:
        seq = frag.sequence
        if self._stale(seq):
            return None
        partial = self._pending.get(seq) or self._open(seq, frag.count)
        held = partial.pieces[frag.index] if frag.index < partial.count else None
        if partial.count != frag.count or (held is not None and held != frag.data):
            self._kill(seq, corrupt=True)
            return None
        if held is not None:
            self.counters.fragments_duplicate += 1
            return None
        partial.pieces[frag.index] = frag.data
        partial.missing -= 1
        if partial.missing:
            return None
        frame = check_frame([piece for piece in partial.pieces if piece is not None])
        if frame is None:
            self._kill(seq, corrupt=True)
            return None
        self._deliver(seq)
        return frame

    def _stale(self, seq: int) -> bool:
        """Tell (and count) a fragment of a frame already delivered or dropped."""
        if self._horizon is not None:
            delta = sequence_delta(seq, self._horizon)
            if abs(delta) >= RESYNC_DISTANCE:
                self._resync()
            elif delta <= 0:
                if seq in self._delivered:
                    self.counters.fragments_duplicate += 1
                else:
                    self.counters.fragments_late += 1
                return True
        if seq in self._dead:
            self.counters.fragments_late += 1
            return True
        return False

    def _open(self, seq: int, count: int) -> _Partial:
        if len(self._pending) >= self._window:
            oldest = min(self._pending, key=lambda s: sequence_delta(s, seq))
            self._kill(oldest, corrupt=False)
        partial = _Partial(count, [None] * count, count)
        self._pending[seq] = partial
        return partial

    def _kill(self, seq: int, *, corrupt: bool) -> None:
        del self._pending[seq]
        self._dead.add(seq)
        if corrupt:
            self.counters.frames_corrupt += 1
        else:
            self.counters.frames_incomplete += 1

    def _deliver(self, seq: int) -> None:
        del self._pending[seq]
        if self._horizon is not None:
            self.counters.frames_lost += sequence_delta(seq, self._horizon) - 1
        self._horizon = seq
        self._delivered.append(seq)
        self.counters.frames_delivered += 1
        for older in [s for s in self._pending if sequence_delta(s, seq) < 0]:
            self._kill(older, corrupt=False)
        self._dead = {s for s in self._dead if sequence_delta(s, seq) > 0}
