// The executor's graph semantics: start nodes, branching, merging, parallel branches, skipping,
// disabled nodes and the workflow's output.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/executor/executor_harness.h"

namespace flowhost::executor::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

sdk::NodeResult Output0(sdk::Items items) {
  sdk::NodeResult result;
  result.outputs.push_back(std::move(items));
  return result;
}

TEST(ExecutorGraph, StartNodeReceivesTheBoundInputsAsOneItem) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: start
inputs:
  x: {type: integer, default: 7}
  label: {type: string}
nodes:
  - name: first
    type: noop
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow, {{"label", "hi"}});
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_THAT(record.output, ElementsAre(sdk::Json({{"x", 7}, {"label", "hi"}})));
  EXPECT_EQ(NodeOf(record, "first").items_in, 1u);
}

TEST(ExecutorGraph, BadInputsFinishTheExecutionWithInvalidArgument) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: typed
inputs:
  n: {type: integer, required: true}
nodes:
  - name: first
    type: noop
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow, {{"n", "many"}});
  EXPECT_EQ(record.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(host.executor->in_flight(), 0u);
}

constexpr char kIfWorkflow[] = R"(
name: branch
inputs:
  n: {type: integer}
nodes:
  - name: check
    type: if
    params: {condition: "{{ $json.n > 3 }}"}
    next: {true: big, false: small}
  - name: big
    type: set
    params: {values: {size: big}}
    next: after_big
  - name: after_big
    type: noop
  - name: small
    type: set
    params: {values: {size: small}}
output: [after_big, small]
)";

TEST(ExecutorGraph, IfRunsOnlyTheBranchWhoseConditionHolds) {
  ExecutorHarness host;
  auto workflow = host.Load(kIfWorkflow);
  ASSERT_NE(workflow, nullptr);

  ExecutionRecord big = host.RunToEnd(workflow, {{"n", 5}});
  ASSERT_TRUE(big.status.ok()) << big.status;
  EXPECT_THAT(big.output, ElementsAre(sdk::Json({{"n", 5}, {"size", "big"}})));
  EXPECT_EQ(NodeOf(big, "big").status, NodeStatus::kSucceeded);
  EXPECT_EQ(NodeOf(big, "small").status, NodeStatus::kSkipped);

  ExecutionRecord small = host.RunToEnd(workflow, {{"n", 2}});
  ASSERT_TRUE(small.status.ok()) << small.status;
  EXPECT_THAT(small.output, ElementsAre(sdk::Json({{"n", 2}, {"size", "small"}})));
  EXPECT_EQ(NodeOf(small, "big").status, NodeStatus::kSkipped);
}

TEST(ExecutorGraph, SkippingPropagatesDownAnUntakenBranch) {
  ExecutorHarness host;
  auto workflow = host.Load(kIfWorkflow);
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow, {{"n", 1}});
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_EQ(NodeOf(record, "big").status, NodeStatus::kSkipped);
  EXPECT_EQ(NodeOf(record, "after_big").status, NodeStatus::kSkipped);
  EXPECT_EQ(NodeOf(record, "after_big").attempts, 0);
  EXPECT_EQ(NodeOf(record, "small").status, NodeStatus::kSucceeded);
}

constexpr char kSwitchWorkflow[] = R"(
name: sorter
inputs:
  numbers: {type: array}
  mode: {type: string, default: first}
nodes:
  - name: explode
    type: split_out
    params: {field: numbers, destination: n}
    next: route
  - name: route
    type: switch
    params:
      mode: MODE
      rules:
        - {output: small, condition: "{{ $json.n < 3 }}"}
        - {output: medium, condition: "{{ $json.n < 10 }}"}
      fallback: large
    next: {small: s, medium: m, large: l}
  - {name: s, type: set, params: {values: {bin: small}}}
  - {name: m, type: set, params: {values: {bin: medium}}}
  - {name: l, type: set, params: {values: {bin: large}}}
output: [s, m, l]
)";

std::string SwitchWorkflow(std::string_view mode) {
  std::string yaml = kSwitchWorkflow;
  yaml.replace(yaml.find("MODE"), 4, mode);
  return yaml;
}

TEST(ExecutorGraph, SwitchSendsEachItemToTheFirstMatchingRuleAndTheRestToTheFallback) {
  ExecutorHarness host;
  auto workflow = host.Load(SwitchWorkflow("first"));
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow, {{"numbers", {1, 5, 12, 2}}});
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_THAT(record.output, ElementsAre(sdk::Json({{"n", 1}, {"bin", "small"}}),
                                         sdk::Json({{"n", 2}, {"bin", "small"}}),
                                         sdk::Json({{"n", 5}, {"bin", "medium"}}),
                                         sdk::Json({{"n", 12}, {"bin", "large"}})));
}

TEST(ExecutorGraph, SwitchInAllModeSendsAnItemToEveryMatchingRule) {
  ExecutorHarness host;
  auto workflow = host.Load(SwitchWorkflow("all"));
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow, {{"numbers", {1, 12}}});
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_THAT(record.output, ElementsAre(sdk::Json({{"n", 1}, {"bin", "small"}}),
                                         sdk::Json({{"n", 1}, {"bin", "medium"}}),
                                         sdk::Json({{"n", 12}, {"bin", "large"}})));
}

