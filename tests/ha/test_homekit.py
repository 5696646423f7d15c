"""Apple Home through Home Assistant's own HomeKit Bridge, for real.

The `homekit` integration is set up from a config entry (bridge mode, a filter
including only ``climate.linky_tempo_heating``), so Home Assistant builds the
Thermostat accessory itself and starts HAP-python's server on 127.0.0.1. The
tests then act as an iPhone does once its session is decrypted: they write
characteristics through the driver's ``set_characteristics`` (what a
``PUT /characteristics`` becomes) and read them through
``get_characteristics`` (``GET /characteristics``), so every Home Assistant
callback between the characteristic and the entity runs as in a real home.

Only what touches the network outside loopback is replaced: Home Assistant's
shared zeroconf instance (mDNS advertising, `mock_async_zeroconf`), and, where
a test checks that an event reaches a subscribed iPhone, the last hop that
would encrypt it onto that iPhone's socket (`HAPServer.push_event`).

The meter is a real pty streaming Linky historic Tempo frames; the load is a
real ``input_boolean``.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from homeassistant.components.homekit.const import (
    CONF_ADVERTISE_IP,
    CONF_FILTER,
    CONF_HOMEKIT_MODE,
    EVENT_HOMEKIT_CHANGED,
    HOMEKIT_MODE_BRIDGE,
)
from homeassistant.components.homekit.const import (
    DOMAIN as HOMEKIT_DOMAIN,
)
from homeassistant.components.homekit.type_thermostats import Thermostat
from homeassistant.config_entries import SOURCE_IMPORT, ConfigEntryState
from homeassistant.const import CONF_IP_ADDRESS, CONF_NAME
from homeassistant.core import HomeAssistant, State
from homeassistant.setup import async_setup_component
from pyhap.characteristic import Characteristic  # type: ignore[import-untyped]
from pyhap.const import (  # type: ignore[import-untyped]
    CATEGORY_THERMOSTAT,
    HAP_PERMISSION_NOTIFY,
    HAP_REPR_AID,
    HAP_REPR_CHARS,
    HAP_REPR_IID,
    HAP_REPR_STATUS,
    HAP_REPR_VALUE,
    HAP_SERVER_STATUS,
)
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_capture_events,
)

from custom_components.linky_tempo.const import CONF_LOADS, CONF_MODE, CONF_PORT, DOMAIN
from tests.feeds import PtyMeter, Streamer, tempo_historic
from tests.stack import CLIMATE, METER_ID, RADIATOR
from tests.waiting import wait_state, wait_until

# An iPhone's end of its HAP connection, as HAP-python names clients.
IPHONE = ("127.0.0.1", 50123)

# HomeKit's TargetHeatingCoolingState / CurrentHeatingCoolingState values.
HK_OFF = 0
HK_HEAT = 1
HK_AUTO = 3
HK_IDLE = 0
HK_HEATING = 1

REFUSED = "Shedding cannot be cancelled during red-day peak hours"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _state(hass: HomeAssistant, entity_id: str) -> State:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """A real config directory: HAP-python persists the bridge's pairing state."""
    (Path(hass_tmp_config_dir) / ".storage").mkdir(exist_ok=True)
    return hass_tmp_config_dir


