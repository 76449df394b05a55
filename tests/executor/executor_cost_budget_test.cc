// The execution's cost budget (a workflow's `max_cost_usd`): CostBudget's arithmetic and messages,
// and how the executor hands it to nodes (NodeContext::ReserveCost / SettleCost / CostRemaining)
// across nodes, retries and sub-workflows, giving back what an attempt reserved and left unsettled.
#include <cmath>
#include <limits>
#include <memory>

#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/executor/cost_budget.h"
#include "tests/executor/executor_harness.h"

namespace flowhost::executor::testing {
namespace {

using ::testing::DoubleNear;
using ::testing::HasSubstr;

TEST(CostBudget, ReservesWhatFitsAndRefusesWhatWouldCrossTheCeiling) {
  CostBudget budget(0.10, "ask");
  EXPECT_TRUE(budget.Reserve(0.06).ok());
  EXPECT_THAT(budget.remaining(), DoubleNear(0.04, 1e-12));
  absl::Status refused = budget.Reserve(0.05);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(sdk::ErrorClassOf(refused), "limit_exceeded");
  EXPECT_THAT(std::string(refused.message()),
              HasSubstr("workflow 'ask' max_cost_usd $0.100000 cannot cover a call's worst case of "
                        "$0.050000: $0.040000 left ($0.000000 spent, $0.060000 reserved"));
  EXPECT_TRUE(budget.Reserve(0.04).ok());  // exactly what is left fits
}

TEST(CostBudget, SettlingReplacesTheReservationByTheActualCost) {
  CostBudget budget(0.10, "ask");
  ASSERT_TRUE(budget.Reserve(0.08).ok());
  budget.Settle(0.08, 0.01);
  EXPECT_THAT(budget.spent(), DoubleNear(0.01, 1e-12));
  EXPECT_THAT(budget.remaining(), DoubleNear(0.09, 1e-12));
  // An actual cost is charged even past the ceiling (the money was spent); nothing more fits.
  budget.Settle(0, 0.5);
  EXPECT_DOUBLE_EQ(budget.remaining(), 0);
  EXPECT_FALSE(budget.Reserve(0).ok() && budget.Reserve(1e-6).ok());
}

TEST(CostBudget, RefusesAmountsThatAreNotFiniteOrAreNegative) {
  CostBudget budget(1, "ask");
  EXPECT_EQ(budget.Reserve(-1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(budget.Reserve(std::nan("")).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(budget.Reserve(std::numeric_limits<double>::infinity()).code(),
            absl::StatusCode::kInvalidArgument);
  budget.Settle(-5, std::nan(""));  // counts as nothing
  EXPECT_DOUBLE_EQ(budget.remaining(), 1);
}

TEST(CostBudget, AChildBudgetCountsInItsParentAndNeedsRoomInBoth) {
  auto parent = std::make_shared<CostBudget>(0.10, "parent");
  CostBudget child(1.00, "child", parent);
  ASSERT_TRUE(child.Reserve(0.07).ok());
  EXPECT_THAT(parent->remaining(), DoubleNear(0.03, 1e-12));
  EXPECT_THAT(child.remaining(), DoubleNear(0.03, 1e-12));  // the parent's is the tighter
  absl::Status refused = child.Reserve(0.05);
  EXPECT_THAT(std::string(refused.message()), HasSubstr("workflow 'parent'"));
  EXPECT_THAT(child.remaining(), DoubleNear(0.03, 1e-12));  // the refused reservation left nothing
  child.Settle(0.07, 0.02);
  EXPECT_THAT(parent->spent(), DoubleNear(0.02, 1e-12));
  EXPECT_THAT(child.spent(), DoubleNear(0.02, 1e-12));
}

TEST(CostBudget, ShowsItselfToExpressions) {
  CostBudget budget(0.5, "ask");
  budget.Settle(0, 0.125);
  EXPECT_EQ(budget.ToJson(),
            (sdk::Json{{"max_usd", 0.5}, {"spent_usd", 0.125}, {"remaining_usd", 0.375}}));
}

TEST(ExecutorCostBudget, NodesSpendFromOneBudgetAndTheNodeThatCannotPayFails) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: spender
max_cost_usd: 1
nodes:
  - {name: a, type: test.spend, params: {reserve: 0.5, actual: 0.4}, next: b}
  - {name: b, type: test.spend, params: {reserve: 0.5, actual: 0.4}, next: c}
  - {name: c, type: test.spend, params: {reserve: 0.5, actual: 0.4}}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_EQ(record.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(record.failed_node, "c");
  EXPECT_THAT(Message(record.status), HasSubstr("workflow 'spender' max_cost_usd $1.000000"));
  EXPECT_THAT(Message(record.status), HasSubstr("$0.200000 left ($0.800000 spent"));
}

TEST(ExecutorCostBudget, WhatAnAttemptReservedAndDidNotSettleIsGivenBackWhenItEnds) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: forgetful
max_cost_usd: 1
nodes:
  - {name: a, type: test.spend, params: {reserve: 0.9}, next: b}
  - {name: b, type: test.spend, params: {reserve: 0.9, actual: 0.1}}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_THAT(record.output[0]["before"].get<double>(), DoubleNear(1.0, 1e-12));
  EXPECT_THAT(record.output[0]["after"].get<double>(), DoubleNear(0.9, 1e-12));
}

TEST(ExecutorCostBudget, WithoutMaxCostUsdNodesSeeNoBudgetAndEveryReservationSucceeds) {
  ExecutorHarness host;
  auto workflow = host.Load(R"(
name: unbounded
nodes:
  - {name: a, type: test.spend, params: {reserve: 1000000, actual: 1000000}}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_TRUE(record.output[0]["before"].is_null());
  EXPECT_TRUE(record.output[0]["after"].is_null());
}

TEST(ExecutorCostBudget, RetriesSpendFromTheSameBudget) {
  ExecutorHarness host;
  host.AddWorkflow(R"(
name: pay-then-fail
nodes:
  - {name: pay, type: test.spend, params: {reserve: 0.3, actual: 0.3}, next: fail}
  - {name: fail, type: test.flaky, params: {failures: 100}}
)");
  auto workflow = host.Load(R"(
name: retrying
max_cost_usd: 1
nodes:
  - name: child
    type: execute_workflow
    params: {workflow: pay-then-fail, mode: once}
    retry: {attempts: 10, initial_backoff: 1ms, jitter: 0}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  EXPECT_EQ(record.status.code(), absl::StatusCode::kResourceExhausted);
  // Three attempts paid $0.30 each; the fourth could not reserve its $0.30 of the $0.10 left.
  EXPECT_EQ(NodeOf(record, "child").attempts, 4);
  EXPECT_THAT(Message(record.status), HasSubstr("$0.100000 left ($0.900000 spent"));
}

TEST(ExecutorCostBudget, ASubWorkflowSeesItsParentsBudget) {
  ExecutorHarness host;
  host.AddWorkflow(R"(
name: child
nodes:
  - {name: pay, type: test.spend, params: {reserve: 0.25, actual: 0.25}}
)");
  auto workflow = host.Load(R"(
name: parent
max_cost_usd: 1
nodes:
  - {name: first, type: test.spend, params: {reserve: 0.5, actual: 0.5}, next: run_child}
  - {name: run_child, type: execute_workflow, params: {workflow: child, mode: once}}
)");
  ASSERT_NE(workflow, nullptr);
  ExecutionRecord record = host.RunToEnd(workflow);
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_THAT(record.output[0]["before"].get<double>(), DoubleNear(0.5, 1e-12));
  EXPECT_THAT(record.output[0]["after"].get<double>(), DoubleNear(0.25, 1e-12));
}

}  // namespace
}  // namespace flowhost::executor::testing
