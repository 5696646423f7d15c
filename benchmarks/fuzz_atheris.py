"""The atheris (libFuzzer) harness of benchmarks/fuzz.py; run by it, not by hand.

    python benchmarks/fuzz_atheris.py -runs=1000000 -seed=1

Coverage-guided: the package's modules are instrumented. Each input is cut
by a FuzzedDataProvider into a target choice, a mode, read sizes, time gaps
and then either a byte stream (the whole pipeline of harness/fuzz.py) or
a list of label/value pairs (any frame through read_meter and the
coordinator). Any exception is a crash: libFuzzer stops and prints it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import MappingProxyType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import atheris  # noqa: E402

with atheris.instrument_imports(include=["custom_components"]):
    from custom_components.linky_tempo import (  # noqa: F401
        coordinator,
        meter,
        policy,
    )
from harness.fuzz import LABELS, run_frame, run_pipeline  # noqa: E402

MODES = (None, meter.LineMode.HISTORIC, meter.LineMode.STANDARD)
GAPS = (0.0, 0.1, 1.5, 2.5, 11.0, 400.0, 3600.0)


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    if fdp.ConsumeBool():
        mode = MODES[fdp.ConsumeIntInRange(0, 2)]
        cuts = [
            fdp.ConsumeIntInRange(1, 300) for _ in range(fdp.ConsumeIntInRange(1, 6))
        ]
        gaps = [GAPS[fdp.ConsumeIntInRange(0, len(GAPS) - 1)] for _ in cuts]
        run_pipeline(fdp.ConsumeBytes(fdp.remaining_bytes()), cuts, gaps, mode)
        return
    frame_mode = MODES[fdp.ConsumeIntInRange(1, 2)]
    values = {}
    for _ in range(fdp.ConsumeIntInRange(0, 30)):
        if fdp.ConsumeBool():
            label = LABELS[fdp.ConsumeIntInRange(0, len(LABELS) - 1)]
        else:
            label = fdp.ConsumeUnicodeNoSurrogates(6) or "X"
        values[label] = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 24))
    assert frame_mode is not None
    run_frame(
        meter.Frame(frame_mode, MappingProxyType(values), MappingProxyType({}), 0)
    )


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
