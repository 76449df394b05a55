// `set`: fields set from values, merge and replace modes, dotted paths, and its errors.
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/item_bytes.h"
#include "flowhost/sdk/json_schema.h"
#include "flowhost/sdk/output_schema.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/nodes/core/node_test_host.h"

namespace flowhost::nodes::core::testing {
namespace {

using ::testing::ElementsAre;

TEST(SetNode, MergeModeSetsFieldsOnACopyOfEachItem) {
  NodeTestHost host;
  auto result =
      host.Run("set", {{"values", {{"b", 2}, {"a", "new"}}}}, {{{{"a", "old"}, {"keep", true}}}});
  ASSERT_TRUE(result.has_value() && result->ok()) << result->status();
  EXPECT_THAT(OutputOf(*result), ElementsAre(Json{{"a", "new"}, {"b", 2}, {"keep", true}}));
}

TEST(SetNode, ReplaceModeStartsFromAnEmptyItem) {
  NodeTestHost host;
  auto result =
      host.Run("set", {{"values", {{"only", 1}}}, {"mode", "replace"}}, {{{{"dropped", true}}}});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result), ElementsAre(Json{{"only", 1}}));
}

// Through the plugin ABI too (core_nodes_via_plugin_test): the type's schema in its description, the
// node's in the JSON of its ports.
TEST(SetNode, DeclaresTheFieldsOfItsItemsFromItsValues) {
  NodeTestHost host;
  EXPECT_EQ(host.Type("set").info().output_schema, sdk::PassThroughOutputSchema());
  auto merge = host.Create("set", {{"values", {{"user.name", 1}, {"b", 2}}}});
  ASSERT_NE(merge, nullptr);
  EXPECT_EQ(merge->output_schema(), sdk::PassThroughOutputSchema({"b", "user"}));
  auto replace = host.Create("set", {{"values", {{"a.b", 1}}}, {"mode", "replace"},
                                     {"dot_notation", false}});
  ASSERT_NE(replace, nullptr);
  EXPECT_EQ(replace->output_schema(), sdk::ExactOutputSchema({"a.b"}));
  auto computed = host.Create("set", {{"values", {{"a", 1}}}, {"mode", "{{ $json.m }}"}}, {"/mode"});
  ASSERT_NE(computed, nullptr);
  EXPECT_EQ(computed->output_schema(), sdk::OpenOutputSchema());
}

TEST(SetNode, DottedKeysBuildNestedObjects) {
  NodeTestHost host;
  auto result = host.Run("set", {{"values", {{"user.address.city", "Oslo"}, {"user.id", 7}}}},
                         {{{{"user", {{"name", "ann"}}}}}});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(
      OutputOf(*result),
      ElementsAre(Json{{"user", {{"name", "ann"}, {"id", 7}, {"address", {{"city", "Oslo"}}}}}}));
}

TEST(SetNode, WithoutDotNotationKeysAreSetLiterally) {
  NodeTestHost host;
  auto result =
      host.Run("set", {{"values", {{"a.b", 1}}}, {"dot_notation", false}}, {{Json::object()}});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result), ElementsAre(Json{{"a.b", 1}}));
}

TEST(SetNode, ValuesAreEvaluatedForEachItem) {
  NodeTestHost host;
  Items input = {{{"n", 1}}, {{"n", 2}}};
  auto result =
      host.RunPerItem("set", {{"values", {{"double", 0}}}},
                      [&input](size_t i) {
                        return Json{{"values", {{"double", input[i]["n"].get<int>() * 2}}}};
                      },
                      {input});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result),
              ElementsAre(Json{{"n", 1}, {"double", 2}}, Json{{"n", 2}, {"double", 4}}));
}

TEST(SetNode, SettingThroughAValueThatIsNotAnObjectIsAnInputError) {
  NodeTestHost host;
  auto result = host.Run("set", {{"values", {{"a.b", 1}}}}, {{{{"x", 0}}, {{"a", "text"}}}});
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(sdk::ErrorClassOf(result->status()), "invalid_input");
  EXPECT_EQ(result->status().message(), "item 1: cannot set 'a.b': 'a' is string, not an object");
}

TEST(SetNode, AnEmptyPathSegmentIsReportedWhenTheWorkflowLoads) {
  NodeTestHost host;
  EXPECT_EQ(host.Create("set", {{"values", {{"a..b", 1}}}}), nullptr);
  EXPECT_THAT(host.errors, ElementsAre("/values/a..b: field path 'a..b' has an empty segment"));
}

TEST(SetNode, TheSchemaRejectsUnknownParametersWithAHint) {
  NodeTestHost host;
  std::vector<sdk::SchemaViolation> violations;
  sdk::ValidateAgainstSchema(Json{{"valuez", Json::object()}},
                             host.Type("set").info().parameter_schema, violations);
  ASSERT_EQ(violations.size(), 2u);
  EXPECT_EQ(violations[0].message, "missing required parameter 'values'");
  EXPECT_EQ(violations[1].message, "unknown parameter 'valuez' (did you mean 'values'?)");
}

TEST(SetNode, TheSchemaRejectsAnUnknownMode) {
  NodeTestHost host;
  std::vector<sdk::SchemaViolation> violations;
  sdk::ValidateAgainstSchema(Json{{"values", Json::object()}, {"mode", "append"}},
                             host.Type("set").info().parameter_schema, violations);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].pointer, "/mode");
  EXPECT_EQ(violations[0].message, "must be one of: merge, replace (got \"append\")");
}

TEST(SetNode, ReservesEveryItemItBuildsAndStopsWhenTheBudgetRefuses) {
  NodeTestHost host;
  Items input(10, Json{{"i", 1}});
  auto fits = host.Run("set", {{"values", {{"tag", "x"}}}}, {input});
  ASSERT_TRUE(fits->ok());
  EXPECT_EQ(host.reservations, 10);
  EXPECT_EQ(host.item_bytes_reserved, sdk::ItemsBytes(OutputOf(*fits)));

  NodeTestHost tight;
  tight.item_bytes_limit = 3 * sdk::ItemBytes(Json{{"i", 1}, {"tag", "x"}});
  auto refused = tight.Run("set", {{"values", {{"tag", "x"}}}}, {input});
  ASSERT_FALSE(refused->ok());
  EXPECT_EQ(sdk::ErrorClassOf(refused->status()), "limit_exceeded");
  EXPECT_EQ(refused->status().message(), "item 3: the test's item budget is spent");
}

}  // namespace
}  // namespace flowhost::nodes::core::testing
