// Limits (items per output, sub-workflow depth) and sub-workflows run with execute_workflow.
#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/executor/executor_harness.h"

namespace flowhost::executor::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ExecutionLimits ItemLimit(size_t items) {
  ExecutionLimits limits;
  limits.max_items_per_output = items;
  return limits;
}

TEST(ExecutorLimits, AnOutputOverTheItemLimitStopsTheExecution) {
  ExecutorHarness host(ItemLimit(10));
  auto workflow = host.Load(R"(
name: flood
nodes:
  - {name: many, type: test.items, params: {count: 11}, on_error: continue, next: after}
  - {name: after, type: noop}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  // A crossed limit stops the execution even under on_error: continue.
  EXPECT_EQ(record.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(sdk::ErrorClassOf(record.status), "limit_exceeded");
  EXPECT_EQ(Message(record.status),
            "node 'many': output 'main' has 11 items, more than max_items_per_output (10)");
  EXPECT_EQ(record.failed_node, "many");
  EXPECT_EQ(NodeOf(record, "after").status, NodeStatus::kNotRun);
}

TEST(ExecutorLimits, AnOutputOfExactlyTheItemLimitIsFine) {
  ExecutorHarness host(ItemLimit(10));
  auto workflow = host.Load(R"(
name: full
nodes:
  - {name: many, type: test.items, params: {count: 10}}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_EQ(record.output.size(), 10u);
}

TEST(ExecutorLimits, ADisabledNodeJoiningInputsOverTheLimitStopsTheExecution) {
  ExecutorHarness host(ItemLimit(10));
  auto workflow = host.Load(R"(
name: joined
nodes:
  - {name: source, type: noop, next: [a, b]}
  - {name: a, type: test.items, params: {count: 6}, next: join}
  - {name: b, type: test.items, params: {count: 6}, next: join}
  - {name: join, type: noop, disabled: true}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_EQ(sdk::ErrorClassOf(record.status), "limit_exceeded");
  EXPECT_EQ(record.failed_node, "join");
}

constexpr char kDoubleWorkflow[] = R"(
name: double
inputs:
  n: {type: integer, required: true}
nodes:
  - name: compute
    type: set
    params: {mode: replace, values: {doubled: "{{ $inputs.n * 2 }}"}}
)";

TEST(ExecutorSubWorkflow, ExecuteWorkflowRunsTheNamedWorkflowOncePerItem) {
  ExecutorHarness host;
  ASSERT_NE(host.AddWorkflow(kDoubleWorkflow), nullptr);
  auto workflow = host.Load(R"(
name: caller
inputs:
  numbers: {type: array}
nodes:
  - {name: explode, type: split_out, params: {field: numbers, destination: n}, next: call}
  - name: call
    type: execute_workflow
    params: {workflow: double, inputs: {n: "{{ $json.n }}"}}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow, {{"numbers", {1, 2, 3}}});
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_THAT(record.output, ElementsAre(sdk::Json{{"doubled", 2}}, sdk::Json{{"doubled", 4}},
                                         sdk::Json{{"doubled", 6}}));
}

TEST(ExecutorSubWorkflow, ExecuteWorkflowInOnceModeRunsOneChildForTheFirstItem) {
  ExecutorHarness host;
  ASSERT_NE(host.AddWorkflow(kDoubleWorkflow), nullptr);
  auto workflow = host.Load(R"(
name: caller_once
inputs:
  numbers: {type: array}
nodes:
  - {name: explode, type: split_out, params: {field: numbers, destination: n}, next: call}
  - name: call
    type: execute_workflow
    params: {workflow: double, mode: once, inputs: {n: "{{ $json.n }}"}}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow, {{"numbers", {5, 7, 9}}});
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_THAT(record.output, ElementsAre(sdk::Json{{"doubled", 10}}));
}

TEST(ExecutorSubWorkflow, AChildFailureFailsTheCallingNodeWithTheChildsMessage) {
  ExecutorHarness host;
  ASSERT_NE(host.AddWorkflow(R"(
name: child
nodes:
  - {name: boom, type: fail, params: {message: "child says no"}}
)"),
            nullptr);
  auto workflow = host.Load(R"(
name: parent
nodes:
  - {name: call, type: execute_workflow, params: {workflow: child}}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_EQ(record.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(sdk::ErrorClassOf(record.status), "failed");
  EXPECT_EQ(Message(record.status), "node 'call': workflow 'child': node 'boom': child says no");
}

TEST(ExecutorSubWorkflow, AnUnknownWorkflowFailsWithNotFound) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: lost
nodes:
  - {name: call, type: execute_workflow, params: {workflow: nowhere}}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_EQ(record.status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message(record.status), HasSubstr("no workflow named 'nowhere' is loaded"));
}

TEST(ExecutorSubWorkflow, BadChildInputsFailTheCallingNode) {
  ExecutorHarness host;
  ASSERT_NE(host.AddWorkflow(kDoubleWorkflow), nullptr);
  auto workflow = host.Load(R"(
name: sloppy
nodes:
  - {name: call, type: execute_workflow, params: {workflow: double, inputs: {n: "ten"}}}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_EQ(record.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(record.status), HasSubstr("workflow 'double'"));
}

TEST(ExecutorSubWorkflow, RecursionStopsAtTheDepthLimit) {
  ExecutionLimits limits;
  limits.max_subworkflow_depth = 3;
  ExecutorHarness host(limits);
  ASSERT_NE(host.AddWorkflow(R"(
name: recurse
nodes:
  - {name: again, type: execute_workflow, params: {workflow: recurse}}
)"),
            nullptr);
  ExecutionRecord record = host.RunToEnd(host.resolver.Find("recurse"));
  EXPECT_EQ(record.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(sdk::ErrorClassOf(record.status), "limit_exceeded");
  EXPECT_THAT(Message(record.status),
              HasSubstr("sub-workflow depth would exceed max_subworkflow_depth (3): recurse -> "
                        "recurse -> recurse -> recurse -> recurse"));
  EXPECT_EQ(host.executor->in_flight(), 0u);
}

TEST(ExecutorSubWorkflow, ChainsWithinTheDepthLimitRun) {
  ExecutionLimits limits;
  limits.max_subworkflow_depth = 2;
  ExecutorHarness host(limits);
  ASSERT_NE(host.AddWorkflow(kDoubleWorkflow), nullptr);
  ASSERT_NE(host.AddWorkflow(R"(
name: middle
inputs:
  n: {type: integer}
nodes:
  - {name: call, type: execute_workflow, params: {workflow: double, inputs: {n: "{{ $inputs.n }}"}}}
)"),
            nullptr);
  auto workflow = host.Load(R"(
name: top
nodes:
  - {name: call, type: execute_workflow, params: {workflow: middle, inputs: {n: 21}}}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_THAT(record.output, ElementsAre(sdk::Json{{"doubled", 42}}));
}

TEST(ExecutorSubWorkflow, CancellingTheParentCancelsTheChild) {
  ExecutorHarness host;
  ASSERT_NE(host.AddWorkflow(R"(
name: slow_child
nodes:
  - {name: inner, type: test.hold}
)"),
            nullptr);
  auto workflow = host.Load(R"(
name: parent
nodes:
  - {name: call, type: execute_workflow, params: {workflow: slow_child}}
)");
  ASSERT_NE(workflow, nullptr);
  auto run = host.Start(workflow);
  host.Settle();
  EXPECT_THAT(host.nodes->Held(), ElementsAre("inner"));
  EXPECT_EQ(host.executor->in_flight(), 2u);
  run->handle->Cancel(absl::CancelledError("stop"));
  host.Settle();
  ASSERT_TRUE(run->finished());
  EXPECT_EQ(run->record->status.code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(host.nodes->SawCancel("inner"));
  EXPECT_EQ(host.executor->in_flight(), 0u);
}

TEST(ExecutorSubWorkflow, TheParentsTimeoutBoundsTheChild) {
  ExecutorHarness host;
  ASSERT_NE(host.AddWorkflow(R"(
name: slow_child
nodes:
  - {name: inner, type: wait, params: {duration: 1h}}
)"),
            nullptr);
  auto workflow = host.Load(R"(
name: parent
nodes:
  - {name: call, type: execute_workflow, params: {workflow: slow_child}, timeout: 3s}
)");
  ASSERT_NE(workflow, nullptr);
  absl::Time origin = host.clock.Now();
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_EQ(record.status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(record.finished_at - origin, absl::Seconds(3));
  EXPECT_EQ(host.executor->in_flight(), 0u);
  EXPECT_EQ(host.scheduler.pending_timers(), 0u);
}

}  // namespace
}  // namespace flowhost::executor::testing
