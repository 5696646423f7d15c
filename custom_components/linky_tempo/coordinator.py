"""The meter coordinator: from decoded frames to what entities publish.

Push, not polling: `TicLink` hands every complete frame to `_on_frame`, which
reads it (`tic.read_meter`), keeps each value until a second frame confirms it
(`ReadingConfirmer`: a corruption that passed the checksum is never
published), confirms and vets the energy indexes (`EnergyGlitchFilter`) and
notifies the entities at once. An overload group (ADPS, ADIRx, STGE bit 7) is
acted on as soon as the group is decoded, before the frame ends.

Availability follows Enedis' own receiver rule: no valid frame for 10 s means
the meter is lost. That is logged once at info level when it happens and once
when it comes back, and a repair issue is raised after an hour without data;
it clears itself when frames return.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .confirmation import ReadingConfirmer
from .const import (
    CONF_DETECTED_MODE,
    CONF_MODE,
    CONF_PORT,
    DOMAIN,
    LOGGER,
    MODE_AUTO,
)
from .firmware_mode import async_watch_firmware_mode
from .glitch_filter import EnergyGlitchFilter
from .link import TicLink, redact_url
from .tic import (
    Frame,
    Group,
    MeterState,
    TariffPeriod,
    TicMode,
    group_signals_overload,
    read_meter,
)

if TYPE_CHECKING:
    from .shedding import SheddingCoordinator

# Enedis-NOI-CPT_54E §9.4.1: no correct frame for 10 s is a receiver error.
STALE_AFTER: Final = timedelta(seconds=10)
REPAIR_AFTER: Final = timedelta(hours=1)

type LinkyTempoConfigEntry = ConfigEntry["LinkyTempoData"]


@dataclass(slots=True)
class LinkyTempoData:
    """What a loaded config entry holds at run time."""

    meter: MeterCoordinator
    shedding: SheddingCoordinator


@dataclass(frozen=True, slots=True)
class MeterData:
    """The published view of the meter."""

    state: MeterState
    received: datetime
    energy: Mapping[TariffPeriod, int] = field(default_factory=dict)
    energy_total: int | None = None
    injected_energy: int | None = None
    # True from the moment an overload group is decoded until a frame
    # without overload arrives.
    overload: bool = False
    # The apparent power of this frame as read, and the higher of it and the
    # previous frame's: what the shedding policy compares to its thresholds
    # (a jump in `state` waits for confirmation; shedding, and seeing the
    # drop after a shed, must not).
    power_read: int | None = None
    power_high: int | None = None
    # Link quality, as counted when this frame arrived.
    frames: int = 0
    checksum_errors: int = 0
    rejected_glitches: int = 0


def _entry_mode(entry: ConfigEntry) -> TicMode | None:
    mode = entry.data.get(CONF_MODE, MODE_AUTO)
    return None if mode == MODE_AUTO else TicMode(mode)


class MeterCoordinator(DataUpdateCoordinator[MeterData | None]):
    """Owns the link to one meter and publishes its state."""

    config_entry: LinkyTempoConfigEntry

    def __init__(self, hass: HomeAssistant, entry: LinkyTempoConfigEntry) -> None:
        """Create the coordinator and its link (not opened yet)."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"Linky {entry.unique_id}",
            update_interval=None,
            always_update=True,
        )
        self.url: str = entry.data[CONF_PORT]
        self.link = TicLink(
            self.url,
            _entry_mode(entry),
            on_frame=self._on_frame,
            on_group=self._on_group,
        )
        self.confirmer = ReadingConfirmer()
        self.glitches = EnergyGlitchFilter()
        self.last_frame: Frame | None = None
        self._awaiting_confirmation = True
        self._last_power: int | None = None
        self.meter_lost = False
        self._unsub_stale: CALLBACK_TYPE | None = None
        self._unsub_repair: CALLBACK_TYPE | None = None

    async def async_start(self) -> None:
        """Open the port (raising ConfigEntryNotReady) and start reading."""
        entry = self.config_entry
        if (mode := entry.data.get(CONF_DETECTED_MODE)) is not None:
            self.link.prefer_mode(TicMode(mode))
        try:
            await self.link.async_connect()
        except Exception as err:
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders={
                    "port": redact_url(self.url),
                    "error": str(err) or type(err).__name__,
                },
            ) from err
        entry.async_create_background_task(
            self.hass, self.link.run(), f"{DOMAIN} link {redact_url(self.url)}"
        )
        # Counted from the start: a meter that never speaks is lost too.
        self._arm_stale_timer()
        entry.async_on_unload(self._cancel_timers)
        entry.async_on_unload(async_watch_firmware_mode(self.hass, self))

    @override
    async def _async_update_data(self) -> MeterData | None:
        """Return the current data: this coordinator is only pushed to."""
        return self.data

    @callback
    def _on_group(self, group: Group, mode: TicMode) -> None:
        """React to an overload group before its frame completes."""
        if not group_signals_overload(group) or self.data is None or self.data.overload:
            return
        if self.meter_lost:
            return
        # Listeners (entities, the shedding coordinator) run synchronously.
        self.async_set_updated_data(replace(self.data, overload=True))

    @callback
    def _on_frame(self, frame: Frame) -> None:
        """Read a complete frame and publish it."""
        self.last_frame = frame
        reading = read_meter(frame)
        previous = self.data
        if reading.short_frame and previous is not None:
            # Three-phase historic short frames only carry the overload and
            # the currents: every other value stays as the last long frame had it.
            reading = replace(
                previous.state,
                overload=reading.overload,
                overload_phases=reading.overload_phases,
                overload_current=reading.overload_current,
                currents=reading.currents or previous.state.currents,
                short_frame=True,
            )
        power = reading.apparent_power
        powers = [p for p in (self._last_power, power) if p is not None]
        self._last_power = power
        data = replace(
            self._vet(self.confirmer.confirm(reading), previous),
            power_read=power,
            power_high=max(powers, default=None),
        )
        self._arm_stale_timer()
        if self._awaiting_confirmation:
            # The first frame since the start or since the meter came back:
            # the next frame confirms its values (and gives fresh ones for
            # those that moved while the meter was silent).
            self._awaiting_confirmation = False
            return
        self.async_set_updated_data(data)
        if self.meter_lost:
            self.meter_lost = False
            LOGGER.info("Linky meter on %s is back", redact_url(self.url))
            if self._unsub_repair is not None:
                self._unsub_repair()
                self._unsub_repair = None
            ir.async_delete_issue(self.hass, DOMAIN, self._repair_issue_id)

    def _vet(self, reading: MeterState, previous: MeterData | None) -> MeterData:
        """Pass the energy indexes through the glitch filter."""
        now = time.monotonic()
        power = reading.subscribed_power
        energy: dict[TariffPeriod, int] = {}
        for period, value in reading.energy.items():
            accepted = self.glitches.accept(str(period), value, now, power)
            if accepted is not None:
                energy[period] = accepted
        total = (
            None
            if reading.energy_total is None
            else self.glitches.accept("total", reading.energy_total, now, power)
        )
        injected = (
            None
            if reading.injected_energy is None
            else self.glitches.accept("injected", reading.injected_energy, now, None)
        )
        if reading.short_frame and previous is not None:
            energy = dict(previous.energy)
            total = previous.energy_total
            injected = previous.injected_energy
        elif previous is not None:
            # An index whose value was unreadable keeps its last value: the
            # Energy dashboard never sees an index vanish for one frame.
            for period, value in previous.energy.items():
                energy.setdefault(period, value)
            if total is None:
                total = previous.energy_total
            if injected is None:
                injected = previous.injected_energy
        return MeterData(
            state=reading,
            received=dt_util.utcnow(),
            energy=energy,
            energy_total=total,
            injected_energy=injected,
            overload=reading.overload,
            frames=self.link.decoder.frames,
            checksum_errors=self.link.decoder.checksum_errors,
            rejected_glitches=self.glitches.rejected,
        )

    @property
    def _repair_issue_id(self) -> str:
        return f"meter_lost_{self.config_entry.entry_id}"

    @callback
    def _arm_stale_timer(self) -> None:
        if self._unsub_stale is not None:
            self._unsub_stale()
        self._unsub_stale = async_call_later(
            self.hass, STALE_AFTER, self._async_meter_lost
        )

    @callback
    def _async_meter_lost(self, _now: datetime) -> None:
        """No valid frame for 10 s: entities become unavailable."""
        self._unsub_stale = None
        if self.meter_lost:
            return
        self.meter_lost = True
        self._awaiting_confirmation = True
        LOGGER.info(
            "No valid frame from the Linky meter on %s for %d s: entities unavailable",
            redact_url(self.url),
            STALE_AFTER.total_seconds(),
        )
        self.last_update_success = False
        self.async_update_listeners()
        if self._unsub_repair is not None:
            self._unsub_repair()
        self._unsub_repair = async_call_later(
            self.hass, REPAIR_AFTER - STALE_AFTER, self._async_raise_repair
        )

    @callback
    def _async_raise_repair(self, _now: datetime) -> None:
        self._unsub_repair = None
        if not self.meter_lost:
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self._repair_issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="meter_lost",
            translation_placeholders={
                "title": self.config_entry.title,
                "port": redact_url(self.url),
            },
        )

    @callback
    def _cancel_timers(self) -> None:
        for unsub in (self._unsub_stale, self._unsub_repair):
            if unsub is not None:
                unsub()
        self._unsub_stale = self._unsub_repair = None
