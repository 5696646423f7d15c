"""Line noise: what a long cable, a poor adapter or a busy meter do to the TIC.

Seen in real captures (see the project's TIC notes): single-bit errors that
the checksum catches, dropped bytes, a CR received as a form feed, and
historic frames interrupted by EOT.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .protocol import CR, EOT, LF


@dataclass(slots=True)
class LineNoise:
    """Corrupt about ``rate`` of the groups, and cut about ``rate``/3 of frames."""

    rate: float
    seed: int = 1
    corrupted_groups: int = 0
    cut_frames: int = 0
    _random: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        """Seed the generator: the same seed gives the same noise."""
        self._random = random.Random(self.seed)

    def apply(self, frame: bytes, *, historic: bool) -> bytes:
        """Return the frame as the line delivers it."""
        if self.rate <= 0:
            return frame
        rng = self._random
        parts = frame.split(LF)
        head, groups = parts[0], parts[1:]
        cut_at = rng.randrange(1, len(groups)) if len(groups) > 1 else None
        if rng.random() >= self.rate / 3:
            cut_at = None
        out = bytearray(head)
        for index, body in enumerate(groups):
            if index == cut_at:
                # The meter stops mid-frame: EOT in historic mode, and in
                # standard mode the next frame simply starts.
                self.cut_frames += 1
                if historic:
                    out += EOT
                return bytes(out)
            group = bytearray(LF + body)
            if rng.random() < self.rate:
                self._corrupt(group, rng)
            out += group
        return bytes(out)

    def _corrupt(self, group: bytearray, rng: random.Random) -> None:
        self.corrupted_groups += 1
        end = group.rfind(CR)
        if end <= 1:
            return
        position = rng.randrange(1, end)
        choice = rng.random()
        if choice < 0.6:
            group[position] ^= 1 << rng.randrange(5)
        elif choice < 0.8:
            del group[position]
        else:
            group[end] = 0x0C  # the CR received as a form feed
