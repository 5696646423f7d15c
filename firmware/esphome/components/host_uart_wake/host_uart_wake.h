#pragma once

// Host builds only: give ESPHome's host UART the ESP32's wake-on-RX.
//
// On an ESP32 (and ESP8266) with networking, ESPHome wakes the main loop as
// soon as a UART receives bytes (USE_UART_WAKE_LOOP_ON_RX: the ESP-IDF driver's
// RX callback calls Application::wake_loop_isrsafe), so the serial proxy and
// teleinfo read them at once. The host UART has no such wake: its bytes wait
// for the next component phase, up to loop_interval (16 ms) later, at every
// hop of a path. Without this the host build, which the tests and benchmarks
// run, would be slower than the device it stands for.
//
// How: an epoll instance watches the program's serial ports (every tty it has
// open past stdin/stdout/stderr: on the host build, the UARTs) edge-triggered,
// and its fd is registered with the host main loop's select()
// (esphome::wake_register_fd). New bytes on a UART make the epoll fd readable,
// select() returns and the component phase runs at once; loop() then empties
// epoll's ready list (epoll_wait with no timeout), so the epoll fd stays quiet
// until more bytes arrive. Edge, not level: bytes left unread (the serial
// proxy with no subscriber, teleinfo between a frame and its next update) do
// not wake the loop again, as on the ESP32, where the RX callback fires per
// arrival. Registering a UART's own fd would be level-triggered and would spin
// the CPU while such bytes sit unread.

#include "esphome/core/component.h"

#ifdef USE_HOST

#include <vector>

namespace esphome::host_uart_wake {

class HostUartWake : public Component {
 public:
  void setup() override;
  void loop() override;
  void dump_config() override;
  // After the UARTs (BUS) have opened their ports.
  float get_setup_priority() const override { return setup_priority::DATA; }

 protected:
  int epoll_fd_{-1};
  std::vector<int> watched_;
};

}  // namespace esphome::host_uart_wake

#endif  // USE_HOST
