// The execution record (statuses, attempts, items, timings, upstream calls and cost totals), its
// JSON form, and what the observer sees.
#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/executor/executor_harness.h"

namespace flowhost::executor::testing {
namespace {

using ::testing::ElementsAre;

constexpr char kPipeline[] = R"(
name: pipeline
inputs:
  items: {type: array}
nodes:
  - {name: explode, type: split_out, params: {field: items, destination: v}, next: pause}
  - {name: pause, type: wait, params: {duration: 2s}, next: flaky}
  - name: flaky
    type: test.flaky
    params: {failures: 1}
    retry: {attempts: 2, initial_backoff: 1s, jitter: 0}
    next: keep
  - {name: keep, type: filter, params: {condition: "{{ $json.v > 1 }}"}, next: never}
  - {name: never, type: noop, disabled: true}
  - {name: unused, type: noop}
output: [keep]
)";

TEST(ExecutionRecordTest, RecordsStatusAttemptsItemsAndTimingsPerNode) {
  ExecutorHarness host;
  auto workflow = host.Load(kPipeline);
  ASSERT_NE(workflow, nullptr);
  absl::Time t0 = host.clock.Now();
  ExecutionRecord record = host.RunToEnd(workflow, {{"items", {1, 2, 3}}});
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_EQ(record.workflow, "pipeline");
  EXPECT_FALSE(record.id.empty());
  EXPECT_EQ(record.started_at, t0);
  EXPECT_EQ(record.duration(), absl::Seconds(3));
  ASSERT_EQ(record.nodes.size(), 6u);  // file order

  const NodeRecord& explode = record.nodes[0];
  EXPECT_EQ(explode.name, "explode");
  EXPECT_EQ(explode.type, "split_out");
  EXPECT_EQ(explode.status, NodeStatus::kSucceeded);
  EXPECT_EQ(explode.attempts, 1);
  EXPECT_EQ(explode.items_in, 1u);
  EXPECT_EQ(explode.items_out, 3u);

  const NodeRecord& pause = record.nodes[1];
  EXPECT_EQ(pause.started_at, t0);
  EXPECT_EQ(pause.finished_at, t0 + absl::Seconds(2));
  EXPECT_EQ(pause.duration(), absl::Seconds(2));

  const NodeRecord& flaky = record.nodes[2];
  EXPECT_EQ(flaky.attempts, 2);
  EXPECT_EQ(flaky.status, NodeStatus::kSucceeded);
  EXPECT_TRUE(flaky.error.ok());
  EXPECT_EQ(flaky.started_at, t0 + absl::Seconds(2));
  EXPECT_EQ(flaky.finished_at, t0 + absl::Seconds(3));

  const NodeRecord& keep = record.nodes[3];
  EXPECT_EQ(keep.items_in, 3u);
  EXPECT_EQ(keep.items_out, 3u);  // kept and discarded

  EXPECT_EQ(record.nodes[4].status, NodeStatus::kDisabled);
  EXPECT_EQ(record.nodes[5].status, NodeStatus::kNotRun);
  EXPECT_THAT(record.output, ElementsAre(sdk::Json{{"v", 2}}, sdk::Json{{"v", 3}}));
}

constexpr char kUsageWorkflow[] = R"(
name: costs
nodes:
  - name: first
    type: test.usage
    params:
      calls:
        - {model: small, prompt_tokens: 10, completion_tokens: 5, cost_usd: 0.25}
        - {model: big, outcome: error, prompt_tokens: 1, completion_tokens: 0, cost_usd: 0.125}
      tokens: [hel, lo]
    next: second
  - name: second
    type: test.usage
    params:
      calls:
        - {model: big, prompt_tokens: 100, completion_tokens: 50, cost_usd: 1.5}
)";

