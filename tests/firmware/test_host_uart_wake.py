"""The host build's UART wake (components/host_uart_wake) never spins the CPU.

board-host.yaml gives the host UARTs the ESP32's wake-on-RX: new bytes wake
the main loop at once. It must be edge-triggered: bytes that nobody reads (no
API client subscribed to the serial proxy, whose loop is then off) must not
wake the loop again and again. This runs the device with the meter streaming
and no subscriber, checks that bytes do sit unread on the proxy's line, and
reads the program's CPU time from /proc: a loop woken by those bytes on every
pass would burn a whole core.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from tests.firmware.frames import tempo_frame

if TYPE_CHECKING:
    from tests.firmware.host_device import HostDevice

# Idle, the host build runs its loop 62 times a second: about 1 % of a core
# here. Busy-spinning takes a whole core, or the share two busy cores leave it.
MAX_CPU_SHARE = 0.15
WINDOW = 5.0


async def test_uart_wake_watches_both_uarts(device: HostDevice) -> None:
    await device.wait_log("2 tty fd(s) watched")


async def test_unread_bytes_do_not_spin_the_loop(device: HostDevice) -> None:
    assert device.meter is not None
    device.meter.period = 0.5
    device.meter.start(tempo_frame("HPJB"))
    await asyncio.sleep(1.5)
    cpu_before, wall_before = device.cpu_seconds(), time.monotonic()
    await asyncio.sleep(WINDOW)
    cpu = device.cpu_seconds() - cpu_before
    wall = time.monotonic() - wall_before
    # The serial proxy has no subscriber: its line's bytes sit unread.
    assert device.meter.proxy.unread() > 0
    assert cpu / wall < MAX_CPU_SHARE, (
        f"the firmware used {cpu:.2f} s of CPU in {wall:.2f} s"
    )
