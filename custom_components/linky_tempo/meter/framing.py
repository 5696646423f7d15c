"""Framing: from the bytes of the serial link to complete frames.

[54E] §5.3.6 (link layer: STX/ETX frames, LF…CR groups) for the standard
mode, [54E] §5.2 Table 2 / [02E] for the historic mode. Standard library
only. Each group found is checked by :class:`.groups.GroupReader`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from .groups import HT, MAX_GROUP_BYTES, Group, GroupReader, LineMode, Rejection

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["MAX_FRAME_BYTES", "Frame", "TicDecoder"]

_LOGGER = logging.getLogger(__name__)

MAX_FRAME_BYTES: Final = 4096
"""A frame longer than this (STX to ETX inclusive) is dropped ([54E] §5.3.6).

Real frames are far shorter: 275 bytes for a historic mono Tempo frame, 1264
bytes for a standard three-phase Tempo frame, about 1600 bytes for a standard
three-phase producer frame.
"""

_STX: Final = 0x02
_ETX: Final = 0x03
_EOT: Final = 0x04
_LF: Final = 0x0A
_CR: Final = 0x0D

# What the previous byte was, for the recovery of mangled LF / STX bytes.
_AFTER_OTHER: Final = 0
_AFTER_GROUP: Final = 1  # a CR that closed a group
_AFTER_FRAME: Final = 2  # an ETX

_MASK_7BIT: Final = bytes(b & 0x7F for b in range(256))
_HIGH_BYTES: Final = bytes(range(0x80, 0x100))
# Every byte a well-formed stream is made of (printable ASCII and the control
# characters of [54E] §5.3.6). A chunk made only of these needs no per-group
# character check: the framing split already keeps STX/ETX/EOT/LF/CR out of a
# group body.
_STREAM_BYTES: Final = bytes(
    sorted(set(range(0x20, 0x7F)) | {_STX, _ETX, _EOT, HT, _LF, _CR})
)
_FRAMING_RE: Final = re.compile(rb"[\x02\x03\x04]")
# Slice end after a group's LF: keeps MAX_GROUP_BYTES + 1 bytes at most, enough
# to know a body is too long without storing it.
_KEEP: Final = MAX_GROUP_BYTES + 2
_NEVER: Final = 1 << 62


@dataclass(frozen=True, slots=True)
class Frame:
    """A complete frame (STX … ETX, [54E] §5.3.6 Table 5).

    ``values`` maps each label of a checksum-valid group to its raw data text,
    in reception order (the last one wins should a label repeat);
    ``timestamps`` maps the labels of timestamped groups to their raw horodate.
    ``rejected_groups`` counts the groups of this frame that were dropped
    (checksum error, malformed or interrupted group). Only complete frames with
    at least one valid group are ever produced.
    """

    mode: LineMode
    values: Mapping[str, str]
    timestamps: Mapping[str, str]
    rejected_groups: int


@dataclass(slots=True)
class _OpenFrame:
    """The frame being received, between its STX and its ETX."""

    start: int  # stream position of its STX
    mode: LineMode | None = None  # that of its first valid group
    values: dict[str, str] = field(default_factory=dict)
    timestamps: dict[str, str] = field(default_factory=dict)
    rejected: int = 0


class TicDecoder:
    """Incremental TIC stream decoder ([54E] §5.3.6 link layer, §5.2 / [02E]).

    Feed it the bytes read from the serial link in chunks of any size; it
    returns the frames completed by each chunk. The result does not depend on
    how the stream is cut into chunks (one byte at a time included).

    Link layer ([54E] §5.3.6):

    * Every byte is masked to 7 bits: a 7E1 link read as 8N1 delivers the
      parity bit as bit 7, so masking recovers the character exactly; a byte
      actually corrupted on the line still fails the group checksum
      (``high_bit_bytes`` counts the masked bytes).
    * A frame runs from STX (0x02) to ETX (0x03). Bytes before the first STX
      (the partial first frame) never make a frame. EOT (0x04) aborts the
      current frame ([02E]; ``aborted_frames``). An STX inside a frame drops
      the partial frame and starts a new one. A frame longer than
      :data:`MAX_FRAME_BYTES` or without any valid group is dropped
      (``dropped_frames``).
    * A group runs from LF (0x0A) to CR (0x0D) and is decoded as soon as its
      CR arrives: ``on_group`` is called then, before the frame completes
      (early overload reaction). Groups are decoded wherever they are,
      including in the partial first frame, so an overload group is seen at
      once; they only make a :class:`Frame` inside STX…ETX. A group cut by
      LF, STX, ETX or EOT before its CR is dropped (``truncated_groups``).
    * Recovery of a mangled delimiter (esphome#17291: every in-frame LF
      received as 0x0F and STX as ``C``): the byte right after the CR that
      closed a group always opens the next group, whatever its value, and the
      byte right after an ETX always opens the next frame. The group checksum
      still covers every byte of the label and data, so this costs no
      protection: a lost (rather than replaced) LF just makes that group fail
      its checksum.

    Groups are checked by :class:`.groups.GroupReader` (checksum, fields,
    characters, the historic checksum methods, historic groups with HT
    separators): a wrong field count, an invalid character or an invalid
    horodate makes the group malformed (``malformed_groups``); a checksum
    mismatch counts in ``checksum_errors``.

    Mode: forced by the constructor, or detected from the stream. A frame's
    mode is that of its first valid group (normally ``ADCO␠`` or ``ADSC⇥``);
    the later groups of the frame must agree (a SP-separated group in a
    standard frame, or a timestamped group in a historic frame, is
    malformed). :attr:`mode` follows the last complete frame, so a meter
    switched from historic to standard is followed. A forced mode applies its
    rules to every group.

    ``on_group`` must not raise and must not call back into the decoder.
    Should it raise anyway, the exception is logged and counted
    (``callback_errors``) and decoding goes on: feed() never raises, whatever
    the input.
    """

    __slots__ = (
        "_after",
        "_check_chars",
        "_completed",
        "_detected_mode",
        "_forced_mode",
        "_frame",
        "_frame_too_long_at",
        "_group",
        "_group_reader",
        "_group_rules",
        "_on_group",
        "_position",
        "_read_group",
        "aborted_frames",
        "callback_errors",
        "checksum_errors",
        "discarded_bytes",
        "dropped_frames",
        "frames",
        "high_bit_bytes",
        "malformed_groups",
        "truncated_groups",
        "valid_groups",
    )

    def __init__(
        self,
        mode: LineMode | None = None,
        *,
        on_group: Callable[[Group, LineMode], None] | None = None,
    ) -> None:
        """Create a decoder, optionally forcing the mode, with a group callback."""
        self._forced_mode = mode
        self._on_group = on_group
        self._detected_mode: LineMode | None = None
        self._group_reader = GroupReader()
        self._read_group = self._group_reader.read  # bound once: a hot path
        # The rules for the next group: the forced mode, else the mode of the
        # current frame once its first valid group is known, else None.
        self._group_rules = mode
        # Stream position of the next byte fed.
        self._position = 0
        self._after = _AFTER_OTHER
        # The body of the group opened by the last LF (None: no group open),
        # and whether it may hold bytes a group body must not.
        self._group: bytes | None = None
        self._check_chars = False
        self._frame: _OpenFrame | None = None
        # The stream position from which the open frame is too long.
        self._frame_too_long_at = _NEVER
        # The frames completed by the chunk being fed.
        self._completed: list[Frame] = []
        self.frames = 0
        """Complete frames returned."""
        self.valid_groups = 0
        """Checksum-valid groups decoded (inside or outside frames)."""
        self.checksum_errors = 0
        """Well-formed groups whose checksum did not match."""
        self.malformed_groups = 0
        """Groups with a wrong field count, an invalid character or horodate."""
        self.truncated_groups = 0
        """Groups cut by LF, STX, ETX or EOT before their CR."""
        self.aborted_frames = 0
        """Frames aborted by EOT."""
        self.dropped_frames = 0
        """Frames cut by STX, too long, or without any valid group."""
        self.discarded_bytes = 0
        """Bytes outside any group that are not delimiters (garbage, stray CR)."""
        self.high_bit_bytes = 0
        """Bytes received with bit 7 set (masked to 7 bits)."""
        self.callback_errors = 0
        """Exceptions raised by the on_group callback (it must not raise)."""

    @property
    def mode(self) -> LineMode | None:
        """The forced mode, else the mode of the last frame (or first valid group)."""
        return self._forced_mode or self._detected_mode

    def reset(self) -> None:
        """Drop any partial group and frame (e.g. after a reconnect); keep counters."""
        self._group = None
        self._after = _AFTER_OTHER
        self._check_chars = False
        self._close_frame()

    def feed(self, data: bytes) -> list[Frame]:
        """Decode a chunk of the stream; return the frames it completed."""
        data = bytes(data)  # no copy for bytes; accepts bytearray / memoryview too
        if not data:
            return []
        if not data.isascii():
            self.high_bit_bytes += len(data) - len(data.translate(None, _HIGH_BYTES))
            data = data.translate(_MASK_7BIT)
        # A group carried over from a chunk that needed character checks
        # still needs them.
        self._check_chars = bool(data.translate(None, _STREAM_BYTES)) or (
            self._check_chars and self._group is not None
        )
        completed: list[Frame] = []
        self._completed = completed
        base = self._position
        start = 0
        for match in _FRAMING_RE.finditer(data):
            at = match.start()
            if at > start:
                self._consume_lines(data[start:at], base + start)
            self._on_framing_byte(data[at], base + at)
            start = at + 1
        if start < len(data):
            self._consume_lines(data[start:] if start else data, base + start)
        self._position = base + len(data)
        self._completed = []
        return completed

    # -- frames ---------------------------------------------------------------

    def _on_framing_byte(self, byte: int, position: int) -> None:
        """Handle an STX, ETX or EOT; any open group is cut short by it."""
        if self._group is not None:
            self._group = None
            self._count_truncated(1)
        if byte == _STX:
            if self._frame is not None and position - self._frame.start > 1:
                self.dropped_frames += 1
            self._open_frame(position)
            self._after = _AFTER_OTHER
        elif byte == _ETX:
            if self._frame is not None:
                self._complete_frame(self._frame, position)
            self._after = _AFTER_FRAME
        else:  # EOT
            if self._frame is not None:
                self.aborted_frames += 1
                self._close_frame()
            self._after = _AFTER_OTHER

    def _complete_frame(self, frame: _OpenFrame, etx_position: int) -> None:
        """Return the open frame at its ETX, unless it is empty or too long."""
        mode = frame.mode
        if mode is not None and etx_position < self._frame_too_long_at:
            self.frames += 1
            if self._forced_mode is None:
                self._detected_mode = mode
            self._completed.append(
                Frame(
                    mode,
                    MappingProxyType(frame.values),
                    MappingProxyType(frame.timestamps),
                    frame.rejected,
                )
            )
        else:
            self.dropped_frames += 1
        self._close_frame()

    def _open_frame(self, position: int) -> None:
        self._frame = _OpenFrame(position)
        self._frame_too_long_at = position + MAX_FRAME_BYTES
        self._group_rules = self._forced_mode

    def _close_frame(self) -> None:
        self._frame = None
        self._frame_too_long_at = _NEVER
        self._group_rules = self._forced_mode

    # -- groups ---------------------------------------------------------------

    def _consume_lines(self, region: bytes, position: int) -> None:
        """Consume bytes free of STX/ETX/EOT starting at stream ``position``.

        Each CR closes the open group; what follows it is handed to
        :meth:`_consume_segment`, except in the usual case (an LF right after
        the CR and no other LF before the next CR), handled inline for speed.
        """
        segments = region.split(b"\r")
        first = segments[0]
        if first:
            self._consume_segment(first, position)
            position += len(first)
        if len(segments) == 1:
            return
        group = self._group
        after = self._after
        for segment in segments[1:]:
            # The CR at ``position`` ends the group, if one is open.
            if position >= self._frame_too_long_at:
                self.dropped_frames += 1
                self._close_frame()
            if group is None:
                self.discarded_bytes += 1
                after = _AFTER_OTHER
            else:
                self._accept(group)
                group = None
                after = _AFTER_GROUP
            position += 1
            if not segment:
                continue
            if segment[0] == _LF and segment.find(b"\n", 1) < 0:
                group = segment[1:] if len(segment) <= _KEEP else segment[1:_KEEP]
                after = _AFTER_OTHER
            else:
                self._group, self._after = group, after
                self._consume_segment(segment, position)
                group, after = self._group, self._after
            position += len(segment)
        self._group = group
        self._after = after

    def _consume_segment(self, segment: bytes, position: int) -> None:
        """Consume non-empty bytes free of CR/STX/ETX/EOT at stream ``position``.

        Finds the LF that opens the next group (or the byte that stands for
        it, see the class docstring) and keeps the group's body so far.
        """
        after = self._after
        self._after = _AFTER_OTHER
        group = self._group
        if group is not None:
            opener = segment.find(b"\n")
            if opener < 0:  # the open group goes on
                group += segment
                self._group = group if len(group) < _KEEP else group[: _KEEP - 1]
                return
            self._group = None
            self._count_truncated(1)
        elif after == _AFTER_FRAME:
            opener = self._open_frame_after_etx(segment, position)
        elif after == _AFTER_GROUP:
            # The byte after a group's CR opens the next group, LF or not.
            opener = 0
        else:
            opener = segment.find(b"\n")
            self.discarded_bytes += opener if opener >= 0 else len(segment)
        if opener < 0:
            return
        last = segment.rfind(b"\n")
        if last > opener:
            # Each further LF cuts the group the previous one opened.
            self._count_truncated(segment.count(b"\n", opener + 1))
            opener = last
        self._group = segment[opener + 1 : opener + _KEEP]

    def _open_frame_after_etx(self, segment: bytes, position: int) -> int:
        """Open a frame at the byte after an ETX; return where its group opens.

        That byte is a mangled STX, or the LF of the first group when the STX
        was lost. Returns -1 when no group opens in ``segment``.
        """
        if segment[0] == _LF:
            self._open_frame(position - 1)
            return 0
        self._open_frame(position)
        opener = segment.find(b"\n", 1)
        self.discarded_bytes += (opener if opener >= 0 else len(segment)) - 1
        return opener

    def _accept(self, body: bytes) -> None:
        """Check a group body at its CR; record and report a valid group."""
        verdict = self._read_group(body, self._group_rules, self._check_chars)
        if isinstance(verdict, Rejection):
            if verdict is Rejection.CHECKSUM:
                self.checksum_errors += 1
            else:
                self.malformed_groups += 1
            if self._frame is not None:
                self._frame.rejected += 1
            return
        label, value, stamp, mode = verdict
        self.valid_groups += 1
        frame = self._frame
        if frame is not None:
            if frame.mode is None:
                frame.mode = mode
                self._group_rules = self._forced_mode or mode
            frame.values[label] = value
            if stamp is not None:
                frame.timestamps[label] = stamp
        if self._detected_mode is None and self._forced_mode is None:
            self._detected_mode = mode
        if self._on_group is not None:
            self._report(self._on_group, Group(label, value, stamp), mode)

    def _report(
        self,
        on_group: Callable[[Group, LineMode], None],
        group: Group,
        mode: LineMode,
    ) -> None:
        """Call ``on_group``; it must not raise, but the decoder survives it."""
        try:
            on_group(group, mode)
        except Exception:
            self.callback_errors += 1
            _LOGGER.exception("TIC on_group callback raised")

    def _count_truncated(self, count: int) -> None:
        self.truncated_groups += count
        if self._frame is not None:
            self._frame.rejected += count
