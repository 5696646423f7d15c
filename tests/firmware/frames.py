"""The frames the firmware tests send: the simulator's, for a small house.

`tic_simulator.frames.tempo_historic` builds them; the firmware tests default
to 1.2 kVA (6 A) so that an ADPS they add stands out.
"""

from __future__ import annotations

from tic_simulator.frames import CAPTURED_METER_ID, tempo_historic

METER_ID = CAPTURED_METER_ID


def tempo_frame(
    period: str = "HCJB", *, papp: int = 1200, iinst: int = 6, adps: int | None = None
) -> bytes:
    """A single-phase Tempo (BBR) historic frame of the given period."""
    return tempo_historic(period=period, papp=papp, iinst=iinst, adps=adps)
