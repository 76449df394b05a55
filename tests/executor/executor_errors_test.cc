// Failures, timeouts and cancellation: each on_error mode, the node timeout, the execution deadline
// and time limit, cancellation while nodes wait, and nodes that misbehave.
#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/executor/executor_harness.h"

namespace flowhost::executor::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(ExecutorOnError, StopFailsTheExecutionNamingTheNode) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: stops
inputs:
  x: {type: integer}
nodes:
  - name: boom
    type: fail
    params: {message: "bad value {{ $json.x }}"}
    next: after
  - {name: after, type: noop}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow, {{"x", 3}});
  EXPECT_EQ(record.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(sdk::ErrorClassOf(record.status), "failed");
  EXPECT_EQ(Message(record.status), "node 'boom': bad value 3");
  EXPECT_EQ(record.failed_node, "boom");
  EXPECT_EQ(NodeOf(record, "boom").status, NodeStatus::kFailed);
  EXPECT_EQ(NodeOf(record, "after").status, NodeStatus::kNotRun);
  EXPECT_THAT(record.output, IsEmpty());
}

TEST(ExecutorOnError, ContinueTurnsTheFailureIntoErrorItemsOnOutputZero) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: continues
nodes:
  - name: boom
    type: fail
    params: {message: "no luck"}
    on_error: continue
    next: after
  - {name: after, type: noop}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow, {});
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_EQ(NodeOf(record, "boom").status, NodeStatus::kFailed);
  EXPECT_EQ(NodeOf(record, "after").status, NodeStatus::kSucceeded);
  EXPECT_THAT(record.output, ElementsAre(sdk::Json{{"error",
                                                    {{"message", "no luck"},
                                                     {"class", "failed"},
                                                     {"code", "FAILED_PRECONDITION"},
                                                     {"node", "boom"},
                                                     {"item_index", 0}}}}));
}

constexpr char kErrorOutputWorkflow[] = R"(
name: error_output
inputs:
  failures: {type: integer}
nodes:
  - name: call
    type: test.flaky
    params: {failures: "{{ $inputs.failures }}", error_class: invalid_input}
    on_error: error_output
    next: {main: good, error: bad}
  - {name: good, type: set, params: {values: {path: good}}}
  - {name: bad, type: set, params: {values: {path: bad}}}
output: [good, bad]
)";

TEST(ExecutorOnError, ErrorOutputSendsErrorItemsToTheErrorOutputOnly) {
  ExecutorHarness host;
  auto workflow = host.Load(kErrorOutputWorkflow);
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow, {{"failures", 1}});
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_EQ(NodeOf(record, "good").status, NodeStatus::kSkipped);
  ASSERT_EQ(record.output.size(), 1u);
  EXPECT_EQ(record.output[0]["path"], "bad");
  EXPECT_EQ(record.output[0]["error"]["class"], "invalid_input");
  EXPECT_EQ(record.output[0]["error"]["message"], "flaky failure 1");
}

TEST(ExecutorOnError, ErrorOutputStaysEmptyWhenTheNodeSucceeds) {
  ExecutorHarness host;
  auto workflow = host.Load(kErrorOutputWorkflow);
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow, {{"failures", 0}});
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_EQ(NodeOf(record, "bad").status, NodeStatus::kSkipped);
  EXPECT_THAT(record.output, ElementsAre(sdk::Json{{"failures", 0}, {"path", "good"}}));
}

TEST(ExecutorOnError, ANodeReturningMoreOutputsThanItHasFailsAsInternal) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: too_many
nodes:
  - {name: held, type: test.hold}
)");
  ASSERT_NE(workflow, nullptr);
  auto run = host.Start(workflow);
  host.Settle();
  sdk::NodeResult result;
  result.outputs = {{}, {}};
  ASSERT_TRUE(host.nodes->Complete("held", result));
  host.Settle();
  ASSERT_TRUE(run->finished());
  EXPECT_EQ(run->record->status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(Message(run->record->status), HasSubstr("returned 2 outputs but has 1"));
}

TEST(ExecutorTimeout, ANodeTimeoutCancelsTheAttemptAndFailsWithTimeout) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: slow
nodes:
  - {name: slow, type: test.hold, timeout: 2s}
)");
  ASSERT_NE(workflow, nullptr);
  absl::Time origin = host.clock.Now();
  auto run = host.Start(workflow);
  host.Settle();
  host.scheduler.AdvanceBy(absl::Seconds(2) - absl::Nanoseconds(1));
  EXPECT_FALSE(run->finished());
  EXPECT_FALSE(host.nodes->SawCancel("slow"));
  host.scheduler.AdvanceBy(absl::Nanoseconds(1));
  ASSERT_TRUE(run->finished());
  EXPECT_TRUE(host.nodes->SawCancel("slow"));
  EXPECT_EQ(run->record->status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(sdk::ErrorClassOf(run->record->status), "timeout");
  EXPECT_EQ(Message(run->record->status), "node 'slow': attempt 1 timed out after 2s");
  EXPECT_EQ(run->record->finished_at - origin, absl::Seconds(2));
}

