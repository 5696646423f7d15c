"""Pure TIC (télé-information client) protocol for Linky and older electronic meters.

Standard library only: no Home Assistant import and no import from the rest of
the package, so every rule below is tested directly.

References:
* [54E] Enedis-NOI-CPT_54E v3 (01/06/2018), "Sorties de télé-information client
  des appareils de comptage Linky".
* [02E] Enedis-NOI-CPT_02E v6, the historic ("trames bleues") specification
  which [54E] §5.2 defers to for the historic mode.

The module has two layers.

Protocol layer (bytes → :class:`Frame`): :class:`TicDecoder` implements
[54E] §5.3.6 (link layer: STX/ETX frames, LF…CR groups, checksum) for the
standard mode and [54E] §5.2 Table 2 / [02E] for the historic mode, plus the
horodate format of [54E] §6.2.1.1 (:func:`parse_horodate`).

Interpretation layer (:class:`Frame` → :class:`MeterState`): :func:`read_meter`
implements the label tables of [54E] §6.1 (historic) and §6.2.2-§6.2.3
(standard), including the status register STGE of §6.2.3.14
(:func:`decode_stge`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = [
    "MAX_FRAME_BYTES",
    "MAX_GROUP_BYTES",
    "Contract",
    "CplStatus",
    "CutOffState",
    "EuridisState",
    "Frame",
    "Group",
    "Horodate",
    "MeterState",
    "StatusRegister",
    "TariffPeriod",
    "TempoColor",
    "TicDecoder",
    "TicMode",
    "checksum",
    "decode_stge",
    "group_signals_overload",
    "parse_horodate",
    "read_meter",
]

_LOGGER = logging.getLogger(__name__)

# ---------------------------------------------------------------------------
# Protocol layer
# ---------------------------------------------------------------------------

MAX_FRAME_BYTES: Final = 4096
"""A frame longer than this (STX to ETX inclusive) is dropped ([54E] §5.3.6).

Real frames are far shorter: 275 bytes for a historic mono Tempo frame, 1264
bytes for a standard three-phase Tempo frame, about 1600 bytes for a standard
three-phase producer frame.
"""

MAX_GROUP_BYTES: Final = 512
"""A group body (between LF and CR) longer than this is rejected (memory bound).

