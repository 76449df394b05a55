#include "server/service/execution_resumer.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"
#include "server/service/execution_launcher.h"
#include "server/service/stored_execution.h"

namespace flowhost::service {

std::shared_ptr<ExecutionResumer> ExecutionResumer::Create(ServiceEnvironment env,
                                                           sdk::Scheduler& scheduler,
                                                           Options options) {
  return std::shared_ptr<ExecutionResumer>(
      new ExecutionResumer(std::move(env), scheduler, options));
}

void ExecutionResumer::Start() {
  std::weak_ptr<ExecutionResumer> weak = weak_from_this();
  store().SetWorkListener([weak] {
    if (auto self = weak.lock()) self->Claim();
  });
  // CancelExecution asked on any replica for an execution running here (a NOTIFY on
  // PostgreSQL): cancel it now rather than at the next renewal.
  store().SetCancelListener([weak](const std::string& id) {
    auto self = weak.lock();
    if (self == nullptr) return;
    if (std::shared_ptr<Recording> running = self->env_.recorder->FindRunning(id)) {
      running->Cancel(sdk::NodeError(absl::StatusCode::kCancelled, sdk::error_class::kCancelled,
                                     "cancelled by CancelExecution"));
    }
  });
  // A place freed at the gate: claim the work queued while this server was full.
  env_.gate->SetReleaseListener([weak] {
    if (auto self = weak.lock()) self->PlaceFreed();
  });
  // A timer per parked execution, on the host's timers: it is claimed when due (the poll is the
  // fallback, and what finds the ones parked before a restart).
  env_.recorder->SetParkListener([weak, &scheduler = scheduler_](absl::Time wake_at) {
    scheduler.RunAt(wake_at + absl::Milliseconds(10), [weak] {
      if (auto self = weak.lock()) self->Claim();
    });
  });
  Claim();
  ArmRenewal();
}

void ExecutionResumer::Stop() {
  sdk::TimerId renewal = 0;
  {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
    renewal = renewal_;
    renewal_ = 0;
  }
  if (renewal != 0) scheduler_.Cancel(renewal);
}

bool ExecutionResumer::stopped() const {
  absl::MutexLock lock(&mu_);
  return stopped_;
}

void ExecutionResumer::PlaceFreed() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_ || !work_waiting_) return;
  }
  Claim();
}

void ExecutionResumer::Claim() {
  int max = 0;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    // No more than the gate has places for, less those of claims not started yet: a claim it
    // would refuse is only given back.
    size_t taken = env_.gate->in_flight() + starting_;
    size_t free = env_.gate->max_in_flight() > taken ? env_.gate->max_in_flight() - taken : 0;
    max = static_cast<int>(std::min<size_t>(free, static_cast<size_t>(options_.max_claims)));
    if (max == 0) {
      work_waiting_ = true;  // the next place freed (or the next poll) looks again
      return;
    }
    if (claiming_) {
      claim_again_ = true;
      return;
    }
    claiming_ = true;
  }
  absl::Status queued = store().ClaimExecutions(
      max, [self = shared_from_this(), max](absl::StatusOr<std::vector<store::Claim>> claims) {
        if (!claims.ok()) {
          self->env_.logger->Log(sdk::LogLevel::kWarning,
                                 "cannot claim executions (queued, due or left by a stopped "
                                 "server); will retry",
                                 {{"error", std::string(claims.status().message())}});
        } else {
          {
            absl::MutexLock lock(&self->mu_);
            self->starting_ += claims->size();
          }
          for (const store::Claim& claim : *claims) self->Resume(claim);
        }
        bool again = false;
        {
          absl::MutexLock lock(&self->mu_);
          self->claiming_ = false;
          bool full = claims.ok() && static_cast<int>(claims->size()) == max;
          self->work_waiting_ = !claims.ok() || full;
          again = self->claim_again_ || full;
          self->claim_again_ = false;
        }
        if (again) self->Claim();
      });
  if (!queued.ok()) {
    absl::MutexLock lock(&mu_);
    claiming_ = false;
  }
}

void ExecutionResumer::Resume(const store::Claim& claim) {
  store::GetOptions options;
  options.with_nodes = true;
  options.with_items = true;
  store::Fence fence = claim.fence;
  absl::Status queued = store().GetExecution(
      fence.execution_id, options,
      [self = shared_from_this(), claim](absl::StatusOr<store::ExecutionDetail> detail) {
        self->Resumed(claim, std::move(detail));
      });
  if (!queued.ok()) {
    Started();
    // It stays claimed by this server until its lease runs out; then it is claimed again.
    env_.logger->Log(sdk::LogLevel::kWarning, "cannot read a claimed execution to resume it",
                     {{"execution_id", fence.execution_id},
                      {"error", std::string(queued.message())}});
  }
}

