// router.fallback's query routes against the in-memory HTTP double: a route that names catalogue
// models by a query, resolved against the live catalogue each time the route is reached, leaving out
// expired models and models whose route is open, and saying what it picked and why.
#include <string>
#include <vector>

#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/nodes/router/router_test_support.h"

namespace flowhost::nodes::router {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A catalogue model for these tests: free or priced, its context length, the parameters it
// supports and, optionally, OpenRouter's expiration_date.
Json Model(const std::string& id, const std::string& price, int64_t context,
           std::vector<std::string> supported = {"tools"}, Json expiration = nullptr) {
  Json entry = node_testing::CatalogueEntry(id, price, price, context);
  entry["supported_parameters"] = supported;
  entry["expiration_date"] = expiration;
  return entry;
}

class QueryRouteTest : public RouterTest {
 protected:
  // A free query route (tools, at least 32k of context, cheapest first), then the flagship.
  static Json FreeThenFlagship(Json query_extra = Json::object()) {
    Json query = {{"free", true},
                  {"supported_parameters", {"tools"}},
                  {"min_context_length", 32000},
                  {"sort", "context_length"}};
    query.update(query_extra);
    return {{"prompt", "Say hi"},
            {"routes",
             {{{"name", "free"}, {"query", query}}, {{"model", "flagship/big"}}}}};
  }

  void Serve(std::vector<Json> models) { upstream_.catalogue = node_testing::CatalogueBody(models); }
};

TEST_F(QueryRouteTest, CallsTheBestMatchingModelAndSaysWhatItPickedAndWhy) {
  Serve({Model("small/ctx:free", "0", 8192),           // too short a context
         Model("no/tools:free", "0", 128000, {}),        // no tools
         Model("paid/model", "0.000001", 200000),        // not free
         Model("good/one:free", "0", 64000),             // matches
         Model("better/one:free", "0", 131072)});        // matches, longest context
  auto node = Create(FreeThenFlagship());
  ASSERT_THAT(errors_, ElementsAre());
  absl::StatusOr<sdk::NodeResult> result = RunOnce(*node);
  ASSERT_TRUE(result.ok()) << result.status();
  const Json& item = result->outputs[0][0];
  EXPECT_EQ(item["route"], "free: better/one:free");
  EXPECT_EQ(item["route_index"], 0);
  EXPECT_EQ(upstream_.calls("better/one:free"), 1);
  EXPECT_EQ(upstream_.calls("good/one:free"), 0);
  EXPECT_EQ(upstream_.bodies.back()["model"], "better/one:free");
  ASSERT_EQ(item["query_picks"].size(), 1u);
  const Json& pick = item["query_picks"][0];
  EXPECT_EQ(pick["route"], "free");
  EXPECT_EQ(pick["matched"], 2);
  EXPECT_EQ(pick["picked"], Json({"better/one:free", "good/one:free"}));
  EXPECT_EQ(pick["expired"], Json::array());
  EXPECT_EQ(pick["open"], Json::array());
}

TEST_F(QueryRouteTest, TriesTheNextMatchingModelWhenOneFailsThenTheNextRoute) {
  Serve({Model("a/one:free", "0", 64000), Model("b/two:free", "0", 48000),
         Model("c/three:free", "0", 40000)});
  auto node = Create(FreeThenFlagship({{"limit", 2}}));
  upstream_.On("a/one:free", [](auto&) { return Status(502, "Provider returned error"); });
  upstream_.On("b/two:free", [](auto&) { return Status(502, "Provider returned error"); });
  absl::StatusOr<sdk::NodeResult> result = RunOnce(*node);
  ASSERT_TRUE(result.ok()) << result.status();
  const Json& item = result->outputs[0][0];
  EXPECT_EQ(item["route"], "flagship/big");
  EXPECT_EQ(item["route_index"], 1);
  EXPECT_EQ(upstream_.calls("a/one:free"), 1);
  EXPECT_EQ(upstream_.calls("b/two:free"), 1);
  EXPECT_EQ(upstream_.calls("c/three:free"), 0);  // past the route's limit of 2 models
  ASSERT_EQ(item["attempts"].size(), 3u);
  EXPECT_EQ(item["attempts"][0]["route"], "free: a/one:free");
  EXPECT_EQ(item["attempts"][1]["route"], "free: b/two:free");
}

TEST_F(QueryRouteTest, FollowsTheCatalogueAsItChangesBetweenRefreshes) {
  Serve({Model("old/model:free", "0", 64000)});
  auto node = Create(FreeThenFlagship());
  absl::StatusOr<sdk::NodeResult> first = RunOnce(*node);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->outputs[0][0]["route"], "free: old/model:free");