The longest standard group is PJOURF+1 / PPOINTE: 98 data characters
([54E] §6.2.3.22), about 110 bytes with label, separators and checksum.
"""

_SWITCH_AFTER: Final = 4
"""Consecutive historic groups valid only under the other checksum method
before the decoder switches method (see :class:`TicDecoder`)."""

_STX: Final = 0x02
_ETX: Final = 0x03
_EOT: Final = 0x04
_HT: Final = 0x09
_LF: Final = 0x0A
_CR: Final = 0x0D
_SP: Final = 0x20

# Previous-byte states used for the recovery of mangled LF / STX bytes.
_PREV_OTHER: Final = 0
_PREV_CR: Final = 1  # the previous byte was a CR that closed a group
_PREV_ETX: Final = 2  # the previous byte was an ETX

_MASK_7BIT: Final = bytes(b & 0x7F for b in range(256))
_HIGH_BYTES: Final = bytes(range(0x80, 0x100))
# Every byte a well-formed stream is made of (printable ASCII and the control
# characters of [54E] §5.3.6). A chunk made only of these needs no per-group
# character check: the framing split already keeps STX/ETX/EOT/LF/CR out of a
# group body.
_STREAM_BYTES: Final = bytes(
    sorted(set(range(0x20, 0x7F)) | {_STX, _ETX, _EOT, _HT, _LF, _CR})
)
# Bytes that may never appear in a group body (after 7-bit masking): control
# characters other than HT, and DEL. [54E] §6.2.1.2: data is 0x20-0x7E.
_BAD_BODY_BYTES: Final = bytes(
    b for b in range(0x80) if (b < 0x20 and b != _HT) or b == 0x7F
)
_FRAMING_RE: Final = re.compile(rb"[\x02\x03\x04]")
_SEASON_CHARS: Final = " HEhe"
_HORODATE_LENGTH: Final = 13
_MIN_GROUP: Final = 4  # label, separator, separator, checksum
_PLAIN_FIELDS: Final = 3  # label, data, checksum
_STAMPED_FIELDS: Final = 4  # label, horodate, data, checksum
# Slice end after a group's LF: keeps MAX_GROUP_BYTES + 1 bytes at most, enough
# to know a body is too long without storing it.
_KEEP: Final = MAX_GROUP_BYTES + 2
_NO_LIMIT: Final = 1 << 62

# Historic labels ([54E] §6.1.1, §6.1.2; [02E]). Used to recognise historic
# groups sent with HT separators by legacy meters (see TicDecoder).
_HISTORIC_LABELS: Final = frozenset(
    {
        "ADCO",
        "OPTARIF",
        "ISOUSC",
        "BASE",
        "HCHC",
        "HCHP",
        "EJPHN",
        "EJPHPM",
        "BBRHCJB",
        "BBRHPJB",
        "BBRHCJW",
        "BBRHPJW",
        "BBRHCJR",
        "BBRHPJR",
        "PEJP",
        "PTEC",
        "DEMAIN",
        "IINST",
        "IINST1",
        "IINST2",
        "IINST3",
        "ADPS",
        "IMAX",
        "IMAX1",
        "IMAX2",
        "IMAX3",
        "PAPP",
        "HHPHC",
        "MOTDETAT",
        "PMAX",
        "PPOT",
        "ADIR1",
        "ADIR2",
        "ADIR3",
        "GAZ",
        "AUTRE",
    }
)


class TicMode(StrEnum):
    """TIC output mode ([54E] §3.3).

    Historic: 1200 Bd 7E1, SP separator ([54E] §5.2, Table 2).
    Standard: 9600 Bd 7E1, HT separator ([54E] §5.3.5, §5.3.6).
    """

    HISTORIC = "historic"
    STANDARD = "standard"


@dataclass(frozen=True, slots=True)
class Group:
    """One checksum-valid information group ("groupe d'information", [54E] §5.3.6).

    ``timestamp`` is the raw horodate text (13 characters, [54E] §6.2.1.1) of
    a timestamped standard group (Table 6), else None. ``value`` is the data
    field exactly as sent (never stripped; may be empty, e.g. DATE).
    """

    label: str
    value: str
    timestamp: str | None


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

    mode: TicMode
    values: Mapping[str, str]
    timestamps: Mapping[str, str]
    rejected_groups: int


@dataclass(frozen=True, slots=True)
class Horodate:
    """A decoded horodate ``SAAMMJJhhmmss`` ([54E] §6.2.1.1).

    ``season`` is ``H``/``E`` (winter/summer), ``h``/``e`` (same, clock in
    degraded mode) or a SPACE (not applicable: DPMx/FPMx). ``local`` is the
    naive local time; during the autumn overlap only ``summer`` tells the two
    identical local times apart.
    """

    season: str
    local: datetime
    summer: bool | None
    degraded: bool


def checksum(zone: bytes) -> int:
    """Return the checksum character of a controlled zone ([54E] §5.3.6).

    ``(S1 & 0x3F) + 0x20`` where S1 is the sum of the bytes of the zone. The
    zone is ``label HT [horodate HT] data HT`` in standard mode, ``label SP
    data`` in historic mode (method 1, the separator before the checksum is
    excluded; [02E] method 2 includes it).
    """
    return (sum(zone) & 0x3F) + 0x20


def parse_horodate(text: str) -> Horodate | None:
    """Decode a horodate ``SAAMMJJhhmmss`` ([54E] §6.2.1.1); None if invalid."""
    if len(text) != 13 or not text.isascii():
        return None
    season = text[0]
    digits = text[1:]
    if season not in " HEhe" or not digits.isdigit():
        return None
    try:
        # Naive on purpose: the meter's local time; the season letter, not a
        # zone, tells the two 02:00-03:00 hours of the autumn change apart.
        local = datetime(  # noqa: DTZ001
            2000 + int(digits[0:2]),
            int(digits[2:4]),
            int(digits[4:6]),
            int(digits[6:8]),
            int(digits[8:10]),
            int(digits[10:12]),
        )
    except ValueError:
        return None
    summer = None if season == " " else season in "Ee"
    return Horodate(season=season, local=local, summer=summer, degraded=season in "he")


type _Decoded = tuple[str, str, str | None, TicMode]


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

    Groups ([54E] §5.3.6 Tables 6-7, §5.2 Table 2):

    * Checksum verified; a SPACE checksum is valid; nothing is ever stripped.
      Characters: label 0x21-0x7E, data 0x20-0x7E ([54E] §6.2.1.2). A wrong
      field count, an invalid character or an invalid horodate makes the
      group malformed (``malformed_groups``); a checksum mismatch counts in
      ``checksum_errors``.
    * Standard group: ``label HT [horodate HT] data HT checksum``; a horodate
      is recognised by the field count (three fields before the checksum);
      checksum over label … last HT.
    * Historic group: ``label SP data SP checksum`` (data without SP).
      Method 1 (Linky, [54E] Table 2): checksum over ``label SP data``;
      method 2 ([02E] v5+, some legacy meters): the last SP included. The two
      differ by 32, so accepting both at all times would let a single
      upper/lower case flip (bit 5) through: the decoder accepts method 1 and
      switches to method 2 only after four consecutive groups valid only
      under method 2 (and back the same way).
    * Legacy meters may send historic groups with HT separators ([02E]):
      a two-field HT group is read with the historic rule (and its method)
      when its label is a historic label (ADCO, PTEC, …) or when it belongs
      to a frame whose first valid group is historic; any other HT group
      follows the standard rule. No label exists in both modes.

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
        "_context",
        "_detected",
        "_dirty",
        "_flimit",
        "_fmode",
        "_forced",
        "_fout",
        "_frej",
        "_fstart",
        "_fts",
        "_fvalues",
        "_gbuf",
        "_hmethod",
        "_hstreak",
        "_in_frame",
        "_on_group",
        "_pos",
        "_prev",
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
        mode: TicMode | None = None,
        *,
        on_group: Callable[[Group, TicMode], None] | None = None,
    ) -> None:
        """Create a decoder, optionally forcing the mode, with a group callback."""
        self._forced: TicMode | None = mode
        self._on_group = on_group
        self._detected: TicMode | None = None
        # Rules in force for the next group: the forced mode, else the mode of
        # the current frame once its first valid group is known, else None.
        self._context: TicMode | None = mode
        # Historic checksum method in use (1 or 2) and the number of
        # consecutive groups valid only under the other one.
        self._hmethod = 1
        self._hstreak = 0
        self._pos = 0
        self._prev = _PREV_OTHER
        self._gbuf: bytes | None = None
        self._dirty = False
        self._in_frame = False
        self._fstart = 0
        self._flimit = _NO_LIMIT
        self._fmode: TicMode | None = None
        self._fvalues: dict[str, str] = {}
        self._fts: dict[str, str] = {}
        self._frej = 0
        self._fout: list[Frame] = []
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
    def mode(self) -> TicMode | None:
        """The forced mode, else the mode of the last frame (or first valid group)."""
        return self._forced or self._detected

    def reset(self) -> None:
        """Drop any partial group and frame (e.g. after a reconnect); keep counters."""
        self._gbuf = None
        self._prev = _PREV_OTHER
        self._dirty = False
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
        self._dirty = bool(data.translate(None, _STREAM_BYTES)) or (
            self._dirty and self._gbuf is not None
        )
        out: list[Frame] = []
        self._fout = out
        base = self._pos
        start = 0
        for match in _FRAMING_RE.finditer(data):
            at = match.start()
            if at > start:
                self._region(data[start:at], base + start)
            self._framing(data[at], base + at)
            start = at + 1
        if start < len(data):
            self._region(data[start:] if start else data, base + start)
        self._pos = base + len(data)
        self._fout = []
        return out

    # -- link layer -----------------------------------------------------------

    def _framing(self, byte: int, pos: int) -> None:
        """Handle STX, ETX or EOT at absolute position ``pos``."""
        if self._gbuf is not None:
            self._gbuf = None
            self._reject_truncated(1)
        if byte == _STX:
            if self._in_frame and pos - self._fstart > 1:
                self.dropped_frames += 1
            self._open_frame(pos)
            self._prev = _PREV_OTHER
        elif byte == _ETX:
            if self._in_frame:
                mode = self._fmode
                if mode is not None and pos < self._flimit:
                    self.frames += 1
                    if self._forced is None:
                        self._detected = mode
                    self._fout.append(
                        Frame(
                            mode,
                            MappingProxyType(self._fvalues),
                            MappingProxyType(self._fts),
                            self._frej,
                        )
                    )
                else:
                    self.dropped_frames += 1
                self._close_frame()
            self._prev = _PREV_ETX
        else:  # EOT
            if self._in_frame:
                self.aborted_frames += 1
                self._close_frame()
            self._prev = _PREV_OTHER

    def _open_frame(self, pos: int) -> None:
        self._in_frame = True
        self._fstart = pos
        self._flimit = pos + MAX_FRAME_BYTES
        self._fmode = None
        self._context = self._forced
        self._fvalues = {}
        self._fts = {}
        self._frej = 0

    def _close_frame(self) -> None:
        self._in_frame = False
        self._flimit = _NO_LIMIT
        self._fmode = None
        self._context = self._forced
        self._fvalues = {}
        self._fts = {}
        self._frej = 0

    def _reject_truncated(self, count: int) -> None:
        self.truncated_groups += count
        if self._in_frame:
            self._frej += count

    def _region(self, region: bytes, pos: int) -> None:
        """Consume bytes free of STX/ETX/EOT starting at absolute ``pos``."""
        parts = region.split(b"\r")
        first = parts[0]
        if first:
            self._part(first, pos)
            pos += len(first)
        if len(parts) == 1:
            return
        accept = self._accept
        group = self._gbuf
        prev = self._prev
        for part in parts[1:]:
            # A CR at ``pos``: it ends the group, if one is open.
            if pos >= self._flimit:
                self.dropped_frames += 1
                self._close_frame()
            if group is None:
                self.discarded_bytes += 1
                prev = _PREV_OTHER
            else:
                accept(group)
                group = None
                prev = _PREV_CR
            pos += 1
            if part:
                if part[0] == _LF and part.find(b"\n", 1) < 0:
                    # Fast path: "LF body" right after a CR.
                    group = part[1:] if len(part) <= _KEEP else part[1:_KEEP]
                    prev = _PREV_OTHER
                else:
                    self._gbuf = group
                    self._prev = prev
                    self._part(part, pos)
                    group = self._gbuf
                    prev = self._prev
                pos += len(part)
        self._gbuf = group
        self._prev = prev

    def _part(self, part: bytes, pos: int) -> None:
        """Consume non-empty bytes free of CR/STX/ETX/EOT at absolute ``pos``."""
        prev = self._prev
        self._prev = _PREV_OTHER
        group = self._gbuf
        if group is not None:
            lf = part.find(b"\n")
            if lf < 0:
                group += part
                self._gbuf = group if len(group) < _KEEP else group[: _KEEP - 1]
                return
            self._gbuf = None
            self._reject_truncated(1)
            opener = lf
        elif prev == _PREV_ETX:
            # The byte after an ETX opens the next frame: a mangled STX, or
            # the LF of the first group when the STX was lost.
            if part[0] == _LF:
                self._open_frame(pos - 1)
                opener = 0
            else:
                self._open_frame(pos)
                opener = part.find(b"\n", 1)
                self.discarded_bytes += (opener if opener >= 0 else len(part)) - 1
        elif prev == _PREV_CR:
            # The byte after a group's CR opens the next group, LF or not.
            opener = 0
        else:
            opener = part.find(b"\n")
            self.discarded_bytes += opener if opener >= 0 else len(part)
        if opener < 0:
            return
        last = part.rfind(b"\n")
        if last > opener:
            # Each further LF cuts the group the previous one opened.
            self._reject_truncated(part.count(b"\n", opener + 1))
            opener = last
        self._gbuf = part[opener + 1 : opener + _KEEP]

    # -- groups ---------------------------------------------------------------

    def _accept(self, body: bytes) -> None:
        """Validate a group body (between LF and CR) at its CR; record and report it."""
        size = len(body)
        if (
            size < _MIN_GROUP
            or size > MAX_GROUP_BYTES
            or (self._dirty and len(body.translate(None, _BAD_BODY_BYTES)) != size)
        ):
            self._reject_malformed()
            return
        check = body[-1]
        if check < _SP:  # never a valid checksum character (HT included)
            self._reject_malformed()
            return
        sep = body[-2]
        context = self._context
        stamp: str | None = None
        if sep == _SP and context is not TicMode.STANDARD:
            fields = body.decode("ascii")[:-2].split(" ")
            if len(fields) != 2 or not fields[0] or _HT in body:
                self._reject_malformed()
                return
            if not self._historic_ok(sum(body) - check, check, _SP):
                return
            label, value = fields
            mode = TicMode.HISTORIC
        elif sep == _HT:
            fields = body.decode("ascii").split("\t")
            label = fields[0]
            if not label or " " in label:
                self._reject_malformed()
                return
            count = len(fields)
            if count == _PLAIN_FIELDS:
                value = fields[1]
                if context is TicMode.HISTORIC or (
                    context is None and label in _HISTORIC_LABELS
                ):
                    if not self._historic_ok(sum(body) - check, check, _HT):
                        return
                    mode = TicMode.HISTORIC
                elif ((sum(body) - check) & 0x3F) + 0x20 == check:
                    mode = TicMode.STANDARD
                else:
                    self._reject_checksum()
                    return
            elif count == _STAMPED_FIELDS and context is not TicMode.HISTORIC:
                stamp = fields[1]
                if (
                    len(stamp) != _HORODATE_LENGTH
                    or stamp[0] not in _SEASON_CHARS
                    or not stamp[1:].isdigit()
                ):
                    self._reject_malformed()
                    return
                if ((sum(body) - check) & 0x3F) + 0x20 != check:
                    self._reject_checksum()
                    return
                value = fields[2]
                mode = TicMode.STANDARD
            else:
                self._reject_malformed()
                return
        else:
            self._reject_malformed()
            return

        self.valid_groups += 1
        if self._in_frame:
            if self._fmode is None:
                self._fmode = mode
                self._context = self._forced or mode
            self._fvalues[label] = value
            if stamp is not None:
                self._fts[label] = stamp
        if self._detected is None and self._forced is None:
            self._detected = mode
        callback = self._on_group
        if callback is not None:
            try:
                callback(Group(label, value, stamp), mode)
            except Exception:
                self.callback_errors += 1
                _LOGGER.exception("TIC on_group callback raised")

    def _reject_malformed(self) -> None:
        self.malformed_groups += 1
        if self._in_frame:
            self._frej += 1

    def _reject_checksum(self) -> None:
        self.checksum_errors += 1
        if self._in_frame:
            self._frej += 1

    def _historic_ok(self, total: int, check: int, sep: int) -> bool:
        """Check a historic checksum; ``total`` includes the last separator.

        Method 1 excludes the separator before the checksum ([54E] Table 2),
        method 2 includes it ([02E]); see the class docstring for the switch.
        """
        method1 = ((total - sep) & 0x3F) + 0x20 == check
        method2 = (total & 0x3F) + 0x20 == check
        if method1 if self._hmethod == 1 else method2:
            self._hstreak = 0
            return True
        if method2 if self._hmethod == 1 else method1:
            self._hstreak += 1
            if self._hstreak >= _SWITCH_AFTER:
                self._hmethod = 3 - self._hmethod
                self._hstreak = 0
                return True
        self._reject_checksum()
        return False


# ---------------------------------------------------------------------------
# Interpretation layer
# ---------------------------------------------------------------------------


class TempoColor(StrEnum):
    """Tempo day colour ([54E] §6.2.3.14 bits 24-27; historic DEMAIN, [02E]).

    UNKNOWN is "no announcement" (STGE 0, DEMAIN ``----``): never blue.
    """

    BLUE = "blue"
    WHITE = "white"
    RED = "red"
    UNKNOWN = "unknown"


class Contract(StrEnum):
    """Supplier contract: historic OPTARIF ([54E] §6.1) or standard NGTF (§6.2.3.4)."""

    BASE = "base"
    OFF_PEAK = "off_peak"
    EJP = "ejp"
    TEMPO = "tempo"
    OTHER = "other"


class TariffPeriod(StrEnum):
    """Current tariff period: historic PTEC ([54E] §6.1, [02E]) or standard NTARF.

    Standard mode only gives an index (NTARF, [54E] §6.2.3.20); the periods of
    the indexes follow the historic order ([54E] §6.1.1: BBRHCJB…BBRHPJR are
    "index fournisseur 1…6").
    """

    BASE = "base"
    OFF_PEAK = "off_peak"
    PEAK = "peak"
    EJP_NORMAL = "ejp_normal"
    EJP_PEAK = "ejp_peak"
    HC_BLUE = "hc_blue"
    HP_BLUE = "hp_blue"
    HC_WHITE = "hc_white"
    HP_WHITE = "hp_white"
    HC_RED = "hc_red"
    HP_RED = "hp_red"
    UNKNOWN = "unknown"

    @property
    def color(self) -> TempoColor | None:
        """The Tempo colour of a Tempo period, else None."""
        return _PERIOD_COLOR.get(self)

    @property
    def is_peak(self) -> bool:
        """True for full-price periods: Tempo HP, HC/HP peak, EJP mobile peak."""
        return self in _PEAK_PERIODS


_PERIOD_COLOR: Final[Mapping[TariffPeriod, TempoColor]] = {
    TariffPeriod.HC_BLUE: TempoColor.BLUE,
    TariffPeriod.HP_BLUE: TempoColor.BLUE,
    TariffPeriod.HC_WHITE: TempoColor.WHITE,
    TariffPeriod.HP_WHITE: TempoColor.WHITE,
    TariffPeriod.HC_RED: TempoColor.RED,
    TariffPeriod.HP_RED: TempoColor.RED,
}
_PEAK_PERIODS: Final = frozenset(
    {
        TariffPeriod.PEAK,
        TariffPeriod.EJP_PEAK,
        TariffPeriod.HP_BLUE,
        TariffPeriod.HP_WHITE,
        TariffPeriod.HP_RED,
    }
)
_TEMPO_PERIODS: Final = (
    TariffPeriod.HC_BLUE,
    TariffPeriod.HP_BLUE,
    TariffPeriod.HC_WHITE,
    TariffPeriod.HP_WHITE,
    TariffPeriod.HC_RED,
    TariffPeriod.HP_RED,
)
_STGE_COLORS: Final = (
    TempoColor.UNKNOWN,
    TempoColor.BLUE,
    TempoColor.WHITE,
    TempoColor.RED,
)


class CutOffState(StrEnum):
    """Breaker state, STGE bits 1-3 ([54E] §6.2.3.14); value 7 is undefined."""

    CLOSED = "closed"
    OPEN_OVERPOWER = "open_overpower"
    OPEN_OVERVOLTAGE = "open_overvoltage"
    OPEN_LOAD_SHEDDING = "open_load_shedding"
    OPEN_CPL_ORDER = "open_cpl_order"
    OPEN_OVERHEAT_ABOVE_MAX_CURRENT = "open_overheat_above_max_current"
    OPEN_OVERHEAT_BELOW_MAX_CURRENT = "open_overheat_below_max_current"
    UNKNOWN = "unknown"


class EuridisState(StrEnum):
    """Euridis output, STGE bits 19-20 ([54E] §6.2.3.14); binary 10 is undefined."""

    OFF = "off"
    ON = "on"
    ON_SECURED = "on_secured"
    UNKNOWN = "unknown"


class CplStatus(StrEnum):
    """CPL (power-line) status, STGE bits 21-22 ([54E] §6.2.3.14); 11 is undefined."""

    NEW_UNLOCKED = "new_unlocked"
    NEW_LOCKED = "new_locked"
    REGISTERED = "registered"
    UNKNOWN = "unknown"


_CUT_OFF: Final = tuple(CutOffState)
_EURIDIS: Final = (
    EuridisState.OFF,
    EuridisState.ON,
    EuridisState.UNKNOWN,
    EuridisState.ON_SECURED,
)
_CPL: Final = (
    CplStatus.NEW_UNLOCKED,
    CplStatus.NEW_LOCKED,
    CplStatus.REGISTERED,
    CplStatus.UNKNOWN,
)
_STGE_RE: Final = re.compile(r"[0-9A-Fa-f]{8}")


@dataclass(frozen=True, slots=True)
class StatusRegister:
    """The standard-mode status register STGE ([54E] §6.2.3.14).

    Sent as 8 hex digits, most significant byte first; bit 0 is the least
    significant bit of the last digit. ``supplier_index`` / ``distributor_index``
    are the index numbers (register value + 1).
    """

    raw: int
    dry_contact_open: bool
    cut_off: CutOffState
    cover_open: bool
    overvoltage: bool
    overload: bool
    producer: bool
    injecting: bool
    supplier_index: int
    distributor_index: int
    clock_degraded: bool
    standard_mode: bool
    euridis: EuridisState
    cpl_status: CplStatus
    cpl_synchronised: bool
    today: TempoColor
    tomorrow: TempoColor
    peak_notice: int
    peak_active: int


def decode_stge(text: str) -> StatusRegister | None:
    """Decode STGE text (8 hex digits, [54E] §6.2.3.14); None if invalid."""
    if not isinstance(text, str) or _STGE_RE.fullmatch(text) is None:
        return None
    raw = int(text, 16)
    return StatusRegister(
        raw=raw,
        dry_contact_open=bool(raw & 1),
        cut_off=_CUT_OFF[(raw >> 1) & 0x7],
        cover_open=bool(raw >> 4 & 1),
        overvoltage=bool(raw >> 6 & 1),
        overload=bool(raw >> 7 & 1),
        producer=bool(raw >> 8 & 1),
        injecting=bool(raw >> 9 & 1),
        supplier_index=((raw >> 10) & 0xF) + 1,
        distributor_index=((raw >> 14) & 0x3) + 1,
        clock_degraded=bool(raw >> 16 & 1),
        standard_mode=bool(raw >> 17 & 1),
        euridis=_EURIDIS[(raw >> 19) & 0x3],
        cpl_status=_CPL[(raw >> 21) & 0x3],
        cpl_synchronised=bool(raw >> 23 & 1),
        today=_STGE_COLORS[(raw >> 24) & 0x3],
        tomorrow=_STGE_COLORS[(raw >> 26) & 0x3],
        peak_notice=(raw >> 28) & 0x3,
        peak_active=(raw >> 30) & 0x3,
    )


def group_signals_overload(group: Group) -> bool:
    """Tell whether this single group announces an overload (immediate reaction).

    Historic: ADPS (mono, [54E] §6.1.1) or ADIR1-3 (three-phase short frames,
    §6.1.2). Standard: STGE bit 7 "dépassement de la puissance de référence"
    (§6.2.3.14); standard mode has no ADPS group.
    """
    label = group.label
    if label in ("ADPS", "ADIR1", "ADIR2", "ADIR3"):
        return True
    if label == "STGE":
        status = decode_stge(group.value)
        return status is not None and status.overload
    return False


@dataclass(frozen=True, slots=True)
class MeterState:
    """The typed reading of one frame; None where the frame does not carry it.

    Powers in VA, energies in Wh, currents in A, voltages in V.

    ``short_frame`` marks a historic three-phase short frame ([54E] §6.1.2:
    only ADIRx, ADCO, IINSTx), which must not be read as "indexes gone".
    ``peak_notice`` is True while a peak is announced (historic PEJP, [54E]
    §6.1; standard STGE bits 28-29), False when the frame says none is.
    """

    mode: TicMode
    meter_id: str | None
    contract: Contract | None
    period: TariffPeriod | None
    today: TempoColor | None
    tomorrow: TempoColor | None
    apparent_power: int | None
    apparent_power_phases: tuple[int, ...] | None
    subscribed_power: int | None
    cut_off_power: int | None
    overload: bool
    overload_current: int | None
    overload_phases: tuple[int, ...]
    current: int | None
    currents: tuple[int, ...] | None
    voltage: int | None
    voltages: tuple[int, ...] | None
    three_phase: bool
    energy: Mapping[TariffPeriod, int]
    energy_total: int | None
    injected_energy: int | None
    injected_power: int | None
    status: StatusRegister | None
    tariff_label: str | None
    short_frame: bool
    peak_notice: bool | None
    max_power_today: int | None
    max_power_yesterday: int | None


_PTEC: Final[Mapping[str, TariffPeriod]] = {
    "HCJB": TariffPeriod.HC_BLUE,
    "HPJB": TariffPeriod.HP_BLUE,
    "HCJW": TariffPeriod.HC_WHITE,
    "HPJW": TariffPeriod.HP_WHITE,
    "HCJR": TariffPeriod.HC_RED,
    "HPJR": TariffPeriod.HP_RED,
}
_PTEC_PREFIX: Final[Mapping[str, TariffPeriod]] = {
    "TH": TariffPeriod.BASE,
    "HC": TariffPeriod.OFF_PEAK,
    "HP": TariffPeriod.PEAK,
    "HN": TariffPeriod.EJP_NORMAL,
    "PM": TariffPeriod.EJP_PEAK,
}
_DEMAIN: Final[Mapping[str, TempoColor]] = {
    "BLEU": TempoColor.BLUE,
    "BLAN": TempoColor.WHITE,
    "ROUG": TempoColor.RED,
    "----": TempoColor.UNKNOWN,
}
_HISTORIC_ENERGY: Final[Mapping[str, TariffPeriod]] = {
    "BASE": TariffPeriod.BASE,
    "HCHC": TariffPeriod.OFF_PEAK,
    "HCHP": TariffPeriod.PEAK,
    "EJPHN": TariffPeriod.EJP_NORMAL,
    "EJPHPM": TariffPeriod.EJP_PEAK,
    "BBRHCJB": TariffPeriod.HC_BLUE,
    "BBRHPJB": TariffPeriod.HP_BLUE,
    "BBRHCJW": TariffPeriod.HC_WHITE,
    "BBRHPJW": TariffPeriod.HP_WHITE,
    "BBRHCJR": TariffPeriod.HC_RED,
    "BBRHPJR": TariffPeriod.HP_RED,
}
# The historic index families whose sum is the total (all members required).
_HISTORIC_FAMILIES: Final = (
    ("HCHC", "HCHP"),
    ("EJPHN", "EJPHPM"),
    ("BBRHCJB", "BBRHPJB", "BBRHCJW", "BBRHPJW", "BBRHCJR", "BBRHPJR"),
)
SHORT_FRAME_LABELS: Final = frozenset(
    {"ADCO", "ADIR1", "ADIR2", "ADIR3", "IINST1", "IINST2", "IINST3"}
)
_THREE_PHASE_LABELS: Final = (
    "IINST1",
    "IINST2",
    "IINST3",
    "IMAX1",
    "ADIR1",
    "ADIR2",
    "ADIR3",
    "PPOT",
    "IRMS2",
    "IRMS3",
    "URMS2",
    "URMS3",
    "SINSTS1",
)
_HC_WORD: Final = re.compile(r"(?<![A-Z])HC(?![A-Z])")
_HP_WORD: Final = re.compile(r"(?<![A-Z])HP(?![A-Z])")


def _number(values: Mapping[str, str], label: str) -> int | None:
    """Return the non-negative decimal value of ``label``; None if absent or invalid."""
    text = values.get(label)
    if isinstance(text, str) and text.isascii() and text.isdigit():
        return int(text)
    return None


def _numbers(
    values: Mapping[str, str], labels: tuple[str, ...]
) -> tuple[int, ...] | None:
    result: list[int] = []
    for label in labels:
        number = _number(values, label)
        if number is None:
            return None
        result.append(number)
    return tuple(result)


def _text(values: Mapping[str, str], label: str) -> str | None:
    text = values.get(label)
    return text if isinstance(text, str) else None


def _historic_contract(optarif: str) -> Contract:
    """OPTARIF ([54E] §6.1, [02E]): BASE, HC.., EJP., BBRx (Tempo)."""
    if optarif == "BASE":
        return Contract.BASE
    if optarif.startswith("HC"):
        return Contract.OFF_PEAK
    if optarif.startswith("EJP"):
        return Contract.EJP
    if optarif.startswith("BBR"):
        return Contract.TEMPO
    return Contract.OTHER


def _historic_period(ptec: str) -> TariffPeriod:
    """PTEC ([02E]): TH.. HC.. HP.. HN.. PM.. HCJB HPJB HCJW HPJW HCJR HPJR."""
    tempo = _PTEC.get(ptec)
    if tempo is not None:
        return tempo
    return _PTEC_PREFIX.get(ptec[:2], TariffPeriod.UNKNOWN)


def _standard_contract(ngtf: str) -> Contract:
    """Contract from the supplier calendar name NGTF ([54E] §6.2.3.4), free text."""
    name = ngtf.upper()
    if "TEMPO" in name:
        return Contract.TEMPO
    if "BASE" in name:
        return Contract.BASE
    if "EJP" in name:
        return Contract.EJP
    if (
        "PLEINE" in name
        or "CREUSE" in name
        or _HC_WORD.search(name)
        or _HP_WORD.search(name)
    ):
        return Contract.OFF_PEAK
    return Contract.OTHER


def _off_peak_from_text(ltarf: str | None) -> TariffPeriod | None:
    """HC/HP period from the free-text LTARF ([54E] §6.2.3.5), if it says."""
    if ltarf is None:
        return None
    text = ltarf.upper()
    if "CREUSE" in text or _HC_WORD.search(text):
        return TariffPeriod.OFF_PEAK
    if "PLEINE" in text or _HP_WORD.search(text):
        return TariffPeriod.PEAK
    return None


def read_meter(frame: Frame) -> MeterState:
    """Interpret a frame ([54E] §6.1 historic tables, §6.2.2-§6.2.3 standard).

    Never raises: a missing or invalid value gives None for that field.
    """
    values = frame.values
    if frame.mode is TicMode.STANDARD:
        return _read_standard(frame, values)
    return _read_historic(frame, values)


def _read_historic(frame: Frame, values: Mapping[str, str]) -> MeterState:
    optarif = _text(values, "OPTARIF")
    contract = None if optarif is None else _historic_contract(optarif)
    ptec = _text(values, "PTEC")
    period = None if ptec is None else _historic_period(ptec)
    today = None if period is None else period.color
    demain = _text(values, "DEMAIN")
    tomorrow = None if demain is None else _DEMAIN.get(demain, TempoColor.UNKNOWN)
    if today is None and contract is Contract.TEMPO and period is not None:
        today = TempoColor.UNKNOWN

    three_phase = any(label in values for label in _THREE_PHASE_LABELS)
    isousc = _number(values, "ISOUSC")
    subscribed = None if isousc is None else isousc * 200 * (3 if three_phase else 1)

    adir = tuple(phase for phase in (1, 2, 3) if f"ADIR{phase}" in values)
    adps = _number(values, "ADPS")
    overload_current = adps
    if overload_current is None and adir:
        currents = [
            c for c in (_number(values, f"ADIR{p}") for p in adir) if c is not None
        ]
        overload_current = max(currents) if currents else None

    energy: dict[TariffPeriod, int] = {}
    for label, tariff in _HISTORIC_ENERGY.items():
        number = _number(values, label)
        if number is not None:
            energy[tariff] = number
    total = _number(values, "BASE")
    if total is None:
        for family in _HISTORIC_FAMILIES:
            parts = _numbers(values, family)
            if parts is not None:
                total = sum(parts)
                break

    labels = set(values)
    short = bool(
        labels
        and labels <= SHORT_FRAME_LABELS
        and labels & {"ADIR1", "ADIR2", "ADIR3", "IINST1", "IINST2", "IINST3"}
    )
    if "PEJP" in values:
        peak_notice: bool | None = True
    elif contract is Contract.EJP:
        peak_notice = False
    else:
        peak_notice = None

    return MeterState(
        mode=frame.mode,
        meter_id=_text(values, "ADCO"),
        contract=contract,
        period=period,
        today=today,
        tomorrow=tomorrow,
        apparent_power=_number(values, "PAPP"),
        apparent_power_phases=None,
        subscribed_power=subscribed,
        cut_off_power=None,
        overload="ADPS" in values or bool(adir),
        overload_current=overload_current,
        overload_phases=adir,
        current=_number(values, "IINST"),
        currents=_numbers(values, ("IINST1", "IINST2", "IINST3"))
        if three_phase
        else None,
        voltage=None,
        voltages=None,
        three_phase=three_phase,
        energy=MappingProxyType(energy),
        energy_total=total,
        injected_energy=None,
        injected_power=None,
        status=None,
        tariff_label=None,
        short_frame=short,
        peak_notice=peak_notice,
        max_power_today=None,
        max_power_yesterday=_number(values, "PMAX"),
    )


def _read_standard(frame: Frame, values: Mapping[str, str]) -> MeterState:
    stge = _text(values, "STGE")
    status = None if stge is None else decode_stge(stge)
    ngtf = _text(values, "NGTF")
    contract = None if ngtf is None else _standard_contract(ngtf)
    ltarf = _text(values, "LTARF")
    index = _number(values, "NTARF")
    if index is None and status is not None:
        index = status.supplier_index

    period: TariffPeriod | None = None
    off_peak_index = 1  # EASF index of the off-peak period (HC/HP contracts)
    if contract is Contract.TEMPO:
        if index is not None:
            period = (
                _TEMPO_PERIODS[index - 1] if 1 <= index <= 6 else TariffPeriod.UNKNOWN
            )
    elif contract is Contract.OFF_PEAK:
        period = _off_peak_from_text(ltarf)
        if period is not None and index in (1, 2):
            off_peak_index = index if period is TariffPeriod.OFF_PEAK else 3 - index
        elif period is None and index is not None:
            # No usable text: assume the historic order (HCHC = index 1).
            period = {1: TariffPeriod.OFF_PEAK, 2: TariffPeriod.PEAK}.get(
                index, TariffPeriod.UNKNOWN
            )
    elif contract is Contract.BASE:
        period = TariffPeriod.BASE
    elif contract is Contract.EJP:
        if index is not None:
            period = {1: TariffPeriod.EJP_NORMAL, 2: TariffPeriod.EJP_PEAK}.get(
                index, TariffPeriod.UNKNOWN
            )
    elif contract is Contract.OTHER:
        period = TariffPeriod.UNKNOWN

    today: TempoColor | None = None
    tomorrow: TempoColor | None = None
    if status is not None:
        if status.today is not TempoColor.UNKNOWN:
            today = status.today
        elif contract is Contract.TEMPO:
            # The spec forbids 0 on Tempo, real meters send it: use the period.
            color = None if period is None else period.color
            today = color or TempoColor.UNKNOWN
        if status.tomorrow is not TempoColor.UNKNOWN or contract is Contract.TEMPO:
            tomorrow = status.tomorrow
    elif contract is Contract.TEMPO and period is not None:
        today = period.color or TempoColor.UNKNOWN

    energy: dict[TariffPeriod, int] = {}
    slots: tuple[TariffPeriod, ...] = ()
    if contract is Contract.TEMPO:
        slots = _TEMPO_PERIODS
    elif contract is Contract.OFF_PEAK:
        slots = (
            (TariffPeriod.OFF_PEAK, TariffPeriod.PEAK)
            if off_peak_index == 1
            else (TariffPeriod.PEAK, TariffPeriod.OFF_PEAK)
        )
    elif contract is Contract.BASE:
        slots = (TariffPeriod.BASE,)
    elif contract is Contract.EJP:
        slots = (TariffPeriod.EJP_NORMAL, TariffPeriod.EJP_PEAK)
    for number, tariff in enumerate(slots, start=1):
        reading = _number(values, f"EASF{number:02d}")
        if reading is not None:
            energy[tariff] = reading

    three_phase = any(label in values for label in _THREE_PHASE_LABELS)
    pref = _number(values, "PREF")
    pcoup = _number(values, "PCOUP")
    overload = status is not None and status.overload
    peak_notice = None if status is None else status.peak_notice != 0

    return MeterState(
        mode=frame.mode,
        meter_id=_text(values, "ADSC"),
        contract=contract,
        period=period,
        today=today,
        tomorrow=tomorrow,
        apparent_power=_number(values, "SINSTS"),
        apparent_power_phases=(
            _numbers(values, ("SINSTS1", "SINSTS2", "SINSTS3")) if three_phase else None
        ),
        subscribed_power=None if pref is None else pref * 1000,
        cut_off_power=None if pcoup is None else pcoup * 1000,
        overload=overload,
        overload_current=None,
        overload_phases=(),
        current=_number(values, "IRMS1"),
        currents=_numbers(values, ("IRMS1", "IRMS2", "IRMS3")) if three_phase else None,
        voltage=_number(values, "URMS1"),
        voltages=_numbers(values, ("URMS1", "URMS2", "URMS3")) if three_phase else None,
        three_phase=three_phase,
        energy=MappingProxyType(energy),
        energy_total=_number(values, "EAST"),
        injected_energy=_number(values, "EAIT"),
        injected_power=_number(values, "SINSTI"),
        status=status,
        tariff_label=None if ltarf is None else ltarf.strip(),
        short_frame=False,
        peak_notice=peak_notice,
        max_power_today=_number(values, "SMAXSN"),
        max_power_yesterday=_number(values, "SMAXSN-1"),
    )
