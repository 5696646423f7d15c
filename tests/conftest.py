"""Shared test helpers: where the real meter captures live."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# Real meter captures kept in the repository, with their provenance and
# licence in the README there.
CAPTURES_DIR = REPO_ROOT / "tests" / "fixtures" / "captures"