  // The old model leaves the catalogue and a new one arrives; the cached copy still holds until
  // it is refreshed (the client's catalogue TTL is 5 minutes).
  Serve({Model("new/model:free", "0", 64000)});
  now_ += absl::Minutes(1);
  absl::StatusOr<sdk::NodeResult> cached = RunOnce(*node);
  ASSERT_TRUE(cached.ok()) << cached.status();
  EXPECT_EQ(cached->outputs[0][0]["route"], "free: old/model:free");

  now_ += absl::Minutes(5);
  absl::StatusOr<sdk::NodeResult> refreshed = RunOnce(*node);
  ASSERT_TRUE(refreshed.ok()) << refreshed.status();
  EXPECT_EQ(refreshed->outputs[0][0]["route"], "free: new/model:free");
  EXPECT_EQ(upstream_.calls("old/model:free"), 2);
  EXPECT_EQ(upstream_.calls("new/model:free"), 1);
}

TEST_F(QueryRouteTest, LeavesOutAModelWhoseRouteIsOpenUntilItsWindowEnds) {
  Serve({Model("limited/one:free", "0", 64000), Model("spare/two:free", "0", 48000)});
  auto node = Create(FreeThenFlagship());
  upstream_.On("limited/one:free",
               [](auto&) { return Status(429, "slow down", {{"Retry-After", "30"}}); });
  absl::StatusOr<sdk::NodeResult> first = RunOnce(*node);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->outputs[0][0]["route"], "free: spare/two:free");  // the next match answered
  EXPECT_EQ(upstream_.calls("limited/one:free"), 1);

  now_ += absl::Seconds(10);
  absl::StatusOr<sdk::NodeResult> second = RunOnce(*node);
  ASSERT_TRUE(second.ok()) << second.status();
  const Json& item = second->outputs[0][0];
  EXPECT_EQ(item["route"], "free: spare/two:free");
  EXPECT_EQ(upstream_.calls("limited/one:free"), 1);  // inside its Retry-After: not called
  EXPECT_EQ(item["query_picks"][0]["open"], Json({"limited/one:free"}));
  EXPECT_EQ(item["query_picks"][0]["picked"], Json({"spare/two:free"}));
  ASSERT_EQ(item["attempts"].size(), 1u);  // an open model is left out, not tried and skipped

  now_ += absl::Seconds(21);
  upstream_.On("limited/one:free", [](auto&) { return Ok("limited/one:free"); });
  absl::StatusOr<sdk::NodeResult> third = RunOnce(*node);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->outputs[0][0]["route"], "free: limited/one:free");
}

TEST_F(QueryRouteTest, NeverPicksAnExpiredModel) {
  // The fixture's clock is 2023-11-14T22:13:20Z.
  Serve({Model("gone/model:free", "0", 131072, {"tools"}, "2023-11-01"),
         Model("going/model:free", "0", 100000, {"tools"}, "2023-11-14T22:13:19Z"),
         Model("staying/model:free", "0", 64000, {"tools"}, "2024-06-30")});
  auto node = Create(FreeThenFlagship());
  absl::StatusOr<sdk::NodeResult> result = RunOnce(*node);
  ASSERT_TRUE(result.ok()) << result.status();
  const Json& item = result->outputs[0][0];
  EXPECT_EQ(item["route"], "free: staying/model:free");
  EXPECT_EQ(upstream_.calls("gone/model:free"), 0);
  EXPECT_EQ(upstream_.calls("going/model:free"), 0);
  EXPECT_EQ(item["query_picks"][0]["expired"], Json({"gone/model:free", "going/model:free"}));
  EXPECT_EQ(item["query_picks"][0]["matched"], 3);
}