TEST(ExecutorTimeout, ATimedOutAttemptIsRetried) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: retried
nodes:
  - name: slow
    type: test.hold
    timeout: 1s
    retry: {attempts: 2, initial_backoff: 1s, jitter: 0}
)");
  ASSERT_NE(workflow, nullptr);
  auto run = host.Start(workflow);
  host.Settle();
  host.scheduler.AdvanceBy(absl::Seconds(1));  // attempt 1 times out
  EXPECT_TRUE(host.nodes->Held().empty());
  host.scheduler.AdvanceBy(absl::Seconds(1));  // back-off over: attempt 2 is held
  EXPECT_THAT(host.nodes->Held(), ElementsAre("slow"));
  ASSERT_TRUE(host.nodes->Release("slow"));
  host.Settle();
  ASSERT_TRUE(run->finished());
  ASSERT_TRUE(run->record->status.ok()) << run->record->status;
  EXPECT_EQ(NodeOf(*run->record, "slow").attempts, 2);
}

TEST(ExecutorTimeout, ATimeoutEndsTheAttemptOneGraceLaterWhenTheNodeIgnoresCancellation) {
  ExecutionLimits limits;
  limits.node_return_grace = absl::Milliseconds(300);
  ExecutorHarness host(limits);
  auto workflow = host.Load(R"(
name: stubborn
nodes:
  - {name: stuck, type: test.hold, params: {honour_cancel: false}, timeout: 1s}
)");
  ASSERT_NE(workflow, nullptr);
  absl::Time origin = host.clock.Now();
  auto run = host.Start(workflow);
  host.Settle();
  host.scheduler.AdvanceBy(absl::Seconds(1));
  EXPECT_TRUE(host.nodes->SawCancel("stuck"));
  // The node is given the grace to return with what it did.
  host.scheduler.AdvanceBy(absl::Milliseconds(300) - absl::Nanoseconds(1));
  EXPECT_FALSE(run->finished());
  host.scheduler.AdvanceBy(absl::Nanoseconds(1));
  ASSERT_TRUE(run->finished());
  EXPECT_EQ(run->record->status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(Message(run->record->status), "node 'stuck': attempt 1 timed out after 1s");
  EXPECT_EQ(run->record->finished_at - origin, absl::Milliseconds(1300));
  bool warned = false;
  for (const RecordingLogger::Line& line : host.logger.lines()) {
    warned = warned || (line.level == sdk::LogLevel::kWarning &&
                        line.message.find("did not return after its timeout") != std::string::npos);
  }
  EXPECT_TRUE(warned);
  // The node's late completion is ignored safely.
  EXPECT_TRUE(host.nodes->Release("stuck"));
  host.Settle();
  EXPECT_EQ(run->record->status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(host.scheduler.pending_timers(), 0u);
}

TEST(ExecutorTimeout, TheExecutionTimeLimitStopsEverything) {
  ExecutionLimits limits;
  limits.max_execution_time = absl::Seconds(5);
  ExecutorHarness host(limits);
  auto workflow = host.Load(R"(
name: too_long
nodes:
  - {name: pause, type: wait, params: {duration: 1m}}
)");
  ASSERT_NE(workflow, nullptr);
  absl::Time origin = host.clock.Now();
  auto run = host.Start(workflow);
  host.Settle();
  host.scheduler.AdvanceBy(absl::Seconds(5));
  ASSERT_TRUE(run->finished());
  EXPECT_EQ(run->record->status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(Message(run->record->status), HasSubstr("max_execution_time (5s)"));
  EXPECT_EQ(run->record->finished_at - origin, absl::Seconds(5));
  EXPECT_EQ(NodeOf(*run->record, "pause").status, NodeStatus::kCancelled);
  EXPECT_EQ(host.scheduler.pending_timers(), 0u);
}

TEST(ExecutorTimeout, TheCallersDeadlineStopsTheExecution) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: deadline
nodes:
  - {name: held, type: test.hold}
)");
  ASSERT_NE(workflow, nullptr);
  auto run = host.Start(workflow, {}, host.clock.Now() + absl::Seconds(3));
  host.Settle();
  host.scheduler.AdvanceBy(absl::Seconds(3));
  ASSERT_TRUE(run->finished());
  EXPECT_EQ(run->record->status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(host.nodes->SawCancel("held"));
}

TEST(ExecutorCancel, CancellingWhileAWaitNodeWaitsFinishesAtOnce) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: waiting
nodes:
  - {name: pause, type: wait, params: {duration: 1h}, next: after}
  - {name: after, type: noop}
)");
  ASSERT_NE(workflow, nullptr);
  auto run = host.Start(workflow);
  host.Settle();
  EXPECT_FALSE(run->finished());
  run->handle->Cancel(absl::CancelledError("the caller went away"));
  host.Settle();  // no time passes
  ASSERT_TRUE(run->finished());
  EXPECT_EQ(run->record->status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(Message(run->record->status), "the caller went away");
  EXPECT_EQ(NodeOf(*run->record, "pause").status, NodeStatus::kCancelled);
  EXPECT_EQ(NodeOf(*run->record, "after").status, NodeStatus::kNotRun);
  // The wait's timer and the deadline timer are gone.
  EXPECT_EQ(host.scheduler.pending_timers(), 0u);
  EXPECT_EQ(host.executor->in_flight(), 0u);
}

TEST(ExecutorCancel, CancellationReachesEveryNodeInFlight) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: two_waiting
nodes:
  - {name: source, type: noop, next: [left, right]}
  - {name: left, type: test.hold}
  - {name: right, type: test.hold}
)");
  ASSERT_NE(workflow, nullptr);
  auto run = host.Start(workflow);
  host.Settle();
  run->handle->Cancel(absl::CancelledError("stop"));
  host.Settle();
  ASSERT_TRUE(run->finished());
  EXPECT_TRUE(host.nodes->SawCancel("left"));
  EXPECT_TRUE(host.nodes->SawCancel("right"));
  EXPECT_TRUE(host.nodes->Held().empty());
}