TEST(ExecutionRecordTest, UpstreamCallsAreKeptPerNodeAndSummedIntoTotals) {
  ExecutorHarness host;
  auto workflow = host.Load(kUsageWorkflow);
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  ASSERT_TRUE(record.status.ok()) << record.status;
  const NodeRecord& first = NodeOf(record, "first");
  ASSERT_EQ(first.calls.size(), 2u);
  EXPECT_EQ(first.calls[1].outcome, "error");
  EXPECT_EQ(first.prompt_tokens, 11);
  EXPECT_EQ(first.completion_tokens, 5);
  EXPECT_DOUBLE_EQ(first.cost_usd, 0.375);
  EXPECT_EQ(first.model, "small");  // the model of the last successful call
  EXPECT_EQ(NodeOf(record, "second").model, "big");
  EXPECT_EQ(record.prompt_tokens, 111);
  EXPECT_EQ(record.completion_tokens, 55);
  EXPECT_DOUBLE_EQ(record.cost_usd, 1.875);
}

TEST(ExecutionRecordTest, ASubWorkflowsCallsCountTowardsTheNodeThatRanIt) {
  ExecutorHarness host;
  ASSERT_NE(host.AddWorkflow(kUsageWorkflow), nullptr);
  auto workflow = host.Load(R"(
name: outer
nodes:
  - {name: call, type: execute_workflow, params: {workflow: costs}}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_EQ(NodeOf(record, "call").calls.size(), 3u);
  EXPECT_EQ(record.prompt_tokens, 111);
  EXPECT_DOUBLE_EQ(record.cost_usd, 1.875);
}

TEST(ExecutionRecordTest, ToJsonDescribesStatusNodesErrorsAndTotals) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: described
nodes:
  - {name: usage, type: test.usage, params: {calls: [{model: m, prompt_tokens: 3, cost_usd: 0.5}]}, next: boom}
  - {name: boom, type: fail, params: {message: "nope", details: {reason: test}}}
)");
  ASSERT_NE(workflow, nullptr);
  sdk::Json json = host.RunToEnd(workflow).ToJson();
  EXPECT_EQ(json["workflow"], "described");
  EXPECT_EQ(json["status"], "failed");
  EXPECT_EQ(json["failed_node"], "boom");
  EXPECT_EQ(json["error"]["code"], "FAILED_PRECONDITION");
  EXPECT_EQ(json["error"]["class"], "failed");
  EXPECT_EQ(json["error"]["message"], "node 'boom': nope");
  EXPECT_EQ(json["error"]["details"], (sdk::Json{{"reason", "test"}}));
  EXPECT_EQ(json["output_items"], 0);
  EXPECT_EQ(json["prompt_tokens"], 3);
  EXPECT_EQ(json["cost_usd"], 0.5);
  ASSERT_EQ(json["nodes"].size(), 2u);
  EXPECT_EQ(json["nodes"][0]["status"], "succeeded");
  EXPECT_EQ(json["nodes"][0]["calls"][0]["model"], "m");
  EXPECT_EQ(json["nodes"][1]["status"], "failed");
  EXPECT_EQ(json["nodes"][1]["attempts"], 1);
  EXPECT_TRUE(json["started_at"].is_string());
  EXPECT_EQ(json["duration_ms"], 0.0);
}

TEST(ExecutionRecordTest, NodeStatusNamesAreStable) {
  EXPECT_EQ(NodeStatusName(NodeStatus::kNotRun), "not_run");
  EXPECT_EQ(NodeStatusName(NodeStatus::kRunning), "running");
  EXPECT_EQ(NodeStatusName(NodeStatus::kSucceeded), "succeeded");
  EXPECT_EQ(NodeStatusName(NodeStatus::kFailed), "failed");
  EXPECT_EQ(NodeStatusName(NodeStatus::kSkipped), "skipped");
  EXPECT_EQ(NodeStatusName(NodeStatus::kDisabled), "disabled");
  EXPECT_EQ(NodeStatusName(NodeStatus::kCancelled), "cancelled");
}

