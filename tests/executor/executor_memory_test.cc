// The item budgets: an execution (with its sub-workflows) may hold at most max_execution_item_bytes
// of items and all executions together at most max_total_item_bytes; crossing either fails the
// node that would cross it, while it builds its items, and stops that execution only.
#include <regex>
#include <string>

#include "flowhost/sdk/error.h"
#include "flowhost/sdk/item_bytes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/executor/executor_harness.h"

namespace flowhost::executor::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr size_t kMiB = size_t{1} << 20;

ExecutionLimits ItemBytes(size_t per_execution, size_t total = size_t{1} << 30) {
  ExecutionLimits limits;
  limits.max_execution_item_bytes = per_execution;
  limits.max_total_item_bytes = total;
  return limits;
}

// The issue's shape, scaled down: 1,000 items of 100 kB each from a few lines of YAML.
constexpr char kFatItems[] = R"(
name: fat_items
nodes:
  - {name: numbers, type: set, params: {values: {n: "{{ range(1000) }}"}}, next: each}
  - {name: each, type: split_out, params: {field: n}, next: fat}
  - {name: fat, type: set, params: {values: {blob: "{{ repeat(repeat('x', 1000), 100) }}"}}}
)";

TEST(ExecutorMemory, ANodeBuildingMoreItemBytesThanTheExecutionMayHoldFailsWhileBuildingThem) {
  ExecutorHarness host(ItemBytes(kMiB));
  auto workflow = host.Load(kFatItems);
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_EQ(record.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(sdk::ErrorClassOf(record.status), "limit_exceeded");
  EXPECT_EQ(record.failed_node, "fat");
  EXPECT_THAT(Message(record.status), StartsWith("node 'fat': item "));
  EXPECT_THAT(Message(record.status),
              HasSubstr("the execution would hold more than max_execution_item_bytes (1048576 "
                        "bytes) of items"));
  // It stopped at the item that crossed the limit (about the tenth), not after building all 1,000.
  std::smatch item;
  std::string message = Message(record.status);
  ASSERT_TRUE(std::regex_search(message, item, std::regex("item ([0-9]+):")));
  EXPECT_LT(std::stoi(item[1]), 20);
}

TEST(ExecutorMemory, AnExecutionWithinItsItemBudgetRuns) {
  ExecutorHarness host(ItemBytes(256 * kMiB));
  auto workflow = host.Load(kFatItems);
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_EQ(record.output.size(), 1000u);
}

TEST(ExecutorMemory, ANodeReturningMoreThanTheBudgetFailsWhenItReturns) {
  // test.items does not reserve as it builds: its output is counted when it returns.
  ExecutorHarness host(ItemBytes(kMiB));
  auto workflow = host.Load(R"(
name: many_small
nodes:
  - {name: many, type: test.items, params: {count: 50000}, on_error: continue, next: after}
  - {name: after, type: noop}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  // A crossed limit stops the execution even under on_error: continue.
  EXPECT_EQ(record.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(record.failed_node, "many");
  EXPECT_THAT(Message(record.status),
              StartsWith("node 'many': the execution would hold more than "
                         "max_execution_item_bytes (1048576 bytes) of items; it holds "));
  EXPECT_EQ(NodeOf(record, "after").status, NodeStatus::kNotRun);
}

TEST(ExecutorMemory, ManyLargeParametersOfOneItemFailBeforeTheyAreAllBuilt) {
  ExecutorHarness host(ItemBytes(kMiB));
  auto workflow = host.Load(R"(
name: wide
nodes:
  - name: wide
    type: set
    params:
      values:
        a: "{{ repeat(repeat('a', 1000), 400) }}"
        b: "{{ repeat(repeat('b', 1000), 400) }}"
        c: "{{ repeat(repeat('c', 1000), 400) }}"
        d: "{{ repeat(repeat('d', 1000), 400) }}"
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_EQ(sdk::ErrorClassOf(record.status), "limit_exceeded");
  // What it holds: the inputs ({}), as $inputs and as the start node's input. Two 400 kB values
  // fit in what is left; the third is one too many, and the fourth is never built.
  EXPECT_EQ(Message(record.status),
            "node 'wide': evaluating parameter /values/c: the execution would hold more than "
            "max_execution_item_bytes (1048576 bytes) of items; it holds " +
                std::to_string(2 * sdk::ItemBytes(sdk::Json::object())));
}

TEST(ExecutorMemory, SubWorkflowsCountTowardsTheExecutionThatRunsThem) {
  ExecutorHarness host(ItemBytes(kMiB));
  ASSERT_NE(host.AddWorkflow(R"(
name: blob
nodes:
  - name: make
    type: set
    params: {mode: replace, values: {blob: "{{ repeat(repeat('x', 1000), 100) }}"}}
)"),
            nullptr);
  auto workflow = host.Load(R"(
name: caller
nodes:
  - {name: numbers, type: set, params: {values: {n: "{{ range(50) }}"}}, next: each}
  - {name: each, type: split_out, params: {field: n}, next: call}
  - {name: call, type: execute_workflow, params: {workflow: blob, concurrency: 1}}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_EQ(sdk::ErrorClassOf(record.status), "limit_exceeded");
  EXPECT_EQ(record.failed_node, "call");
  EXPECT_THAT(Message(record.status), HasSubstr("max_execution_item_bytes (1048576 bytes)"));
}

constexpr char kHalfMegabyte[] = R"(
name: half
nodes:
  - {name: make, type: set, params: {values: {blob: "{{ repeat(repeat('x', 1000), 500) }}"}}, next: park}
  - {name: park, type: test.hold}
)";

TEST(ExecutorMemory, TheTotalBudgetFailsOnlyTheExecutionThatWouldCrossIt) {
  ExecutorHarness host(ItemBytes(/*per_execution=*/8 * kMiB, /*total=*/3 * kMiB / 2));
  auto workflow = host.Load(kHalfMegabyte);
  ASSERT_NE(workflow, nullptr);
  // The first two fit together (each holds its blob twice: `make`'s output and `park`'s input).
  std::shared_ptr<StartedRun> first = host.Start(workflow);
  host.Settle();
  ASSERT_THAT(host.nodes->Held(), ::testing::ElementsAre("park"));
  std::shared_ptr<StartedRun> second = host.Start(workflow);
  host.Settle();
  ASSERT_TRUE(second->finished());
  EXPECT_EQ(second->record->status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Message(second->record->status),
              HasSubstr("all executions together would hold more than max_total_item_bytes "
                        "(1572864 bytes) of items"));

  // The first carries on, and once it is over its bytes are given back: a third one fits.
  ASSERT_TRUE(host.nodes->Release("park"));
  host.Settle();
  ASSERT_TRUE(first->finished());
  EXPECT_TRUE(first->record->status.ok()) << first->record->status;
  first.reset();
  second.reset();
  std::shared_ptr<StartedRun> third = host.Start(workflow);
  host.Settle();
  EXPECT_THAT(host.nodes->Held(), ::testing::ElementsAre("park"));
  ASSERT_TRUE(host.nodes->Release("park"));
  host.Settle();
  ASSERT_TRUE(third->finished());
  EXPECT_TRUE(third->record->status.ok()) << third->record->status;
}

}  // namespace
}  // namespace flowhost::executor::testing
