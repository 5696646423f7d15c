"""Helpers for the TIC tests: capture files, frame builders and a reference decoder.

The reference decoder is a deliberately naive byte-at-a-time restatement of the
framing rules documented in `TicDecoder`, with its own regex-based group
validation. The property tests check that the optimised decoder agrees with it
on arbitrary streams cut into arbitrary chunks.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from custom_components.linky_tempo.meter import (
    MAX_FRAME_BYTES,
    MAX_GROUP_BYTES,
    Frame,
    Group,
    LineMode,
    TicDecoder,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

REPO_ROOT = Path(__file__).resolve().parents[2]
# The real captures, kept in the repository (provenance and licences in the
# README there).
CAPTURES = REPO_ROOT / "tests" / "fixtures" / "captures"

STX, ETX, EOT, LF, CR = b"\x02", b"\x03", b"\x04", b"\n", b"\r"


def capture(name: str) -> bytes:
    """The bytes of a capture file."""
    return (CAPTURES / name).read_bytes()


def rebuild_textindex(text: str) -> bytes:
    """Rebuild a byte stream from a TEXTINDEX / ISSUE text (one group per line).

    The text index dropped the control characters: each line is a group
    without its LF/CR and a blank line is a frame boundary (CR ETX STX LF). No
    STX is added before the first line nor ETX after the last one: a file that
    starts or ends mid-frame stays partial, as a real stream would be.
    """
    out = bytearray()
    for line in text.splitlines():
        if line:
            out += LF + line.encode("ascii") + CR
        else:
            out += ETX + STX
    return bytes(out)


def textindex(name: str) -> bytes:
    """A TEXTINDEX capture rebuilt as a byte stream."""
    return rebuild_textindex(capture(name).decode("ascii"))


def issue_lines(name: str) -> list[str]:
    """The lines of an ISSUE capture without its ``#`` header comments."""
    text = capture(name).decode("utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def python_literals(source: str) -> dict[str, object]:
    """The literal top-level assignments of a Python source (never executed)."""
    found: dict[str, object] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                try:
                    found[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
    return found


def checksum_char(zone: bytes) -> bytes:
    """The checksum of a zone, computed here independently of the module."""
    total = 0
    for byte in zone:
        total += byte
    return bytes([(total % 64) + 32])


def historic(label: str, value: str, *, sep: str = " ", method: int = 1) -> bytes:
    """A historic group body (between LF and CR) with a correct checksum."""
    zone = f"{label}{sep}{value}".encode("ascii")
    covered = zone + sep.encode("ascii") if method == 2 else zone
    return zone + sep.encode("ascii") + checksum_char(covered)


def standard(label: str, value: str, stamp: str | None = None) -> bytes:
    """A standard group body (between LF and CR) with a correct checksum."""
    fields = [label] if stamp is None else [label, stamp]
    zone = "\t".join([*fields, value]).encode("ascii") + b"\t"
    return zone + checksum_char(zone)


def groups(*bodies: bytes) -> bytes:
    """Groups delimited by LF … CR."""
    return b"".join(LF + body + CR for body in bodies)


def frame(*bodies: bytes) -> bytes:
    """A complete frame STX groups ETX."""
    return STX + groups(*bodies) + ETX


HISTORIC_FRAME = frame(
    historic("ADCO", "021861348497"),
    historic("OPTARIF", "BBR("),
    historic("ISOUSC", "30"),
    historic("BBRHCJB", "018328702"),
    historic("PTEC", "HCJB"),
    historic("DEMAIN", "ROUG"),
    historic("IINST", "012"),
    historic("PAPP", "02830"),
)
STANDARD_FRAME = frame(
    standard("ADSC", "021861348497"),
    standard("DATE", "", "H200214230808"),
    standard("NGTF", "     TEMPO      "),
    standard("LTARF", "   HC  BLANC    "),
    standard("EAST", "021849106"),
    standard("SINSTS", "01234"),
    standard("STGE", "463A0800"),
    standard("DPM1", "00", " 200214060000"),
    standard("NTARF", "03"),
)


def feed_in_chunks(
    decoder: TicDecoder, data: bytes, sizes: Iterable[int]
) -> list[Frame]:
    """Feed ``data`` cut into chunks of the given sizes (cycled), collect the frames."""
    frames: list[Frame] = []
    cuts = list(sizes) or [len(data) or 1]
    position = 0
    index = 0
    while position < len(data):
        size = max(1, cuts[index % len(cuts)])
        frames += decoder.feed(data[position : position + size])
        position += size
        index += 1
    return frames


def counters(decoder: TicDecoder | ReferenceDecoder) -> dict[str, int]:
    """Every counter of a decoder, by name."""
    return {name: getattr(decoder, name) for name in COUNTERS}


COUNTERS: Sequence[str] = (
    "frames",
    "valid_groups",
    "checksum_errors",
    "malformed_groups",
    "truncated_groups",
    "aborted_frames",
    "dropped_frames",
    "discarded_bytes",
    "high_bit_bytes",
)

# The historic label set, restated from [54E] §6.1 and [02E].
HISTORIC_LABELS = frozenset(
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
_HISTORIC_RE = re.compile(rb"([!-~]+) ([!-~]*)")
_PLAIN_RE = re.compile(rb"([!-~]+)\t([ -~]*)")
_STAMPED_RE = re.compile(rb"([!-~]+)\t([ HEhe][0-9]{12})\t([ -~]*)")


class ReferenceDecoder:
    """Byte-at-a-time statement of the decoder's documented rules."""

    def __init__(self, mode: LineMode | None = None) -> None:
        """Start with nothing seen."""
        self.forced = mode
        self.detected: LineMode | None = None
        self.method = 1
        self.streak = 0
        self.pos = 0
        self.prev = "other"
        self.group: bytearray | None = None
        self.in_frame = False
        self.start = 0
        self.frame_mode: LineMode | None = None
        self.values: dict[str, str] = {}
        self.stamps: dict[str, str] = {}
        self.rejected = 0
        self.reported: list[tuple[Group, LineMode]] = []
        self.frames = self.valid_groups = self.checksum_errors = 0
        self.malformed_groups = self.truncated_groups = self.aborted_frames = 0
        self.dropped_frames = self.discarded_bytes = self.high_bit_bytes = 0

    @property
    def mode(self) -> LineMode | None:
        """Forced or detected mode."""
        return self.forced or self.detected

    def feed(self, data: bytes) -> list[Frame]:
        """Decode bytes one at a time."""
        out: list[Frame] = []
        for raw in data:
            if raw & 0x80:
                self.high_bit_bytes += 1
            self._byte(raw & 0x7F, out)
            self.pos += 1
        return out

    def _open(self, start: int) -> None:
        self.in_frame = True
        self.start = start
        self.frame_mode = None
        self.values = {}
        self.stamps = {}
        self.rejected = 0

    def _close(self) -> None:
        self.in_frame = False
        self.frame_mode = None

    def _reject(self, counter: str) -> None:
        setattr(self, counter, getattr(self, counter) + 1)
        if self.in_frame:
            self.rejected += 1

    def _byte(self, byte: int, out: list[Frame]) -> None:
        pos = self.pos
        if byte in {0x02, 0x03, 0x04}:
            if self.group is not None:
                self.group = None
                self._reject("truncated_groups")
            if byte == 0x02:
                if self.in_frame and pos - self.start > 1:
                    self.dropped_frames += 1
                self._open(pos)
                self.prev = "other"
            elif byte == 0x03:
                if self.in_frame:
                    if self.values and pos - self.start + 1 <= MAX_FRAME_BYTES:
                        assert self.frame_mode is not None
                        self.frames += 1
                        if self.forced is None:
                            self.detected = self.frame_mode
                        out.append(
                            Frame(
                                self.frame_mode,
                                MappingProxyType(self.values),
                                MappingProxyType(self.stamps),
                                self.rejected,
                            )
                        )
                    else:
                        self.dropped_frames += 1
                    self._close()
                self.prev = "etx"
            else:
                if self.in_frame:
                    self.aborted_frames += 1
                    self._close()
                self.prev = "other"
        elif byte == 0x0D:
            if self.in_frame and pos - self.start + 1 > MAX_FRAME_BYTES:
                self.dropped_frames += 1
                self._close()
            if self.group is not None:
                body = bytes(self.group)
                self.group = None
                self._decode(body)
                self.prev = "cr"
            else:
                self.discarded_bytes += 1
                self.prev = "other"
        elif byte == 0x0A:
            if self.group is not None:
                self._reject("truncated_groups")
            elif self.prev == "etx":
                self._open(pos - 1)
            self.group = bytearray()
            self.prev = "other"
        else:
            if self.group is not None:
                if len(self.group) <= MAX_GROUP_BYTES:
                    self.group.append(byte)
            elif self.prev == "etx":
                self._open(pos)  # a mangled STX
            elif self.prev == "cr":
                self.group = bytearray()  # a mangled LF
            else:
                self.discarded_bytes += 1
            self.prev = "other"

    def _historic_checksum(self, body: bytes) -> bool:
        with_sep = checksum_char(body[:-1]) == body[-1:]
        without_sep = checksum_char(body[:-2]) == body[-1:]
        current, other = (
            (without_sep, with_sep) if self.method == 1 else (with_sep, without_sep)
        )
        if current:
            self.streak = 0
            return True
        if other:
            self.streak += 1
            if self.streak >= 4:
                self.method = 3 - self.method
                self.streak = 0
                return True
        return False

    def _validate(self, body: bytes) -> tuple[str, str, str | None, LineMode] | str:
        context = self.forced or (self.frame_mode if self.in_frame else None)
        if not 4 <= len(body) <= MAX_GROUP_BYTES or any(
            not (0x20 <= c <= 0x7E or c == 0x09) for c in body
        ):
            return "malformed_groups"
        zone, sep = body[:-2], body[-2]
        if body[-1] < 0x20:
            return "malformed_groups"
        if sep == 0x20 and context is not LineMode.STANDARD:
            match = _HISTORIC_RE.fullmatch(zone)
            if match is None:
                return "malformed_groups"
            if not self._historic_checksum(body):
                return "checksum_errors"
            return match[1].decode(), match[2].decode(), None, LineMode.HISTORIC
        if sep == 0x09:
            plain = _PLAIN_RE.fullmatch(zone)
            if plain is not None:
                label = plain[1].decode()
                if context is LineMode.HISTORIC or (
                    context is None and label in HISTORIC_LABELS
                ):
                    if not self._historic_checksum(body):
                        return "checksum_errors"
                    return label, plain[2].decode(), None, LineMode.HISTORIC
                if checksum_char(body[:-1]) != body[-1:]:
                    return "checksum_errors"
                return label, plain[2].decode(), None, LineMode.STANDARD
            stamped = _STAMPED_RE.fullmatch(zone)
            if stamped is not None and context is not LineMode.HISTORIC:
                if checksum_char(body[:-1]) != body[-1:]:
                    return "checksum_errors"
                return (
                    stamped[1].decode(),
                    stamped[3].decode(),
                    stamped[2].decode(),
                    LineMode.STANDARD,
                )
        return "malformed_groups"

    def _decode(self, body: bytes) -> None:
        verdict = self._validate(body)
        if isinstance(verdict, str):
            self._reject(verdict)
            return
        label, value, stamp, mode = verdict
        self.valid_groups += 1
        if self.in_frame:
            if self.frame_mode is None:
                self.frame_mode = mode
            self.values[label] = value
            if stamp is not None:
                self.stamps[label] = stamp
        if self.detected is None and self.forced is None:
            self.detected = mode
        self.reported.append((Group(label, value, stamp), mode))
