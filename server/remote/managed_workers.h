// Managed mode (docs/plugins.md, "Managed workers"): worker processes flowhost starts itself, as
// go-plugin does, from `remote.managed`. Each is started with the worker listener's address, the
// token and a worker id in its environment (FLOWHOST_WORKER_ADDRESS, FLOWHOST_WORKER_TOKEN,
// FLOWHOST_WORKER_ID), its stdout and stderr joined to flowhost's stderr; when it exits it is
// started again after a back-off (0.5 s, doubling to 30 s; back to 0.5 s after a run of a minute);
// Stop ends them all (SIGTERM, then SIGKILL after the grace). A child also gets SIGTERM if flowhost
// dies (PR_SET_PDEATHSIG), so no worker outlives its host.
//
// Ownership: owns the children and one supervisor thread ("fh-workers"), which forks them and
// waits for them on pidfds (no polling), so the children's parent-death signal follows that
// thread's life. Thread-safety: Start and Stop from one thread; Pids from any.
#ifndef FLOWHOST_SERVER_REMOTE_MANAGED_WORKERS_H_
#define FLOWHOST_SERVER_REMOTE_MANAGED_WORKERS_H_

#include <sys/types.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "flowhost/sdk/logger.h"

namespace flowhost::remote {

// One worker command to keep running.
struct ManagedWorkerSpec {
  std::string name;                  // its worker id (FLOWHOST_WORKER_ID) and its name in logs
  std::vector<std::string> command;  // argv; argv[0] is looked up on PATH
};

class ManagedWorkers {
 public:
  // Starts every spec's command, telling it to dial `address` with `token`. Fails only when the
  // supervisor cannot start (no eventfd); a command that cannot run is logged and retried like one
  // that exits.
  static absl::StatusOr<std::unique_ptr<ManagedWorkers>> Start(std::vector<ManagedWorkerSpec> specs,
                                                               std::string address,
                                                               std::string token,
                                                               sdk::Logger& logger);
  ~ManagedWorkers();  // Stop(2 s) unless stopped

  // From now on a child that exits is not started again (the host is draining). Never blocks.
  void StopRestarting() { restarting_.store(false); }

  // Stops restarting, sends each running child SIGTERM, waits up to `grace` for them to exit, then
  // SIGKILLs the rest; reaps them all. Blocks. Idempotent.
  void Stop(absl::Duration grace);

  // The running children's pids by name (0 while one waits to be restarted).
  std::map<std::string, pid_t> Pids() const;

 private:
  struct Child;
  ManagedWorkers(std::vector<ManagedWorkerSpec> specs, std::string address, std::string token,
                 sdk::Logger& logger);
  void Supervise();
  void Launch(Child& child);
  void Reap(Child& child);

  const std::string address_;
  const std::string token_;
  sdk::Logger& logger_;
  std::vector<std::unique_ptr<Child>> children_;  // the supervisor's; pids also under mu_
  int wake_fd_ = -1;                              // eventfd: Stop wakes the supervisor
  std::thread supervisor_;
  absl::Duration stop_grace_;  // written before the wake-up, read by the supervisor after it
  std::atomic<bool> restarting_{true};

  mutable absl::Mutex mu_;
  std::map<std::string, pid_t> pids_ ABSL_GUARDED_BY(mu_);
  bool stopped_ = false;  // Stop's thread only
};

}  // namespace flowhost::remote

#endif  // FLOWHOST_SERVER_REMOTE_MANAGED_WORKERS_H_
