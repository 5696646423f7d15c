"""Information groups: the checksum, the horodate, and the checking of one group.

[54E] §5.3.6 Tables 6-7 (standard), §5.2 Table 2 and [02E] (historic),
§6.2.1.1 (horodate). Standard library only. :class:`GroupReader` turns the
bytes between a group's LF and CR into a label and a value, or says why not;
:mod:`.framing` finds those bytes in the stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum
from typing import Final

__all__ = [
    "HISTORIC_LABELS",
    "MAX_GROUP_BYTES",
    "Group",
    "GroupReader",
    "Horodate",
    "LineMode",
    "Rejection",
    "checksum",
    "is_horodate",
    "parse_horodate",
]

MAX_GROUP_BYTES: Final = 512
"""A group body (between LF and CR) longer than this is rejected (memory bound).

The longest standard group is PJOURF+1 / PPOINTE: 98 data characters
([54E] §6.2.3.22), about 110 bytes with label, separators and checksum.
"""

SWITCH_AFTER: Final = 4
"""Consecutive historic groups valid only under the other checksum method
before the reader switches method (see :class:`GroupReader`)."""

HT: Final = 0x09
SP: Final = 0x20

# Bytes that may never appear in a group body (after 7-bit masking): control
# characters other than HT, and DEL. [54E] §6.2.1.2: data is 0x20-0x7E.
_BAD_BODY_BYTES: Final = bytes(
    b for b in range(0x80) if (b < SP and b != HT) or b == 0x7F
)
_SEASONS: Final = " HEhe"
_HORODATE_LENGTH: Final = 13
_MIN_GROUP: Final = 4  # label, separator, separator, checksum
_PLAIN_FIELDS: Final = 3  # label, data, checksum
_STAMPED_FIELDS: Final = 4  # label, horodate, data, checksum

HISTORIC_LABELS: Final = frozenset(
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
"""Historic labels ([54E] §6.1.1, §6.1.2; [02E]). Used to recognise historic
groups sent with HT separators by legacy meters (see :class:`GroupReader`)."""


class LineMode(StrEnum):
    """The TIC mode a meter sends in ([54E] §3.3).

    Historic: 1200 Bd 7E1, SP separator ([54E] §5.2, Table 2).
    Standard: 9600 Bd 7E1, HT separator ([54E] §5.3.5, §5.3.6).
    """

    HISTORIC = "historic"
    STANDARD = "standard"


class Rejection(Enum):
    """Why a group body was not accepted."""

    MALFORMED = "malformed"
    """Wrong size or field count, an invalid character or horodate."""
    CHECKSUM = "checksum"
    """Well formed, but the checksum does not match."""


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


type AcceptedGroup = tuple[str, str, str | None, LineMode]
"""A valid group as the decoder records it: label, value, horodate, mode."""


def checksum(zone: bytes) -> int:
    """Return the checksum character of a controlled zone ([54E] §5.3.6).

    ``(S1 & 0x3F) + 0x20`` where S1 is the sum of the bytes of the zone. The
    zone is ``label HT [horodate HT] data HT`` in standard mode, ``label SP
    data`` in historic mode (method 1, the separator before the checksum is
    excluded; [02E] method 2 includes it).
    """
    return (sum(zone) & 0x3F) + 0x20


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


def is_horodate(text: str) -> bool:
    """Tell whether ``text`` has the horodate syntax ``SAAMMJJhhmmss``.

    A season character and 12 ASCII digits ([54E] §6.2.1.1). This is what a
    timestamped group must carry to be valid; whether the digits make a real
    date is :func:`parse_horodate`'s business.
    """
    return (
        len(text) == _HORODATE_LENGTH
        and text.isascii()
        and text[0] in _SEASONS
        and text[1:].isdigit()
    )


def parse_horodate(text: str) -> Horodate | None:
    """Decode a horodate ``SAAMMJJhhmmss`` ([54E] §6.2.1.1); None if invalid."""
    if not is_horodate(text):
        return None
    season = text[0]
    digits = text[1:]
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


class GroupReader:
    """Check group bodies (the bytes between LF and CR, 7-bit ASCII).

    * Checksum verified; a SPACE checksum is valid; nothing is ever stripped.
      Characters: label 0x21-0x7E, data 0x20-0x7E ([54E] §6.2.1.2).
    * Standard group: ``label HT [horodate HT] data HT checksum``; a horodate
      is recognised by the field count (three fields before the checksum);
      checksum over label … last HT.
    * Historic group: ``label SP data SP checksum`` (data without SP).
      Method 1 (Linky, [54E] Table 2): checksum over ``label SP data``;
      method 2 ([02E] v5+, some legacy meters): the last SP included. The two
      differ by 32, so accepting both at all times would let a single
      upper/lower case flip (bit 5) through: the reader accepts method 1 and
      switches to method 2 only after four consecutive groups valid only
      under method 2 (and back the same way).
    * Legacy meters may send historic groups with HT separators ([02E]):
      a two-field HT group is read with the historic rule (and its method)
      when its label is a historic label (ADCO, PTEC, …) or when the rules in
      force are historic; any other HT group follows the standard rule.
      No label exists in both modes.

    ``rules`` is the mode whose rules apply (a forced mode, or the mode of
    the frame being read), None while unknown: then the group's own shape
    decides. Under standard rules a SP-separated group is malformed, under
    historic rules a timestamped group is.
    """

    __slots__ = ("_mismatches", "historic_method")

    def __init__(self) -> None:
        """Start with the historic checksum method of Linky meters (1)."""
        self.historic_method = 1
        """Historic checksum method in use: 1 ([54E]) or 2 ([02E])."""
        self._mismatches = 0
        """Consecutive historic groups valid only under the other method."""

    def read(
        self, body: bytes, rules: LineMode | None, check_chars: bool
    ) -> AcceptedGroup | Rejection:
        """Check one group body; ``check_chars`` when it may hold control bytes."""
        size = len(body)
        if (
            size < _MIN_GROUP
            or size > MAX_GROUP_BYTES
            or (check_chars and len(body.translate(None, _BAD_BODY_BYTES)) != size)
            or body[-1] < SP  # never a valid checksum character (HT included)
        ):
            return Rejection.MALFORMED
        separator = body[-2]
        if separator == SP and rules is not LineMode.STANDARD:
            return self._read_spaced(body)
        if separator == HT:
            return self._read_tabbed(body, rules)
        return Rejection.MALFORMED

    def _read_spaced(self, body: bytes) -> AcceptedGroup | Rejection:
        """A historic group: ``label SP data SP checksum``."""
        fields = body[:-2].decode("ascii").split(" ")
        if len(fields) != 2 or not fields[0] or HT in body:
            return Rejection.MALFORMED
        if not self._historic_checksum_ok(body):
            return Rejection.CHECKSUM
        return fields[0], fields[1], None, LineMode.HISTORIC

    def _read_tabbed(
        self, body: bytes, rules: LineMode | None
    ) -> AcceptedGroup | Rejection:
        """A standard group, or a historic one with HT separators."""
        fields = body.decode("ascii").split("\t")  # the checksum is the last
        label = fields[0]
        if not label or " " in label:
            return Rejection.MALFORMED
        if len(fields) == _PLAIN_FIELDS:
            if rules is LineMode.HISTORIC or (
                rules is None and label in HISTORIC_LABELS
            ):
                mode, valid = LineMode.HISTORIC, self._historic_checksum_ok(body)
            else:
                mode, valid = LineMode.STANDARD, checksum(body[:-1]) == body[-1]
            return (label, fields[1], None, mode) if valid else Rejection.CHECKSUM
        if len(fields) == _STAMPED_FIELDS and rules is not LineMode.HISTORIC:
            stamp = fields[1]
            if not is_horodate(stamp):
                return Rejection.MALFORMED
            if checksum(body[:-1]) != body[-1]:
                return Rejection.CHECKSUM
            return label, fields[2], stamp, LineMode.STANDARD
        return Rejection.MALFORMED

    def _historic_checksum_ok(self, body: bytes) -> bool:
        """Check a historic checksum under the method in use (see the class).

        Method 1 sums ``label SP data`` (the separator before the checksum
        excluded), method 2 includes that separator.
        """
        expected = body[-1]
        method1 = self.historic_method == 1
        if checksum(body[:-2] if method1 else body[:-1]) == expected:
            self._mismatches = 0
            return True
        if checksum(body[:-1] if method1 else body[:-2]) == expected:
            self._mismatches += 1
            if self._mismatches >= SWITCH_AFTER:
                self.historic_method = 3 - self.historic_method
                self._mismatches = 0
                return True
        return False
