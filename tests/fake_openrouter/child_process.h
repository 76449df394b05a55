// A helper program run as a child process by a test or a benchmark (the fake, its HTTP/2 front):
// the parent reads its stdout line by line (a start-up handshake such as `LISTENING <port>`), and
// stops and reaps it at the end. The child is killed if the parent dies, so no helper outlives a
// crashed test.
//
// Owns the child: the destructor stops it if Stop() was not called. Thread-compatible.
#ifndef FLOWHOST_TESTS_FAKE_OPENROUTER_CHILD_PROCESS_H_
#define FLOWHOST_TESTS_FAKE_OPENROUTER_CHILD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace flowhost::fake_openrouter {

class ChildProcess {
 public:
  // Starts `argv[0]` (a path) with `argv`; its stdout goes to a pipe, its stderr to ours.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Spawn(std::vector<std::string> argv);
  ~ChildProcess();

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The next line the child prints (without the newline), waiting at most until `deadline`.
  // Unavailable when the child closed its stdout (usually: it exited) first.
  absl::StatusOr<std::string> ReadLine(std::chrono::steady_clock::time_point deadline);

  // Sends SIGTERM, waits up to `grace_ms` for the child to exit (then SIGKILL) and reaps it. OK
  // when it exited with status 0. Idempotent.
  absl::Status Stop(int grace_ms = 10000);

  pid_t pid() const { return pid_; }

 private:
  ChildProcess() = default;

  std::string name_;  // for messages
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
};

}  // namespace flowhost::fake_openrouter

#endif  // FLOWHOST_TESTS_FAKE_OPENROUTER_CHILD_PROCESS_H_
