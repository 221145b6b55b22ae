"""Streaming TIC decoder and encoder, both modes (02E §1.5, 54E §5.3.6).

A frame is STX, groups, ETX; a group is LF, body, CR. The body ends with a separator and a
checksum character; the separator tells the mode (SP historic, HT standard):

- historic: ``LABEL SP DATA SP C``, the sum runs up to DATA (the last SP excluded);
- standard: ``LABEL HT [HORODATE HT] DATA HT C``, the sum includes the last HT;

and ``C = (sum & 0x3F) + 0x20``. A group is kept only if its checksum is right AND its label is
in the catalogue AND its data (and horodate) match the label's format exactly: the checksum
alone lets through about one corrupted group in 64.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
import re
from typing import TYPE_CHECKING, NamedTuple, cast

from .catalogue import CATALOGUE, TicMode

if TYPE_CHECKING:
    from collections.abc import Iterable

STX, ETX, EOT, LF, CR, HT, SP = 0x02, 0x03, 0x04, 0x0A, 0x0D, 0x09, 0x20

# Longest real frame (three-phase producer, standard mode) is about 1.7 kB.
MAX_FRAME_BYTES = 8192
# A port opened 8N1 on a 7E1 line leaves the parity in bit 7: drop it.
_STRIP_PARITY = bytes(b & 0x7F for b in range(256))
_HISTORIC, _STANDARD = TicMode.HISTORIC, TicMode.STANDARD
_VERDICTS_KEPT = 512  # in two generations: bounded memory, high hit rate


class Group(NamedTuple):
    """One verified information group; strings are raw, as transmitted.

    A named tuple rather than a frozen dataclass: it is built for every group of every frame
    and a frozen dataclass costs several times more to create.
    """

    label: str
    data: str
    horodate: str | None = None


@dataclass(frozen=True, slots=True)
class Frame:
    """A complete frame's verified groups (by label) and the number of groups dropped."""

    mode: TicMode
    groups: dict[str, Group]
    invalid_groups: int


@dataclass(slots=True)
class DecoderStats:
    """Cumulative counters of a decoder, for diagnostics."""

    frames: int = 0  # frames handed out (at least one valid group)
    empty_frames: int = 0  # complete frames without a single valid group
    aborted_frames: int = 0  # cut by EOT, a new STX, or the size cap
    groups_ok: int = 0
    bad_checksum: int = 0
    bad_format: int = 0  # structure, separators, width/charset, horodate, wrong mode
    unknown_label: int = 0  # checksum right but label not in the catalogue: dropped
    conflicting: int = 0  # same label twice in a frame with different data: all dropped
    skipped_bytes: int = 0  # bytes outside any frame


def checksum(body: bytes) -> int:
    """Return the checksum character of the bytes it covers."""
    return (sum(body) & 0x3F) + 0x20


class _Rejected(Exception):  # noqa: N818 - internal signal, never escapes the module
    """A group failed; `counter` names the `DecoderStats` field to increment."""

    def __init__(self, counter: str) -> None:
        self.counter = counter


def parse_group(body: bytes) -> tuple[TicMode, Group]:
    """Verify one group body (between LF and CR) and return its mode and content.

    Raises `ValueError` whose message is the reason (`bad_checksum`, `bad_format`,
    `unknown_label`).
    """
    try:
        return _parse(b"\n" + body)
    except _Rejected as rejected:
        raise ValueError(rejected.counter) from None


# Per mode, label -> data format (and horodate format): the hot path reads nothing else.
_HISTORIC_FORMATS = {
    spec.label: spec.pattern.fullmatch for spec in CATALOGUE.values() if spec.mode is _HISTORIC
}
_STANDARD_FORMATS = {
    spec.label: (spec.pattern.fullmatch, spec.horodate_pattern() if spec.horodate else None)
    for spec in CATALOGUE.values()
    if spec.mode is _STANDARD
}


def _parse(chunk: bytes) -> tuple[TicMode, Group]:
    """Verify LF + body; the hot path of the decoder, written for speed."""
    if len(chunk) < 5 or chunk.rfind(LF) != 0:  # LF first and only there
        raise _Rejected("bad_format")
    separator = chunk[-2]
    if separator == HT:
        return _STANDARD, _parse_standard(chunk)
    if separator == SP:
        return _HISTORIC, _parse_historic(chunk)
    raise _Rejected("bad_format")


def _parse_standard(chunk: bytes) -> Group:
    if (sum(chunk[1:-1]) & 0x3F) + 0x20 != chunk[-1]:  # the last HT is covered
        raise _Rejected("bad_checksum")
    fields = chunk[1:-2].decode("ascii").split("\t")  # parity stripped: always 7-bit
    horodate: str | None = None
    if len(fields) == 2:
        label, data = fields
    elif len(fields) == 3:
        label, horodate, data = fields
    else:
        raise _Rejected("bad_format")
    formats = _STANDARD_FORMATS.get(label)
    if formats is None:
        raise _Rejected("bad_format" if label in CATALOGUE else "unknown_label")
    data_fits, horodate_format = formats
    if (
        data_fits(data) is None
        or (horodate is None) is not (horodate_format is None)
        or (horodate is not None and not _valid_horodate(horodate, horodate_format))
    ):
        raise _Rejected("bad_format")
    return Group(label, data, horodate)


