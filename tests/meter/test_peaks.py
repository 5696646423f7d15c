"""Mobile peaks and the next day's profile (standard mode)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from custom_components.linky_tempo.meter import TicDecoder, read_meter
from custom_components.linky_tempo.meter.peaks import (
    meter_time,
    next_day_profile,
    next_mobile_peak,
)
from tests.meter.support import capture, frame, standard
from tests.meter.test_captures import GO_FRAME

PARIS = ZoneInfo("Europe/Paris")


def test_horodates_are_french_time_and_the_season_settles_the_double_hour() -> None:
    assert meter_time(" 200214060000") == datetime(2020, 2, 14, 6, tzinfo=PARIS)
    summer = meter_time("E241027023000")
    winter = meter_time("H241027023000")
    assert summer is not None
    assert winter is not None
    assert summer.utcoffset() != winter.utcoffset()
    assert (winter - summer).total_seconds() == 0  # same wall clock...
    assert winter.timestamp() - summer.timestamp() == 3600  # ...an hour apart
    assert meter_time(None) is None
    assert meter_time("X2402") is None


def test_the_first_announced_mobile_peak() -> None:
    stamps = {"DPM2": " 200215060000", "FPM2": " 200216060000"}
    start, end = next_mobile_peak(stamps)
    assert start == datetime(2020, 2, 15, 6, tzinfo=PARIS)
    assert end == datetime(2020, 2, 16, 6, tzinfo=PARIS)
    assert next_mobile_peak({}) == (None, None)


def test_the_next_day_profile_keeps_the_used_blocks() -> None:
    values = {"PJOURF+1": "00004003 06004004 22004003 NONUTILE NONUTILE"}
    assert next_day_profile(values) == "00004003 06004004 22004003"
    assert next_day_profile({}) is None


def test_a_standard_frame_reads_the_peak_and_the_profile() -> None:
    data = frame(
        standard("ADSC", "021861348497"),
        standard("DPM1", "00", " 200214060000"),
        standard("FPM1", "00", " 200215060000"),
        standard("PJOURF+1", "00004003 06004004 NONUTILE"),
    )
    (decoded,) = TicDecoder().feed(data)
    state = read_meter(decoded)
    assert state.mobile_peak_start == datetime(2020, 2, 14, 6, tzinfo=PARIS)
    assert state.mobile_peak_end == datetime(2020, 2, 15, 6, tzinfo=PARIS)
    assert state.next_day_profile == "00004003 06004004"
    # A real meter's profile (goteleinfo's frame).
    (go,) = TicDecoder().feed(capture(GO_FRAME))
    assert read_meter(go).next_day_profile is not None
    assert read_meter(go).next_day_profile.startswith("00008002 0256C001")
