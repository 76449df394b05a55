// `flowhost plan FILE`: the cost bounds of the example workflows (workflows/) against the fixture
// catalogue (tests/fake_openrouter/data/openrouter-models.json), read from the file and fetched
// from the bundled fake's /models (--offline). The expected figures are worked out by hand from the
// catalogue's prices with the default assumptions (prompts of 1000 tokens, answers of 500):
//
//   anthropic/claude-fable-5  $0.00001 per prompt token, $0.00005 per completion token, completion
//                             limit 65536: expected 1000 x 0.00001 + 500 x 0.00005 = $0.035;
//                             worst 0.01 + 65536 x 0.00005 = $3.2868, or with max_tokens 1024
//                             0.01 + 0.0512 = $0.0612
//   google/gemma-4-31b-it:free, nvidia/nemotron-3-super-120b-a12b:free  $0
#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/cli/run_binary.h"
#include "tests/source_dir.h"

namespace flowhost::testing {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace fs = std::filesystem;
using Json = nlohmann::json;

std::string Example(const std::string& name) {
  return (fs::path(FLOWHOST_SOURCE_DIR) / "workflows" / (name + ".yaml")).string();
}

std::string FixtureCatalogue() {
  return (fs::path(FLOWHOST_SOURCE_DIR) / "tests/fake_openrouter/data/openrouter-models.json")
      .string();
}

// `flowhost plan FILE --catalogue FIXTURE --json`, parsed; a failed test when it does not exit 0.
Json Plan(const std::string& file) {
  BinaryResult r =
      RunBinary({FlowhostBinary(), "plan", file, "--catalogue", FixtureCatalogue(), "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  Json plan = Json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(plan.is_discarded()) << r.out;
  return plan;
}

// The path through exactly `nodes`, or null.
Json PathThrough(const Json& plan, const std::vector<std::string>& nodes) {
  for (const Json& path : plan["paths"]) {
    if (path["nodes"] == Json(nodes)) return path;
  }
  ADD_FAILURE() << "no path " << Json(nodes).dump() << " in " << plan["paths"].dump();
  return Json();
}

TEST(PlanCommand, AFallbackRoutersWorstCaseIsEveryRouteAndItsExpectedCaseTheFirst) {
  Json plan = Plan(Example("ask-with-fallback"));
  ASSERT_EQ(plan["nodes"].size(), 1u);
  const Json& answer = plan["nodes"][0];
  EXPECT_EQ(answer["node"], "answer");
  EXPECT_EQ(answer["type"], "router.fallback");
  // The free route answers: $0. Worst: the free route, then the flagship at max_tokens 1024.
  EXPECT_THAT(answer["expected_usd"].get<double>(), DoubleNear(0, 1e-12));
  EXPECT_THAT(answer["worst_usd"].get<double>(), DoubleNear(0.0612, 1e-9));
  EXPECT_THAT(plan["every_node"]["worst_usd"].get<double>(), DoubleNear(0.0612, 1e-9));
}

TEST(PlanCommand, ABranchingWorkflowGetsOneFigureForEachPath) {
  Json plan = Plan(Example("triage"));
  ASSERT_EQ(plan["paths"].size(), 2u);
  Json urgent = PathThrough(plan, {"classify", "label", "route", "escalate", "tag_escalated"});
  Json routine = PathThrough(plan, {"classify", "label", "route", "reply", "tag_replied"});
  // The flagship (through $vars.flagship) at max_tokens 1024 on the urgent path; free otherwise.
  EXPECT_THAT(urgent["expected_usd"].get<double>(), DoubleNear(0.035, 1e-9));
  EXPECT_THAT(urgent["worst_usd"].get<double>(), DoubleNear(0.0612, 1e-9));
  EXPECT_THAT(routine["expected_usd"].get<double>(), DoubleNear(0, 1e-12));
  EXPECT_THAT(routine["worst_usd"].get<double>(), DoubleNear(0, 1e-12));
  EXPECT_THAT(plan["max_cost_usd"].get<double>(), DoubleNear(0.25, 1e-12));
}

TEST(PlanCommand, ParallelBranchesAreSeparatePathsAndEveryNodeAddsThemUp) {
  Json plan = Plan(Example("compare-models"));
  Json flagship = PathThrough(plan, {"flagship", "shape_flagship", "both", "finish"});
  // No max_tokens: the flagship's completion limit, 65536 tokens, bounds the answer.
  EXPECT_THAT(flagship["expected_usd"].get<double>(), DoubleNear(0.035, 1e-9));
  EXPECT_THAT(flagship["worst_usd"].get<double>(), DoubleNear(3.2868, 1e-9));
  EXPECT_THAT(plan["every_node"]["worst_usd"].get<double>(), DoubleNear(3.2868, 1e-9));
}

TEST(PlanCommand, AModelTakenFromAnInputsDefaultIsPricedAndRetriesMultiplyTheWorstCase) {
  Json plan = Plan(Example("ask"));
  ASSERT_EQ(plan["nodes"].size(), 1u);
  EXPECT_THAT(plan["nodes"][0]["detail"].get<std::string>(),
              HasSubstr("from the default of input 'model'"));
  EXPECT_THAT(plan["nodes"][0]["detail"].get<std::string>(), HasSubstr("x3 attempts"));
  EXPECT_THAT(plan["nodes"][0]["worst_usd"].get<double>(), DoubleNear(0, 1e-12));
}

TEST(PlanCommand, AModelChosenAtRunTimeIsUnknownAndSaysWhy) {
  Json plan = Plan(Example("pick-and-ask"));
  ASSERT_EQ(plan["nodes"].size(), 1u);
  EXPECT_TRUE(plan["nodes"][0]["worst_usd"].is_null());
  EXPECT_THAT(plan["nodes"][0]["detail"].get<std::string>(),
              HasSubstr("chosen by an expression at run time"));
  EXPECT_TRUE(plan["every_node"]["worst_usd"].is_null());
}

TEST(PlanCommand, AWorkflowWithoutPaidNodesCostsNothing) {
  Json plan = Plan(Example("word-stats"));
  EXPECT_TRUE(plan["nodes"].empty());
  EXPECT_THAT(plan["every_node"]["worst_usd"].get<double>(), DoubleNear(0, 1e-12));
}

TEST(PlanCommand, OfflineItReadsTheBundledFakesCatalogueAndPrintsATable) {
  BinaryResult r = RunBinary({FlowhostBinary(), "plan", Example("triage"), "--offline"},
                             {{"FLOWHOST_FAKE_OPENROUTER", FakeOpenRouterBinary()}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("plan for workflow 'triage', per item"));
  EXPECT_THAT(r.out, HasSubstr("a router's first route answers"));
  EXPECT_THAT(r.out, HasSubstr("classify -> label -> route -> escalate -> tag_escalated"));
  EXPECT_THAT(r.out, HasSubstr("expected $0.035000"));
  EXPECT_THAT(r.out, HasSubstr("worst $0.061200"));
  EXPECT_THAT(r.out, HasSubstr("max_cost_usd $0.250000: the worst case fits"));
}

TEST(PlanCommand, BadFlagsAndFilesAreUsageErrors) {
  BinaryResult tokens = RunBinary({FlowhostBinary(), "plan", Example("ask"), "--catalogue",
                                   FixtureCatalogue(), "--prompt-tokens", "lots"});
  EXPECT_EQ(tokens.exit_code, 2);
  EXPECT_THAT(tokens.err, HasSubstr("--prompt-tokens takes a number of tokens"));
  BinaryResult missing = RunBinary(
      {FlowhostBinary(), "plan", Example("ask"), "--catalogue", "/nonexistent/models.json"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("cannot read the catalogue '/nonexistent/models.json'"));
  BinaryResult both = RunBinary(
      {FlowhostBinary(), "plan", Example("ask"), "--catalogue", FixtureCatalogue(), "--offline"});
  EXPECT_EQ(both.exit_code, 2);
}

}  // namespace
}  // namespace flowhost::testing
