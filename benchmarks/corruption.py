"""1 % random byte corruption over 10⁵ frames: what reaches Home Assistant.

    python benchmarks/corruption.py [--frames 100000] [--rate 0.01]

The simulated Linky Tempo meter (historic mode, household power: levels held
for a while with some jitter) is sent through the coordinator's pure steps, as
in harness/corruption.py: `TicDecoder` → `read_meter` →
`ReadingConfirmer` → `EnergyGlitchFilter`, with each byte replaced by a random
one with probability ``--rate``. Counted, per frame the decoder completes:

* a period missing from what is published (the checksum rejected its group
  and nothing was carried: bug 1 of docs/benchmarks.md);
* groups decoded that the meter did not send: corruptions that the 6-bit
  checksum let through (e.g. two compensating changes in one group), what
  the confirmation must stop;
* values published that the meter did not send;
* powers published from an earlier frame (a jump waiting for the next frame
  to confirm it, or a group lost to its checksum and carried);
* energy published backwards, or above what the meter really counted
  (an Energy dashboard spike).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.corruption import pipeline_run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=20260114)
    args = parser.parse_args()
    began = time.perf_counter()
    counts = pipeline_run(args.frames, args.seed, args.rate)
    seconds = time.perf_counter() - began
    frames = counts["frames"]
    print(
        f"{args.frames} frames sent, {args.rate:.1%} of bytes replaced at random; "
        f"{frames} complete frames decoded ({seconds:.0f} s)"
    )
    for key, label in (
        ("corrupted_groups_passed", "corrupted groups that passed the checksum"),
        ("missing_period", "frames published without a period"),
        ("wrong_period", "frames published with a period the meter did not send"),
        ("wrong_power", "frames published with a power the meter did not send"),
        ("late_power", "frames published with an earlier frame's power"),
        ("wrong_energy", "index values published that the meter did not send"),
        ("energy_backwards", "index values published lower than the previous one"),
        ("energy_spike", "index values published above what the meter counted"),
    ):
        share = counts[key] / max(frames, 1)
        print(f"  {label:58} {counts[key]:7d}  ({share:.2e}/frame)")


if __name__ == "__main__":
    main()