TEST(ExecutorCancel, ANodeThatNeverCallsDoneHoldsUpCancellationOnlyForTheGrace) {
  ExecutionLimits limits;
  limits.node_return_grace = absl::Milliseconds(250);
  ExecutorHarness host(limits);
  auto workflow = host.Load(R"(
name: misbehaving
nodes:
  - {name: stuck, type: test.hold, params: {honour_cancel: false}}
)");
  ASSERT_NE(workflow, nullptr);
  auto run = host.Start(workflow);
  host.Settle();
  run->handle->Cancel(absl::CancelledError("stop"));
  host.Settle();
  EXPECT_FALSE(run->finished());
  host.scheduler.AdvanceBy(absl::Milliseconds(250));
  ASSERT_TRUE(run->finished());
  EXPECT_EQ(run->record->status.code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(host.nodes->SawCancel("stuck"));
  EXPECT_EQ(host.executor->in_flight(), 0u);
  const std::vector<RecordingLogger::Line> lines = host.logger.lines();
  const RecordingLogger::Line* warning = nullptr;
  for (const RecordingLogger::Line& line : lines) {
    if (line.message.find("nodes did not return") != std::string::npos) warning = &line;
  }
  ASSERT_NE(warning, nullptr);
  EXPECT_EQ(warning->level, sdk::LogLevel::kWarning);
  EXPECT_EQ(warning->fields.value("nodes", sdk::Json()), sdk::Json::array({"stuck"}));
  // A completion long after is ignored.
  EXPECT_TRUE(host.nodes->Release("stuck"));
  host.Settle();
  EXPECT_EQ(run->record->status.code(), absl::StatusCode::kCancelled);
}

TEST(ExecutorCancel, ANodeFinishingAfterTheExecutorIsGoneIsSafe) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: straggler
nodes:
  - {name: stuck, type: test.hold, params: {honour_cancel: false}, timeout: 1h}
)");
  ASSERT_NE(workflow, nullptr);
  auto run = host.Start(workflow);
  host.Settle();
  run->handle->Cancel(absl::CancelledError("stop"));
  host.Settle();
  host.scheduler.AdvanceBy(ExecutionLimits().node_return_grace);
  ASSERT_TRUE(run->finished());
  EXPECT_EQ(host.executor->in_flight(), 0u);
  // The host drained its executions and destroys the executor; the node only now completes, and
  // its attempt still cancels its timeout timer.
  host.executor.reset();
  EXPECT_TRUE(host.nodes->Release("stuck"));
  host.Settle();
  EXPECT_EQ(host.scheduler.pending_timers(), 0u);
}

TEST(ExecutorCancel, CancellingAFinishedExecutionDoesNothing) {
  ExecutorHarness host;
  auto workflow = host.Load("name: quick\nnodes:\n  - {name: a, type: noop}\n");
  ASSERT_NE(workflow, nullptr);
  auto run = host.Start(workflow);
  host.Settle();
  ASSERT_TRUE(run->finished());
  run->handle->Cancel(absl::CancelledError("late"));
  host.Settle();
  EXPECT_TRUE(run->record->status.ok());
}

TEST(ExecutorCancel, CancellingDuringABackoffStopsTheRetries) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: backing_off
nodes:
  - name: call
    type: test.flaky
    params: {failures: 5}
    retry: {attempts: 5, initial_backoff: 10s, jitter: 0}
)");
  ASSERT_NE(workflow, nullptr);
  auto run = host.Start(workflow);
  host.Settle();
  run->handle->Cancel(absl::CancelledError("stop"));
  host.Settle();
  ASSERT_TRUE(run->finished());
  EXPECT_EQ(run->record->status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(host.scheduler.pending_timers(), 0u);
  EXPECT_EQ(host.nodes->Starts().size(), 1u);
}

TEST(ExecutorMisbehaviour, ANodeThatLosesItsCompletionFailsInsteadOfHanging) {
  ExecutorHarness host;
  auto workflow = host.Load("name: lossy\nnodes:\n  - {name: lost, type: test.drop}\n");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_EQ(record.status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(Message(record.status), HasSubstr("dropped its completion"));
}

}  // namespace
}  // namespace flowhost::executor::testing