def _parse_historic(chunk: bytes) -> Group:
    if (sum(chunk[1:-2]) & 0x3F) + 0x20 != chunk[-1]:  # the last SP is not covered
        raise _Rejected("bad_checksum")
    label, space, data = chunk[1:-2].decode("ascii").partition(" ")
    if not space:
        raise _Rejected("bad_format")
    data_fits = _HISTORIC_FORMATS.get(label)
    if data_fits is None:
        raise _Rejected("bad_format" if label in CATALOGUE else "unknown_label")
    if data_fits(data) is None:
        raise _Rejected("bad_format")
    return Group(label, data)


def _valid_horodate(raw: str, pattern: re.Pattern[str] | None) -> bool:
    if pattern is None or pattern.fullmatch(raw) is None:
        return False
    # The pattern checks ranges; only days 29-31 can still be impossible (30 February...).
    day = int(raw[5:7])
    if day <= 28:
        return True
    month = int(raw[3:5])
    if month == 2:
        return day == 29 and int(raw[1:3]) % 4 == 0
    return day <= 30 or month in _LONG_MONTHS


_LONG_MONTHS = frozenset({1, 3, 5, 7, 8, 10, 12})

# The verdict on one group (LF + body): (label, group) if valid, (None, reason) if not. A label
# belongs to one mode only (the catalogue is keyed by label), so it also tells the group's mode.
type _Verdict = tuple[str, Group] | tuple[None, str]
_LABELS = {_HISTORIC: frozenset(_HISTORIC_FORMATS), _STANDARD: frozenset(_STANDARD_FORMATS)}
_MODE_OF = {label: mode for mode, labels in _LABELS.items() for label in labels}


class _Verdicts(dict[bytes, _Verdict]):
    """Verdicts on the exact bytes of recent groups, computed on first sight; bounded.

    Most groups come back identical frame after frame (address, contract, most indexes): they
    are verified once. A dict with `__missing__` lets a whole frame be looked up at C speed
    (`map(verdicts.__getitem__, chunks)`), verifying only the groups not seen lately.

    Two generations of at most `_VERDICTS_KEPT / 2` entries: when this one is full it becomes
    the older one, and a group still in use is brought back from there rather than verified
    again, so the groups that never change stay known for good.
    """

    def __init__(self) -> None:
        super().__init__()
        self._older: dict[bytes, _Verdict] = {}

    def __missing__(self, chunk: bytes) -> _Verdict:
        verdict = self._older.get(chunk) or _verdict(chunk)
        if len(self) >= _VERDICTS_KEPT // 2:
            self._older = dict(self)
            self.clear()
        self[chunk] = verdict
        return verdict


def _verdict(chunk: bytes) -> _Verdict:
    try:
        _, group = _parse(chunk)
    except _Rejected as rejected:
        return (None, rejected.counter)
    return (group.label, group)