void ExecutionResumer::Resumed(const store::Claim& claim,
                               absl::StatusOr<store::ExecutionDetail> detail) {
  Started();  // from here on the gate counts its place, if it gets one
  const store::Fence& fence = claim.fence;
  // Parked on a durable timer, now due: it did not stop with its server, it waited.
  const bool timer_due = claim.previous_status == store::ExecutionStatus::kWaiting;
  // Queued by StartWorkflow or RetryExecution on a server that had no place: it starts now, for
  // the first time (a queued retry's reused nodes are already in its rows).
  const bool queued = claim.previous_status == store::ExecutionStatus::kQueued;
  if (!detail.ok()) return Abandon(fence, detail.status());
  const store::ExecutionRow& row = detail->execution;
  if (row.cancel_requested) {
    return Abandon(fence, sdk::NodeError(absl::StatusCode::kCancelled,
                                         sdk::error_class::kCancelled,
                                         "cancelled by CancelExecution while its server was down"));
  }
  if (row.restart_policy == store::RestartPolicy::kFail && !timer_due && !queued) {
    return Abandon(fence, absl::AbortedError(
                              "the server running the execution stopped, and its workflow's "
                              "restart_policy is fail"));
  }
  workflow::WorkflowPtr workflow = env_.store->Find(row.workflow);
  if (workflow == nullptr) {
    return Abandon(fence, absl::NotFoundError("the server running the execution stopped, and "
                                              "its workflow '" +
                                              row.workflow +
                                              "' is no longer loaded, so it cannot resume"));
  }
  absl::StatusOr<sdk::Json> input = StoredInput(row);
  if (!input.ok()) return Abandon(fence, input.status());
  absl::StatusOr<std::unique_ptr<ExecutionGate::Ticket>> ticket = env_.gate->Enter();
  if (!ticket.ok()) {
    // Busy (places were taken meanwhile) or draining: give it back as it was, for this server
    // (once a place is free) or another one.
    if (queued) {
      (void)store().RequeueExecution(fence);
    } else {
      (void)store().ReleaseExecution(fence);
    }
    absl::MutexLock lock(&mu_);
    work_waiting_ = true;
    return;
  }
  executor::ExecutionRequest request;
  request.workflow = workflow;
  request.inputs = *std::move(input);
  request.id = row.id;
  request.reused_outputs = ReusableOutputs(*detail);
  for (const store::TimerRow& timer : detail->timers) {
    request.durable_timers[timer.node] = timer.due_at;
  }
  if (!queued) {
    env_.logger->Log(sdk::LogLevel::kInfo,
                     timer_due ? "continuing an execution whose durable timer is due"
                               : "resuming an execution whose server stopped",
                     {{"execution_id", row.id},
                      {"workflow", row.workflow},
                      {"nodes_reused", request.reused_outputs.size()},
                      {"workflow_changed", row.workflow_hash != workflow->content_hash}});
  }
  std::shared_ptr<Recording> recording =
      env_.recorder->RecordResumed(fence, workflow, row.save_policy, claim.last_event_sequence);
  const char* rpc = !queued                 ? "resume"
                    : row.retry_of.empty() ? "StartWorkflow (queued)"
                                           : "RetryExecution (queued)";
  StartRecorded(env_, rpc, std::move(recording),
                std::move(request), std::shared_ptr<ExecutionGate::Ticket>(*std::move(ticket)));
}

void ExecutionResumer::Started() {
  absl::MutexLock lock(&mu_);
  if (starting_ > 0) --starting_;
}

void ExecutionResumer::Abandon(const store::Fence& fence, absl::Status error) {
  env_.logger->Log(sdk::LogLevel::kWarning, "not resuming an execution whose server stopped",
                   {{"execution_id", fence.execution_id},
                    {"error", env_.scrubber->Scrub(std::string(error.message()))}});
  store::ExecutionOutcome outcome;
  outcome.status = error.code() == absl::StatusCode::kCancelled
                       ? store::ExecutionStatus::kCancelled
                       : store::ExecutionStatus::kFailed;
  outcome.error = std::move(error);
  (void)store().FinishExecution(fence, std::move(outcome));
}

void ExecutionResumer::ArmRenewal() {
  absl::MutexLock lock(&mu_);
  if (stopped_) return;
  std::weak_ptr<ExecutionResumer> weak = weak_from_this();
  renewal_ = scheduler_.RunAfter(options_.lease / 3, [weak] {
    if (auto self = weak.lock()) self->Renew();
  });
}

void ExecutionResumer::Renew() {
  if (stopped()) return;
  std::vector<store::Fence> fences = env_.recorder->RunningFences();
  if (fences.empty()) return ArmRenewal();
  absl::Status queued = store().RenewLeases(
      std::move(fences), [self = shared_from_this()](absl::StatusOr<store::RenewResult> result) {
        self->Renewed(std::move(result));
      });
  if (!queued.ok()) {
    env_.logger->Log(sdk::LogLevel::kWarning, "cannot renew the leases of running executions",
                     {{"error", std::string(queued.message())}});
    ArmRenewal();
  }
}

void ExecutionResumer::Renewed(absl::StatusOr<store::RenewResult> result) {
  if (!result.ok()) {
    env_.logger->Log(sdk::LogLevel::kWarning, "cannot renew the leases of running executions",
                     {{"error", std::string(result.status().message())}});
  } else {
    for (const std::string& id : result->lost) {
      if (std::shared_ptr<Recording> running = env_.recorder->FindRunning(id)) {
        running->Cancel(absl::AbortedError(
            "the execution's lease was lost: another server took it over"));
      }
    }
    for (const std::string& id : result->cancel_requested) {
      if (std::shared_ptr<Recording> running = env_.recorder->FindRunning(id)) {
        running->Cancel(sdk::NodeError(absl::StatusCode::kCancelled,
                                       sdk::error_class::kCancelled,
                                       "cancelled by CancelExecution"));
      }
    }
  }
  ArmRenewal();
}

}  // namespace flowhost::service
