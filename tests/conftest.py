"""Shared test helpers: where the real meter captures live."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# CI clones the repository with the workplace's shared/ folder beside it.
CAPTURES_DIR = REPO_ROOT.parent / "shared" / "tic-captures"
