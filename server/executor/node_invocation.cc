#include "server/executor/node_invocation.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/retry.h"
#include "server/executor/execution.h"
#include "server/executor/node_attempt.h"
#include "server/executor/retryable_errors.h"

namespace flowhost::executor {

void NodeInvocation::Start(std::shared_ptr<Execution> execution, int node,
                           std::shared_ptr<const std::vector<sdk::Items>> inputs,
                           sdk::CancellationToken parent, Done done) {
  std::make_shared<NodeInvocation>(std::move(execution), node, std::move(inputs), std::move(parent),
                                   std::move(done))
      ->StartAttempt(1);
}

NodeInvocation::NodeInvocation(std::shared_ptr<Execution> execution, int node,
                               std::shared_ptr<const std::vector<sdk::Items>> inputs,
                               sdk::CancellationToken parent, Done done)
    : execution_(std::move(execution)),
      node_(node),
      inputs_(std::move(inputs)),
      parent_(std::move(parent)),
      done_(std::move(done)) {}

void NodeInvocation::StartAttempt(int attempt) {
  if (parent_.cancelled()) return Deliver(parent_.reason());
  std::make_shared<NodeAttempt>(shared_from_this(), execution_, node_, attempt, inputs_, parent_)
      ->Run();
}

void NodeInvocation::AttemptFinished(int attempt, absl::StatusOr<sdk::NodeResult> result) {
  if (result.ok()) return Deliver(std::move(result));
  const absl::Status& error = result.status();
  const workflow::CompiledNode& compiled = execution_->workflow().nodes[node_];
  if (!IsRetryable(error) || parent_.cancelled()) return Deliver(std::move(result));
  sdk::RetryPolicy policy = compiled.settings.retry;
  policy.max_retry_after = execution_->core().limits().max_retry_after;
  const sdk::RetryPlan plan =
      sdk::PlanRetry(policy, attempt, error, execution_->Now(), parent_.deadline(),
                     [this] { return execution_->core().UnitRandom(); });
  if (plan.verdict == sdk::RetryPlan::Verdict::kNoAttemptsLeft) return Deliver(std::move(result));
  if (plan.verdict == sdk::RetryPlan::Verdict::kPastDeadline) {
    execution_->logger().Log(
        sdk::LogLevel::kInfo, "not retrying: the deadline comes first",
        {{"node", compiled.name}, {"attempt", attempt}, {"error", std::string(error.message())}});
    return Deliver(std::move(result));
  }
  execution_->logger().Log(sdk::LogLevel::kInfo, "node attempt failed; retrying",
                           {{"node", compiled.name},
                            {"attempt", attempt},
                            {"delay_ms", absl::ToInt64Milliseconds(plan.delay)},
                            {"error", std::string(error.message())}});
  ScheduleRetry(attempt + 1, plan.delay);
}

void NodeInvocation::ScheduleRetry(int next_attempt, absl::Duration delay) {
  auto self = shared_from_this();
  {
    absl::MutexLock lock(&mu_);
    backing_off_ = true;
    backoff_timer_ = execution_->core().scheduler().RunAfter(
        delay, [self, next_attempt] { self->BackoffElapsed(next_attempt); });
  }
  // Runs inline when already cancelled.
  sdk::CancellationToken::CallbackId callback =
      parent_.OnCancel([self] { self->BackoffCancelled(); });
  bool stale = false;
  {
    absl::MutexLock lock(&mu_);
    if (backing_off_) {
      backoff_callback_ = callback;
    } else {
      stale = true;  // the timer already fired
    }
  }
  if (stale) parent_.Unregister(callback);
}

void NodeInvocation::BackoffElapsed(int next_attempt) {
  sdk::CancellationToken::CallbackId callback;
  {
    absl::MutexLock lock(&mu_);
    if (!backing_off_) return;
    backing_off_ = false;
    callback = backoff_callback_;
    backoff_callback_ = 0;
  }
  parent_.Unregister(callback);
  StartAttempt(next_attempt);
}

void NodeInvocation::BackoffCancelled() {
  sdk::TimerId timer;
  {
    absl::MutexLock lock(&mu_);
    if (!backing_off_) return;
    backing_off_ = false;
    timer = backoff_timer_;
  }
  execution_->core().scheduler().Cancel(timer);
  Deliver(parent_.reason());
}

void NodeInvocation::Deliver(absl::StatusOr<sdk::NodeResult> result) {
  Done done;
  {
    absl::MutexLock lock(&mu_);
    if (delivered_) return;
    delivered_ = true;
    done = std::move(done_);
  }
  done(std::move(result));
}

}  // namespace flowhost::executor
