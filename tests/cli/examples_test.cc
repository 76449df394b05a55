// Every example workflow in workflows/, run end to end through the real `flowhost` binary against
// the project's fake OpenRouter. These are the pipelines the README shows users; they must keep
// working.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/cli/run_binary.h"
#include "tests/fake_openrouter/fake_process.h"
#include "tests/source_dir.h"

namespace flowhost::testing {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;
namespace fs = std::filesystem;

std::string Workflow(const std::string& name) {
  return (fs::path(FLOWHOST_SOURCE_DIR) / "workflows" / (name + ".yaml")).string();
}

// The catalogue the fake serves by default.
Json Catalogue() {
  std::ifstream file(fs::path(FLOWHOST_SOURCE_DIR) /
                     "tests/fake_openrouter/data/openrouter-models.json");
  return Json::parse(file);
}

bool IsFree(const Json& model) {
  const std::string id = model["id"];
  bool free_id = id.size() > 5 && id.substr(id.size() - 5) == ":free";
  return free_id || (model["pricing"]["prompt"] == "0" && model["pricing"]["completion"] == "0");
}

class ExamplesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fake = fake_openrouter::FakeProcess::Start();
    ASSERT_TRUE(fake.ok()) << fake.status();
    fake_ = *std::move(fake);
  }

  // Runs `workflow` with `input`; returns the parsed output items (asserting success).
  BinaryResult Run(const std::string& workflow, const Json& input) {
    return RunBinary(
        {FlowhostBinary(), "run", Workflow(workflow), "--input", input.dump()},
        {{"OPENROUTER_API_KEY", fake_->api_key()}, {"OPENROUTER_BASE_URL", fake_->base_url()}});
  }

  Json Items(const BinaryResult& result) {
    EXPECT_EQ(result.exit_code, 0) << result.err;
    Json items = Json::parse(result.out, nullptr, false);
    EXPECT_TRUE(items.is_array()) << result.out;
    return items;
  }

  std::unique_ptr<fake_openrouter::FakeProcess> fake_;
};

TEST_F(ExamplesTest, AskAnswersTheQuestionWithTokensAndCost) {
  Json items = Items(Run("ask", {{"question", "What is a monad?"}}));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["content"], "Fake answer to: What is a monad?");
  EXPECT_EQ(items[0]["model"], "google/gemma-4-31b-it:free");
  EXPECT_EQ(items[0]["cost_usd"], 0.0);
  EXPECT_GT(items[0]["usage"]["total_tokens"].get<int>(), 0);
}

TEST_F(ExamplesTest, AskWithFallbackAnswersFromTheFreeModelWhenItWorks) {
  Json items = Items(Run("ask-with-fallback", {{"question", "hi"}}));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["model"], "google/gemma-4-31b-it:free");
  EXPECT_EQ(items[0]["attempts"].size(), 1u);
  auto stats = fake_->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_FALSE((*stats)["by_model"].contains("anthropic/claude-fable-5"));
}

TEST_F(ExamplesTest, AskWithFallbackEscalatesToTheFlagshipWhenTheFreeModelIsRateLimited) {
  ASSERT_TRUE(fake_
                  ->AddRules({{{"model", "google/gemma-4-31b-it:free"},
                               {"behavior", {{"status", 429}, {"retry_after", "30"}}}}})
                  .ok());
  Json items = Items(Run("ask-with-fallback", {{"question", "hi"}}));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["model"], "anthropic/claude-fable-5");
  ASSERT_EQ(items[0]["attempts"].size(), 2u);
  EXPECT_EQ(items[0]["attempts"][0]["error_class"], "rate_limited");
  EXPECT_EQ(items[0]["attempts"][1]["outcome"], "ok");
  // The flagship is priced: prompt $10/M, completion $50/M in the catalogue.
  double expected = items[0]["usage"]["prompt_tokens"].get<double>() * 0.00001 +
                    items[0]["usage"]["completion_tokens"].get<double>() * 0.00005;
  EXPECT_NEAR(items[0]["cost_usd"].get<double>(), expected, 1e-12);
}

