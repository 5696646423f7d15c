"""MeterReader: frames to published data, the overload at once, the lost meter."""

from __future__ import annotations

from datetime import UTC, datetime
from types import MappingProxyType

from custom_components.linky_tempo.meter import (
    STALE_AFTER,
    Frame,
    Group,
    LineMode,
    LinkCounts,
    MeterReader,
    TariffPeriod,
)

WALL = datetime(2026, 1, 14, 12, 0, tzinfo=UTC)
LONG = {
    "ADCO": "021861348497",
    "OPTARIF": "BBR(",
    "ISOUSC": "30",
    "BBRHCJB": "1000",
    "BBRHPJB": "2000",
    "BBRHCJW": "0",
    "BBRHPJW": "0",
    "BBRHCJR": "0",
    "BBRHPJR": "0",
    "PTEC": "HPJB",
    "IINST1": "5",
    "IINST2": "6",
    "IINST3": "7",
    "PAPP": "03500",
}


def historic(**values: str) -> Frame:
    return Frame(LineMode.HISTORIC, MappingProxyType(values), MappingProxyType({}), 0)


def test_the_first_frame_waits_for_the_second() -> None:
    reader = MeterReader()
    assert reader.read_frame(historic(**LONG), 0.0, WALL) is None
    data = reader.read_frame(historic(**LONG), 1.5, WALL, LinkCounts(2, 1))
    assert data is not None
    assert reader.data is data
    assert data.state.period is TariffPeriod.HP_BLUE
    assert data.received == WALL
    assert (data.frames, data.checksum_errors) == (2, 1)
    assert data.power_read == data.power_high == 3500
    # Indexes are published one frame late (once the next frame follows them).
    assert data.energy[TariffPeriod.HP_BLUE] == 2000
    assert data.energy_total == 3000


def test_an_overload_group_is_published_at_once_but_not_while_lost() -> None:
    reader = MeterReader()
    adir = Group("ADIR1", "031", None)
    assert reader.read_group(adir) is None  # nothing published yet
    reader.read_frame(historic(**LONG), 0.0, WALL)
    reader.read_frame(historic(**LONG), 1.5, WALL)
    assert reader.read_group(Group("PAPP", "03500", None)) is None
    data = reader.read_group(adir)
    assert data is not None
    assert data.overload
    assert reader.read_group(adir) is None  # already published
    assert reader.lose()
    reader.read_frame(historic(**LONG), 20.0, WALL)
    assert reader.read_group(adir) is None


def test_a_lost_meter_counts_as_lost_until_its_data_is_published() -> None:
    reader = MeterReader()
    assert STALE_AFTER == 10.0
    reader.read_frame(historic(**LONG), 0.0, WALL)
    reader.read_frame(historic(**LONG), 1.5, WALL)
    assert reader.lose()
    assert not reader.lose()
    # The first frame after the loss is not published: the next confirms it.
    assert reader.read_frame(historic(**LONG), 30.0, WALL) is None
    assert reader.lost
    assert reader.read_frame(historic(**LONG), 31.5, WALL) is not None
    assert reader.lost  # until the caller has published that data
    assert reader.recovered()
    assert not reader.lost
    assert not reader.recovered()


def test_a_short_frame_keeps_the_long_frame_values() -> None:
    reader = MeterReader()
    reader.read_frame(historic(**LONG), 0.0, WALL)
    long = reader.read_frame(historic(**LONG), 1.5, WALL)
    assert long is not None
    short = reader.read_frame(
        historic(ADCO="021861348497", ADIR1="031", IINST1="7", IINST2="6", IINST3="7"),
        2.0,
        WALL,
    )
    assert short is not None
    assert short.overload
    assert short.state.short_frame
    assert short.state.currents == (7, 6, 7)
    assert short.state.period is TariffPeriod.HP_BLUE
    assert short.energy == long.energy
    assert short.energy_total == long.energy_total


def test_a_missing_index_keeps_its_last_value() -> None:
    reader = MeterReader()
    reader.read_frame(historic(**LONG), 0.0, WALL)
    reader.read_frame(historic(**LONG), 1.5, WALL)
    first = reader.read_frame(historic(**LONG), 3.0, WALL)
    assert first is not None
    partial = {k: v for k, v in LONG.items() if k != "BBRHPJB"}
    data = reader.read_frame(historic(**partial), 4.5, WALL)
    assert data is not None
    assert data.energy[TariffPeriod.HP_BLUE] == first.energy[TariffPeriod.HP_BLUE]
    assert data.energy_total == first.energy_total
