// ExecutionRequest::reused_outputs: nodes that finished in an earlier run (a retry from the failed
// node, a resume after a crash) are not run again, and the nodes downstream see their stored items.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/executor/executor_harness.h"

namespace flowhost::executor::testing {
namespace {

using ::testing::ElementsAre;

constexpr char kChain[] = R"(
name: chain
inputs:
  n: {type: integer, default: 1}
nodes:
  - name: first
    type: test.flaky
    params: {failures: 0}
    next: second
  - name: second
    type: set
    params: {values: {seen: "{{ $json.stored }}"}}
    next: third
  - name: third
    type: test.flaky
    params: {failures: 0}
)";

std::vector<std::string> StartedNodes(const TestNodeState& state) {
  std::vector<std::string> names;
  for (const TestNodeState::AttemptStart& start : state.Starts()) names.push_back(start.node);
  return names;
}

ExecutionRecord RunRequest(ExecutorHarness& host, ExecutionRequest request) {
  std::optional<ExecutionRecord> result;
  host.executor->Start(std::move(request), [&result](ExecutionRecord record) { result = record; });
  host.Settle();
  if (!result.has_value()) {
    ADD_FAILURE() << "the execution did not finish";
    return ExecutionRecord{};
  }
  return *result;
}

TEST(ExecutorReuse, AReusedNodeIsNotRunAndItsSuccessorsSeeItsStoredItems) {
  ExecutorHarness host;
  auto workflow = host.Load(kChain);
  ASSERT_NE(workflow, nullptr);
  ExecutionRequest request;
  request.workflow = workflow;
  request.reused_outputs["first"] = {sdk::Items{sdk::Json{{"stored", "from before"}}}};

  ExecutionRecord record = RunRequest(host, std::move(request));

  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_THAT(StartedNodes(*host.nodes), ElementsAre("third"));
  const NodeRecord& first = NodeOf(record, "first");
  EXPECT_TRUE(first.reused);
  EXPECT_EQ(first.status, NodeStatus::kSucceeded);
  EXPECT_EQ(first.attempts, 0);
  EXPECT_EQ(first.items_in, 1u);
  EXPECT_EQ(first.items_out, 1u);
  EXPECT_FALSE(NodeOf(record, "third").reused);
  ASSERT_EQ(record.output.size(), 1u);
  EXPECT_EQ(record.output[0]["seen"], "from before");
}

TEST(ExecutorReuse, EveryNodeReusedFinishesWithTheStoredOutputAndRunsNothing) {
  ExecutorHarness host;
  auto workflow = host.Load(kChain);
  ASSERT_NE(workflow, nullptr);
  ExecutionRequest request;
  request.workflow = workflow;
  request.reused_outputs["first"] = {sdk::Items{sdk::Json{{"stored", 1}}}};
  request.reused_outputs["second"] = {sdk::Items{sdk::Json{{"seen", 1}}}};
  request.reused_outputs["third"] = {sdk::Items{sdk::Json{{"done", true}}}};

  ExecutionRecord record = RunRequest(host, std::move(request));

  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_TRUE(StartedNodes(*host.nodes).empty());
  EXPECT_THAT(record.output, ElementsAre(sdk::Json{{"done", true}}));
}

TEST(ExecutorReuse, UnknownNodeNamesAreIgnored) {
  ExecutorHarness host;
  auto workflow = host.Load(kChain);
  ASSERT_NE(workflow, nullptr);
  ExecutionRequest request;
  request.workflow = workflow;
  request.reused_outputs["renamed_since"] = {sdk::Items{sdk::Json{{"x", 1}}}};

  ExecutionRecord record = RunRequest(host, std::move(request));

  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_THAT(StartedNodes(*host.nodes), ElementsAre("first", "third"));
}

TEST(ExecutorReuse, ReusedItemsOverTheOutputLimitFailTheNodeThatCarriesThem) {
  ExecutionLimits limits;
  limits.max_items_per_output = 1;
  ExecutorHarness host(limits);
  auto workflow = host.Load(kChain);
  ASSERT_NE(workflow, nullptr);
  ExecutionRequest request;
  request.workflow = workflow;
  request.reused_outputs["first"] = {sdk::Items{sdk::Json{{"a", 1}}, sdk::Json{{"a", 2}}}};

  ExecutionRecord record = RunRequest(host, std::move(request));

  EXPECT_EQ(record.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(record.failed_node, "first");
  EXPECT_TRUE(StartedNodes(*host.nodes).empty());
}

TEST(ExecutorReuse, ANodesIdempotencyKeyIsItsExecutionIdAndNameSoAResumeKeepsIt) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: keyed
nodes:
  - name: upstream_call
    type: test.key
)");
  ASSERT_NE(workflow, nullptr);
  for (int run = 0; run < 2; ++run) {  // the same execution id, as when it is resumed
    ExecutionRequest request;
    request.workflow = workflow;
    request.id = "ex-resumed";
    ExecutionRecord record = RunRequest(host, std::move(request));
    ASSERT_TRUE(record.status.ok()) << record.status;
    EXPECT_THAT(record.output, ElementsAre(sdk::Json{{"key", "ex-resumed/upstream_call"}}));
  }
}

