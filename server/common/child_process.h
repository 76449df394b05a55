// A helper program run as a child process: the parent reads its stdout line by line (a start-up
// handshake such as the fake OpenRouter's `LISTENING <port>`), and stops and reaps it at the end.
// The child is killed if the thread that spawned it dies (PR_SET_PDEATHSIG), so no helper outlives
// a crashed parent. Used by `--offline` (server/cli/offline_upstream.h) and by the tests' and
// benchmarks' harnesses.
//
// Ownership: the object owns the child; the destructor stops it (as Stop()) if Stop() was not
// called. Thread-compatible: create, use and destroy from one thread, which must outlive the child.
#ifndef FLOWHOST_SERVER_COMMON_CHILD_PROCESS_H_
#define FLOWHOST_SERVER_COMMON_CHILD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace flowhost::common {

class ChildProcess {
 public:
  struct Options {
    // In a process group of its own: a terminal's Ctrl-C reaches the parent only, which then
    // stops the child in order.
    bool own_process_group = false;
    // Stdin from /dev/null instead of the parent's.
    bool null_stdin = false;
  };

  // Starts `argv[0]` (a path) with `argv`; its stdout goes to a pipe, its stderr to ours. The child
  // starts with no blocked signals and default SIGTERM/SIGINT handling, whatever the parent's.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Spawn(std::vector<std::string> argv,
                                                             Options options);
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Spawn(std::vector<std::string> argv) {
    return Spawn(std::move(argv), Options());
  }
  ~ChildProcess();

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The next line the child prints (without the newline), waiting at most until `deadline`.
  // UNAVAILABLE when the child closed its stdout (usually: it exited) first; DEADLINE_EXCEEDED.
  absl::StatusOr<std::string> ReadLine(std::chrono::steady_clock::time_point deadline);

  // Sends SIGTERM, waits up to `grace_ms` for the child to exit (then SIGKILL) and reaps it. OK
  // when it exited with status 0; otherwise the message says how it ended ("NAME exited with
  // status 3", "NAME died of signal 9", "NAME ignored SIGTERM; killed"). Idempotent.
  absl::Status Stop(int grace_ms = 10000);

  pid_t pid() const { return pid_; }

 private:
  ChildProcess() = default;

  std::string name_;  // for messages
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
};

}  // namespace flowhost::common

#endif  // FLOWHOST_SERVER_COMMON_CHILD_PROCESS_H_
