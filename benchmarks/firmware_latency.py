"""Meter byte in -> pilot-wire pin out, through the real firmware (host build).

Runs tests/firmware/test_latency.py with many runs: the firmware built for
ESPHome's host platform (scripts/check-firmware), fed by a pty, its zone 1
going to frost protection read from its GPIO log ("Setting pin 26 to HIGH").
Two paths, p50/p99/max printed for each:

- local rules (Home Assistant away): ADPS frame's last byte -> pin;
- through the integration (serial proxy -> Linky Tempo -> Home Assistant's
  esphome integration -> the zone select): ADPS group's last byte -> pin.

The measured bytes go out at the line's pace (120 B/s), as a real TIC line
delivers them, so a run takes seconds (no per-test timeout here).

    benchmarks/run firmware_latency.py [runs]      (default 100)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    runs = sys.argv[1] if len(sys.argv) > 1 else "100"
    env = {**os.environ, "LINKY_TEMPO_FIRMWARE_LATENCY_RUNS": runs}
    env["LINKY_TEMPO_SKIP"] = ""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-s",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "--tb=short",
            "--show-capture=no",
            # At the line's pace a run takes seconds: no per-test timeout.
            "--timeout=0",
            str(ROOT / "tests" / "firmware" / "test_latency.py"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    figures = [line for line in result.stdout.splitlines() if " runs, p50 " in line]
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    for line in figures:
        print(line)
    print("target: p99 <= 100 ms on loopback")
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-2000:])
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
