// The models node's query: every filter, each sort and its direction, the limit, and globs.
#include "flowhost/openrouter/model_query.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/nodes/testing/openrouter_replies.h"

namespace flowhost::nodes::openrouter {
namespace {

using node_testing::CatalogueEntry;
using sdk::Json;
using ::testing::ElementsAre;

CataloguePtr Sample() {
  Json vision = CatalogueEntry("google/vision", "0.000001", "0.000002", 1000000);
  vision["architecture"]["input_modalities"] = {"text", "image"};
  vision["supported_parameters"] = {"tools", "response_format"};
  vision["created"] = 300;
  Json cheap = CatalogueEntry("meta/cheap", "0.0000001", "0.0000001", 8000);
  cheap["created"] = 100;
  Json free = CatalogueEntry("meta/big:free", "0", "0", 131072);
  free["created"] = 200;
  Json pricey = CatalogueEntry("anthropic/claude-x", "0.000015", "0.000075", 200000);
  pricey["supported_parameters"] = {"tools"};
  pricey["created"] = 400;
  Json variable = CatalogueEntry("openrouter/auto", "-1", "-1", 2000000);
  variable["created"] = 50;
  return *Catalogue::Parse(node_testing::CatalogueBody({vision, cheap, free, pricey, variable}),
                           absl::UnixEpoch());
}

std::vector<std::string> Ids(const Json& params) {
  absl::StatusOr<ModelQuery> query = ModelQuery::FromParams(params);
  EXPECT_TRUE(query.ok()) << query.status();
  std::vector<std::string> ids;
  CataloguePtr catalogue = Sample();
  for (const CatalogueModel* model : query->Run(*catalogue)) ids.push_back(model->id);
  return ids;
}

TEST(ModelQuery, FiltersEachWay) {
  EXPECT_THAT(Ids({{"free", true}}), ElementsAre("meta/big:free"));
  EXPECT_THAT(Ids({{"id", "meta/*"}}), ElementsAre("meta/cheap", "meta/big:free"));
  EXPECT_THAT(Ids({{"id_regex", "^(google|anthropic)/"}}),
              ElementsAre("google/vision", "anthropic/claude-x"));
  EXPECT_THAT(Ids({{"author", "anthropic"}}), ElementsAre("anthropic/claude-x"));
  EXPECT_THAT(Ids({{"author", {"google", "meta"}}}),
              ElementsAre("google/vision", "meta/cheap", "meta/big:free"));
  EXPECT_THAT(Ids({{"min_context_length", 150000}}),
              ElementsAre("google/vision", "anthropic/claude-x", "openrouter/auto"));
  EXPECT_THAT(Ids({{"input_modalities", {"image"}}}), ElementsAre("google/vision"));
  EXPECT_THAT(Ids({{"supported_parameters", {"tools"}}}),
              ElementsAre("google/vision", "anthropic/claude-x"));
  EXPECT_THAT(Ids({{"supported_parameters", {"tools", "response_format"}}}),
              ElementsAre("google/vision"));
  EXPECT_THAT(Ids({{"max_prompt_price", 1}}),
              ElementsAre("google/vision", "meta/cheap", "meta/big:free"));
  EXPECT_THAT(Ids({{"max_completion_price", 0.1}}), ElementsAre("meta/cheap", "meta/big:free"));
}

TEST(ModelQuery, SortsWithNaturalDirectionsAndLimits) {
  EXPECT_THAT(Ids({{"sort", "price"}}), ElementsAre("meta/big:free", "meta/cheap", "google/vision",
                                                    "anthropic/claude-x", "openrouter/auto"));
  EXPECT_THAT(Ids({{"sort", "price"}, {"order", "desc"}}),
              ElementsAre("anthropic/claude-x", "google/vision", "meta/cheap", "meta/big:free",
                          "openrouter/auto"));
  EXPECT_THAT(Ids({{"sort", "context_length"}, {"limit", 2}}),
              ElementsAre("openrouter/auto", "google/vision"));
  EXPECT_THAT(Ids({{"sort", "created"}, {"limit", 1}}), ElementsAre("anthropic/claude-x"));
  EXPECT_THAT(Ids({{"sort", "name"}, {"limit", 2}}),
              ElementsAre("anthropic/claude-x", "google/vision"));
  EXPECT_THAT(Ids({{"free", true}, {"sort", "context_length"}, {"limit", 1}}),
              ElementsAre("meta/big:free"));
}

TEST(ModelQuery, SortsEqualPricesExactlyKeepingCatalogueOrder) {
  // 0.0000001 + 0.0000002 and 0.0000003 + 0 are the same price; as doubles the first sum is
  // larger, which used to put the second model first.
  Json split = CatalogueEntry("a/split", "0.0000001", "0.0000002", 1000);
  Json whole = CatalogueEntry("b/whole", "0.0000003", "0", 1000);
  Json swapped = CatalogueEntry("c/swapped", "0.0000002", "0.0000001", 1000);
  Json dearer = CatalogueEntry("d/dearer", "0.00000030000000000000001", "0", 1000);
  Json cheaper = CatalogueEntry("e/cheaper", "0.0000002999999999999", "0", 1000);
  CataloguePtr catalogue = *Catalogue::Parse(
      node_testing::CatalogueBody({split, whole, swapped, dearer, cheaper}), absl::UnixEpoch());
  auto ids = [&catalogue](const Json& params) {
    std::vector<std::string> out;
    for (const CatalogueModel* model : ModelQuery::FromParams(params)->Run(*catalogue)) {
      out.push_back(model->id);
    }
    return out;
  };
  EXPECT_THAT(ids({{"sort", "price"}}),
              ElementsAre("e/cheaper", "a/split", "b/whole", "c/swapped", "d/dearer"));
  EXPECT_THAT(ids({{"sort", "price"}, {"order", "desc"}}),
              ElementsAre("d/dearer", "a/split", "b/whole", "c/swapped", "e/cheaper"));
}

TEST(ModelQuery, RejectsARegularExpressionThatDoesNotCompile) {
  absl::StatusOr<ModelQuery> query = ModelQuery::FromParams({{"id_regex", "(unclosed"}});
  ASSERT_FALSE(query.ok());
  EXPECT_THAT(std::string(query.status().message()), ::testing::HasSubstr("id_regex"));
}

TEST(Glob, MatchesStarsAndQuestionMarks) {
  EXPECT_TRUE(GlobMatch("*", "a/b"));
  EXPECT_TRUE(GlobMatch("a/*:free", "a/b-c:free"));
  EXPECT_FALSE(GlobMatch("a/*:free", "a/b-c"));
  EXPECT_TRUE(GlobMatch("?/b", "a/b"));
  EXPECT_FALSE(GlobMatch("?/b", "ab/b"));
  EXPECT_TRUE(GlobMatch("*b*b*", "abcbd"));
  EXPECT_FALSE(GlobMatch("", "x"));
  EXPECT_TRUE(GlobMatch("", ""));
}

}  // namespace
}  // namespace flowhost::nodes::openrouter