// ExecutionRequest::before_next_nodes: the nodes a finished node made ready (and the start nodes)
// wait until the caller proceeds, which is how background executions start a node only once the
// result before it is committed.
// kChain started with a before_next_nodes that keeps each proceed in `held`; `result` is set when
// the execution finishes.
struct HeldRun {
  ExecutorHarness host;
  std::vector<absl::AnyInvocable<void() &&>> held;
  std::optional<ExecutionRecord> result;
  std::shared_ptr<ExecutionHandle> handle;

  HeldRun() {
    ExecutionRequest request;
    request.workflow = host.Load(kChain);
    request.before_next_nodes = [this](absl::AnyInvocable<void() &&> proceed) {
      held.push_back(std::move(proceed));
    };
    handle = host.executor->Start(std::move(request),
                                  [this](ExecutionRecord record) { result = record; });
    host.Settle();
  }
};

TEST(ExecutorHeldRuns, EachNextNodeStartsOnlyWhenTheCallerProceeds) {
  HeldRun run;
  ExecutorHarness& host = run.host;
  auto& held = run.held;
  auto& result = run.result;

  // The start node waits too; each proceed lets exactly the held nodes run.
  ASSERT_EQ(held.size(), 1u);
  EXPECT_TRUE(StartedNodes(*host.nodes).empty());
  std::move(held[0])();
  host.Settle();
  EXPECT_THAT(StartedNodes(*host.nodes), ElementsAre("first"));
  ASSERT_EQ(held.size(), 2u);  // `second`, ready once `first` finished
  EXPECT_FALSE(result.has_value());
  std::move(held[1])();
  host.Settle();
  ASSERT_EQ(held.size(), 3u);  // `third`, ready once `second` finished
  EXPECT_THAT(StartedNodes(*host.nodes), ElementsAre("first"));
  std::move(held[2])();
  host.Settle();

  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->status.ok()) << result->status;
  EXPECT_THAT(StartedNodes(*host.nodes), ElementsAre("first", "third"));
}

TEST(ExecutorHeldRuns, ACancelWhileANodeIsHeldEndsTheExecutionAndTheNodeNeverStarts) {
  HeldRun run;
  ExecutorHarness& host = run.host;
  auto& held = run.held;
  auto& result = run.result;
  ASSERT_EQ(held.size(), 1u);
  std::move(held[0])();
  host.Settle();
  ASSERT_EQ(held.size(), 2u);  // `second` held

  run.handle->Cancel(absl::CancelledError("the caller cancelled"));
  host.Settle();
  std::move(held[1])();  // late: the execution has ended
  host.Settle();

  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status.code(), absl::StatusCode::kCancelled) << result->status;
  EXPECT_THAT(StartedNodes(*host.nodes), ElementsAre("first"));
  EXPECT_NE(NodeOf(*result, "second").status, NodeStatus::kSucceeded);
  EXPECT_EQ(held.size(), 2u);
}

}  // namespace
}  // namespace flowhost::executor::testing