TEST_F(QueryRouteTest, AQueryNothingMatchesIsSkippedWithTheReasonAndTheNextRouteAnswers) {
  Serve({Model("paid/model", "0.000001", 200000)});
  auto node = Create(FreeThenFlagship());
  absl::StatusOr<sdk::NodeResult> result = RunOnce(*node);
  ASSERT_TRUE(result.ok()) << result.status();
  const Json& item = result->outputs[0][0];
  EXPECT_EQ(item["route"], "flagship/big");
  EXPECT_EQ(item["attempts"][0]["route"], "free");
  EXPECT_EQ(item["attempts"][0]["outcome"], "skipped");
  EXPECT_EQ(item["attempts"][0]["error_class"], "not_found");
  EXPECT_THAT(item["attempts"][0]["error_message"].get<std::string>(),
              HasSubstr("no catalogue model matches its query"));
}

TEST_F(QueryRouteTest, WithoutTheCatalogueQueryRoutesAreSkippedAndTheOthersStillAnswer) {
  upstream_.catalogue = "this is not a catalogue";
  auto node = Create(FreeThenFlagship());
  absl::StatusOr<sdk::NodeResult> result = RunOnce(*node);
  ASSERT_TRUE(result.ok()) << result.status();
  const Json& item = result->outputs[0][0];
  EXPECT_EQ(item["route"], "flagship/big");
  EXPECT_EQ(item["attempts"][0]["outcome"], "skipped");
  EXPECT_THAT(item["attempts"][0]["error_message"].get<std::string>(),
              HasSubstr("its query needs the model catalogue"));
}

TEST_F(QueryRouteTest, AQueryRouteKeepsTheCostCeiling) {
  Serve({Model("cheap/a", "0.00001", 64000), Model("dear/b", "0.001", 64000)});
  auto node = Create({{"prompt", "Say hi"},
                      {"max_tokens", 100},
                      {"max_cost_usd", 0.01},
                      {"routes", {{{"query", {{"id", "*/*"}, {"sort", "price"}, {"order", "desc"}}}}}}});
  absl::StatusOr<sdk::NodeResult> result = RunOnce(*node);
  ASSERT_TRUE(result.ok()) << result.status();
  // dear/b's worst case (2 * 0.001 + 100 * 0.001) is over the ceiling: skipped, cheap/a answers.
  EXPECT_EQ(result->outputs[0][0]["route"], "query: cheap/a");
  EXPECT_EQ(upstream_.calls("dear/b"), 0);
  EXPECT_EQ(result->outputs[0][0]["attempts"][0]["error_class"], "limit_exceeded");
}

TEST_F(QueryRouteTest, AWorkflowLoadRefusesARouteWithAQueryAndAModelAndABadQuery) {
  Create({{"prompt", "p"},
          {"routes",
           {{{"model", "a/b"}, {"query", {{"free", true}}}},
            {{"query", {{"id_regex", "(unclosed"}}}}}}});
  EXPECT_THAT(errors_, ElementsAre(HasSubstr("/routes/0: set one of 'node'"),
                                   HasSubstr("/routes/1/query: id_regex: missing )")));
}

TEST_F(QueryRouteTest, AQueryRouteNeedsNoModel) {
  Create(FreeThenFlagship());
  EXPECT_THAT(errors_, ElementsAre());
}

}  // namespace
}  // namespace flowhost::nodes::router
