"""Decode throughput next to pyteleinfo 0.4.0 (HA core teleinfo's library), same run.

    python benchmarks/decode_vs_pyteleinfo.py [--megabytes 2] [--repeat 3]

Installs pyteleinfo==0.4.0 in .cache/venv-bench on first use (see _peers.py).

Both decoders get the same bytes: the real captures of tests/fixtures/captures
(historic mono Tempo, standard three-phase Tempo), repeated to a few MB.

* linky_tempo: `TicDecoder.feed` in 4 KiB reads (the link's read size), then
  `read_meter` on every frame (what the integration does per frame); the
  "(decode)" row is `TicDecoder.feed` alone, like for like with pyteleinfo;
* pyteleinfo: the stream cut into STX…ETX frames (`read_frame`'s job, done
  here with bytes.find, faster than its one-byte serial reads), then
  `teleinfo.decode` on each frame, as HA core's teleinfo coordinator does.

The best of ``--repeat`` runs is kept. A second table feeds both the same
stream with 1 % of its bytes replaced by random bytes and counts the frames
each one can use (pyteleinfo rejects a whole frame for one bad group).
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._peers import reexec_with_peers  # noqa: E402
from tic_simulator.frames import frames_of as split_frames  # noqa: E402

reexec_with_peers()

import teleinfo  # noqa: E402

from benchmarks.decode_throughput import load_meter  # noqa: E402

CAPTURES = ROOT / "tests" / "fixtures" / "captures"
STREAMS = {
    "historic mono Tempo": "esciara__pyteleinfo__captured_frames.bin",
    "standard tri Tempo": "lains__teleinfo-nom__assets__stream_standard_raw.txt",
}
READ = 4096


def best(run: Callable[[], object], repeat: int) -> tuple[float, object]:
    result: object = None
    seconds = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        result = run()
        seconds = min(seconds, time.perf_counter() - began)
    return seconds, result


def ours(tic: object, data: bytes, interpret: bool = True) -> tuple[int, int]:
    decoder = tic.TicDecoder(on_group=lambda _group, _mode: None)  # type: ignore[attr-defined]
    frames = usable = 0
    for start in range(0, len(data), READ):
        for frame in decoder.feed(data[start : start + READ]):
            frames += 1
            if not interpret:
                usable += bool(frame.values)
                continue
            state = tic.read_meter(frame)  # type: ignore[attr-defined]
            usable += state.apparent_power is not None and state.period is not None
    return frames, usable


ERRORS: dict[str, str] = {}


def peer(data: bytes) -> tuple[int, int]:
    frames = usable = 0
    for raw in split_frames(data):
        frames += 1
        try:
            values = teleinfo.decode(raw)
        except Exception as err:  # HA core maps any error to UpdateFailed
            message = str(err).rpartition("|")[2].strip()
            ERRORS.setdefault(type(err).__name__, message[:90])
            continue
        usable += ("PAPP" in values or "SINSTS" in values) and (
            "PTEC" in values or "NTARF" in values
        )
    return frames, usable


def corrupt(data: bytes, rate: float, seed: int) -> bytes:
    rng = random.Random(seed)
    out = bytearray(data)
    for index in range(len(out)):
        if rng.random() < rate:
            out[index] = rng.randrange(256)
    return bytes(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tic = load_meter()
    print(
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"pyteleinfo {teleinfo.__version__}"
    )
    print()
    print("Clean captures: decode + interpret every frame")
    print(
        f"{'stream':22} {'decoder':12} {'MB/s':>7} {'frames/s':>9} "
        f"{'frames':>7} {'usable':>7}"
    )
    for title, name in STREAMS.items():
        raw = (CAPTURES / name).read_bytes()
        data = raw * max(1, int(args.megabytes * 1_000_000 / len(raw)))
        for label, run in (
            ("linky_tempo", lambda data=data: ours(tic, data)),
            ("  (decode)", lambda data=data: ours(tic, data, interpret=False)),
            ("pyteleinfo", lambda data=data: peer(data)),
        ):
            seconds, (frames, usable) = best(run, args.repeat)  # type: ignore[misc]
            print(
                f"{title:22} {label:12} {len(data) / seconds / 1e6:7.2f} "
                f"{frames / seconds:9.0f} {frames:7d} {usable:7d}"
            )
    for kind, message in ERRORS.items():
        print(f"  pyteleinfo raised {kind}, e.g. {message!r}")
    ERRORS.clear()
    print()
    print("Same streams, 1 % of bytes replaced at random: frames with power and period")
    print(f"{'stream':22} {'decoder':12} {'frames':>7} {'usable':>7} {'usable %':>9}")
    for title, name in STREAMS.items():
        raw = (CAPTURES / name).read_bytes()
        data = corrupt(raw * max(1, int(200_000 / len(raw))), 0.01, seed=1)
        for label, run in (
            ("linky_tempo", lambda data=data: ours(tic, data)),
            ("pyteleinfo", lambda data=data: peer(data)),
        ):
            frames, usable = run()  # type: ignore[misc]
            share = 100 * usable / max(frames, 1)
            print(f"{title:22} {label:12} {frames:7d} {usable:7d} {share:8.1f}%")


if __name__ == "__main__":
    main()
