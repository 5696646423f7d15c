"""TIC decode throughput: MB/s and frames/s of TicDecoder, and read_meter cost.

Run from the repository root:

    python benchmarks/decode_throughput.py [--megabytes 4] [--repeat 3]

It loads the RAW captures of tests/fixtures/captures (a historic mono Tempo
stream and a standard three-phase Tempo stream), repeats each to a few MB and
feeds it in realistic chunk sizes: 16 B (a serial read at 1200 Bd), 64 B,
4 KiB and the whole buffer, without and with an ``on_group`` callback (the
integration always sets one). The best of ``--repeat`` runs is printed.

The meter package is loaded straight from its directory, so this script needs
neither Home Assistant nor the integration's ``__init__``.
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parents[1]
CAPTURES = REPO_ROOT / "tests" / "fixtures" / "captures"
STREAMS = {
    "historic mono Tempo": "esciara__pyteleinfo__captured_frames.bin",
    "standard tri Tempo": "lains__teleinfo-nom__assets__stream_standard_raw.txt",
}
CHUNKS = (16, 64, 4096, None)


def load_meter() -> ModuleType:
    """Import custom_components/linky_tempo/meter/ without the integration."""
    sys.path.insert(0, str(REPO_ROOT))
    path = REPO_ROOT / "custom_components" / "linky_tempo" / "meter"
    spec = importlib.util.spec_from_file_location(
        "linky_tempo_meter",
        path / "__init__.py",
        submodule_search_locations=[str(path)],
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def best_time(run: object, repeat: int) -> float:
    """Best wall time of ``run()`` over ``repeat`` runs."""
    assert callable(run)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=4.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tic = load_meter()
    print(f"Python {platform.python_version()} on {platform.machine()}")
    print(f"{'stream':22} {'chunk':>7} {'callback':>8} {'MB/s':>8} {'frames/s':>10}")
    for title, name in STREAMS.items():
        raw = (CAPTURES / name).read_bytes()
        data = raw * max(1, int(args.megabytes * 1_000_000 / len(raw)))
        expected = len(tic.TicDecoder().feed(data))
        for chunk in CHUNKS:
            for callback in (None, lambda _group, _mode: None):
                pieces = (
                    [data]
                    if chunk is None
                    else [data[i : i + chunk] for i in range(0, len(data), chunk)]
                )

                def run(
                    pieces: list[bytes] = pieces,
                    callback: object = callback,
                    expected: int = expected,
                ) -> None:
                    decoder = tic.TicDecoder(on_group=callback)
                    count = 0
                    for piece in pieces:
                        count += len(decoder.feed(piece))
                    assert count == expected

                seconds = best_time(run, args.repeat)
                label = "whole" if chunk is None else f"{chunk} B"
                print(
                    f"{title:22} {label:>7} {'yes' if callback else 'no':>8} "
                    f"{len(data) / seconds / 1e6:8.2f} {expected / seconds:10.0f}"
                )
        frames = tic.TicDecoder().feed(raw * 200)
        seconds = best_time(
            lambda frames=frames: [tic.read_meter(f) for f in frames], args.repeat
        )
        print(f"{title:22} read_meter: {seconds / len(frames) * 1e6:.1f} µs per frame")


if __name__ == "__main__":
    main()
