"""The standard-mode status register STGE ([54E] §6.2.3.14).

Standard library only (see the package docstring for the references).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from .tariffs import TempoColor

__all__ = [
    "CplStatus",
    "CutOffState",
    "EuridisState",
    "StatusRegister",
    "decode_stge",
]


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
_COLORS: Final = (
    TempoColor.UNKNOWN,
    TempoColor.BLUE,
    TempoColor.WHITE,
    TempoColor.RED,
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
        today=_COLORS[(raw >> 24) & 0x3],
        tomorrow=_COLORS[(raw >> 26) & 0x3],
        peak_notice=(raw >> 28) & 0x3,
        peak_active=(raw >> 30) & 0x3,
    )
