#include "host_uart_wake.h"

#ifdef USE_HOST

#include "esphome/core/log.h"
#include "esphome/core/wake.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <sys/epoll.h>
#include <unistd.h>

namespace esphome::host_uart_wake {

static const char *const TAG = "host_uart_wake";

void HostUartWake::setup() {
  this->epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (this->epoll_fd_ < 0) {
    ESP_LOGE(TAG, "epoll_create1: %s", strerror(errno));
    this->mark_failed();
    return;
  }
  // The UARTs' fds: the host UART keeps its fd to itself, so find the ttys
  // this program has open (the UARTs opened their ports during their setup,
  // before this one; the host UART never reopens its port).
  DIR *dir = opendir("/proc/self/fd");
  if (dir == nullptr) {
    ESP_LOGE(TAG, "/proc/self/fd: %s", strerror(errno));
    this->mark_failed();
    return;
  }
  const int dir_fd = dirfd(dir);
  while (struct dirent *entry = readdir(dir)) {
    char *end;
    long fd = strtol(entry->d_name, &end, 10);
    if (*end != '\0' || end == entry->d_name || fd <= STDERR_FILENO || fd == dir_fd || !isatty(fd))
      continue;
    struct epoll_event event {};
    event.events = EPOLLIN | EPOLLET;
    event.data.fd = static_cast<int>(fd);
    if (epoll_ctl(this->epoll_fd_, EPOLL_CTL_ADD, static_cast<int>(fd), &event) == 0) {
      this->watched_.push_back(static_cast<int>(fd));
    } else {
      ESP_LOGW(TAG, "epoll_ctl(%ld): %s", fd, strerror(errno));
    }
  }
  closedir(dir);
  if (!wake_register_fd(this->epoll_fd_)) {
    this->mark_failed();
    return;
  }
}

void HostUartWake::loop() {
  // Runs in every component phase, hence after every wake this fd caused:
  // empty the ready list so that select() sleeps until the next arrival.
  struct epoll_event events[8];
  while (epoll_wait(this->epoll_fd_, events, 8, 0) == 8) {
  }
}

void HostUartWake::dump_config() {
  ESP_LOGCONFIG(TAG, "Host UART wake on RX (as ESP32's USE_UART_WAKE_LOOP_ON_RX): %u tty fd(s) watched",
                static_cast<unsigned>(this->watched_.size()));
}

}  // namespace esphome::host_uart_wake

#endif  // USE_HOST