TEST_F(ExamplesTest, FreeModelsReturnsExactlyTheCataloguesFreeModelsLongestContextFirst) {
  Json items = Items(Run("free-models", Json::object()));
  std::vector<Json> expected;
  const Json catalogue = Catalogue();  // a named copy: a temporary's subobject would dangle below
  for (const Json& model : catalogue["data"]) {
    if (IsFree(model)) expected.push_back(model);
  }
  ASSERT_EQ(items.size(), expected.size());
  std::set<std::string> expected_ids, got_ids;
  for (const Json& model : expected) expected_ids.insert(model["id"].get<std::string>());
  for (const Json& item : items) {
    got_ids.insert(item["id"].get<std::string>());
    EXPECT_EQ(item["is_free"], true);
  }
  EXPECT_EQ(got_ids, expected_ids);
  for (size_t i = 1; i < items.size(); ++i) {
    EXPECT_GE(items[i - 1]["context_length"].get<int64_t>(),
              items[i]["context_length"].get<int64_t>());
  }
}

TEST_F(ExamplesTest, PickAndAskAsksTheFreeModelWithTheLongestContext) {
  int64_t longest = 0;
  const Json catalogue = Catalogue();
  for (const Json& model : catalogue["data"]) {
    if (IsFree(model)) longest = std::max(longest, model["context_length"].get<int64_t>());
  }
  Json items = Items(Run("pick-and-ask", {{"question", "hi"}}));
  ASSERT_EQ(items.size(), 1u);
  std::string model = items[0]["model"];
  bool found = false;
  for (const Json& entry : catalogue["data"]) {
    if (entry["id"] == model) {
      found = true;
      EXPECT_TRUE(IsFree(entry));
      EXPECT_EQ(entry["context_length"].get<int64_t>(), longest);
    }
  }
  EXPECT_TRUE(found) << model;
  EXPECT_EQ(items[0]["content"], "Fake answer to: hi");
}

TEST_F(ExamplesTest, TriageEscalatesUrgentTicketsToTheFlagship) {
  BinaryResult result = Run("triage", {{"ticket", "URGENT: checkout is down for everyone"}});
  Json items = Items(result);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["label"], "urgent");
  EXPECT_EQ(items[0]["model"], "anthropic/claude-fable-5");
  EXPECT_THAT(result.err, HasSubstr("reply: skipped"));
}

TEST_F(ExamplesTest, TriageAnswersRoutineTicketsWithTheFreeModel) {
  BinaryResult result = Run("triage", {{"ticket", "How do I change my avatar?"}});
  Json items = Items(result);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["label"], "routine");
  EXPECT_EQ(items[0]["model"], "google/gemma-4-31b-it:free");
  EXPECT_THAT(result.err, HasSubstr("escalate: skipped"));
}

TEST_F(ExamplesTest, CompareModelsPutsBothAnswersSideBySide) {
  Json items = Items(Run("compare-models", {{"question", "2+2?"}}));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["question"], "2+2?");
  EXPECT_EQ(items[0]["free"]["model"], "nvidia/nemotron-3-super-120b-a12b:free");
  EXPECT_EQ(items[0]["flagship"]["model"], "anthropic/claude-fable-5");
  EXPECT_EQ(items[0]["free"]["content"], "Fake answer to: 2+2?");
  EXPECT_GT(items[0]["flagship"]["cost_usd"].get<double>(), 0.0);
}

TEST_F(ExamplesTest, AWrongKeyIsAnAuthFailureThatNeverShowsTheKey) {
  BinaryResult result =
      RunBinary({FlowhostBinary(), "run", Workflow("ask"), "--input", R"({"question": "hi"})"},
                {{"OPENROUTER_API_KEY", "sk-or-v1-wrong-key-1234567890"},
                 {"OPENROUTER_BASE_URL", fake_->base_url()}});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("auth"));
  EXPECT_EQ(result.err.find("sk-or-v1-wrong-key-1234567890"), std::string::npos) << result.err;
  EXPECT_EQ(result.out.find("sk-or-v1-wrong-key-1234567890"), std::string::npos);
}

TEST_F(ExamplesTest, AMissingKeySaysWhatToSet) {
  BinaryResult result =
      RunBinary({FlowhostBinary(), "run", Workflow("ask"), "--input", R"({"question": "hi"})"},
                {{"OPENROUTER_API_KEY", ""}, {"OPENROUTER_BASE_URL", fake_->base_url()}});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("OPENROUTER_API_KEY"));
}

}  // namespace
}  // namespace flowhost::testing
