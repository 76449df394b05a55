// What both backends share: the public ExecutionStore methods (which check their arguments and
// queue an operation), the bounded queue, the store thread and its loop, the owned-execution
// table, health, listeners and counters. A backend supplies how a run of writes and a read are
// executed, and which sockets its thread must watch.
//
// The loop, on the store thread: take every queued operation; hand each run of consecutive writes
// (up to StoreOptions::max_batch_operations) to ExecuteWrites and each read to ExecuteRead, in
// queue order; then sleep in poll() on the queue's eventfd and the backend's sockets until work,
// a socket, the next automatic prune or the next poll tick is due.
//
// Thread-safety: as ExecutionStore. The protected members marked "store thread" are only touched
// there.
#ifndef FLOWHOST_SERVER_STORE_STORE_CORE_H_
#define FLOWHOST_SERVER_STORE_STORE_CORE_H_

#include <poll.h>

#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/store/execution_store.h"
#include "server/store/operation_queue.h"
#include "server/store/owned_executions.h"
#include "server/store/store_operation.h"
#include "server/store/store_options.h"

namespace flowhost::store {

class StoreCore : public ExecutionStore {
 public:
  ~StoreCore() override;

  const std::string& owner() const override { return owner_; }
  absl::Status CreateExecution(NewExecution execution, Callback<CreatedExecution> done) override;
  absl::Status RecordNode(const Fence& fence, NodeUpdate update, DoneCallback done) override;
  absl::Status AppendEvent(const Fence& fence, EventRow event, DoneCallback done) override;
  absl::Status SetTimer(const Fence& fence, TimerRow timer, DoneCallback done) override;
  absl::Status ClearTimer(const Fence& fence, std::string node, DoneCallback done) override;
  absl::Status ParkExecution(const Fence& fence, absl::Time wake_at, DoneCallback done) override;
  absl::Status ReleaseExecution(const Fence& fence, DoneCallback done) override;
  absl::Status RequeueExecution(const Fence& fence, DoneCallback done) override;
  absl::Status FinishExecution(const Fence& fence, ExecutionOutcome outcome,
                               DoneCallback done) override;
  absl::Status RequestCancel(std::string id, Callback<ExecutionStatus> done) override;
  absl::Status ClaimExecutions(int max, Callback<std::vector<Claim>> done) override;
  absl::Status RenewLeases(std::vector<Fence> fences, Callback<RenewResult> done) override;
  absl::Status GetExecution(std::string id, GetOptions options,
                            Callback<ExecutionDetail> done) override;
  absl::Status ListExecutions(ListQuery query, Callback<ExecutionPage> done) override;
  absl::Status ReadEvents(std::string id, int64_t first_sequence, int max_events,
                          Callback<std::vector<EventRow>> done) override;
  absl::Status Prune(Callback<PruneResult> done) override;
  void SetWorkListener(absl::AnyInvocable<void()> listener) override;
  void SetCancelListener(absl::AnyInvocable<void(const std::string& id)> listener) override;
  absl::Status Health() const override;
  void SetHealthListener(absl::AnyInvocable<void(const absl::Status&)> listener) override;
  StoreStats Stats() const override;
  void Shutdown() override;

 protected:
  // `what` names the store in errors and logs, e.g. "execution store (sqlite data/flowhost.db)".
  StoreCore(StoreOptions options, std::string what);

  // Starts the store thread (named `thread_name`); the backend calls it once it is open.
  void StartThread(std::string thread_name);

  // Store thread: executes `writes` (consecutive write operations, in order), running every
  // callback. A backend that completes asynchronously runs them later, in order.
  virtual void ExecuteWrites(std::span<Operation> writes) = 0;
  // Store thread: executes one read and runs its callback.
  virtual void ExecuteRead(Operation& read) = 0;
  // Store thread: the backend's sockets to watch, and their events once polled.
  virtual void AddPollFds(std::vector<pollfd>& fds) {}
  virtual void HandlePollFds(std::span<const pollfd> fds) {}
  // Store thread: when the backend next needs the loop without a socket event (a reconnect).
  virtual absl::Time NextBackendDeadline() { return absl::InfiniteFuture(); }
  // Store thread: false while the backend cannot take more operations (a full pipeline).
  virtual bool CanTakeMore() { return true; }
  // Store thread: true while operations the backend took are not complete yet.
  virtual bool Busy() { return false; }
  // The shortest time between the starts of two runs of writes (the backend's group commit): after
  // one, the loop lets operations gather until this much has passed before it takes them. Zero:
  // take them at once.
  virtual absl::Duration CommitInterval() const { return absl::ZeroDuration(); }

  // Queues `op` for the store thread (for a backend's own operations): the errors of the public
  // methods (UNAVAILABLE while unhealthy, RESOURCE_EXHAUSTED when full, FAILED_PRECONDITION after
  // Shutdown). Any thread.
  absl::Status Queue(Operation&& op);

  // Store thread: helpers for backends.
  void SetHealth(absl::Status status);
  void NotifyWork();
  void NotifyCancel(const std::string& id);
  void CountCommitted(int64_t writes);
  void CountFailed(int64_t writes);
  absl::Time Now() const { return clock_->Now(); }
  std::string NewExecutionId();

  const StoreOptions options_;
  const std::string what_;
  OwnedExecutions owned_;  // store thread

 private:
  void Loop();
  void RunBatch(std::vector<Operation>& batch);

  const std::string owner_;
  const sdk::Clock* clock_;
  OperationQueue queue_;
  std::thread thread_;
  std::atomic<bool> shut_down_{false};

  mutable absl::Mutex health_mu_;
  absl::Status health_ ABSL_GUARDED_BY(health_mu_);
  // Listeners run on the store thread under listeners_mu_ (so one may be set at any time).
  absl::Mutex listeners_mu_;
  absl::AnyInvocable<void(const absl::Status&)> health_listener_ ABSL_GUARDED_BY(listeners_mu_);
  absl::AnyInvocable<void()> work_listener_ ABSL_GUARDED_BY(listeners_mu_);
  absl::AnyInvocable<void(const std::string&)> cancel_listener_ ABSL_GUARDED_BY(listeners_mu_);

  std::atomic<int64_t> committed_writes_{0};
  std::atomic<int64_t> batches_{0};
  std::atomic<int64_t> failed_writes_{0};
  std::atomic<uint64_t> id_counter_{0};
};

}  // namespace flowhost::store

#endif  // FLOWHOST_SERVER_STORE_STORE_CORE_H_
