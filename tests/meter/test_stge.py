"""The status register STGE ([54E] §6.2.3.14) and the overload signal."""

from __future__ import annotations

import dataclasses

import pytest

from custom_components.linky_tempo.meter import (
    CplStatus,
    CutOffState,
    EuridisState,
    Group,
    StatusRegister,
    TempoColor,
    decode_stge,
    group_signals_overload,
)

ZERO = decode_stge("00000000")


def _changed(status: StatusRegister) -> dict[str, object]:
    """The fields that differ from an all-zero register (raw excluded)."""
    assert ZERO is not None
    return {
        field.name: getattr(status, field.name)
        for field in dataclasses.fields(status)
        if field.name != "raw"
        and getattr(status, field.name) != getattr(ZERO, field.name)
    }


def test_all_zero_register() -> None:
    """Bit value 0 everywhere: contact closed, breaker closed, index 1, no colour."""
    assert ZERO is not None
    assert ZERO.raw == 0
    assert not ZERO.dry_contact_open
    assert ZERO.cut_off is CutOffState.CLOSED
    assert ZERO.supplier_index == 1
    assert ZERO.distributor_index == 1
    assert not ZERO.standard_mode
    assert ZERO.euridis is EuridisState.OFF
    assert ZERO.cpl_status is CplStatus.NEW_UNLOCKED
    assert ZERO.today is TempoColor.UNKNOWN
    assert ZERO.tomorrow is TempoColor.UNKNOWN
    assert ZERO.peak_notice == ZERO.peak_active == 0


# Each bit alone, from the spec table (bit 0 = LSB of the last hex digit).
SINGLE_BITS = {
    0: {"dry_contact_open": True},
    1: {"cut_off": CutOffState.OPEN_OVERPOWER},
    2: {"cut_off": CutOffState.OPEN_OVERVOLTAGE},
    3: {"cut_off": CutOffState.OPEN_CPL_ORDER},
    4: {"cover_open": True},
    5: {},  # unused
    6: {"overvoltage": True},
    7: {"overload": True},
    8: {"producer": True},
    9: {"injecting": True},
    10: {"supplier_index": 2},
    11: {"supplier_index": 3},
    12: {"supplier_index": 5},
    13: {"supplier_index": 9},
    14: {"distributor_index": 2},
    15: {"distributor_index": 3},
    16: {"clock_degraded": True},
    17: {"standard_mode": True},
    18: {},  # unused
    19: {"euridis": EuridisState.ON},
    20: {"euridis": EuridisState.UNKNOWN},  # binary 10 is not defined
    21: {"cpl_status": CplStatus.NEW_LOCKED},
    22: {"cpl_status": CplStatus.REGISTERED},
    23: {"cpl_synchronised": True},
    24: {"today": TempoColor.BLUE},
    25: {"today": TempoColor.WHITE},
    26: {"tomorrow": TempoColor.BLUE},
    27: {"tomorrow": TempoColor.WHITE},
    28: {"peak_notice": 1},
    29: {"peak_notice": 2},
    30: {"peak_active": 1},
    31: {"peak_active": 2},
}


@pytest.mark.parametrize(("bit", "expected"), SINGLE_BITS.items())
def test_each_bit(bit: int, expected: dict[str, object]) -> None:
    """A single bit changes exactly the field the spec assigns to it."""
    status = decode_stge(f"{1 << bit:08X}")
    assert status is not None
    assert status.raw == 1 << bit
    assert _changed(status) == expected


def test_real_tempo_registers() -> None:
    """Values seen on real Tempo meters (notes §3.1)."""
    white = decode_stge("463A0800")  # lains, 2020-02-14 23:08, LTARF "HC  BLANC"
    assert white is not None
    assert _changed(white) == {
        "supplier_index": 3,
        "standard_mode": True,
        "euridis": EuridisState.ON_SECURED,
        "cpl_status": CplStatus.NEW_LOCKED,
        "today": TempoColor.WHITE,
        "tomorrow": TempoColor.BLUE,
        "peak_active": 1,
    }
    zlinky = decode_stge("423A4C01")  # Zlinky_TIC#192, LTARF "HP BLANC"
    assert zlinky is not None
    assert zlinky.today is TempoColor.WHITE
    assert zlinky.tomorrow is TempoColor.UNKNOWN
    assert zlinky.peak_active == 1
    assert zlinky.supplier_index == 4
    assert zlinky.distributor_index == 2
    assert zlinky.dry_contact_open
    blue = decode_stge("013AC401")
    assert blue is not None
    assert (blue.today, blue.supplier_index, blue.distributor_index) == (
        TempoColor.BLUE,
        2,
        4,
    )


