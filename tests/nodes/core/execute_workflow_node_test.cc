// `execute_workflow`: one child run per item (or once), outputs in item order, a bounded number of
// runs in flight, and the first failure failing the node.
#include <deque>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/nodes/core/node_test_host.h"

namespace flowhost::nodes::core::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Child runs the test completes by hand.
struct ChildRuns {
  struct Run {
    std::string workflow;
    Json inputs;
    absl::AnyInvocable<void(absl::StatusOr<Items>)> done;
  };
  std::deque<Run> pending;
  size_t peak = 0;
  void Attach(NodeTestHost& host) {
    host.run_workflow = [this](std::string_view workflow, Json inputs,
                               absl::AnyInvocable<void(absl::StatusOr<Items>)> done) {
      pending.push_back({std::string(workflow), std::move(inputs), std::move(done)});
      peak = std::max(peak, pending.size());
    };
  }
  // Completes the run at `index` (0 = oldest pending) with {"out": its input n}.
  void Finish(size_t index) {
    Run run = std::move(pending[index]);
    pending.erase(pending.begin() + index);
    run.done(Items{{{"out", run.inputs["n"]}}});
  }
};

Items Numbered(int count) {
  Items items;
  for (int n = 0; n < count; ++n) items.push_back({{"n", n}});
  return items;
}

// Per-item parameters: inputs {n: item.n}.
ParamsFn InputsFromItems(const Items& items, Json base) {
  return [items, base](size_t i) {
    Json params = base;
    params["inputs"] = {{"n", items[i]["n"]}};
    return params;
  };
}

TEST(ExecuteWorkflowNode, RunsTheWorkflowPerItemAndKeepsItemOrder) {
  NodeTestHost host;
  ChildRuns children;
  children.Attach(host);
  Items input = Numbered(3);
  auto running = host.Start("execute_workflow", {{"workflow", "child"}}, {input});
  // Start() gives every item the same params; check names, then finish out of order.
  ASSERT_EQ(children.pending.size(), 3u);
  EXPECT_EQ(children.pending[0].workflow, "child");
  children.pending[0].inputs = {{"n", 0}};
  children.pending[1].inputs = {{"n", 1}};
  children.pending[2].inputs = {{"n", 2}};
  children.Finish(2);
  children.Finish(0);
  EXPECT_FALSE(running->result.has_value());
  children.Finish(0);
  ASSERT_TRUE(running->result.has_value());
  ASSERT_TRUE(running->result->ok());
  EXPECT_THAT(OutputOf(*running->result),
              ElementsAre(Json{{"out", 0}}, Json{{"out", 1}}, Json{{"out", 2}}));
}

TEST(ExecuteWorkflowNode, InputsAreEvaluatedForEachItem) {
  NodeTestHost host;
  std::vector<Json> seen;
  host.run_workflow = [&seen](std::string_view, Json inputs,
                              absl::AnyInvocable<void(absl::StatusOr<Items>)> done) {
    seen.push_back(inputs);
    done(Items{});
  };
  Items input = Numbered(2);
  Json params = {{"workflow", "child"}};
  auto result =
      host.RunPerItem("execute_workflow", params, InputsFromItems(input, params), {input});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(seen, ElementsAre(Json{{"n", 0}}, Json{{"n", 1}}));
}

TEST(ExecuteWorkflowNode, NoMoreThanConcurrencyRunsAreInFlight) {
  NodeTestHost host;
  ChildRuns children;
  children.Attach(host);
  auto running =
      host.Start("execute_workflow", {{"workflow", "child"}, {"concurrency", 2}}, {Numbered(5)});
  EXPECT_EQ(children.pending.size(), 2u);
  while (!children.pending.empty()) children.Finish(0);
  EXPECT_EQ(children.peak, 2u);
  ASSERT_TRUE(running->result.has_value());
  EXPECT_EQ(OutputOf(*running->result).size(), 5u);
}

TEST(ExecuteWorkflowNode, OnceModeRunsASingleChild) {
  NodeTestHost host;
  ChildRuns children;
  children.Attach(host);
  auto running =
      host.Start("execute_workflow", {{"workflow", "child"}, {"mode", "once"}}, {Numbered(4)});
  ASSERT_EQ(children.pending.size(), 1u);
  children.pending[0].done(Items{{{"a", 1}}, {{"a", 2}}});
  ASSERT_TRUE(running->result.has_value());
  EXPECT_THAT(OutputOf(*running->result), ElementsAre(Json{{"a", 1}}, Json{{"a", 2}}));
}

TEST(ExecuteWorkflowNode, TheFirstFailureFailsTheNodeAndLaterResultsAreIgnored) {
  NodeTestHost host;
  ChildRuns children;
  children.Attach(host);
  auto running = host.Start("execute_workflow", {{"workflow", "child"}}, {Numbered(3)});
  ASSERT_EQ(children.pending.size(), 3u);
  ChildRuns::Run failing = std::move(children.pending[1]);
  children.pending.erase(children.pending.begin() + 1);
  failing.done(absl::NotFoundError("no workflow named 'child' is loaded"));
  ASSERT_TRUE(running->result.has_value());
  EXPECT_EQ(running->result->status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(running->result->status().message(),
            "item 1: workflow 'child': no workflow named 'child' is loaded");
  children.Finish(0);
  children.Finish(0);
  EXPECT_EQ(running->completions, 1);
}

TEST(ExecuteWorkflowNode, AnItemsParameterErrorNamesTheItemOnce) {
  NodeTestHost host;
  ChildRuns children;
  children.Attach(host);
  Items input = Numbered(2);
  auto result = host.RunPerItem(
      "execute_workflow", {{"workflow", "child"}},
      [](size_t i) { return i == 1 ? Json{{"workflow", 7}} : Json{{"workflow", "child"}}; },
      {input});
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->status().message(), "item 1: /workflow: expected string, got integer 7");
}

TEST(ExecuteWorkflowNode, ComputedModeIsRejected) {
  NodeTestHost host;
  EXPECT_EQ(
      host.Create("execute_workflow", {{"workflow", "x"}, {"mode", "{{ 'once' }}"}}, {"/mode"}),
      nullptr);
  EXPECT_THAT(host.errors, ElementsAre("/mode: mode must be written out, not computed"));
}

}  // namespace
}  // namespace flowhost::nodes::core::testing
