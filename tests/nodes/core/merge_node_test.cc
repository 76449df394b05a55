// `merge`: append, combine by position and combine by field with each join, and its load-time
// checks.
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/item_bytes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/nodes/core/node_test_host.h"

namespace flowhost::nodes::core::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(MergeNode, TheInputsParameterSetsTheInputPorts) {
  NodeTestHost host;
  auto node = host.Create("merge", {{"inputs", 3}});
  ASSERT_NE(node, nullptr);
  auto inputs = node->inputs();
  ASSERT_TRUE(inputs.has_value());
  ASSERT_EQ(inputs->size(), 3u);
  EXPECT_EQ((*inputs)[0].name, "in0");
  EXPECT_EQ((*inputs)[2].name, "in2");
}

TEST(MergeNode, AppendConcatenatesTheInputsInPortOrder) {
  NodeTestHost host;
  auto result = host.Run("merge", {{"inputs", 3}}, {{{{"a", 1}}}, {}, {{{"c", 1}}, {{"c", 2}}}});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result), ElementsAre(Json{{"a", 1}}, Json{{"c", 1}}, Json{{"c", 2}}));
}

std::vector<Items> Positions() {
  return {{{{"a", 1}}, {{"a", 2}}, {{"a", 3}}}, {{{"b", 1}, {"a", 10}}}};
}

TEST(MergeNode, CombineByPositionInnerStopsAtTheShortestInput) {
  NodeTestHost host;
  auto result = host.Run("merge", {{"mode", "combine_by_position"}}, Positions());
  ASSERT_TRUE(result->ok());
  // Later inputs win on a clash.
  EXPECT_THAT(OutputOf(*result), ElementsAre(Json{{"a", 10}, {"b", 1}}));
}

TEST(MergeNode, CombineByPositionLeftKeepsEveryItemOfTheFirstInput) {
  NodeTestHost host;
  auto result = host.Run("merge", {{"mode", "combine_by_position"}, {"join", "left"}}, Positions());
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result),
              ElementsAre(Json{{"a", 10}, {"b", 1}}, Json{{"a", 2}}, Json{{"a", 3}}));
}

TEST(MergeNode, CombineByPositionOuterRunsToTheLongestInput) {
  NodeTestHost host;
  auto result = host.Run("merge", {{"mode", "combine_by_position"}, {"join", "outer"}},
                         {{{{"a", 1}}}, {{{"b", 1}}, {{"b", 2}}}});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result), ElementsAre(Json{{"a", 1}, {"b", 1}}, Json{{"b", 2}}));
}

TEST(MergeNode, CombineByPositionRejectsItemsThatAreNotObjects) {
  NodeTestHost host;
  auto result = host.Run("merge", {{"mode", "combine_by_position"}}, {{{{"a", 1}}}, {Json(5)}});
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(sdk::ErrorClassOf(result->status()), "invalid_input");
  EXPECT_EQ(result->status().message(), "input 1 item 0 is integer; only objects can be combined");
}

std::vector<Items> People() {
  return {{{{"id", 1}, {"name", "ann"}}, {{"id", 2}, {"name", "bob"}}, {{"name", "nobody"}}},
          {{{"id", 2}, {"total", 30}}, {{"id", 2}, {"total", 5}}, {{"id", 3}, {"total", 1}}}};
}

Json ByField(std::string join) {
  return {{"mode", "combine_by_field"}, {"fields", {"id"}}, {"join", join}};
}

TEST(MergeNode, CombineByFieldInnerKeepsOnlyMatchesOnePerPair) {
  NodeTestHost host;
  auto result = host.Run("merge", ByField("inner"), People());
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result), ElementsAre(Json{{"id", 2}, {"name", "bob"}, {"total", 30}},
                                             Json{{"id", 2}, {"name", "bob"}, {"total", 5}}));
}

TEST(MergeNode, CombineByFieldLeftAlsoKeepsUnmatchedFirstInputItems) {
  NodeTestHost host;
  auto result = host.Run("merge", ByField("left"), People());
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(
      OutputOf(*result),
      ElementsAre(Json{{"id", 1}, {"name", "ann"}}, Json{{"id", 2}, {"name", "bob"}, {"total", 30}},
                  Json{{"id", 2}, {"name", "bob"}, {"total", 5}}, Json{{"name", "nobody"}}));
}

TEST(MergeNode, CombineByFieldOuterAlsoKeepsUnmatchedSecondInputItemsAtTheEnd) {
  NodeTestHost host;
  auto result = host.Run("merge", ByField("outer"), People());
  ASSERT_TRUE(result->ok());
  Items output = OutputOf(*result);
  ASSERT_EQ(output.size(), 5u);
  EXPECT_EQ(output.back(), (Json{{"id", 3}, {"total", 1}}));
}

TEST(MergeNode, CombineByFieldMatchesOnEveryListedFieldIncludingNestedOnes) {
  NodeTestHost host;
  auto result =
      host.Run("merge", {{"mode", "combine_by_field"}, {"fields", {"k.a", "b"}}},
               {{{{"k", {{"a", 1}}}, {"b", 1}, {"x", 1}}, {{"k", {{"a", 1}}}, {"b", 2}, {"x", 2}}},
                {{{"k", {{"a", 1}}}, {"b", 2}, {"y", 2}}}});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result),
              ElementsAre(Json{{"k", {{"a", 1}}}, {"b", 2}, {"x", 2}, {"y", 2}}));
}

TEST(MergeNode, CombineByFieldWithAnEmptySecondInputYieldsNothingForInner) {
  NodeTestHost host;
  auto result = host.Run("merge", ByField("inner"), {{{{"id", 1}}}, {}});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result), IsEmpty());
}

TEST(MergeNode, CombineByFieldNeedsTwoInputsAndFields) {
  NodeTestHost host;
  EXPECT_EQ(host.Create("merge", {{"mode", "combine_by_field"}, {"inputs", 3}}), nullptr);
  EXPECT_THAT(host.errors,
              ElementsAre("/inputs: combine_by_field joins exactly 2 inputs",
                          ": combine_by_field needs `fields`: the field(s) to match items on"));
}

TEST(MergeNode, TheShapeOfTheNodeMustBeWrittenOut) {
  NodeTestHost host;
  EXPECT_EQ(host.Create("merge", {{"inputs", "{{ 2 }}"}}, {"/inputs"}), nullptr);
  EXPECT_THAT(host.errors,
              ElementsAre("/inputs: inputs must be written out, not computed: it shapes the node"));
}

TEST(MergeNode, FieldsOutsideCombineByFieldDrawAWarning) {
  NodeTestHost host;
  EXPECT_NE(host.Create("merge", {{"fields", {"id"}}}), nullptr);
  EXPECT_THAT(host.warnings, ElementsAre("/fields: fields is only used by mode combine_by_field"));
}

TEST(MergeNode, CombineByFieldStopsAManyToManyJoinAtTheItemBudget) {
  // 100 x 100 items sharing one key would make 10,000 merged items.
  NodeTestHost host;
  Items left(100, Json{{"id", 1}, {"left", std::string(1000, 'l')}});
  Items right(100, Json{{"id", 1}, {"right", std::string(1000, 'r')}});
  Json merged = {{"id", 1}, {"left", std::string(1000, 'l')}, {"right", std::string(1000, 'r')}};
  host.item_bytes_limit = 50 * sdk::ItemBytes(merged);
  auto result = host.Run("merge", ByField("inner"), {left, right});
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(sdk::ErrorClassOf(result->status()), "limit_exceeded");
  EXPECT_EQ(host.reservations, 51);
}

}  // namespace
}  // namespace flowhost::nodes::core::testing
