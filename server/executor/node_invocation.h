// One run of a node as the graph sees it: attempts under the node's retry policy and per-attempt
// timeout, until one succeeds, a failure is not retryable, attempts run out, the next back-off
// would pass the deadline, or the run is cancelled. The back-off is a scheduler timer (never a
// sleep) of sdk::PlanRetry's delay: the larger of the policy's (exponential, jittered) and the
// error's Retry-After.
//
// Ownership: shared by its attempts, its back-off timer and its cancellation callback; holds the
// execution alive. Thread-safety: all methods may be called from any thread.
#ifndef FLOWHOST_SERVER_EXECUTOR_NODE_INVOCATION_H_
#define FLOWHOST_SERVER_EXECUTOR_NODE_INVOCATION_H_

#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/sdk/cancellation.h"
#include "flowhost/sdk/node.h"
#include "flowhost/sdk/scheduler.h"

namespace flowhost::executor {

class Execution;

class NodeInvocation : public std::enable_shared_from_this<NodeInvocation> {
 public:
  using Done = absl::AnyInvocable<void(absl::StatusOr<sdk::NodeResult>)>;

  // Runs node `node` of `execution` on `inputs`; `parent` cancels it (the execution's root token,
  // or the calling attempt's for an attached node). `done` runs exactly once, with the last
  // attempt's result or the cancellation's reason.
  static void Start(std::shared_ptr<Execution> execution, int node,
                    std::shared_ptr<const std::vector<sdk::Items>> inputs,
                    sdk::CancellationToken parent, Done done);

  NodeInvocation(std::shared_ptr<Execution> execution, int node,
                 std::shared_ptr<const std::vector<sdk::Items>> inputs,
                 sdk::CancellationToken parent, Done done);

  // Called by the attempt once it has ended (the node's done, its timeout, or a dropped
  // completion).
  void AttemptFinished(int attempt, absl::StatusOr<sdk::NodeResult> result);

 private:
  void StartAttempt(int attempt);
  void ScheduleRetry(int next_attempt, absl::Duration delay);
  void BackoffElapsed(int next_attempt);
  void BackoffCancelled();
  void Deliver(absl::StatusOr<sdk::NodeResult> result);

  const std::shared_ptr<Execution> execution_;
  const int node_;
  const std::shared_ptr<const std::vector<sdk::Items>> inputs_;
  const sdk::CancellationToken parent_;

  absl::Mutex mu_;
  Done done_ ABSL_GUARDED_BY(mu_);
  bool delivered_ ABSL_GUARDED_BY(mu_) = false;
  bool backing_off_ ABSL_GUARDED_BY(mu_) = false;
  sdk::TimerId backoff_timer_ ABSL_GUARDED_BY(mu_) = 0;
  sdk::CancellationToken::CallbackId backoff_callback_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace flowhost::executor

#endif  // FLOWHOST_SERVER_EXECUTOR_NODE_INVOCATION_H_
