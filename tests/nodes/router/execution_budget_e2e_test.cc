// The workflow's `max_cost_usd` end to end: the real executor, chat and router nodes,
// CurlHttpClient and the fake OpenRouter, whose per-model counters prove which calls were never
// made. Every call here is priced from the fixture catalogue: anthropic/claude-fable-5 at $0.00001
// per prompt token and $0.00005 per completion token. With `max_tokens: 40` and a scripted answer
// of exactly 40 tokens, a call's worst case and its actual cost are both about $0.00201 (the prompt
// adds a few hundred-thousandths), so a budget of $0.005 pays for two calls and refuses the third.
#include <string>

#include "absl/strings/str_cat.h"
#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/nodes/testing/e2e_host.h"

namespace flowhost::nodes::router {
namespace {

using executor::ExecutionRecord;
using node_testing::E2eHost;
using sdk::Json;
using ::testing::DoubleNear;
using ::testing::HasSubstr;

constexpr char kFlagship[] = "anthropic/claude-fable-5";
constexpr char kCheap[] = "qwen/qwen3-coder-32k";
// 160 characters: 40 completion tokens at the fake's four characters per token.
const std::string kFortyTokens(160, 'x');

class ExecutionBudgetEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<E2eHost>> host = E2eHost::Create();
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
    ASSERT_TRUE(host_->fake()
                    .AddRules(Json::array({{{"model", kFlagship},
                                            {"times", 100},
                                            {"behavior", {{"content", kFortyTokens}}}}}))
                    .ok());
  }

  workflow::WorkflowPtr Load(const std::string& yaml) {
    absl::StatusOr<workflow::WorkflowPtr> workflow = host_->Load(yaml);
    EXPECT_TRUE(workflow.ok()) << workflow.status();
    return workflow.ok() ? *workflow : nullptr;
  }

  ExecutionRecord Run(const workflow::WorkflowPtr& workflow) {
    absl::StatusOr<ExecutionRecord> record = host_->Run(workflow, {{"question", "why?"}});
    EXPECT_TRUE(record.ok()) << record.status();
    return record.ok() ? *record : ExecutionRecord();
  }

  // How many chat requests the fake received for `model`.
  int Calls(const std::string& model) {
    absl::StatusOr<Json> stats = host_->fake().Stats();
    EXPECT_TRUE(stats.ok());
    const Json& by_model = (*stats)["by_model"];
    return by_model.contains(model) ? by_model[model].get<int>() : 0;
  }

  // An openrouter.chat node named `name` asking the flagship, feeding `next` when not empty.
  static std::string ChatNode(const std::string& name, const std::string& next,
                              const std::string& extra = "") {
    return absl::StrCat("  - name: ", name, R"(
    type: openrouter.chat
    params: {model: )",
                        kFlagship, R"(, prompt: "{{ $inputs.question ?? 'why?' }}", max_tokens: 40}
)",
                        extra, next.empty() ? "" : absl::StrCat("    next: ", next, "\n"));
  }

  std::unique_ptr<E2eHost> host_;
};