@dataclass
class Bridge:
    """The HomeKit Bridge as an iPhone paired with it sees it."""

    hass: HomeAssistant
    entry: MockConfigEntry
    accessory: Thermostat
    pushed: list[tuple[dict[str, Any], tuple[str, int]]] = field(default_factory=list)

    @property
    def driver(self) -> Any:
        return self.accessory.driver

    def iid(self, char: Characteristic) -> int:
        return int(self.accessory.iid_manager.get_iid(char))

    def write(self, char: Characteristic, value: int) -> dict[str, Any] | None:
        """PUT /characteristics from the iPhone; the HAP response body."""
        response: dict[str, Any] | None = self.driver.set_characteristics(
            {
                HAP_REPR_CHARS: [
                    {
                        HAP_REPR_AID: self.accessory.aid,
                        HAP_REPR_IID: self.iid(char),
                        HAP_REPR_VALUE: value,
                    }
                ]
            },
            IPHONE,
        )
        return response

    def subscribe(self, char: Characteristic) -> None:
        """The iPhone asks for events on a characteristic (ev: true)."""
        self.driver.set_characteristics(
            {
                HAP_REPR_CHARS: [
                    {
                        HAP_REPR_AID: self.accessory.aid,
                        HAP_REPR_IID: self.iid(char),
                        HAP_PERMISSION_NOTIFY: True,
                    }
                ]
            },
            IPHONE,
        )

    def read(self, char: Characteristic) -> Any:
        """GET /characteristics?id=aid.iid from the iPhone."""
        answer = self.driver.get_characteristics(
            [f"{self.accessory.aid}.{self.iid(char)}"]
        )
        (item,) = answer[HAP_REPR_CHARS]
        assert item[HAP_REPR_STATUS] == HAP_SERVER_STATUS.SUCCESS
        return item[HAP_REPR_VALUE]

    def events_for(self, char: Characteristic) -> list[Any]:
        """Values pushed to the iPhone for a characteristic, oldest first."""
        iid = self.iid(char)
        return [
            data[HAP_REPR_VALUE]
            for data, client in self.pushed
            if client == IPHONE
            and data[HAP_REPR_AID] == self.accessory.aid
            and data[HAP_REPR_IID] == iid
        ]

    @property
    def target(self) -> Characteristic:
        return self.accessory.char_target_heat_cool

    @property
    def current(self) -> Characteristic:
        return self.accessory.char_current_heat_cool

    @property
    def temperature(self) -> Characteristic:
        return self.accessory.char_current_temp


@pytest.fixture
async def bridge(
    hass: HomeAssistant,
    pty_meter: PtyMeter,
    socket_enabled: None,
    mock_async_zeroconf: Any,
) -> Bridge:
    """Linky Tempo with one radiator, exposed by a running HomeKit Bridge."""
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"radiator": {"initial": True}}}
    )
    linky = MockConfigEntry(
        domain=DOMAIN,
        unique_id=METER_ID,
        title=f"Linky {METER_ID}",
        data={CONF_PORT: str(pty_meter.path), CONF_MODE: "historic"},
        options={CONF_LOADS: [{"entity_id": RADIATOR, "priority": 1}]},
    )
    linky.add_to_hass(hass)
    assert await hass.config_entries.async_setup(linky.entry_id)
    await hass.async_block_till_done()
    assert linky.state is ConfigEntryState.LOADED
    assert hass.states.get(CLIMATE) is not None

    homekit = MockConfigEntry(
        domain=HOMEKIT_DOMAIN,
        source=SOURCE_IMPORT,
        title="HASS Bridge",
        data={
            CONF_NAME: "HASS Bridge",
            CONF_PORT: _free_port(),
            CONF_IP_ADDRESS: "127.0.0.1",
            CONF_ADVERTISE_IP: ["127.0.0.1"],
        },
        options={
            CONF_HOMEKIT_MODE: HOMEKIT_MODE_BRIDGE,
            CONF_FILTER: {
                "include_domains": [],
                "include_entities": [CLIMATE],
                "exclude_domains": [],
                "exclude_entities": [],
            },
        },
    )
    homekit.add_to_hass(hass)
    assert await hass.config_entries.async_setup(homekit.entry_id)
    await hass.async_block_till_done()
    assert homekit.state is ConfigEntryState.LOADED
    hk = homekit.runtime_data.homekit
    assert hk.bridge is not None
    accessories = [
        acc
        for acc in hk.bridge.accessories.values()
        if getattr(acc, "entity_id", None) == CLIMATE
    ]
    assert len(accessories) == 1, hk.bridge.accessories
    (accessory,) = accessories
    result = Bridge(hass, homekit, accessory)

    # The last hop to a subscribed iPhone: encrypting onto its socket.
    def push_event(
        data: dict[str, Any], client_addr: tuple[str, int], immediate: bool = False
    ) -> bool:
        result.pushed.append((data, client_addr))
        return True

    accessory.driver.http_server.push_event = push_event
    return result


