#include "server/service/execution_gate.h"

#include <vector>

#include "flowhost/sdk/error.h"
#include "server/service/status_mapping.h"

namespace flowhost::service {

ExecutionGate::Ticket::~Ticket() { gate_.Release(id_); }

void ExecutionGate::Ticket::Attach(std::shared_ptr<executor::ExecutionHandle> handle) {
  gate_.Attach(id_, std::move(handle));
}

ExecutionGate::ExecutionGate(size_t max_in_flight) : max_in_flight_(max_in_flight) {}

absl::StatusOr<std::unique_ptr<ExecutionGate::Ticket>> ExecutionGate::Enter() {
  absl::MutexLock lock(&mu_);
  if (draining_) {
    return sdk::NodeError(absl::StatusCode::kUnavailable, service_error_class::kUnavailable,
                          "the server is shutting down and takes no new executions; retry on "
                          "another instance");
  }
  if (admitted_.size() >= max_in_flight_) {
    return sdk::NodeError(absl::StatusCode::kResourceExhausted, sdk::error_class::kLimitExceeded,
                          "too many executions in flight (limit " + std::to_string(max_in_flight_) +
                              "); retry later");
  }
  uint64_t id = next_id_++;
  admitted_.emplace(id, nullptr);
  return std::unique_ptr<Ticket>(new Ticket(*this, id));
}

void ExecutionGate::Release(uint64_t id) {
  std::shared_ptr<absl::AnyInvocable<void()>> listener;
  {
    absl::MutexLock lock(&mu_);
    admitted_.erase(id);
    listener = release_listener_;
  }
  if (listener != nullptr) (*listener)();
}

void ExecutionGate::SetReleaseListener(absl::AnyInvocable<void()> freed) {
  absl::MutexLock lock(&mu_);
  release_listener_ = std::make_shared<absl::AnyInvocable<void()>>(std::move(freed));
}

void ExecutionGate::Attach(uint64_t id, std::shared_ptr<executor::ExecutionHandle> handle) {
  absl::Status cancel;
  {
    absl::MutexLock lock(&mu_);
    auto it = admitted_.find(id);
    if (it == admitted_.end()) return;
    it->second = handle;
    cancel = cancel_reason_;
  }
  if (!cancel.ok() && handle != nullptr) handle->Cancel(cancel);
}

void ExecutionGate::StartDraining() {
  absl::MutexLock lock(&mu_);
  draining_ = true;
}

bool ExecutionGate::draining() const {
  absl::MutexLock lock(&mu_);
  return draining_;
}

bool ExecutionGate::WaitUntilIdle(absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return admitted_.empty(); };
  return mu_.AwaitWithTimeout(absl::Condition(&idle), timeout);
}

bool ExecutionGate::WaitForDrain(absl::Duration grace_period) const {
  absl::MutexLock lock(&mu_);
  auto over = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return admitted_.empty() || grace_period_ended_;
  };
  mu_.AwaitWithTimeout(absl::Condition(&over), grace_period);
  return admitted_.empty();
}

void ExecutionGate::EndGracePeriod() {
  absl::MutexLock lock(&mu_);
  grace_period_ended_ = true;
}

bool ExecutionGate::grace_period_ended() const {
  absl::MutexLock lock(&mu_);
  return grace_period_ended_;
}

void ExecutionGate::CancelAll(absl::Status reason) {
  std::vector<std::shared_ptr<executor::ExecutionHandle>> handles;
  {
    absl::MutexLock lock(&mu_);
    cancel_reason_ = reason;
    for (const auto& [id, handle] : admitted_) {
      if (handle != nullptr) handles.push_back(handle);
    }
  }
  for (const auto& handle : handles)
    handle->Cancel(reason);  // outside the lock: Cancel may call back
}

size_t ExecutionGate::in_flight() const {
  absl::MutexLock lock(&mu_);
  return admitted_.size();
}

}  // namespace flowhost::service
