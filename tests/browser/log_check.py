"""Fail on anything Home Assistant's log says about Linky Tempo.

``scripts/browser-test`` runs it on the browser test's Home Assistant log,
once Home Assistant has stopped:

    python -m tests.browser.log_check CONFIG/home-assistant.log [MORE.log ...]

It prints every offending record and exits 1 when there is one, 0 otherwise.
A record is a log line with its continuation lines (a traceback). It
offends when it names the integration (``linky_tempo``,
``custom_components.linky_tempo`` or "Linky Tempo", in any case) and either
is a WARNING, ERROR or CRITICAL one, or, at any level, says "deprecat…" or
"detected that custom integration" (Home Assistant's frame helper).

The one exception is the warning Home Assistant logs for every custom
integration it loads ("We found a custom integration linky_tempo which has
not been tested by Home Assistant…"): no custom integration can avoid it.

Standard library only, and Python 3.11 compatible: it runs in the host's
browser-test environment, and its unit tests (tests/test_log_check.py) in
scripts/test's.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

# "2026-11-30 23:10:00.123+00:00 WARNING (MainThread) [logger.name] message"
# (2026.11; older releases had no UTC offset).
RECORD_START = re.compile(
    r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?\s+"
    r"(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL|FATAL)\b"
)
NAMES_INTEGRATION = re.compile(r"linky[_ ]tempo", re.IGNORECASE)
BAD_LEVELS = frozenset({"WARNING", "ERROR", "CRITICAL", "FATAL"})
BAD_WORDS = re.compile(r"deprecat|detected that custom integration", re.IGNORECASE)
# Logged for every custom integration, whatever it does.
UNAVOIDABLE = re.compile(
    r"\[homeassistant\.loader\] We found a custom integration linky_tempo "
    r"which has not been tested by Home Assistant"
)


def records(lines: Iterable[str]) -> Iterator[tuple[str | None, str]]:
    """(level, text) of each record; lines before the first have no level."""
    level: str | None = None
    text: list[str] = []
    for raw in lines:
        line = raw.rstrip("\n")
        if match := RECORD_START.match(line):
            if text:
                yield level, "\n".join(text)
            level, text = match["level"], [line]
        else:
            text.append(line)
    if text:
        yield level, "\n".join(text)


def offending(lines: Iterable[str]) -> list[str]:
    """The records that warn or complain about the integration."""
    found = []
    for level, text in records(lines):
        if not NAMES_INTEGRATION.search(text) or UNAVOIDABLE.search(text):
            continue
        if level in BAD_LEVELS or BAD_WORDS.search(text):
            found.append(text)
    return found


def main(argv: list[str]) -> int:
    """Check each log file given; 1 if any names the integration badly."""
    if not argv:
        print("usage: python -m tests.browser.log_check LOG [LOG ...]", file=sys.stderr)
        return 2
    status = 0
    for name in argv:
        path = Path(name)
        if not path.is_file():
            print(f"{path}: no such log", file=sys.stderr)
            status = 1
            continue
        with path.open(encoding="utf-8", errors="replace") as log:
            lines = log.readlines()
        if not any(RECORD_START.match(line) for line in lines):
            # A format this does not know would hide every record.
            print(f"{path}: no log record recognised", file=sys.stderr)
            status = 1
            continue
        found = offending(lines)
        if found:
            status = 1
            print(f"{path}: {len(found)} record(s) about Linky Tempo:", file=sys.stderr)
            for text in found:
                print(text, file=sys.stderr)
        else:
            print(f"{path}: nothing about Linky Tempo at WARNING or above")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
