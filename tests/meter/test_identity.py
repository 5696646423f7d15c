"""A meter's maker, model and year, read from its serial number."""

from __future__ import annotations

import pytest

from custom_components.linky_tempo.meter.identity import MeterIdentity, identify


@pytest.mark.parametrize(
    ("serial", "identity"),
    [
        # The pyteleinfo capture's meter: Sagemcom, 2018, single-phase G3.
        ("021861348497", MeterIdentity("Sagemcom", 2018, "Linky single-phase 60 A G3")),
        # teleinfo-nom's meter.
        (
            "031961098836",
            MeterIdentity(
                "Schlumberger / Actaris / Itron", 2019, "Linky single-phase 60 A G3"
            ),
        ),
        (
            "042176123456",
            MeterIdentity("Landis+Gyr", 2021, "Linky three-phase 60 A G3"),
        ),
        ("999876123456", MeterIdentity(None, 1998, "Linky three-phase 60 A G3")),
    ],
)
def test_serial_numbers_name_the_maker_year_and_model(
    serial: str, identity: MeterIdentity
) -> None:
    assert identify(serial) == identity


@pytest.mark.parametrize(
    "serial", [None, "", "12345678900", "XXXXXXXXXXXX", "0218613484970"]
)
def test_anything_but_twelve_digits_says_nothing(serial: str | None) -> None:
    assert identify(serial) == MeterIdentity(None, None, None)
