"""The meter coordinator: the Home Assistant side of the meter pipeline.

Push, not polling: `TicLink` (meter/link.py) hands every complete frame to
`_on_frame` and every group to `_on_group`; the `MeterReader` (meter/reader.py)
turns them into the data worth publishing (read, confirmed by a second frame,
energy indexes vetted, missing values carried, an overload at once), and this
coordinator pushes that data to the entities and the shedding coordinator.

What is left here is about Home Assistant: starting the link (an entry
whose port cannot be opened yet still sets up, so that shedding goes on from
the clock from the first second; the link keeps retrying, and a repair issue
appears if the port is still missing after `PORT_MISSING_AFTER`), the timer
of the reader's staleness rule (no valid frame for `STALE_AFTER`: the meter
is lost and entities become unavailable), logging that once at info level
when it happens and once when it comes back, and a repair issue raised after
an hour without data. Both repair issues clear themselves when frames come.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Final, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .const import (
    CONF_DETECTED_MODE,
    CONF_MODE,
    CONF_PORT,
    DOMAIN,
    LOGGER,
    MODE_AUTO,
)
from .firmware_mode import async_watch_firmware_mode
from .meter import (
    STALE_AFTER,
    Frame,
    Group,
    LineMode,
    LinkCounts,
    MeterData,
    MeterReader,
)
from .meter.link import TicLink, redact_url
from .settings import line_mode

REPAIR_AFTER: Final = timedelta(hours=1)
PORT_MISSING_AFTER: Final = timedelta(minutes=5)


class MeterCoordinator(DataUpdateCoordinator[MeterData | None]):
    """Owns the link to one meter and publishes its state."""

    config_entry: ConfigEntry

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
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
            line_mode(entry.data.get(CONF_MODE, MODE_AUTO)),
            on_frame=self._on_frame,
            on_group=self._on_group,
        )
        self.reader = MeterReader()
        self._unsub_stale: CALLBACK_TYPE | None = None
        self._unsub_repair: CALLBACK_TYPE | None = None
        self._unsub_port: CALLBACK_TYPE | None = None
        # True from a failed first opening until the first frame.
        self._port_pending = False

    async def async_start(self) -> None:
        """Open the port, or keep trying in the background, and start reading."""
        entry = self.config_entry
        if (mode := entry.data.get(CONF_DETECTED_MODE)) is not None:
            self.link.prefer_mode(LineMode(mode))
        try:
            await self.link.async_connect()
        except Exception as err:  # any failure to open is retried by run()
            # An ESP32 that boots after Home Assistant, a dongle not there yet:
            # the entry sets up all the same and shedding goes on from the clock.
            LOGGER.info(
                "Cannot open the Linky meter's port %s yet (%s): retrying in the "
                "background",
                redact_url(self.url),
                str(err) or type(err).__name__,
            )
            self._port_pending = True
            self._unsub_port = async_call_later(
                self.hass, PORT_MISSING_AFTER, self._async_port_missing
            )
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

    @property
    def meter_lost(self) -> bool:
        """True from 10 s without a valid frame until data is published again."""
        return self.reader.lost

    @property
    def last_frame(self) -> Frame | None:
        """The last frame received, confirmed or not (for diagnostics)."""
        return self.reader.last_frame

    @callback
    def _on_group(self, group: Group, _mode: LineMode) -> None:
        """React to an overload group before its frame completes."""
        if (data := self.reader.read_group(group)) is not None:
            # Listeners (entities, the shedding coordinator) run synchronously.
            self.async_set_updated_data(data)

    @callback
    def _on_frame(self, frame: Frame) -> None:
        """Read a complete frame and publish what the reader confirms."""
        decoder = self.link.decoder
        data = self.reader.read_frame(
            frame,
            time.monotonic(),
            dt_util.utcnow(),
            LinkCounts(decoder.frames, decoder.checksum_errors),
        )
        self._arm_stale_timer()
        self._port_found()
        if data is None:
            return
        self.async_set_updated_data(data)
        if self.reader.recovered():
            LOGGER.info("Linky meter on %s is back", redact_url(self.url))
            if self._unsub_repair is not None:
                self._unsub_repair()
                self._unsub_repair = None
            ir.async_delete_issue(self.hass, DOMAIN, self._repair_issue_id)

    @property
    def _repair_issue_id(self) -> str:
        return f"meter_lost_{self.config_entry.entry_id}"

    @property
    def _port_issue_id(self) -> str:
        return f"port_missing_{self.config_entry.entry_id}"

    @callback
    def _async_port_missing(self, _now: datetime) -> None:
        """The port could not be opened since the start: tell the user."""
        self._unsub_port = None
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self._port_issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="port_missing",
            translation_placeholders=self._issue_placeholders(),
        )

    @callback
    def _port_found(self) -> None:
        """A frame came: the port is there (once it was missing at the start)."""
        if not self._port_pending:
            return
        self._port_pending = False
        if self._unsub_port is not None:
            self._unsub_port()
            self._unsub_port = None
        ir.async_delete_issue(self.hass, DOMAIN, self._port_issue_id)

    @callback
    def _arm_stale_timer(self) -> None:
        if self._unsub_stale is not None:
            self._unsub_stale()
        self._unsub_stale = async_call_later(
            self.hass, timedelta(seconds=STALE_AFTER), self._async_meter_lost
        )

    @callback
    def _async_meter_lost(self, _now: datetime) -> None:
        """No valid frame for 10 s: entities become unavailable."""
        self._unsub_stale = None
        if not self.reader.lose():
            return
        LOGGER.info(
            "No valid frame from the Linky meter on %s for %d s: entities unavailable",
            redact_url(self.url),
            STALE_AFTER,
        )
        self.last_update_success = False
        self.async_update_listeners()
        if self._unsub_repair is not None:
            self._unsub_repair()
        self._unsub_repair = async_call_later(
            self.hass,
            REPAIR_AFTER - timedelta(seconds=STALE_AFTER),
            self._async_raise_repair,
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
            translation_placeholders=self._issue_placeholders(),
        )

    def _issue_placeholders(self) -> dict[str, str]:
        """What the repair issues about this meter say: its entry and port."""
        return {"title": self.config_entry.title, "port": redact_url(self.url)}

    @callback
    def _cancel_timers(self) -> None:
        for unsub in (self._unsub_stale, self._unsub_repair, self._unsub_port):
            if unsub is not None:
                unsub()
        self._unsub_stale = self._unsub_repair = self._unsub_port = None
