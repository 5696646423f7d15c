"""Run a benchmark where the peers it compares against are installed.

HA core's teleinfo integration needs ``pyteleinfo==0.4.0`` (its pinned
requirement) and the fuzzing benchmark uses ``atheris`` where it installs.
Neither belongs in the test environments, so a benchmark that needs them
calls `reexec_with_peers()` first: it creates ``.cache/venv-bench`` once (a
virtual environment layered on the Home Assistant environment running the
script, through a ``.pth`` file), installs the peers there with pip, and
runs the script again with that environment's Python. Later runs reuse it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".cache" / "venv-bench"
PEERS = ("pyteleinfo==0.4.0",)
OPTIONAL = ("atheris",)  # a binary wheel: may be missing for a platform
_MARK = "LINKY_TEMPO_BENCH_PEERS"


def _stamp(base: str) -> str:
    text = "\n".join([sys.version, base, *PEERS, *OPTIONAL])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _ensure(base: str) -> Path:
    python = VENV / "bin" / "python"
    stamp = VENV / ".stamp"
    if python.exists() and stamp.exists() and stamp.read_text() == _stamp(base):
        return python
    print(f"Installing {', '.join(PEERS + OPTIONAL)} in {VENV}", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    purelib = subprocess.run(
        [
            str(python),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "home-assistant.pth").write_text(base + "\n")
    pip = [
        str(python),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]
    subprocess.run([*pip, *PEERS], check=True)
    for optional in OPTIONAL:
        if subprocess.run([*pip, optional], check=False).returncode != 0:
            print(f"{optional} did not install: going on without it", file=sys.stderr)
    stamp.write_text(_stamp(base))
    return python


def reexec_with_peers() -> None:
    """Make sure pyteleinfo (and atheris if possible) can be imported here."""
    if os.environ.get(_MARK) or Path(sys.prefix).resolve() == VENV.resolve():
        return
    base = sysconfig.get_paths()["purelib"]
    python = _ensure(base)
    os.environ[_MARK] = "1"
    os.execv(str(python), [str(python), *sys.argv])
