// PlanCosts (`flowhost plan`'s figures) in-process: the example workflows (workflows/) against the
// fixture catalogue (tests/fake_openrouter/data/openrouter-models.json), and small workflows for
// the rules the examples do not show. The expected figures are worked out by hand from the
// catalogue's prices with the default assumptions (prompts of 1000 tokens, answers of 500):
//
//   anthropic/claude-fable-5  $0.00001 per prompt token, $0.00005 per completion token, completion
//                             limit 65536: expected 0.01 + 500 x 0.00005 = $0.035; worst
//                             0.01 + 65536 x 0.00005 = $3.2868, or at max_tokens 1024 $0.0612
//   qwen/qwen3-coder-32k      $0.00000002 / $0.0000001: at max_tokens 100, 0.00002 + 0.00001
//   the :free models          $0
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/cli/cost_plan.h"
#include "server/workflow/loader.h"
#include "tests/source_dir.h"
#include "tests/workflow/builtin_registry.h"

namespace flowhost::cli {
namespace {

using ::testing::DoubleNear;
using ::testing::HasSubstr;
using workflow_testing::BuiltinRegistry;
namespace fs = std::filesystem;

const nodes::openrouter::Catalogue& FixtureCatalogue() {
  static const auto* catalogue = [] {
    std::ifstream file(fs::path(FLOWHOST_SOURCE_DIR) /
                       "tests/fake_openrouter/data/openrouter-models.json");
    std::stringstream text;
    text << file.rdbuf();
    auto parsed = nodes::openrouter::Catalogue::Parse(text.str(), absl::Now());
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    return new nodes::openrouter::CataloguePtr(*parsed);
  }();
  return **catalogue;
}

class CostPlanTest : public ::testing::Test {
 protected:
  // Plans workflows/NAME.yaml; the other example workflows are its siblings.
  CostPlan PlanExample(const std::string& name) {
    return PlanWorkflow(LoadFile((fs::path(FLOWHOST_SOURCE_DIR) / "workflows" / (name + ".yaml"))));
  }

  CostPlan PlanWorkflow(workflow::WorkflowPtr workflow) {
    EXPECT_NE(workflow, nullptr);
    if (workflow == nullptr) return CostPlan();
    return PlanCosts(*workflow, FixtureCatalogue(), PlanAssumptions(),
                     [this](std::string_view name) -> workflow::WorkflowPtr {
                       auto it = loaded_.find(std::string(name));
                       return it != loaded_.end() ? it->second : nullptr;
                     });
  }

  workflow::WorkflowPtr LoadFile(const fs::path& path) {
    workflow::LoadResult result = workflow::LoadWorkflowFile(path.string(), BuiltinRegistry());
    EXPECT_TRUE(result.ok()) << workflow::FormatDiagnostics(result.diagnostics);
    if (result.ok()) loaded_[result.workflow->name] = result.workflow;
    return result.workflow;
  }

  workflow::WorkflowPtr LoadText(const std::string& yaml) {
    workflow::LoadResult result = workflow::LoadWorkflow("<test>", yaml, BuiltinRegistry());
    EXPECT_TRUE(result.ok()) << workflow::FormatDiagnostics(result.diagnostics);
    if (result.ok()) loaded_[result.workflow->name] = result.workflow;
    return result.workflow;
  }

