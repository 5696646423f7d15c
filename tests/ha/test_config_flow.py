"""Every step and error of the config, options and reconfigure flows, on real ports."""

from __future__ import annotations

import asyncio
from pathlib import Path

from homeassistant.config_entries import SOURCE_USB, SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.data_entry_flow import _BaseFlowManagerView
from homeassistant.helpers.service_info.usb import UsbServiceInfo
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.linky_tempo.const import (
    CONF_DETECTED_MODE,
    CONF_ENERGY_INTERVAL,
    CONF_MODE,
    CONF_PORT,
    CONF_POWER_INTERVAL,
    CONF_RESTORE_DELAY,
    CONF_RESTORE_THRESHOLD,
    CONF_SHED_THRESHOLD,
    CONF_TEMPERATURE_SENSOR,
    DOMAIN,
)
from harness.stack import METER_ID
from tic_simulator.frames import standard_frame, tempo_historic
from tic_simulator.transport import PtyMeter, TcpMeter


async def _keep_sending(
    meter: PtyMeter | TcpMeter, frame: bytes, stop: asyncio.Event
) -> None:
    while not stop.is_set():
        if isinstance(meter, PtyMeter):
            meter.write_now(frame)
        else:
            await meter.send(frame)
        await asyncio.sleep(0.2)


async def _configure_while_sending(
    hass: HomeAssistant,
    flow_id: str,
    user_input: dict,
    meter: PtyMeter | TcpMeter,
    frame: bytes,
) -> dict:
    stop = asyncio.Event()
    sender = asyncio.create_task(_keep_sending(meter, frame, stop))
    try:
        return await hass.config_entries.flow.async_configure(flow_id, user_input)
    finally:
        stop.set()
        await sender


async def test_user_flow_finds_the_meter(
    hass: HomeAssistant, pty_meter: PtyMeter
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await _configure_while_sending(
        hass,
        result["flow_id"],
        {CONF_PORT: str(pty_meter.path), CONF_MODE: "auto"},
        pty_meter,
        tempo_historic(tomorrow="ROUG"),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Linky {METER_ID}"
    assert result["data"] == {
        CONF_PORT: str(pty_meter.path),
        CONF_MODE: "auto",
        CONF_DETECTED_MODE: "historic",
    }
    assert result["description_placeholders"] == {
        "meter_id": METER_ID,
        "mode": "historic",
        "contract": "tempo",
        "today": "blue",
    }
    assert result["result"].unique_id == METER_ID


async def test_user_flow_standard_meter_over_tcp(
    hass: HomeAssistant, tcp_meter: TcpMeter
) -> None:
    frame = standard_frame(
        [
            ("ADSC", "041776199228"),
            ("VTIC", "02"),
            ("NGTF", "     TEMPO      "),
            ("LTARF", "    HP  BLEU    "),
            ("EAST", "003519702"),
            ("NTARF", "02"),
            ("STGE", "013AC401"),
            ("SINSTS", "01230"),
        ]
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await _configure_while_sending(
        hass,
        result["flow_id"],
        {CONF_PORT: tcp_meter.url, CONF_MODE: "auto"},
        tcp_meter,
        frame,
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_DETECTED_MODE] == "standard"
    assert result["description_placeholders"]["today"] == "blue"


async def test_user_flow_cannot_connect(hass: HomeAssistant, tmp_path: Path) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PORT: str(tmp_path / "ttyNONE"), CONF_MODE: "auto"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}


async def test_user_flow_no_data(hass: HomeAssistant, pty_meter: PtyMeter) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PORT: str(pty_meter.path), CONF_MODE: "historic"}
    )
    assert result["errors"] == {"base": "no_data"}