class TicDecoder:
    """Turn a byte stream, in any chunking, into verified frames.

    Bytes outside STX...ETX are skipped; STX always starts a new frame (a frame in progress
    is abandoned), EOT abandons the frame in progress, and a frame longer than
    `MAX_FRAME_BYTES` is abandoned, so memory stays bounded whatever arrives. Within a frame
    each group is verified on its own (a group that lost its CR is dropped, and the next one is
    read from its LF); a frame is handed out at its ETX if at least one of its groups is valid.

    Strict choices: a label outside the catalogue is dropped even with a right checksum (the
    catalogue holds every label of both specs, so it is far more likely a corruption than a
    new label); a label present twice in a frame with different content is dropped entirely
    (no way to know which is right); a valid group of the other mode than the frame's first
    valid group is dropped. All of these count in `Frame.invalid_groups`.
    """

    def __init__(self) -> None:
        """Start outside any frame."""
        self._in_frame = False
        self._buffer = bytearray()
        self._stats = DecoderStats()
        self._verdicts = _Verdicts()

    @property
    def stats(self) -> DecoderStats:
        """A snapshot of the cumulative counters."""
        return replace(self._stats)

    def feed(self, data: bytes) -> list[Frame]:
        """Consume bytes; return the frames completed by them, in stream order."""
        data = data.translate(_STRIP_PARITY)
        frames: list[Frame] = []
        stats = self._stats
        pos, end = 0, len(data)
        while pos < end:
            if not self._in_frame:
                start = data.find(STX, pos)
                if start < 0:
                    stats.skipped_bytes += end - pos
                    break
                stats.skipped_bytes += start - pos
                self._in_frame = True
                self._buffer.clear()
                pos = start + 1
                continue
            # The next control byte: ETX, or an STX or EOT before it (three scans at C speed).
            stop = data.find(ETX, pos)
            if stop < 0:
                stop = end
            for control in (STX, EOT):
                found = data.find(control, pos, stop)
                if found >= 0:
                    stop = found
            if len(self._buffer) + stop - pos > MAX_FRAME_BYTES:
                self._abort()
                pos = stop  # the rest up to the next control byte is garbage
                continue
            if stop == end:
                self._buffer += data[pos:stop]
                break
            byte = data[stop]
            if byte == ETX:
                self._in_frame = False
                # Most frames lie within one chunk: no copy into the buffer then.
                body = bytes(self._buffer + data[pos:stop]) if self._buffer else data[pos:stop]
                self._buffer.clear()
                frame = self._build(body)
                if frame is not None:
                    frames.append(frame)
            elif byte == STX:
                stats.aborted_frames += 1
                self._buffer.clear()
            else:  # EOT
                self._abort()
            pos = stop + 1
        return frames

    def _abort(self) -> None:
        self._stats.aborted_frames += 1
        self._in_frame = False
        self._buffer.clear()

    def _build(self, body: bytes) -> Frame | None:
        chunks = body.split(b"\r")
        # After the last CR only an empty remainder is legitimate (CR ETX).
        invalid = 1 if chunks.pop() else 0
        self._stats.bad_format += invalid
        # The usual frame: every group valid, each label once, all of one mode. Decided with
        # a few calls that each run over the whole frame in C.
        by_label: dict[str | None, Group | str] = dict(map(self._verdicts.__getitem__, chunks))
        if chunks and len(by_label) == len(chunks) and None not in by_label:
            groups = cast("dict[str, Group]", by_label)  # no (None, reason): all valid
            mode = _MODE_OF[next(iter(groups))]
            if groups.keys() <= _LABELS[mode]:
                return self._frame(mode, groups, invalid)
        return self._build_one_by_one(self._resynchronised(chunks), invalid)

    def _resynchronised(self, chunks: list[bytes]) -> list[_Verdict]:
        """The verdict on each group, resynchronised at the last LF of each chunk.

        A chunk between two CRs holding an LF after its start holds groups whose CR was lost
        (or noise): each is counted as malformed, and the group from the last LF is verified
        on its own, so one lost CR costs one group, not two.
        """
        verdicts: list[_Verdict] = []
        for chunk in chunks:
            start = max(chunk.rfind(LF), 0)
            if start:
                verdicts += [(None, "bad_format")] * max(chunk.count(LF, 0, start), 1)
            verdicts.append(self._verdicts[chunk[start:]])
        return verdicts

    def _build_one_by_one(self, verdicts: list[_Verdict], invalid: int) -> Frame | None:
        """Any frame: invalid groups, groups of both modes, labels more than once."""
        stats = self._stats
        valid: list[Group] = []
        mode: TicMode | None = None
        for verdict in verdicts:
            if verdict[0] is None:
                invalid += 1
                reason = verdict[1]
                setattr(stats, reason, getattr(stats, reason) + 1)
                continue
            label, group = verdict
            group_mode = _MODE_OF[label]
            if mode is None:
                mode = group_mode
            elif group_mode is not mode:
                invalid += 1
                stats.bad_format += 1
                continue
            valid.append(group)
        if mode is None:
            stats.empty_frames += 1
            return None
        groups, conflicting = _without_conflicts(valid)
        invalid += conflicting
        stats.conflicting += conflicting
        if not groups:
            stats.empty_frames += 1
            return None
        return self._frame(mode, groups, invalid)

    def _frame(self, mode: TicMode, groups: dict[str, Group], invalid: int) -> Frame:
        self._stats.groups_ok += len(groups)
        self._stats.frames += 1
        return Frame(mode, groups, invalid)


def _without_conflicts(valid: list[Group]) -> tuple[dict[str, Group], int]:
    """Keep labels whose copies agree; drop (and count) every copy of the others."""
    copies: dict[str, list[Group]] = {}
    for group in valid:
        copies.setdefault(group.label, []).append(group)
    groups: dict[str, Group] = {}
    dropped = 0
    for label, same_label in copies.items():
        if all(group == same_label[0] for group in same_label):
            groups[label] = same_label[0]
        else:
            dropped += len(same_label)
    return groups, dropped


def encode_group(group: Group, mode: TicMode) -> bytes:
    """Encode one group, LF to CR, with its checksum (the content is not verified)."""
    if mode is TicMode.STANDARD:
        fields = (
            (group.label, group.data)
            if group.horodate is None
            else (group.label, group.horodate, group.data)
        )
        covered = ("\t".join(fields) + "\t").encode("ascii")
        return b"\n" + covered + bytes((checksum(covered), CR))
    covered = f"{group.label} {group.data}".encode("ascii")
    return b"\n" + covered + b" " + bytes((checksum(covered), CR))


def encode_frame(groups: Iterable[Group], mode: TicMode) -> bytes:
    """Encode a complete frame, STX to ETX."""
    return b"\x02" + b"".join(encode_group(group, mode) for group in groups) + b"\x03"
