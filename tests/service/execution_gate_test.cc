// Admission control: a hard cap on executions in flight, refusal while draining, and cancellation
// of the stragglers at the end of a drain.
#include "server/service/execution_gate.h"

#include <thread>

#include "flowhost/sdk/error.h"
#include "gtest/gtest.h"

namespace flowhost::service {
namespace {

class RecordingHandle : public executor::ExecutionHandle {
 public:
  const std::string& id() const override { return id_; }
  void Cancel(absl::Status reason) override { reasons_.push_back(std::move(reason)); }
  std::string id_ = "ex-1";
  std::vector<absl::Status> reasons_;
};

TEST(ExecutionGate, RefusesBeyondTheLimitAtOnceWithLimitExceeded) {
  ExecutionGate gate(2);
  auto first = gate.Enter();
  auto second = gate.Enter();
  ASSERT_TRUE(first.ok() && second.ok());
  auto third = gate.Enter();
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(sdk::ErrorClassOf(third.status()), "limit_exceeded");
  EXPECT_EQ(gate.in_flight(), 2u);

  first->reset();  // an execution finished: its place is free
  EXPECT_TRUE(gate.Enter().ok());
}

TEST(ExecutionGate, RefusesWithUnavailableWhileDraining) {
  ExecutionGate gate(10);
  gate.StartDraining();
  auto ticket = gate.Enter();
  EXPECT_EQ(ticket.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(sdk::ErrorClassOf(ticket.status()), "unavailable");
}

TEST(ExecutionGate, WaitUntilIdleReturnsWhenTheLastExecutionEnds) {
  ExecutionGate gate(10);
  auto ticket = gate.Enter();
  ASSERT_TRUE(ticket.ok());
  EXPECT_FALSE(gate.WaitUntilIdle(absl::ZeroDuration()));
  std::thread finisher([&ticket] { ticket->reset(); });
  EXPECT_TRUE(gate.WaitUntilIdle(absl::Seconds(30)));  // failure bound only
  finisher.join();
}

TEST(ExecutionGate, EndingTheGracePeriodEndsTheDrainWaitWhileExecutionsRemain) {
  ExecutionGate gate(10);
  auto ticket = gate.Enter();
  ASSERT_TRUE(ticket.ok());
  gate.StartDraining();
  std::thread second_signal([&gate] { gate.EndGracePeriod(); });
  EXPECT_FALSE(gate.WaitForDrain(absl::Hours(1)));  // returns when the grace period ends
  second_signal.join();
  EXPECT_TRUE(gate.grace_period_ended());
  EXPECT_EQ(gate.in_flight(), 1u);
  // For good: a later wait does not wait either; the wait for the cancelled ones still does.
  EXPECT_FALSE(gate.WaitForDrain(absl::Hours(1)));
  std::thread finisher([&ticket] { ticket->reset(); });
  EXPECT_TRUE(gate.WaitUntilIdle(absl::Seconds(30)));  // failure bound only
  finisher.join();
}

TEST(ExecutionGate, CancelAllReachesAttachedAndLaterAttachedExecutions) {
  ExecutionGate gate(10);
  auto early = gate.Enter();
  auto late = gate.Enter();
  auto early_handle = std::make_shared<RecordingHandle>();
  (*early)->Attach(early_handle);

  gate.CancelAll(absl::CancelledError("shutting down"));
  ASSERT_EQ(early_handle->reasons_.size(), 1u);
  EXPECT_EQ(early_handle->reasons_[0].code(), absl::StatusCode::kCancelled);

  auto late_handle = std::make_shared<RecordingHandle>();
  (*late)->Attach(late_handle);  // started while the cancel went round
  EXPECT_EQ(late_handle->reasons_.size(), 1u);
}

}  // namespace
}  // namespace flowhost::service
