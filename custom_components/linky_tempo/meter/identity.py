"""Who made the meter, and when: read from its 12-digit serial number.

A Linky's serial number (ADCO in historic mode, ADSC in standard mode) is its
EURIDIS secondary station address ([54E] §2.2): the manufacturer's code (2
digits), the year it was built (2), the device type (2) and a serial (6).
Manufacturer codes are EURIDIS' list of identifiers (V3.04A, 27 March 2019);
device types are those [54E] §2.2 lists for the Linky meters it covers.
Pure module: no Home Assistant import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

MANUFACTURERS: Final = {
    "01": "Crouzet / Monetel",
    "02": "Sagemcom",
    "03": "Schlumberger / Actaris / Itron",
    "04": "Landis+Gyr",
    "05": "Sauter / Stepper Energie France / Zellweger",
    "06": "Itron",
    "07": "MAEC",
    "08": "Matra-Chauvin Arnoux / Enerdis",
    "09": "Faure-Herman",
    "10": "SEVME / SIS",
    "11": "Magnol / Elster / Honeywell",
    "12": "Gaz Thermique",
    "14": "Ghielmetti / Dialog E.S. / Micronique",
    "15": "Mecelec",
    "16": "Legrand / Baco",
    "17": "SERD-Schlumberger",
    "18": "Schneider / Merlin Gerin / Gardy",
    "19": "General Electric / Power Control",
    "20": "Nuovo Pignone / Dresser",
    "21": "SCLE",
    "22": "EDF",
    "23": "GDF / GDF-Suez",
    "24": "Hager – General Electric",
    "25": "Delta Dore",
    "26": "RIZ",
    "27": "Iskraemeco",
    "28": "GMT",
    "29": "Analog Devices",
    "30": "Michaud",
    "31": "Hexing Electrical",
    "32": "Siame",
    "33": "Larsen & Toubro",
    "34": "Elster / Honeywell",
    "35": "Electronic Afzar Azma",
    "36": "Advanced Electronic Company",
    "37": "AEM",
    "38": "Zhejiang Chint Instrument & Meter",
    "39": "ZIV",
    "70": "Landis+Gyr",
    "71": "Stepper Energie France",
    "81": "Sagemcom",
    "82": "Landis+Gyr",
    "83": "Elster / Honeywell",
    "84": "Sagemcom",
    "85": "Itron",
}
MODELS: Final = {
    "61": "Linky single-phase 60 A G3",
    "62": "Linky single-phase 90 A G1",
    "63": "Linky three-phase 60 A G1",
    "64": "Linky single-phase 60 A G3",
    "70": "Linky single-phase 60 A G3 (pilot)",
    "71": "Linky three-phase 60 A G3 (pilot)",
    "75": "Linky single-phase 90 A G3",
    "76": "Linky three-phase 60 A G3",
}
_SERIAL: Final = re.compile(r"\d{12}")
# Two-digit years: the first electronic meters date from the 1990s.
_CENTURY_TURN: Final = 90


@dataclass(frozen=True, slots=True)
class MeterIdentity:
    """What a serial number says; None where it says nothing known."""

    manufacturer: str | None
    year: int | None
    model: str | None


def identify(serial: str | None) -> MeterIdentity:
    """Read the manufacturer, year and model from a meter's serial number."""
    if serial is None or not _SERIAL.fullmatch(serial):
        return MeterIdentity(None, None, None)
    two_digits = int(serial[2:4])
    year = (1900 if two_digits >= _CENTURY_TURN else 2000) + two_digits
    return MeterIdentity(MANUFACTURERS.get(serial[:2]), year, MODELS.get(serial[4:6]))