async def test_the_bridge_exposes_a_thermostat_with_heat_and_auto_only(
    hass: HomeAssistant,
    bridge: Bridge,
    pty_meter: PtyMeter,
    mock_async_zeroconf: Any,
) -> None:
    """HEAT = 1, AUTO = 3, nothing else; the HAP server answers on loopback."""
    assert isinstance(bridge.accessory, Thermostat)
    assert bridge.accessory.category == CATEGORY_THERMOSTAT
    valid = bridge.target.properties["ValidValues"]
    assert sorted(valid.values()) == [HK_HEAT, HK_AUTO]
    assert bridge.accessory.hc_homekit_to_hass == {HK_HEAT: "heat", HK_AUTO: "auto"}

    async with Streamer(pty_meter, tempo_historic(period="HCJB")):
        await wait_state(hass, "sensor.linky_tempo_tariff_period", "hc_blue")
        assert _state(hass, CLIMATE).state == "auto"
        assert bridge.read(bridge.target) == HK_AUTO
        assert bridge.read(bridge.current) == HK_HEATING
        assert bridge.read(bridge.temperature) == 21.0

    # The bridge was advertised (to the stand-in for mDNS) where it listens...
    port = bridge.entry.data[CONF_PORT]
    (info,), _ = mock_async_zeroconf.async_register_service.await_args
    assert info.port == port
    assert info.parsed_addresses() == ["127.0.0.1"]
    # ...and HAP-python's server does listen there: an unpaired client gets
    # nothing but "insufficient privileges".
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /accessories HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    await writer.drain()
    answer = await asyncio.wait_for(reader.readuntil(b"}"), 5)
    writer.close()
    await writer.wait_closed()
    assert answer.startswith(b"HTTP/1.1 401"), answer
    assert answer.endswith(b'{"status":-70401}'), answer


async def test_heat_from_homekit_cancels_white_peak_shedding_auto_resumes_it(
    hass: HomeAssistant, bridge: Bridge, pty_meter: PtyMeter
) -> None:
    """Target 1 restores the shed radiator; target 3 sheds it again."""
    changed = async_capture_events(hass, EVENT_HOMEKIT_CHANGED)
    async with Streamer(pty_meter, tempo_historic(period="HPJW")):
        await wait_state(hass, RADIATOR, "off")
        assert _state(hass, CLIMATE).state == "auto"
        assert bridge.read(bridge.target) == HK_AUTO
        await wait_until(lambda: bridge.read(bridge.current) == HK_IDLE)

        assert bridge.write(bridge.target, HK_HEAT) is None  # all succeeded
        await wait_state(hass, CLIMATE, "heat")
        await wait_state(hass, RADIATOR, "on")
        climate = _state(hass, CLIMATE)
        assert climate.attributes["hvac_action"] == "heating"
        (event,) = changed
        assert event.data["entity_id"] == CLIMATE
        assert event.data["service"] == "set_hvac_mode"
        # The climate changed because of HomeKit's action, not by chance.
        assert climate.context.id == event.context.id
        await wait_until(lambda: bridge.read(bridge.current) == HK_HEATING)
        assert bridge.read(bridge.target) == HK_HEAT

        assert bridge.write(bridge.target, HK_AUTO) is None
        await wait_state(hass, CLIMATE, "auto")
        await wait_state(hass, RADIATOR, "off")
        await wait_until(lambda: bridge.read(bridge.current) == HK_IDLE)
        assert bridge.read(bridge.target) == HK_AUTO
        assert _state(hass, CLIMATE).attributes["hvac_action"] == "idle"