  std::map<std::string, workflow::WorkflowPtr> loaded_;
};

const PathCost* PathThrough(const CostPlan& plan, const std::vector<std::string>& nodes) {
  for (const PathCost& path : plan.paths) {
    if (path.nodes == nodes) return &path;
  }
  ADD_FAILURE() << "no such path; the plan has " << plan.ToJson()["paths"].dump();
  return nullptr;
}

TEST_F(CostPlanTest, AFallbackRoutersWorstCaseIsEveryRouteAndItsExpectedCaseTheFirst) {
  CostPlan plan = PlanExample("ask-with-fallback");
  ASSERT_EQ(plan.nodes.size(), 1u);
  EXPECT_EQ(plan.nodes[0].node, "answer");
  EXPECT_THAT(*plan.nodes[0].cost.expected, DoubleNear(0, 1e-12));   // the free route answers
  EXPECT_THAT(*plan.nodes[0].cost.worst, DoubleNear(0.0612, 1e-9));  // free, then the flagship
  EXPECT_THAT(*plan.every_node.worst, DoubleNear(0.0612, 1e-9));
}

TEST_F(CostPlanTest, ABranchingWorkflowGetsOneFigureForEachPath) {
  CostPlan plan = PlanExample("triage");
  ASSERT_EQ(plan.paths.size(), 2u);
  const PathCost* urgent =
      PathThrough(plan, {"classify", "label", "route", "escalate", "tag_escalated"});
  const PathCost* routine = PathThrough(plan, {"classify", "label", "route", "reply", "tag_replied"});
  ASSERT_NE(urgent, nullptr);
  ASSERT_NE(routine, nullptr);
  // The flagship ($vars.flagship) at max_tokens 1024 on the urgent path; free models otherwise.
  EXPECT_THAT(*urgent->cost.expected, DoubleNear(0.035, 1e-9));
  EXPECT_THAT(*urgent->cost.worst, DoubleNear(0.0612, 1e-9));
  EXPECT_THAT(*routine->cost.expected, DoubleNear(0, 1e-12));
  EXPECT_THAT(*routine->cost.worst, DoubleNear(0, 1e-12));
  ASSERT_TRUE(plan.max_cost_usd.has_value());
  EXPECT_DOUBLE_EQ(*plan.max_cost_usd, 0.25);
  EXPECT_THAT(FormatCostPlan(plan, PlanAssumptions()),
              HasSubstr("max_cost_usd $0.250000: the worst case fits"));
}

TEST_F(CostPlanTest, ParallelBranchesAreSeparatePathsAndEveryNodeAddsThemUp) {
  CostPlan plan = PlanExample("compare-models");
  const PathCost* flagship = PathThrough(plan, {"flagship", "shape_flagship", "both", "finish"});
  ASSERT_NE(flagship, nullptr);
  // No max_tokens: the flagship's completion limit bounds the answer.
  EXPECT_THAT(*flagship->cost.expected, DoubleNear(0.035, 1e-9));
  EXPECT_THAT(*flagship->cost.worst, DoubleNear(3.2868, 1e-9));
  EXPECT_THAT(*plan.every_node.worst, DoubleNear(3.2868, 1e-9));
}

TEST_F(CostPlanTest, AModelTakenFromAnInputsDefaultIsPricedAndRetriesMultiplyTheWorstCase) {
  CostPlan plan = PlanExample("ask");
  ASSERT_EQ(plan.nodes.size(), 1u);
  EXPECT_THAT(plan.nodes[0].detail, HasSubstr("from the default of input 'model'"));
  EXPECT_THAT(plan.nodes[0].detail, HasSubstr("x3 attempts"));
  EXPECT_THAT(*plan.nodes[0].cost.worst, DoubleNear(0, 1e-12));
}

TEST_F(CostPlanTest, AModelChosenAtRunTimeIsUnknownAndSaysWhy) {
  CostPlan plan = PlanExample("pick-and-ask");
  ASSERT_EQ(plan.nodes.size(), 1u);
  EXPECT_FALSE(plan.nodes[0].cost.worst.has_value());
  EXPECT_THAT(plan.nodes[0].detail, HasSubstr("chosen by an expression at run time"));
  EXPECT_FALSE(plan.every_node.worst.has_value());
  EXPECT_THAT(FormatCostPlan(plan, PlanAssumptions()), HasSubstr("worst unknown"));
}

TEST_F(CostPlanTest, WorkflowsWithoutPaidNodesCostNothing) {
  for (const char* name : {"word-stats", "free-models"}) {
    CostPlan plan = PlanExample(name);
    EXPECT_TRUE(plan.nodes.empty()) << name;
    EXPECT_THAT(*plan.every_node.worst, DoubleNear(0, 1e-12)) << name;
  }
}

TEST_F(CostPlanTest, RetriesRouteAttemptsSubWorkflowsAndTheRoutersCeilingCount) {
  LoadText(R"(
name: cheap-child
nodes:
  - {name: c, type: openrouter.chat, params: {model: qwen/qwen3-coder-32k, prompt: hi, max_tokens: 100}}
)");
  CostPlan plan = PlanWorkflow(LoadText(R"(
name: parent
nodes:
  - name: ask
    type: router.fallback
    params:
      prompt: hi
      max_tokens: 1024
      routes:
        - {model: qwen/qwen3-coder-32k, attempts: 2, max_tokens: 100}
        - model: anthropic/claude-fable-5
    retry: {attempts: 2}
    next: child
  - name: child
    type: execute_workflow
    params: {workflow: cheap-child, mode: once}
  - name: capped
    type: router.fallback
    params:
      prompt: hi
      max_cost_usd: 0.01
      routes: [{model: anthropic/claude-fable-5}]
)"));
  ASSERT_EQ(plan.nodes.size(), 3u);
  const double cheap = 1000 * 0.00000002 + 100 * 0.0000001;  // one qwen call at max_tokens 100
  // Router: qwen twice, then the flagship at 1024 tokens; the node's retry doubles it all.
  EXPECT_THAT(*plan.nodes[0].cost.worst, DoubleNear(2 * (2 * cheap + 0.0612), 1e-9));
  EXPECT_THAT(*plan.nodes[0].cost.expected, DoubleNear(1000 * 0.00000002 + 100 * 0.0000001, 1e-12));
  EXPECT_THAT(*plan.nodes[1].cost.worst, DoubleNear(cheap, 1e-12));
  EXPECT_THAT(plan.nodes[1].detail, HasSubstr("runs workflow 'cheap-child'"));
  EXPECT_THAT(*plan.nodes[2].cost.worst, DoubleNear(0.01, 1e-12));
  EXPECT_THAT(plan.nodes[2].detail, HasSubstr("capped by the router's max_cost_usd"));
}

TEST_F(CostPlanTest, AModelTheCatalogueDoesNotListIsUnknown) {
  CostPlan plan = PlanWorkflow(LoadText(R"(
name: unlisted
nodes:
  - {name: a, type: openrouter.chat, params: {model: nobody/no-such-model, prompt: hi}}
)"));
  ASSERT_EQ(plan.nodes.size(), 1u);
  EXPECT_FALSE(plan.nodes[0].cost.expected.has_value());
  EXPECT_THAT(plan.nodes[0].detail, HasSubstr("'nobody/no-such-model' is not in the catalogue"));
}

}  // namespace
}  // namespace flowhost::cli
