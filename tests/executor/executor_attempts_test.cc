// Every attempt accounted for (issue 12, defect 6): the upstream calls a node reports as it is
// stopped (its timeout, the execution's deadline, a cancellation, another branch failing) are in
// the record, stamped with the attempt that made them and with the outcome that ended them. The
// test nodes stand in for an LLM node: `test.hold` with `call: true` reports one call when it ends.
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/usage.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/executor/executor_harness.h"

namespace flowhost::executor::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// "attempt:outcome" for each call of `node`, in record order.
std::vector<std::string> Calls(const ExecutionRecord& record, std::string_view node) {
  std::vector<std::string> calls;
  for (const sdk::AttemptRecord& call : NodeOf(record, node).calls) {
    calls.push_back(absl::StrCat(call.attempt, ":", call.outcome));
  }
  return calls;
}

// Loads `yaml`, starts it, lets its nodes start, then cancels it as a caller going away would.
std::shared_ptr<StartedRun> StartThenCancel(ExecutorHarness& host, std::string_view yaml) {
  auto workflow = host.Load(yaml);
  if (workflow == nullptr) return nullptr;
  auto run = host.Start(workflow);
  host.Settle();
  run->handle->Cancel(absl::CancelledError("the caller went away"));
  host.Settle();
  return run;
}

TEST(ExecutorAttempts, EveryTimedOutAttemptIsRecordedWithItsAttemptNumber) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: timeouts
nodes:
  - name: slow
    type: test.hold
    params: {call: true}
    timeout: 500ms
    retry: {attempts: 3, initial_backoff: 100ms, jitter: 0}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_EQ(record.status.code(), absl::StatusCode::kDeadlineExceeded);
  const NodeRecord& slow = NodeOf(record, "slow");
  EXPECT_EQ(slow.attempts, 3);
  EXPECT_THAT(Calls(record, "slow"), ElementsAre("1:timed_out", "2:timed_out", "3:timed_out"));
  for (const sdk::AttemptRecord& call : slow.calls) {
    EXPECT_EQ(call.error_class, "timeout");
    EXPECT_THAT(call.error_message, HasSubstr("timed out after 500ms"));
  }
}

// Keeps, for each node-finished event, how many calls the node's record had.
class CallCountObserver : public ExecutionObserver {
 public:
  void OnNodeFinished(const NodeRecord& record) override {
    absl::MutexLock lock(&mu_);
    events_.push_back(absl::StrCat(record.name, " ", sdk::AsAbsl(NodeStatusName(record.status)),
                                   " calls=", record.calls.size()));
  }
  std::vector<std::string> events() const {
    absl::MutexLock lock(&mu_);
    return events_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> events_ ABSL_GUARDED_BY(mu_);
};

TEST(ExecutorAttempts, TheLastTimedOutAttemptIsInTheFailedNodesEventToo) {
  ExecutorHarness host;
  auto observer = std::make_shared<CallCountObserver>();
  auto workflow = host.Load(R"(
name: timeouts
nodes:
  - {name: slow, type: test.hold, params: {call: true}, timeout: 1s}
)");
  ASSERT_NE(workflow, nullptr);
  auto run = host.Start(workflow, sdk::Json::object(), absl::InfiniteFuture(), observer);
  host.Settle();
  host.scheduler.AdvanceBy(absl::Seconds(1));
  ASSERT_TRUE(run->finished());
  EXPECT_THAT(Calls(*run->record, "slow"), ElementsAre("1:timed_out"));
  // The node ended after its call was recorded, so the node's own event carries it.
  EXPECT_THAT(observer->events(), ElementsAre("slow failed calls=1"));
}

TEST(ExecutorAttempts, TheExecutionTimeLimitKeepsTheCallsOfTheNodesItStopped) {
  ExecutionLimits limits;
  limits.max_execution_time = absl::Seconds(2);
  ExecutorHarness host(limits);
  auto workflow = host.Load(R"(
name: too_long
nodes:
  - {name: start, type: noop, next: [left, right]}
  - {name: left, type: test.hold, params: {call: true}}
  - {name: right, type: test.hold, params: {call: true}}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_EQ(record.status.code(), absl::StatusCode::kDeadlineExceeded);
  for (std::string_view node : {"left", "right"}) {
    EXPECT_EQ(NodeOf(record, node).status, NodeStatus::kCancelled);
    EXPECT_THAT(Calls(record, node), ElementsAre("1:timed_out"));
    EXPECT_THAT(NodeOf(record, node).calls[0].error_message, HasSubstr("max_execution_time (2s)"));
  }
}

TEST(ExecutorAttempts, ACancelledExecutionKeepsTheCallsOfTheNodesItStopped) {
  ExecutorHarness host;
  auto run = StartThenCancel(host, R"(
name: cancelled
nodes:
  - {name: held, type: test.hold, params: {call: true}}
)");
  ASSERT_NE(run, nullptr);
  ASSERT_TRUE(run->finished());
  EXPECT_EQ(run->record->status.code(), absl::StatusCode::kCancelled);
  EXPECT_THAT(Calls(*run->record, "held"), ElementsAre("1:cancelled"));
}

TEST(ExecutorAttempts, AnotherBranchFailingKeepsTheCallOfTheBranchItStopped) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: branches
nodes:
  - {name: start, type: noop, next: [boom, held]}
  - {name: boom, type: fail, params: {message: no}}
  - {name: held, type: test.hold, params: {call: true}}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_EQ(record.failed_node, "boom");
  EXPECT_THAT(Calls(record, "held"), ElementsAre("1:cancelled"));
}

constexpr char kStubborn[] = R"(
name: slow_to_stop
nodes:
  - {name: stubborn, type: test.hold, params: {call: true, honour_cancel: false}}
)";