async def test_off_from_homekit_falls_back_to_auto(
    hass: HomeAssistant, bridge: Bridge, pty_meter: PtyMeter
) -> None:
    """'Hey Siri, turn off the heating': Auto (shedding), never Off."""
    async with Streamer(pty_meter, tempo_historic(period="HPJW")):
        await wait_state(hass, RADIATOR, "off")
        assert bridge.write(bridge.target, HK_HEAT) is None
        await wait_state(hass, CLIMATE, "heat")
        await wait_state(hass, RADIATOR, "on")

        calls = async_capture_events(hass, "call_service")
        # 0 is not a valid value here, yet the write is accepted...
        assert bridge.write(bridge.target, HK_OFF) is None
        # ...and Home Assistant turns it into Auto, its first fallback: the
        # climate entity is asked for auto, not for off.
        assert bridge.target.value == HK_AUTO
        await wait_state(hass, CLIMATE, "auto")
        await wait_state(hass, RADIATOR, "off")
        (call,) = [c.data for c in calls if c.data["domain"] == "climate"]
        assert call["service"] == "set_hvac_mode"
        assert call["service_data"] == {"entity_id": CLIMATE, "hvac_mode": "auto"}
        assert bridge.read(bridge.target) == HK_AUTO
        await wait_until(lambda: bridge.read(bridge.current) == HK_IDLE)


async def test_heat_from_homekit_is_refused_on_a_red_peak(
    hass: HomeAssistant,
    bridge: Bridge,
    pty_meter: PtyMeter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Red-day peak: HomeKit's Heat is refused; the radiator stays shed."""
    async with Streamer(pty_meter, tempo_historic(period="HPJR")):
        await wait_state(hass, RADIATOR, "off")
        changes = async_capture_events(hass, "state_changed")
        # HAP answers at once (the action runs after): the write is accepted...
        assert bridge.write(bridge.target, HK_HEAT) is None
        # ...and the climate entity refuses it.
        await wait_until(lambda: REFUSED in caplog.text)
        await hass.async_block_till_done()
        await asyncio.sleep(0.5)  # five more frames: nothing comes back
        assert _state(hass, CLIMATE).state == "auto"
        assert _state(hass, RADIATOR).state == "off"
        assert not [e for e in changes if e.data["entity_id"] == RADIATOR]
        assert not [
            e
            for e in changes
            if e.data["entity_id"] == CLIMATE and e.data["new_state"].state != "auto"
        ]
        assert bridge.read(bridge.current) == HK_IDLE


async def test_a_refused_heat_does_not_stay_on_the_apple_home_tile(
    hass: HomeAssistant,
    bridge: Bridge,
    pty_meter: PtyMeter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """After the red-peak refusal, the iPhone is told Auto again."""
    bridge.subscribe(bridge.target)
    async with Streamer(pty_meter, tempo_historic(period="HPJR")):
        await wait_state(hass, RADIATOR, "off")
        bridge.write(bridge.target, HK_HEAT)
        await wait_until(lambda: REFUSED in caplog.text)
        await hass.async_block_till_done()
        assert _state(hass, CLIMATE).state == "auto"
        assert bridge.read(bridge.target) == HK_AUTO
        await wait_until(lambda: bridge.events_for(bridge.target)[-1:] == [HK_AUTO], 2)


async def test_current_state_follows_the_meter(
    hass: HomeAssistant, bridge: Bridge, pty_meter: PtyMeter
) -> None:
    """Coordinator → characteristics: Heating on a blue peak, Idle on a white one."""
    bridge.subscribe(bridge.current)
    async with Streamer(pty_meter, tempo_historic(period="HPJB")) as meter:
        await wait_state(hass, "sensor.linky_tempo_tariff_period", "hp_blue")
        assert _state(hass, RADIATOR).state == "on"
        assert bridge.read(bridge.current) == HK_HEATING
        assert bridge.read(bridge.temperature) == 21.0
        assert bridge.read(bridge.target) == HK_AUTO

        meter.frame = tempo_historic(period="HPJW")
        await wait_state(hass, RADIATOR, "off")
        await wait_until(lambda: bridge.read(bridge.current) == HK_IDLE)
        await wait_until(lambda: bridge.events_for(bridge.current) == [HK_IDLE])

        meter.frame = tempo_historic(period="HPJB")
        await wait_state(hass, RADIATOR, "on")
        await wait_until(lambda: bridge.read(bridge.current) == HK_HEATING)
        await wait_until(
            lambda: bridge.events_for(bridge.current) == [HK_IDLE, HK_HEATING]
        )
        assert bridge.read(bridge.temperature) == 21.0
        assert bridge.read(bridge.target) == HK_AUTO