def test_producer_registers() -> None:
    """openHAB producers: 013A0501 (tri, consuming) and 002A0301 (mono, injecting)."""
    tri = decode_stge("013A0501")
    assert tri is not None
    assert tri.producer
    assert not tri.injecting
    assert tri.dry_contact_open
    assert tri.supplier_index == 2
    assert tri.today is TempoColor.BLUE
    assert tri.tomorrow is TempoColor.UNKNOWN
    assert tri.euridis is EuridisState.ON_SECURED
    mono = decode_stge("002A0301")
    assert mono is not None
    assert mono.producer
    assert mono.injecting
    assert mono.euridis is EuridisState.ON
    assert mono.cpl_status is CplStatus.NEW_LOCKED
    assert mono.supplier_index == 1


def test_enedis_and_base_registers() -> None:
    """Enedis' test frame 000A4411 (NTARF 02) and base / HC contracts."""
    enedis = decode_stge("000A4411")
    assert enedis is not None
    assert enedis.dry_contact_open
    assert enedis.cover_open
    assert enedis.supplier_index == 2
    assert enedis.distributor_index == 2
    for text, supplier, distributor in (
        ("003A0000", 1, 1),
        ("003A0800", 3, 1),
        ("003A8000", 1, 3),
    ):
        status = decode_stge(text)
        assert status is not None
        assert (status.supplier_index, status.distributor_index) == (
            supplier,
            distributor,
        )
        assert status.today is status.tomorrow is TempoColor.UNKNOWN


def test_registers_with_bit_31_set() -> None:
    """Values ≥ 0x80000000 (tic2json 2.5 overflowed on them)."""
    full = decode_stge("FFFFFFFF")
    assert full is not None
    assert full.raw == 0xFFFFFFFF
    assert full.cut_off is CutOffState.UNKNOWN
    assert full.euridis is EuridisState.ON_SECURED
    assert full.cpl_status is CplStatus.UNKNOWN
    assert full.supplier_index == 16
    assert full.distributor_index == 4
    assert full.today is full.tomorrow is TempoColor.RED
    assert full.peak_notice == full.peak_active == 3
    mixed = decode_stge("9e000082")  # lower case accepted
    assert mixed is not None
    assert mixed.raw == 0x9E000082
    assert _changed(mixed) == {
        "cut_off": CutOffState.OPEN_OVERPOWER,
        "overload": True,
        "today": TempoColor.WHITE,
        "tomorrow": TempoColor.RED,
        "peak_notice": 1,
        "peak_active": 2,
    }


@pytest.mark.parametrize(
    "text",
    [
        "",
        "463A080",
        "463A08000",
        "463A080G",
        " 463A080",
        "+463A080",
        "0x3A0800",
        "463A_800",
        "４６３A0800",
    ],
)
def test_invalid_registers(text: str) -> None:
    """Anything but exactly 8 ASCII hex digits is refused (int() would take some)."""
    assert decode_stge(text) is None


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        (Group("ADPS", "030", None), True),
        (Group("ADIR1", "001", None), True),
        (Group("ADIR2", "045", None), True),
        (Group("ADIR3", "061", None), True),
        (Group("STGE", "003A0080", None), True),
        (Group("STGE", "9e000082", None), True),
        (Group("STGE", "463A0800", None), False),
        (Group("STGE", "FFFFFF7F", None), False),
        (Group("STGE", "garbage!", None), False),
        (Group("IINST", "030", None), False),
        (Group("PAPP", "ADPS", None), False),
    ],
)
def test_group_signals_overload(group: Group, expected: bool) -> None:
    """ADPS, ADIRx and STGE bit 7 signal an overload on their own."""
    assert group_signals_overload(group) is expected
