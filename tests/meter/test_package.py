"""The meter package stands alone: no Home Assistant, nothing from the integration."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
METER = REPO_ROOT / "custom_components" / "linky_tempo" / "meter"
# What the package may import besides the standard library and itself.
THIRD_PARTY = {"serialx"}
# The one module that needs serialx: the rest is the standard library only.
SERIAL_MODULES = {"link.py"}
MAX_LINES = 500


def _imports(path: Path) -> list[tuple[int, str]]:
    """(level, module) of every import of a file (level > 0: relative)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(0, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
    return found


MODULES = sorted(METER.glob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[path.name for path in MODULES])
def test_a_module_imports_only_the_standard_library_and_its_package(
    path: Path,
) -> None:
    allowed = THIRD_PARTY if path.name in SERIAL_MODULES else set()
    for level, module in _imports(path):
        if level:
            # Relative: inside the package only, never the integration.
            assert level == 1, f"{path.name} imports {'.' * level}{module}"
            continue
        top = module.partition(".")[0]
        assert top in sys.stdlib_module_names or top in allowed, (
            f"{path.name} imports {module}"
        )


@pytest.mark.parametrize("path", MODULES, ids=[path.name for path in MODULES])
def test_a_module_stays_small(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_the_package_is_typed() -> None:
    assert (METER / "py.typed").is_file()
