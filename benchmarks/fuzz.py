"""Fuzz the decoder and the coordinator's inputs with 10⁶ inputs: none may raise.

    python benchmarks/fuzz.py [--inputs 1000000] [--hypothesis 200000] [--jobs 2]

Installs atheris in .cache/venv-bench on first use (see _peers.py); without
it, hypothesis runs every input.

The targets are those of harness/fuzz.py (tests/test_fuzz.py runs a few hundred inputs
of each in scripts/test):

* hypothesis, ``--hypothesis`` inputs shared between five targets: realistic
  streams (simulated frames, real captures, garbage, mutated, cut into random
  reads, time jumping) through decoder → `MeterCoordinator._on_frame` →
  policy; raw random bytes through the same; any `Frame` through
  `read_meter` and the coordinator; any sequence of policy inputs; any
  sequence of energy index readings through the glitch filter;
* atheris (coverage-guided libFuzzer), the rest of ``--inputs``: bytes split
  by a FuzzedDataProvider into either a stream for the whole pipeline or a
  frame's label/value pairs;
* and, reported apart, the policy resumed after a restart with loads shed
  for an overload, the one input family known to raise (bug 2 in
  docs/benchmarks.md): hypothesis finds and shrinks it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import subprocess
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._peers import reexec_with_peers  # noqa: E402

TARGETS = (
    "realistic streams",
    "raw bytes",
    "any frame",
    "policy inputs",
    "index readings",
)


def _hypothesis_job(job: tuple[str, int, int]) -> tuple[str, int, float, str]:
    """Run one target for ``count`` examples with ``seed``; return what happened."""
    name, count, seed_value = job
    from hypothesis import HealthCheck, given, seed, settings
    from hypothesis import strategies as st

    from harness import fuzz as t

    plan = {
        "realistic streams": (st.tuples(t.seeds, t.modes), t.pipeline_from_seed),
        "raw bytes": (
            st.tuples(
                st.binary(max_size=3000),
                st.lists(st.integers(1, 300), min_size=1, max_size=8),
                st.just([2.0, 11.0]),
                t.modes,
            ),
            t.run_pipeline,
        ),
        "any frame": (st.tuples(t.frames), t.run_frame),
        "policy inputs": (st.tuples(t.policy_steps), t.run_policy),
        "index readings": (st.tuples(t.readings), t.run_glitch_filter),
        "policy after a restart (bug 2)": (
            st.tuples(
                t.policy_steps,
                st.lists(st.sampled_from(t.LOADS), unique=True, min_size=1),
            ),
            t.run_policy,
        ),
    }
    strategy, function = plan[name]
    calls = [0]

    def target(args: tuple[object, ...]) -> None:
        calls[0] += 1
        function(*args)

    test = seed(seed_value)(
        settings(
            max_examples=count,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )(given(strategy)(target))
    )
    began = time.perf_counter()
    failure = ""
    try:
        test()
    except Exception as err:  # reported, not raised
        where = traceback.extract_tb(err.__traceback__)[-1]
        failure = (
            f"{type(err).__name__} at {Path(where.filename).name}:{where.lineno} "
            f"({where.line})"
        )[:160]
    return name, calls[0], time.perf_counter() - began, failure


def run_hypothesis(total: int, jobs: int) -> list[tuple[str, int, float, str]]:
    per_job = max(1, total // (len(TARGETS) * jobs))
    work = [(name, per_job, 1000 + k) for name in TARGETS for k in range(jobs)]
    work.append(("policy after a restart (bug 2)", 2000, 1))
    with multiprocessing.get_context("spawn").Pool(jobs) as pool:
        results = pool.map(_hypothesis_job, work)
    merged: dict[str, list[object]] = {}
    for name, calls, seconds, failure in results:
        entry = merged.setdefault(name, [0, 0.0, ""])
        entry[0] = int(entry[0]) + calls  # type: ignore[call-overload]
        entry[1] = float(entry[1]) + seconds  # type: ignore[arg-type]
        entry[2] = entry[2] or failure
    return [(name, int(c), float(s), str(f)) for name, (c, s, f) in merged.items()]  # type: ignore[misc]


def run_atheris(total: int, jobs: int) -> tuple[int, float, str] | None:
    try:
        import atheris  # noqa: F401
    except ImportError:
        return None
    per_job = total // jobs
    began = time.perf_counter()
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "benchmarks" / "fuzz_atheris.py"),
                f"-runs={per_job}",
                f"-seed={k + 1}",
                "-max_len=4096",
                "-print_final_stats=1",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for k in range(jobs)
    ]
    runs = 0
    crash = ""
    for process in processes:
        output, _ = process.communicate()
        done = re.search(r"Done (\d+) runs", output)
        runs += int(done.group(1)) if done else 0
        if process.returncode != 0:
            crash = next(
                (
                    line
                    for line in output.splitlines()
                    if "Error" in line or "Uncaught" in line
                ),
                f"exit code {process.returncode}",
            )[:160]
    return runs, time.perf_counter() - began, crash


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=1_000_000)
    parser.add_argument("--hypothesis", type=int, default=200_000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    reexec_with_peers()
    began = time.perf_counter()
    print(f"Python {sys.version.split()[0]}, {args.jobs} processes")
    print(f"{'engine':10} {'target':32} {'inputs':>9} {'inputs/s':>9}  result")
    total = raised = 0
    for name, calls, seconds, failure in run_hypothesis(args.hypothesis, args.jobs):
        rate = calls / seconds * args.jobs if seconds else 0.0
        known = "bug 2" in name
        if not known:
            total += calls
            raised += bool(failure)
        result = failure or "none raised"
        if known:
            result = f"FOUND (known): {failure}" if failure else "not found"
        print(f"{'hypothesis':10} {name:32} {calls:9d} {rate:9.0f}  {result}")
    atheris_result = run_atheris(max(0, args.inputs - total), args.jobs)
    if atheris_result is None:
        print("atheris: not installed here; every input went through hypothesis")
    else:
        runs, seconds, crash = atheris_result
        total += runs
        raised += bool(crash)
        print(
            f"{'atheris':10} {'pipeline bytes / any frame':32} {runs:9d} "
            f"{runs / seconds:9.0f}  {crash or 'none raised'}"
        )
    print(
        f"total {total:,} inputs in {time.perf_counter() - began:.0f} s: "
        f"{'none raised' if not raised else f'{raised} target(s) raised'} "
        "(known bug excluded)"
    )


if __name__ == "__main__":
    main()
