"""Test harness shared by the tests and the benchmarks.

The virtual clock the fault tests and the benchmarks run on
(`harness.virtual_time`), the full Home Assistant stack they set up: real
loads, a config entry on a real port and a recorder of every state change
(`harness.stack`), and the pure-pipeline runners both the tests and the
benchmarks drive (`harness.fuzz`, `harness.corruption`). The meter side
(simulated meters, ptys, TCP servers, frame builders) is `tic_simulator`'s.
Nothing here imports from ``tests/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
# Real meter captures kept in the repository, with their provenance and
# licence in the README there.
CAPTURES_DIR: Final = REPO_ROOT / "tests" / "fixtures" / "captures"