TEST(ExecutorGraph, IndependentBranchesAreInFlightAtTheSameTime) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: fan_out
nodes:
  - name: source
    type: noop
    next: [left, right]
  - {name: left, type: test.hold, next: "join:0"}
  - {name: right, type: test.hold, next: "join:1"}
  - {name: join, type: merge}
)");
  ASSERT_NE(workflow, nullptr);
  std::shared_ptr<StartedRun> run = host.Start(workflow);
  host.Settle();
  // Both branches started before either finished.
  EXPECT_THAT(host.nodes->Held(), UnorderedElementsAre("left", "right"));
  ASSERT_TRUE(host.nodes->Complete("right", Output0({{{"from", "right"}}})));
  host.Settle();
  EXPECT_FALSE(run->finished());
  ASSERT_TRUE(host.nodes->Complete("left", Output0({{{"from", "left"}}})));
  host.Settle();
  ASSERT_TRUE(run->finished());
  ASSERT_TRUE(run->record->status.ok()) << run->record->status;
  // Appended in input order, whichever finished first.
  EXPECT_THAT(run->record->output,
              ElementsAre(sdk::Json({{"from", "left"}}), sdk::Json({{"from", "right"}})));
}

TEST(ExecutorGraph, MergeWaitsForEveryConnectedInputBeforeRunning) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: waits
nodes:
  - name: source
    type: noop
    next: [slow, fast]
  - {name: slow, type: test.hold, next: "join:in0"}
  - {name: fast, type: noop, next: "join:in1"}
  - {name: join, type: merge, params: {mode: combine_by_position}}
)");
  ASSERT_NE(workflow, nullptr);
  std::shared_ptr<StartedRun> run = host.Start(workflow, {});
  host.Settle();
  EXPECT_THAT(host.nodes->Held(), ElementsAre("slow"));
  EXPECT_FALSE(run->finished());
  ASSERT_TRUE(host.nodes->Complete("slow", Output0({{{"a", 1}}})));
  host.Settle();
  ASSERT_TRUE(run->finished());
  ASSERT_TRUE(run->record->status.ok()) << run->record->status;
  EXPECT_THAT(run->record->output, ElementsAre(sdk::Json({{"a", 1}})));
  EXPECT_EQ(NodeOf(*run->record, "join").items_in, 2u);
}

TEST(ExecutorGraph, MergeRunsWithAnEmptyInputWhenABranchIsNotTaken) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: optional_branch
inputs:
  enrich: {type: boolean}
nodes:
  - name: check
    type: if
    params: {condition: "{{ $json.enrich }}"}
    next: {"true": enrich, "false": "join:1"}
  - {name: enrich, type: set, params: {values: {extra: true}}, next: "join:0"}
  - {name: join, type: merge}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow, {{"enrich", false}});
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_EQ(NodeOf(record, "enrich").status, NodeStatus::kSkipped);
  EXPECT_EQ(NodeOf(record, "join").status, NodeStatus::kSucceeded);
  EXPECT_THAT(record.output, ElementsAre(sdk::Json({{"enrich", false}})));
}

TEST(ExecutorGraph, MergeCombinesByFieldAcrossBranches) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: join_by_field
inputs:
  users: {type: array}
  orders: {type: array}
nodes:
  - name: source
    type: noop
    next: [users, orders]
  - {name: users, type: split_out, params: {field: users}, next: "join:0"}
  - {name: orders, type: split_out, params: {field: orders}, next: "join:1"}
  - name: join
    type: merge
    params: {mode: combine_by_field, fields: [user], join: left}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(
      workflow, {{"users", {{{"user", 1}, {"name", "ann"}}, {{"user", 2}, {"name", "bob"}}}},
                 {"orders", {{{"user", 2}, {"total", 30}}}}});
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_THAT(record.output, ElementsAre(sdk::Json({{"user", 1}, {"name", "ann"}}),
                                         sdk::Json({{"user", 2}, {"name", "bob"}, {"total", 30}})));
}

TEST(ExecutorGraph, DisabledNodePassesInputZeroThroughUnchanged) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: disabled
nodes:
  - name: reshape
    type: set
    params: {values: {changed: true}, mode: replace}
    disabled: true
    next: after
  - {name: after, type: noop}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow, {});
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_THAT(record.output, ElementsAre(sdk::Json::object()));
  EXPECT_EQ(NodeOf(record, "reshape").status, NodeStatus::kDisabled);
  EXPECT_EQ(NodeOf(record, "reshape").attempts, 0);
  EXPECT_EQ(NodeOf(record, "after").status, NodeStatus::kSucceeded);
}

TEST(ExecutorGraph, UnconnectedOutputsAreDroppedAndTheOutputListIsConcatenated) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: outputs
inputs:
  items: {type: array}
nodes:
  - name: explode
    type: split_out
    params: {field: items, destination: v}
    next: keep
  - name: keep
    type: filter
    params: {condition: "{{ $json.v % 2 == 0 }}"}
    next: {kept: evens}
  - {name: evens, type: noop}
output: [evens, "keep:discarded"]
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow, {{"items", {1, 2, 3, 4}}});
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_THAT(record.output, ElementsAre(sdk::Json({{"v", 2}}), sdk::Json({{"v", 4}}),
                                         sdk::Json({{"v", 1}}), sdk::Json({{"v", 3}})));
}

TEST(ExecutorGraph, EmptyOutputIsASuccessWithNoItems) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: nothing
nodes:
  - name: keep
    type: filter
    params: {condition: false}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow, {});
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_THAT(record.output, IsEmpty());
}

}  // namespace
}  // namespace flowhost::executor::testing
