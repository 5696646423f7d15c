"""TIC link layer: groups and frames, byte-exact ([54E] §5.2, §5.3.6).

Standard library only, so the simulator runs without Home Assistant.

* historic group: ``LF label SP data SP checksum CR``, checksum over
  ``label SP data`` (method 1, the one every Linky uses);
* standard group: ``LF label HT [horodate HT] data HT checksum CR``, checksum
  over everything from the label to the last HT included;
* frame: ``STX group… ETX``; a historic frame cut short ends with EOT.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

STX: Final = b"\x02"
ETX: Final = b"\x03"
EOT: Final = b"\x04"
LF: Final = b"\n"
CR: Final = b"\r"
SP: Final = b" "
HT: Final = b"\t"


def checksum(zone: bytes) -> int:
    """Return the checksum character of a controlled zone: ``(S1 & 0x3F) + 0x20``."""
    return (sum(zone) & 0x3F) + 0x20


def historic_group(label: str, data: str) -> bytes:
    """Encode one historic group (``LF label SP data SP checksum CR``)."""
    zone = f"{label} {data}".encode("ascii")
    return LF + zone + SP + bytes([checksum(zone)]) + CR


def standard_group(label: str, data: str, horodate: str | None = None) -> bytes:
    """Encode one standard group, timestamped when ``horodate`` is given."""
    fields = (label, data) if horodate is None else (label, horodate, data)
    zone = "\t".join(fields).encode("ascii") + HT
    return LF + zone + bytes([checksum(zone)]) + CR


def frame(groups: list[bytes]) -> bytes:
    """Wrap encoded groups into a frame (STX … ETX)."""
    return STX + b"".join(groups) + ETX


def season(moment: datetime) -> str:
    """Return the horodate season letter: ``E`` in summer time, ``H`` in winter."""
    offset = moment.dst()
    return "E" if offset is not None and offset.total_seconds() else "H"


def horodate(moment: datetime) -> str:
    """Return the horodate ``SAAMMJJhhmmss`` of a local, timezone-aware time."""
    return season(moment) + moment.strftime("%y%m%d%H%M%S")


def horodate_no_season(moment: datetime) -> str:
    """Return the horodate with a SPACE season, as DPMx/FPMx carry it."""
    return " " + moment.strftime("%y%m%d%H%M%S")
