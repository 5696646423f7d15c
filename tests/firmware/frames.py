"""Historic Tempo frames built with the simulator's own TIC encoder."""

from __future__ import annotations

from tic_simulator.protocol import frame, historic_group

METER_ID = "021861348497"


def tempo_frame(
    period: str = "HCJB", *, papp: int = 1200, iinst: int = 6, adps: int | None = None
) -> bytes:
    """A single-phase Tempo (BBR) historic frame of the given period."""
    groups = [
        ("ADCO", METER_ID),
        ("OPTARIF", "BBR("),
        ("ISOUSC", "30"),
        ("BBRHCJB", "018328856"),
        ("BBRHPJB", "023739545"),
        ("BBRHCJW", "001466099"),
        ("BBRHPJW", "002132883"),
        ("BBRHCJR", "000860118"),
        ("BBRHPJR", "000844115"),
        ("PTEC", period),
        ("DEMAIN", "----"),
        ("IINST", f"{iinst:03d}"),
    ]
    if adps is not None:
        groups.append(("ADPS", f"{adps:03d}"))
    groups += [
        ("IMAX", "090"),
        ("PAPP", f"{papp:05d}"),
        ("HHPHC", "A"),
        ("MOTDETAT", "000000"),
    ]
    return frame([historic_group(label, value) for label, value in groups])
