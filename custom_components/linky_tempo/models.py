"""What a loaded config entry holds at run time."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .coordinator import MeterCoordinator
from .costs import CostCoordinator
from .settings import EntryOptions
from .shedding import SheddingCoordinator

type LinkyTempoConfigEntry = ConfigEntry[LinkyTempoData]


@dataclass(slots=True)
class LinkyTempoData:
    """The meter, the shedding, the costs, and the options they were built from."""

    meter: MeterCoordinator
    shedding: SheddingCoordinator
    costs: CostCoordinator
    options: EntryOptions
