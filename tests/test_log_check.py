"""The browser test's log check (tests/browser/log_check.py) can fail."""

# ruff: noqa: E501  (real log lines, kept whole)

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import log_check

# What Home Assistant 2026.11 logged with the integration before the climate
# entity provided the native_ members, among lines that must pass.
LOG = """\
2026-11-30 23:10:00.001+00:00 WARNING (SyncWorker_0) [homeassistant.loader] We found a custom integration linky_tempo which has not been tested by Home Assistant. This component might cause stability problems, be sure to disable it if you experience issues with Home Assistant
2026-11-30 23:10:00.002 WARNING (MainThread) [homeassistant.components.http] Unrelated warning
2026-11-30 23:10:01.003+00:00 WARNING (ImportExecutor_0) [custom_components.linky_tempo.climate] custom_components.linky_tempo.climate::LinkyTempoClimate provides the deprecated _attr_temperature_unit, this will stop working in Home Assistant 2027.11, use _attr_native_temperature_unit instead, please report it to the custom integration author
2026-11-30 23:10:01.004 INFO (MainThread) [custom_components.linky_tempo.link] Linky Tempo reads socket://127.0.0.1:50123
2026-11-30 23:10:02.005 ERROR (MainThread) [homeassistant.components.sensor] Error adding entity sensor.x
Traceback (most recent call last):
  File "/config/custom_components/linky_tempo/sensor.py", line 1, in f
ValueError: boom
2026-11-30 23:10:03.006 INFO (MainThread) [homeassistant.helpers.frame] Detected that custom integration 'linky_tempo' calls a deprecated helper at custom_components/linky_tempo/x.py, line 1
2026-11-30 23:10:04.007 ERROR (MainThread) [homeassistant.components.esphome] Unrelated error
"""


def test_offending_records_are_found_with_their_traceback() -> None:
    found = log_check.offending(LOG.splitlines())
    assert len(found) == 3
    assert "provides the deprecated _attr_temperature_unit" in found[0]
    assert found[1].endswith("ValueError: boom")
    assert "Detected that custom integration 'linky_tempo'" in found[2]


@pytest.mark.parametrize(
    "line",
    [
        "WARNING (MainThread) [custom_components.linky_tempo] Linky link lost",
        "ERROR (MainThread) [homeassistant.setup] Error setting up Linky Tempo",
        "CRITICAL (MainThread) [x] LINKY_TEMPO",
        "DEBUG (MainThread) [x] linky_tempo uses a deprecated call",
    ],
)
def test_each_rule_fails_alone(line: str) -> None:
    assert log_check.offending([f"2026-11-30 23:10:00.000 {line}"])


def test_a_record_is_recognised_with_or_without_utc_offset() -> None:
    for stamp in ("2026-11-30 23:10:00.001+00:00", "2026-11-30 23:10:00.001"):
        line = f"{stamp} WARNING (MainThread) [x] Unrelated warning"
        assert list(log_check.records([line, "more"])) == [("WARNING", f"{line}\nmore")]


def test_a_clean_log_passes() -> None:
    lines = LOG.splitlines()
    clean = [lines[0], lines[1], lines[3], lines[-1]]
    assert log_check.offending(clean) == []


def test_main_prints_the_offending_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "home-assistant.log"
    log.write_text(LOG)
    assert log_check.main([str(log)]) == 1
    err = capsys.readouterr().err
    assert "3 record(s) about Linky Tempo" in err
    assert "provides the deprecated _attr_temperature_unit" in err
    log.write_text("\n".join(LOG.splitlines()[:2]) + "\n")
    assert log_check.main([str(log)]) == 0
    assert log_check.main([str(tmp_path / "missing.log")]) == 1
    # A format it cannot split into records fails rather than hides them.
    log.write_text("WARNING custom_components.linky_tempo: something\n")
    assert log_check.main([str(log)]) == 1
