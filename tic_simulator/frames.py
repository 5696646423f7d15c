"""Frames built by hand, for tests that need one exact frame.

`historic_frame` and `standard_frame` encode label/value pairs;
`tempo_historic` is a Linky mono Tempo historic frame as the real capture of
`CAPTURED_METER_ID` shows them, with the values a test wants to vary.
`frames_of` splits a capture into its frames.
"""

from __future__ import annotations

from typing import Final

from . import protocol

# The meter of the historic capture tests/fixtures/captures keeps
# (esciara/pyteleinfo's captured_frames.bin): the id the test meters use.
CAPTURED_METER_ID: Final = "021861348497"


def frames_of(data: bytes) -> list[bytes]:
    """Split a capture into its complete STX…ETX frames."""
    frames = []
    start = data.find(protocol.STX)
    while start != -1:
        end = data.find(protocol.ETX, start)
        if end == -1:
            break
        frames.append(data[start : end + 1])
        start = data.find(protocol.STX, end)
    return frames


def historic_frame(groups: list[tuple[str, str]]) -> bytes:
    """Build a historic frame (label SP data SP checksum) from label/value pairs."""
    return protocol.frame([protocol.historic_group(*group) for group in groups])


def standard_frame(groups: list[tuple[str, str] | tuple[str, str, str]]) -> bytes:
    """Build a standard frame; a 3-tuple is (label, horodate, value)."""
    encoded = []
    for group in groups:
        if len(group) == 3:
            label, stamp, value = group
            encoded.append(protocol.standard_group(label, value, stamp))
        else:
            encoded.append(protocol.standard_group(group[0], group[1]))
    return protocol.frame(encoded)


def tempo_historic(
    *,
    period: str = "HCJB",
    tomorrow: str = "----",
    papp: int = 2840,
    iinst: int = 12,
    adps: int | None = None,
    index: int = 18328856,
    meter_id: str = CAPTURED_METER_ID,
) -> bytes:
    """A Linky mono Tempo historic frame, as the pyteleinfo capture shows them."""
    groups = [
        ("ADCO", meter_id),
        ("OPTARIF", "BBR("),
        ("ISOUSC", "30"),
        ("BBRHCJB", f"{index:09d}"),
        ("BBRHPJB", "023739545"),
        ("BBRHCJW", "001466099"),
        ("BBRHPJW", "002132883"),
        ("BBRHCJR", "000860118"),
        ("BBRHPJR", "000844115"),
        ("PTEC", period),
        ("DEMAIN", tomorrow),
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
    return historic_frame(groups)
