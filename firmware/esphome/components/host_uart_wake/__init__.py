"""Wake the host build's main loop when a UART receives bytes, as an ESP32 does.

Host builds only (packages/board-host.yaml). See host_uart_wake.h.
"""

import esphome.codegen as cg
import esphome.config_validation as cv
from esphome.const import CONF_ID, PLATFORM_HOST

DEPENDENCIES = ["uart"]

host_uart_wake_ns = cg.esphome_ns.namespace("host_uart_wake")
HostUartWake = host_uart_wake_ns.class_("HostUartWake", cg.Component)

CONFIG_SCHEMA = cv.All(
    cv.Schema({cv.GenerateID(): cv.declare_id(HostUartWake)}).extend(
        cv.COMPONENT_SCHEMA
    ),
    cv.only_on([PLATFORM_HOST]),
)


async def to_code(config: dict) -> None:
    """Instantiate the component; it finds the UARTs itself at setup."""
    var = cg.new_Pvariable(config[CONF_ID])
    await cg.register_component(var, config)