async def test_user_flow_not_tic_then_recovers(
    hass: HomeAssistant, pty_meter: PtyMeter
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await _configure_while_sending(
        hass,
        result["flow_id"],
        {CONF_PORT: str(pty_meter.path), CONF_MODE: "historic"},
        pty_meter,
        bytes(range(0x80, 0x100)) * 2,
    )
    assert result["errors"] == {"base": "not_tic"}
    # The user fixes the adapter (a new pty: serialx cannot reconfigure a pty twice).
    pty_meter.unplug()
    pty_meter.plug()
    result = await _configure_while_sending(
        hass,
        result["flow_id"],
        {CONF_PORT: str(pty_meter.path), CONF_MODE: "historic"},
        pty_meter,
        tempo_historic(),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_same_meter_twice_aborts(
    hass: HomeAssistant, pty_meter: PtyMeter
) -> None:
    MockConfigEntry(
        domain=DOMAIN, unique_id=METER_ID, data={CONF_PORT: "/dev/old"}
    ).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await _configure_while_sending(
        hass,
        result["flow_id"],
        {CONF_PORT: str(pty_meter.path), CONF_MODE: "auto"},
        pty_meter,
        tempo_historic(),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


def _usb_info(path: Path) -> UsbServiceInfo:
    return UsbServiceInfo(
        device=str(path),
        vid="0403",
        pid="6015",
        serial_number="DJ00XYZ",
        manufacturer="FTDI",
        description="FT230X Basic UART",
    )


async def test_usb_discovery_one_click(
    hass: HomeAssistant, pty_meter: PtyMeter
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USB}, data=_usb_info(pty_meter.path)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "usb_confirm"
    result = await _configure_while_sending(
        hass, result["flow_id"], {}, pty_meter, tempo_historic()
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PORT] == str(pty_meter.path)


async def test_usb_discovery_of_a_silent_adapter_shows_the_error(
    hass: HomeAssistant, pty_meter: PtyMeter
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USB}, data=_usb_info(pty_meter.path)
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "no_data"}


async def test_usb_discovery_of_a_configured_port_aborts(
    hass: HomeAssistant, pty_meter: PtyMeter
) -> None:
    MockConfigEntry(
        domain=DOMAIN, unique_id=METER_ID, data={CONF_PORT: str(pty_meter.path)}
    ).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USB}, data=_usb_info(pty_meter.path)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_options_flow_thresholds_and_sensor(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=METER_ID,
        data={CONF_PORT: "/dev/x"},
        minor_version=2,
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    base = {
        CONF_SHED_THRESHOLD: 90,
        CONF_RESTORE_THRESHOLD: 80,
        CONF_RESTORE_DELAY: 300,
        CONF_POWER_INTERVAL: 10,
        CONF_ENERGY_INTERVAL: 120,
    }
    # The restore threshold must stay under the shed threshold.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**base, CONF_RESTORE_THRESHOLD: 95}
    )
    assert result["errors"] == {"base": "thresholds"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {**base, CONF_TEMPERATURE_SENSOR: "sensor.living_temperature"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_POWER_INTERVAL] == 10
    assert entry.options[CONF_TEMPERATURE_SENSOR] == "sensor.living_temperature"
    assert entry.options["pre_heat_hours"] == 2  # the pre-heat window's default
    # The loads are subentries now: no load field in the options.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert "loads" not in {str(key) for key in result["data_schema"].schema}
    # Clearing the sensor (the frontend then omits the field) is allowed.
    result = await hass.config_entries.options.async_configure(result["flow_id"], base)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_TEMPERATURE_SENSOR not in entry.options


async def test_load_subentry_add_edit_and_remove(hass: HomeAssistant) -> None:
    """A heating load is added, edited and removed from the integration's page."""
    hass.states.async_set(
        "select.living_room",
        "comfort",
        {"friendly_name": "Living room", "options": ["comfort", "eco"]},
    )
    hass.states.async_set("climate.bathroom", "heat", {"temperature": 21})
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=METER_ID,
        data={CONF_PORT: "/dev/x"},
        minor_version=2,
    )
    entry.add_to_hass(hass)
    flows = hass.config_entries.subentries

    result = await flows.async_init(
        (entry.entry_id, "load"), context={"source": SOURCE_USER}
    )
    assert result["step_id"] == "user"
    result = await flows.async_configure(
        result["flow_id"], {"entity_id": "select.living_room"}
    )
    assert result["step_id"] == "shedding"
    assert result["description_placeholders"]["load"] == "Living room"
    # The defaults are the first release's: frost protection for every reason.
    schema = {str(key): key for key in result["data_schema"].schema}
    assert "offset" not in schema  # a pilot wire has no setpoint
    assert schema["white_peak"].description["suggested_value"] == "frost_protection"
    assert schema["priority"].description["suggested_value"] == 1
    result = await flows.async_configure(
        result["flow_id"],
        {
            "priority": 1,
            "red_peak": "frost_protection",
            "white_peak": "eco",
            "overload": "off",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    (living,) = entry.subentries.values()
    assert living.title == "Living room"
    assert living.unique_id == "select.living_room"
    assert dict(living.data) == {
        "entity_id": "select.living_room",
        "priority": 1,
        "red_peak": "frost_protection",
        "white_peak": "eco",
        "overload": "off",
    }

    # The same entity twice is refused.
    result = await flows.async_init(
        (entry.entry_id, "load"), context={"source": SOURCE_USER}
    )
    result = await flows.async_configure(
        result["flow_id"], {"entity_id": "select.living_room"}
    )
    assert result["errors"] == {"entity_id": "already_configured"}

    # A thermostat: a preset needs its name; priority after the others.
    result = await flows.async_configure(
        result["flow_id"], {"entity_id": "climate.bathroom"}
    )
    schema = {str(key): key for key in result["data_schema"].schema}
    assert schema["priority"].description["suggested_value"] == 2
    assert schema["offset"].description["suggested_value"] == -2.0
    bathroom_input = {
        "priority": 2,
        "red_peak": "none",
        "white_peak": "none",
        "overload": "preset",
        "offset": -2.0,
    }
    result = await flows.async_configure(result["flow_id"], bathroom_input)
    assert result["errors"] == {"preset": "preset_required"}
    result = await flows.async_configure(
        result["flow_id"],
        {
            **bathroom_input,
            "overload": "offset",
            "offset": -3,
            "pre_heat": True,
            "pre_heat_offset": 1.5,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    bathroom = next(s for s in entry.subentries.values() if s is not living)
    assert bathroom.data["overload"] == "offset"
    assert bathroom.data["offset"] == -3.0
    assert bathroom.data["pre_heat"] is True
    assert bathroom.data["pre_heat_offset"] == 1.5

    # Edit: the same form, filled in with the load's settings.
    result = await flows.async_init(
        (entry.entry_id, "load"),
        context={"source": "reconfigure", "subentry_id": living.subentry_id},
    )
    assert result["step_id"] == "shedding"
    schema = {str(key): key for key in result["data_schema"].schema}
    assert schema["white_peak"].description["suggested_value"] == "eco"
    result = await flows.async_configure(
        result["flow_id"],
        {"priority": 3, "red_peak": "off", "white_peak": "none", "overload": "off"},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    living = entry.subentries[living.subentry_id]
    assert living.data["priority"] == 3
    assert living.data["white_peak"] == "none"

    # Remove, as the integration's page does.
    assert hass.config_entries.async_remove_subentry(entry, living.subentry_id)
    assert list(entry.subentries.values()) == [bathroom]


async def test_reconfigure_moves_the_meter(
    hass: HomeAssistant, pty_meter: PtyMeter, tcp_meter: TcpMeter
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=METER_ID,
        data={CONF_PORT: str(pty_meter.path), CONF_MODE: "historic"},
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await _configure_while_sending(
        hass,
        result["flow_id"],
        {CONF_PORT: tcp_meter.url, CONF_MODE: "auto"},
        tcp_meter,
        tempo_historic(),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_PORT] == tcp_meter.url


async def test_reconfigure_to_another_meter_aborts(
    hass: HomeAssistant, tcp_meter: TcpMeter
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=METER_ID, data={CONF_PORT: "/dev/x", CONF_MODE: "auto"}
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await _configure_while_sending(
        hass,
        result["flow_id"],
        {CONF_PORT: tcp_meter.url, CONF_MODE: "auto"},
        tcp_meter,
        tempo_historic(meter_id="031961098836"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_meter"
    assert entry.data[CONF_PORT] == "/dev/x"


async def test_reconfigure_error_is_shown(hass: HomeAssistant, tmp_path: Path) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=METER_ID, data={CONF_PORT: "/dev/x", CONF_MODE: "auto"}
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PORT: str(tmp_path / "none"), CONF_MODE: "auto"}
    )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_options_form_sends_the_prices_section_without_a_default(
    hass: HomeAssistant,
) -> None:
    """The frontend takes a section's default as its data, over its fields'.

    A default of {} left the required "custom prices" box out of the form's
    data, and the frontend refused to submit ("Not all required fields are
    filled in"): the section must come without one, its fields with their own.
    """
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=METER_ID, data={CONF_PORT: "/dev/x"}
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    # The form as Home Assistant's HTTP view sends it to the frontend.
    sent = _BaseFlowManagerView._prepare_result_json(None, result)  # type: ignore[arg-type]
    fields = sent["data_schema"]
    (prices,) = (field for field in fields if field.get("type") == "expandable")
    assert "default" not in prices
    custom = next(f for f in prices["schema"] if f["name"] == "custom_prices")
    assert custom["description"] == {"suggested_value": False}