TEST(ExecutorAttempts, TheRecordWaitsForAStoppedNodeThatReturnsWithinTheGrace) {
  ExecutorHarness host;
  auto run = StartThenCancel(host, kStubborn);
  ASSERT_NE(run, nullptr);
  EXPECT_FALSE(run->finished());
  EXPECT_EQ(host.executor->in_flight(), 1u);
  // The node takes a while to wind down, then reports its call and returns.
  host.scheduler.AdvanceBy(absl::Milliseconds(400));
  ASSERT_TRUE(host.nodes->Complete("stubborn", absl::CancelledError("wound down")));
  host.Settle();
  ASSERT_TRUE(run->finished());
  EXPECT_EQ(run->record->status.code(), absl::StatusCode::kCancelled);
  EXPECT_THAT(Calls(*run->record, "stubborn"), ElementsAre("1:cancelled"));
  EXPECT_EQ(host.executor->in_flight(), 0u);
  EXPECT_EQ(host.scheduler.pending_timers(), 0u);  // the grace timer is gone
}

TEST(ExecutorAttempts, CallsReportedAfterTheGraceAreLeftOut) {
  ExecutionLimits limits;
  limits.node_return_grace = absl::Milliseconds(100);
  ExecutorHarness host(limits);
  auto run = StartThenCancel(host, kStubborn);
  ASSERT_NE(run, nullptr);
  host.scheduler.AdvanceBy(absl::Milliseconds(100));
  ASSERT_TRUE(run->finished());
  EXPECT_THAT(Calls(*run->record, "stubborn"), ElementsAre());
  // Its late report reaches a sealed record, safely.
  ASSERT_TRUE(host.nodes->Complete("stubborn", absl::CancelledError("wound down")));
  host.Settle();
  EXPECT_THAT(Calls(*run->record, "stubborn"), ElementsAre());
}

TEST(ExecutorAttempts, ASubWorkflowsCallsCarryTheAttemptOfTheNodeThatRanIt) {
  ExecutorHarness host;
  ASSERT_NE(host.AddWorkflow(R"(
name: child
nodes:
  - {name: held, type: test.hold, params: {call: true}, timeout: 1s}
)"),
            nullptr);
  auto workflow = host.Load(R"(
name: parent
nodes:
  - name: call
    type: execute_workflow
    params: {workflow: child}
    retry: {attempts: 2, initial_backoff: 100ms, jitter: 0}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_EQ(record.status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(Calls(record, "call"), ElementsAre("1:timed_out", "2:timed_out"));
}

}  // namespace
}  // namespace flowhost::executor::testing