TEST_F(ExecutionBudgetEndToEnd, AThreeNodeWorkflowStopsPayingAtItsBudget) {
  workflow::WorkflowPtr workflow = Load(absl::StrCat(
      "name: three-calls\nmax_cost_usd: 0.005\ninputs:\n  question: {type: "
      "string}\nnodes:\n",
      ChatNode("first", "second"), ChatNode("second", "third"), ChatNode("third", "")));
  ExecutionRecord record = Run(workflow);

  ASSERT_FALSE(record.status.ok());
  EXPECT_EQ(record.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(sdk::ErrorClassOf(record.status), "limit_exceeded");
  EXPECT_THAT(std::string(record.status.message()), HasSubstr("max_cost_usd $0.005000"));
  EXPECT_THAT(std::string(record.status.message()), HasSubstr("workflow 'three-calls'"));
  EXPECT_EQ(record.failed_node, "third");
  EXPECT_EQ(Calls(kFlagship), 2);  // the third call was never made
  double spent = 0;
  for (const executor::NodeRecord& node : record.nodes) {
    for (const sdk::AttemptRecord& call : node.calls) spent += call.cost_usd;
  }
  EXPECT_GT(spent, 0.004);
  EXPECT_LE(spent, 0.005);
}

TEST_F(ExecutionBudgetEndToEnd, AWorkflowWithinItsBudgetRunsAsBefore) {
  workflow::WorkflowPtr workflow =
      Load(absl::StrCat("name: two-calls\nmax_cost_usd: 0.005\ninputs:\n  question: {type: "
                        "string}\nnodes:\n",
                        ChatNode("first", "second"), ChatNode("second", "")));
  ExecutionRecord record = Run(workflow);
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_EQ(Calls(kFlagship), 2);
}

TEST_F(ExecutionBudgetEndToEnd, RetriesAndASubWorkflowSpendFromTheParentsBudget) {
  // The child pays for one flagship call, then fails on a route that answers 503 (upstream, which
  // the parent's node retries). Each retry runs the child again and pays again, from the parent's
  // budget: the third attempt's flagship call no longer fits and is never made.
  Load(absl::StrCat("name: paid-then-failing\ninputs:\n  question: {type: string}\nnodes:\n",
                    ChatNode("paid", "failing"), R"(
  - name: failing
    type: openrouter.chat
    params: {model: )",
                    kCheap, R"(, prompt: "again", max_tokens: 10}
)"));
  ASSERT_TRUE(host_->fake()
                  .AddRules(Json::array(
                      {{{"model", kCheap}, {"times", 100}, {"behavior", {{"status", 503}}}}}))
                  .ok());
  workflow::WorkflowPtr parent = Load(R"(
name: parent
max_cost_usd: 0.005
inputs:
  question: {type: string}
nodes:
  - name: child
    type: execute_workflow
    params: {workflow: paid-then-failing, mode: once}
    retry: {attempts: 5, initial_backoff: 10ms, jitter: 0}
)");
  ExecutionRecord record = Run(parent);

  ASSERT_FALSE(record.status.ok());
  EXPECT_EQ(record.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(record.status.message()), HasSubstr("workflow 'parent' max_cost_usd"));
  EXPECT_EQ(Calls(kFlagship), 2);
  EXPECT_EQ(Calls(kCheap), 2);
  EXPECT_EQ(record.nodes[0].attempts, 3);
}

TEST_F(ExecutionBudgetEndToEnd, ASubWorkflowsOwnBudgetIsHeldWithinItsParents) {
  // The child may spend $1 by itself, but the parent only $0.003: the child's second call is
  // refused by the parent's budget.
  Load(absl::StrCat(
      "name: generous-child\nmax_cost_usd: 1\ninputs:\n  question: {type: string}\nnodes:\n",
      ChatNode("a", "b"), ChatNode("b", "")));
  workflow::WorkflowPtr parent = Load(R"(
name: strict-parent
max_cost_usd: 0.003
inputs:
  question: {type: string}
nodes:
  - name: child
    type: execute_workflow
    params: {workflow: generous-child, mode: once}
)");
  ExecutionRecord record = Run(parent);
  ASSERT_FALSE(record.status.ok());
  EXPECT_THAT(std::string(record.status.message()), HasSubstr("workflow 'strict-parent'"));
  EXPECT_EQ(Calls(kFlagship), 1);
}

TEST_F(ExecutionBudgetEndToEnd, ExpressionsSeeWhatIsLeftOfTheBudget) {
  workflow::WorkflowPtr workflow = Load(absl::StrCat(
      "name: visible-budget\nmax_cost_usd: 0.01\ninputs:\n  question: {type: string}\nnodes:\n",
      ChatNode("ask", "show"), R"(
  - name: show
    type: set
    params:
      mode: replace
      values:
        max: "{{ $budget.max_usd }}"
        spent: "{{ $budget.spent_usd }}"
        left: "{{ $budget.remaining_usd }}"
        cost: "{{ $json.cost_usd }}"
)"));
  ExecutionRecord record = Run(workflow);
  ASSERT_TRUE(record.status.ok()) << record.status;
  ASSERT_EQ(record.output.size(), 1u);
  const Json& item = record.output[0];
  EXPECT_DOUBLE_EQ(item["max"].get<double>(), 0.01);
  EXPECT_GT(item["cost"].get<double>(), 0.002);
  EXPECT_THAT(item["spent"].get<double>(), DoubleNear(item["cost"].get<double>(), 1e-12));
  EXPECT_THAT(item["left"].get<double>(), DoubleNear(0.01 - item["cost"].get<double>(), 1e-12));
}

TEST_F(ExecutionBudgetEndToEnd, WithoutABudgetTheBudgetIsNull) {
  workflow::WorkflowPtr workflow = Load(R"(
name: no-budget
inputs:
  question: {type: string}
nodes:
  - name: show
    type: set
    params: {mode: replace, values: {budget: "{{ $budget }}", left: "{{ $budget.remaining_usd ?? 'none' }}"}}
)");
  ExecutionRecord record = Run(workflow);
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_TRUE(record.output[0]["budget"].is_null());
  EXPECT_EQ(record.output[0]["left"], "none");
}

TEST_F(ExecutionBudgetEndToEnd, TheRouterSkipsRoutesTheBudgetCannotCoverBeforeCallingThem) {
  // The router has no ceiling of its own: the workflow's applies. After the first node spent
  // $0.002 of $0.003, the flagship's worst case no longer fits; the cheap route's does.
  ASSERT_TRUE(
      host_->fake()
          .AddRules(Json::array(
              {{{"model", kCheap}, {"times", 100}, {"behavior", {{"content", "cheap answer"}}}}}))
          .ok());
  workflow::WorkflowPtr workflow = Load(absl::StrCat(
      "name: budgeted-router\nmax_cost_usd: 0.003\ninputs:\n  question: {type: string}\nnodes:\n",
      ChatNode("first", "route"), R"(
  - name: route
    type: router.fallback
    params:
      prompt: "{{ $inputs.question }}"
      max_tokens: 40
      routes:
        - model: )",
      kFlagship, R"(
        - model: )",
      kCheap, R"(
)"));
  ExecutionRecord record = Run(workflow);
  ASSERT_TRUE(record.status.ok()) << record.status;
  const Json& item = record.output[0];
  EXPECT_EQ(item["route"], kCheap);
  ASSERT_EQ(item["attempts"].size(), 2u);
  EXPECT_EQ(item["attempts"][0]["outcome"], "skipped");
  EXPECT_EQ(item["attempts"][0]["error_class"], "limit_exceeded");
  EXPECT_THAT(item["attempts"][0]["error_message"].get<std::string>(),
              HasSubstr("does not fit the execution's budget"));
  EXPECT_EQ(Calls(kFlagship), 1);  // the first node's call only
  EXPECT_EQ(Calls(kCheap), 1);
}

TEST_F(ExecutionBudgetEndToEnd, WhenNoRouteFitsTheRouterFailsNamingTheBudget) {
  workflow::WorkflowPtr workflow = Load(absl::StrCat(R"(
name: tiny-budget
max_cost_usd: 0.0001
inputs:
  question: {type: string}
nodes:
  - name: route
    type: router.fallback
    params:
      prompt: "{{ $inputs.question }}"
      max_tokens: 40
      routes:
        - model: )",
                                                     kFlagship, "\n"));
  ExecutionRecord record = Run(workflow);
  ASSERT_FALSE(record.status.ok());
  EXPECT_EQ(record.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(record.status.message()), HasSubstr("max_cost_usd"));
  EXPECT_EQ(Calls(kFlagship), 0);
}

}  // namespace
}  // namespace flowhost::nodes::router