TEST(ExecutionObserverTest, SeesNodesStartAndFinishAndTokenDeltasInOrder) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: observed
nodes:
  - {name: talk, type: test.usage, params: {tokens: [hel, lo]}, next: flaky}
  - name: flaky
    type: test.flaky
    params: {failures: 1}
    retry: {attempts: 2, initial_backoff: 1s, jitter: 0}
)");
  ASSERT_NE(workflow, nullptr);
  auto observer = std::make_shared<RecordingObserver>();
  auto run = host.Start(workflow, sdk::Json::object(), absl::InfiniteFuture(), observer);
  host.Settle();
  host.scheduler.AdvanceBy(absl::Seconds(1));
  ASSERT_TRUE(run->finished());
  EXPECT_THAT(observer->events(),
              ElementsAre("started talk 1", "token talk 0 hel", "token talk 0 lo",
                          "finished talk succeeded", "started flaky 1", "started flaky 2",
                          "finished flaky succeeded"));
}

TEST(ExecutionObserverTest, SeesNodesCancelledWhenTheExecutionIsCancelled) {
  ExecutorHarness host;
  auto workflow = host.Load("name: held\nnodes:\n  - {name: h, type: test.hold}\n");
  ASSERT_NE(workflow, nullptr);
  auto observer = std::make_shared<RecordingObserver>();
  auto run = host.Start(workflow, sdk::Json::object(), absl::InfiniteFuture(), observer);
  host.Settle();
  run->handle->Cancel(absl::CancelledError("stop"));
  host.Settle();
  ASSERT_TRUE(run->finished());
  EXPECT_THAT(observer->events(), ElementsAre("started h 1", "finished h cancelled"));
}

TEST(ExecutionLoggerTest, NodeLogLinesCarryExecutionWorkflowNodeAndAttempt) {
  ExecutorHarness host;
  auto workflow =
      host.Load("name: logs\nnodes:\n  - {name: u, type: test.usage, params: {calls: []}}\n");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  ASSERT_TRUE(record.status.ok()) << record.status;
  bool found = false;
  for (const auto& line : host.logger.lines()) {
    if (line.message != "usage reported") continue;
    found = true;
    EXPECT_EQ(line.fields["execution"], record.id);
    EXPECT_EQ(line.fields["workflow"], "logs");
    EXPECT_EQ(line.fields["node"], "u");
    EXPECT_EQ(line.fields["attempt"], 1);
    EXPECT_EQ(line.fields["calls"], 0);
  }
  EXPECT_TRUE(found);
}

constexpr char kSharedOutputs[] = R"(
name: shared
inputs:
  n: {type: integer}
nodes:
  - {name: make, type: set, params: {values: {tag: made}}, next: [echo, last]}
  - {name: echo, type: noop}
  - {name: last, type: set, params: {values: {tag: last}}}
output: [make, last]
)";

// The record takes the output items instead of copying them where nothing else holds them (`last`);
// a node whose items also went on to other nodes (`make`) must come out whole all the same.
TEST(ExecutionRecordTest, OutputItemsAreWholeWhetherTakenOrCopied) {
  ExecutorHarness host;
  auto workflow = host.Load(kSharedOutputs);
  ASSERT_NE(workflow, nullptr);
  for (int run = 0; run < 2; ++run) {  // the second run sees the same compiled workflow
    ExecutionRecord record = host.RunToEnd(workflow, {{"n", run}});
    ASSERT_TRUE(record.status.ok()) << record.status;
    EXPECT_THAT(record.output, ElementsAre(sdk::Json({{"n", run}, {"tag", "made"}}),
                                           sdk::Json({{"n", run}, {"tag", "last"}})));
    EXPECT_EQ(record.nodes[1].items_in, 1u);  // echo got make's item
    EXPECT_EQ(record.nodes[2].items_in, 1u);  // and so did last
  }
}

}  // namespace
}  // namespace flowhost::executor::testing
