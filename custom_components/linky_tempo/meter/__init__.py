"""The Linky meter pipeline: TIC bytes → frames → readings → confirmed data.

A library for the télé-information client (TIC) of Linky and older electronic
meters. It imports nothing from Home Assistant nor from the rest of the
integration, so that it can be published on its own (as ``dsmr_parser`` or
``pyteleinfo`` are); the decoding, reading and confirming parts need the
standard library only, the serial link (:mod:`.link`, not imported here)
needs ``serialx``.

The path of a byte:

1. :class:`TicDecoder` (:mod:`.framing`) finds frames (STX…ETX) and groups
   (LF…CR) in the stream; :class:`GroupReader` (:mod:`.groups`) checks each
   group (checksum, fields, horodate) and the decoder assembles the valid
   ones into a :class:`Frame` of raw label → text values.
2. :func:`read_meter` (:mod:`.reading`) interprets a frame into a typed
   :class:`MeterState` (STGE by :mod:`.stge`, tariff enums in
   :mod:`.tariffs`).
3. :class:`MeterReader` (:mod:`.reader`) confirms each value with the next
   frame, vets the energy indexes, carries missing values and tells when the
   meter is lost; it returns the :class:`MeterData` to publish.
4. :class:`~.link.TicLink` (:mod:`.link`) reads a serial port forever (any
   serialx URL) and feeds the decoder; :func:`~.link.probe` finds a meter once.

References:
* [54E] Enedis-NOI-CPT_54E v3 (01/06/2018), "Sorties de télé-information client
  des appareils de comptage Linky".
* [02E] Enedis-NOI-CPT_02E v6, the historic ("trames bleues") specification
  which [54E] §5.2 defers to for the historic mode.
"""

from __future__ import annotations

from .framing import MAX_FRAME_BYTES, Frame, TicDecoder
from .groups import (
    MAX_GROUP_BYTES,
    Group,
    GroupReader,
    Horodate,
    LineMode,
    checksum,
    parse_horodate,
)
from .reader import (
    STALE_AFTER,
    LinkCounts,
    MeterData,
    MeterReader,
    group_signals_overload,
)
from .reading import MeterState, read_meter
from .stge import CplStatus, CutOffState, EuridisState, StatusRegister, decode_stge
from .tariffs import Contract, TariffPeriod, TempoColor

__all__ = [
    "MAX_FRAME_BYTES",
    "MAX_GROUP_BYTES",
    "STALE_AFTER",
    "Contract",
    "CplStatus",
    "CutOffState",
    "EuridisState",
    "Frame",
    "Group",
    "GroupReader",
    "Horodate",
    "LineMode",
    "LinkCounts",
    "MeterData",
    "MeterReader",
    "MeterState",
    "StatusRegister",
    "TariffPeriod",
    "TempoColor",
    "TicDecoder",
    "checksum",
    "decode_stge",
    "group_signals_overload",
    "parse_horodate",
    "read_meter",
]
