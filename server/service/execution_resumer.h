// Keeps the executions this server runs alive in the execution store, and takes over the ones
// whose server died (docs/executions.md, "Resuming after a crash").
//
// - Leases: every third of store.lease it renews the lease of every execution it is recording
//   (ExecutionStore::RenewLeases). One the store reports lost (taken over after its lease
//   expired) is stopped with ABORTED; one CancelExecution flagged (on another replica) is
//   cancelled.
// - Cancellation: the store's cancel listener (a NOTIFY from the replica that was asked, on
//   PostgreSQL) cancels an execution running here at once; the renewal is the fallback.
// - Claims: at Start, whenever the store signals claimable work (every store.poll_interval, a
//   NOTIFY on PostgreSQL), and when a place frees up at the gate after work was seen while it
//   was full, it claims executions: queued ones (StartWorkflow on a replica that had no place),
//   which start as new; due durable timers; and executions whose owner is gone (their lease
//   expired; on SQLite, any left running by an earlier process), each resumed under its id: the
//   nodes recorded as succeeded with their items whole are not run again (their stored items go
//   to the nodes after them), every other node runs (so a node runs at least once). A workflow
//   with `restart_policy: fail` is failed instead, as is one whose workflow is no longer loaded.
//   It claims no more than the ExecutionGate has places for; one that finds no place after all
//   is released, to be claimed again.
//
// Ownership: borrows everything in the ServiceEnvironment (which the ServiceHost owns); shared, so
// that timers and the store's callbacks hold it. Stop before the store shuts down.
// Thread-safety: Start and Stop from the host's thread; the rest runs on the store's thread and
// the scheduler's.
#ifndef FLOWHOST_SERVER_SERVICE_EXECUTION_RESUMER_H_
#define FLOWHOST_SERVER_SERVICE_EXECUTION_RESUMER_H_

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "flowhost/sdk/scheduler.h"
#include "server/service/service_environment.h"
#include "server/store/execution_store.h"

namespace flowhost::service {

class ExecutionResumer : public std::enable_shared_from_this<ExecutionResumer> {
 public:
  struct Options {
    absl::Duration lease = absl::Seconds(30);  // store.lease; renewed every third of it
    int max_claims = 16;                       // executions claimed at a time
  };

  // `env.recorder` must be set (a server with a history).
  static std::shared_ptr<ExecutionResumer> Create(ServiceEnvironment env,
                                                  sdk::Scheduler& scheduler, Options options);

  // Claims what is claimable now, listens for more, and starts renewing leases.
  void Start();
  // Stops claiming and renewing. Executions already resumed run on (the gate drains them).
  void Stop();

 private:
  ExecutionResumer(ServiceEnvironment env, sdk::Scheduler& scheduler, Options options)
      : env_(std::move(env)), scheduler_(scheduler), options_(options) {}

  store::ExecutionStore& store() { return env_.recorder->store(); }
  bool stopped() const;
  void Claim();
  // A place at the gate was freed: claims again when work was seen while the gate was full.
  void PlaceFreed();
  // A claim has been started or given up: its place no longer needs reserving.
  void Started();
  void Resume(const store::Claim& claim);
  void Resumed(const store::Claim& claim, absl::StatusOr<store::ExecutionDetail> detail);
  // Ends a claimed execution without running it: failed (or cancelled) with `error`.
  void Abandon(const store::Fence& fence, absl::Status error);
  void ArmRenewal();
  void Renew();
  void Renewed(absl::StatusOr<store::RenewResult> result);

  const ServiceEnvironment env_;
  sdk::Scheduler& scheduler_;
  const Options options_;

  mutable absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  bool claiming_ ABSL_GUARDED_BY(mu_) = false;  // a ClaimExecutions is in flight
  bool claim_again_ ABSL_GUARDED_BY(mu_) = false;  // work was signalled meanwhile
  // Claimable work may be waiting for a place here: the last claim filled every place it asked
  // for, or found none free. A freed place then claims again (PlaceFreed).
  bool work_waiting_ ABSL_GUARDED_BY(mu_) = false;
  size_t starting_ ABSL_GUARDED_BY(mu_) = 0;  // claimed, not yet at the gate
  sdk::TimerId renewal_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace flowhost::service

#endif  // FLOWHOST_SERVER_SERVICE_EXECUTION_RESUMER_H_
