#include "server/cli/shutdown_signals.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <thread>

#include "server/common/thread_name.h"

namespace flowhost::cli {
namespace {

const char* SignalName(uint32_t signal_number) {
  return signal_number == SIGTERM ? "SIGTERM" : "SIGINT";
}

// Reads one pending signal from `fd`; 0 when the read failed.
uint32_t ReadSignal(int fd) {
  signalfd_siginfo info;
  while (true) {
    ssize_t n = read(fd, &info, sizeof info);
    if (n == static_cast<ssize_t>(sizeof info)) return info.ssi_signo;
    if (n < 0 && errno == EINTR) continue;
    return 0;
  }
}

// Without a signalfd (it cannot fail short of running out of descriptors): one signal, one drain.
void ServeUntilOneSignal(service::ServiceHost& host, sdk::Logger& logger, const sigset_t& signals) {
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  logger.Log(sdk::LogLevel::kInfo, "shutting down",
             {{"signal", SignalName(static_cast<uint32_t>(signal_number))}});
  host.Shutdown();
}

}  // namespace

void ServeUntilSignalled(service::ServiceHost& host, sdk::Logger& logger, const sigset_t& signals) {
  int signal_fd = signalfd(-1, &signals, SFD_CLOEXEC);
  int drained_fd = signal_fd < 0 ? -1 : eventfd(0, EFD_CLOEXEC);
  if (signal_fd < 0 || drained_fd < 0) {
    logger.Log(sdk::LogLevel::kWarning,
               "cannot watch for a second signal; the drain will use its whole grace period",
               {{"error", std::strerror(errno)}});
    if (signal_fd >= 0) close(signal_fd);
    return ServeUntilOneSignal(host, logger, signals);
  }

  uint32_t first = ReadSignal(signal_fd);
  logger.Log(sdk::LogLevel::kInfo, "shutting down", {{"signal", SignalName(first)}});
  std::thread drain([&host, drained_fd] {
    NameCurrentThread("fh-drain");
    host.Shutdown();
    uint64_t one = 1;
    ssize_t written = write(drained_fd, &one, sizeof one);
    (void)written;  // an eventfd write of 1 cannot fail short of overflow
  });
  bool cut_short = false;
  while (true) {
    pollfd fds[2] = {{signal_fd, POLLIN, 0}, {drained_fd, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;  // nothing left to listen for: the drain still ends on its own
    }
    if (fds[1].revents != 0) break;
    if (fds[0].revents != 0) {
      uint32_t second = ReadSignal(signal_fd);
      if (cut_short) continue;
      cut_short = true;
      logger.Log(sdk::LogLevel::kWarning,
                 "second signal during the drain: ending the grace period now",
                 {{"signal", SignalName(second)}});
      host.EndGracePeriod();
    }
  }
  drain.join();
  close(drained_fd);
  close(signal_fd);
}

}  // namespace flowhost::cli
