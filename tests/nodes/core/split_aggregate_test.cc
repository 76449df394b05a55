// `split_out` (an array field becomes items) and `aggregate` (items become one).
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/item_bytes.h"
#include "flowhost/sdk/output_schema.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/nodes/core/node_test_host.h"

namespace flowhost::nodes::core::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(SplitOutNode, DeclaresItsItemsFieldsOnlyWithADestination) {
  NodeTestHost host;
  auto open = host.Create("split_out", {{"field", "docs"}});
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->output_schema(), sdk::OpenOutputSchema());
  auto selected = host.Create("split_out", {{"field", "docs"}, {"destination", "doc.body"},
                                            {"include", "selected"},
                                            {"include_fields", {"owner.id", "tag"}}});
  ASSERT_NE(selected, nullptr);
  EXPECT_EQ(selected->output_schema(), sdk::ExactOutputSchema({"doc", "owner", "tag"}));
  auto all = host.Create("split_out", {{"field", "docs"}, {"destination", "doc"}, {"include", "all"}});
  ASSERT_NE(all, nullptr);
  EXPECT_EQ(all->output_schema(), sdk::PassThroughOutputSchema({"doc"}));
}

TEST(AggregateNode, DeclaresTheFieldsOfItsOneItem) {
  NodeTestHost host;
  auto items = host.Create("aggregate", {{"destination", "all.items"}});
  ASSERT_NE(items, nullptr);
  EXPECT_EQ(items->output_schema(), sdk::ExactOutputSchema({"all"}));
  auto fields = host.Create("aggregate", {{"mode", "fields"}, {"fields", {"id", "price.total"}}});
  ASSERT_NE(fields, nullptr);
  EXPECT_EQ(fields->output_schema(), sdk::ExactOutputSchema({"id", "total"}));
  auto computed = host.Create("aggregate", {{"destination", "{{ $json.d }}"}}, {"/destination"});
  ASSERT_NE(computed, nullptr);
  EXPECT_EQ(computed->output_schema(), sdk::OpenOutputSchema());
}

TEST(SplitOutNode, ElementsThatAreNotObjectsGoUnderTheFieldsLastSegment) {
  NodeTestHost host;
  auto result = host.Run("split_out", {{"field", "data.tags"}},
                         {{{{"data", {{"tags", {"a", "b"}}}}, {"id", 1}}}});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result), ElementsAre(Json{{"tags", "a"}}, Json{{"tags", "b"}}));
}

TEST(SplitOutNode, ObjectElementsBecomeTheItems) {
  NodeTestHost host;
  auto result =
      host.Run("split_out", {{"field", "rows"}}, {{{{"rows", {{{"x", 1}}, {{"x", 2}}}}}}});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result), ElementsAre(Json{{"x", 1}}, Json{{"x", 2}}));
}

TEST(SplitOutNode, ADestinationPutsEachElementUnderThatField) {
  NodeTestHost host;
  auto result = host.Run("split_out", {{"field", "rows"}, {"destination", "row.value"}},
                         {{{{"rows", {{{"x", 1}}}}}}});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result), ElementsAre(Json{{"row", {{"value", {{"x", 1}}}}}}));
}

TEST(SplitOutNode, IncludeAllKeepsEveryOtherField) {
  NodeTestHost host;
  auto result = host.Run("split_out", {{"field", "tags"}, {"include", "all"}},
                         {{{{"tags", {"a", "b"}}, {"id", 1}}}});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result),
              ElementsAre(Json{{"id", 1}, {"tags", "a"}}, Json{{"id", 1}, {"tags", "b"}}));
}

TEST(SplitOutNode, IncludeSelectedKeepsTheListedFields) {
  NodeTestHost host;
  auto result = host.Run(
      "split_out",
      {{"field", "tags"}, {"include", "selected"}, {"include_fields", {"meta.owner", "missing"}}},
      {{{{"tags", {"a"}}, {"id", 1}, {"meta", {{"owner", "ann"}, {"size", 3}}}}}});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result), ElementsAre(Json{{"meta", {{"owner", "ann"}}}, {"tags", "a"}}));
}

TEST(SplitOutNode, AMissingOrNullFieldYieldsNoItems) {
  NodeTestHost host;
  auto result = host.Run("split_out", {{"field", "tags"}},
                         {{{{"id", 1}}, {{"tags", nullptr}}, {{"tags", Json::array()}}}});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result), IsEmpty());
}

TEST(SplitOutNode, AFieldThatIsNotAnArrayIsAnInputError) {
  NodeTestHost host;
  auto result = host.Run("split_out", {{"field", "tags"}}, {{{{"tags", "a,b"}}}});
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(sdk::ErrorClassOf(result->status()), "invalid_input");
  EXPECT_EQ(result->status().message(), "field 'tags' is string, not an array");
}

TEST(SplitOutNode, ABadFieldPathIsReportedWhenTheWorkflowLoads) {
  NodeTestHost host;
  EXPECT_EQ(host.Create("split_out", {{"field", "a."}}), nullptr);
  EXPECT_THAT(host.errors, ElementsAre("/field: field path 'a.' has an empty segment"));
}

Items Orders() { return {{{"id", 1}, {"total", 5}}, {{"id", 2}}, {{"id", 3}, {"total", 7}}}; }

TEST(AggregateNode, AllItemsGoIntoOneArrayField) {
  NodeTestHost host;
  auto result = host.Run("aggregate", Json::object(), {Orders()});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result), ElementsAre(Json{{"items", Orders()}}));
}

TEST(AggregateNode, TheDestinationMayBeADottedPath) {
  NodeTestHost host;
  auto result = host.Run("aggregate", {{"destination", "batch.orders"}}, {Orders()});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result), ElementsAre(Json{{"batch", {{"orders", Orders()}}}}));
}

TEST(AggregateNode, FieldsModeCollectsEachFieldIntoAnArrayLeavingOutMissingValues) {
  NodeTestHost host;
  auto result =
      host.Run("aggregate", {{"mode", "fields"}, {"fields", {"id", "total"}}}, {Orders()});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result), ElementsAre(Json{{"id", {1, 2, 3}}, {"total", {5, 7}}}));
}

TEST(AggregateNode, KeepMissingKeepsArraysAlignedWithTheItems) {
  NodeTestHost host;
  auto result = host.Run(
      "aggregate", {{"mode", "fields"}, {"fields", {"total"}}, {"keep_missing", true}}, {Orders()});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result), ElementsAre(Json{{"total", {5, nullptr, 7}}}));
}

TEST(AggregateNode, TwoFieldsCollectedUnderTheSameNameAreRejected) {
  NodeTestHost host;
  EXPECT_EQ(host.Create("aggregate", {{"mode", "fields"}, {"fields", {"a.id", "b.id"}}}), nullptr);
  EXPECT_THAT(host.errors, ElementsAre("/fields/1: two fields would both be collected under 'id'"));
}

TEST(AggregateNode, FieldsModeNeedsFields) {
  NodeTestHost host;
  EXPECT_EQ(host.Create("aggregate", {{"mode", "fields"}}), nullptr);
  EXPECT_THAT(host.errors, ElementsAre(": mode fields needs `fields`: the fields to collect"));
}

TEST(SplitOutNode, StopsAtTheFirstItemTheItemBudgetRefuses) {
  // One input item whose large field `include: all` copies into every one of its 100 elements.
  NodeTestHost host;
  Json input = {{"big", std::string(10000, 'x')}, {"n", Json::array()}};
  for (int k = 0; k < 100; ++k) input["n"].push_back(k);
  Json one_output = {{"big", std::string(10000, 'x')}, {"n", 0}};
  host.item_bytes_limit = 4 * sdk::ItemBytes(one_output) + 100;
  auto result = host.Run("split_out", {{"field", "n"}, {"include", "all"}}, {{input}});
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(sdk::ErrorClassOf(result->status()), "limit_exceeded");
  EXPECT_EQ(result->status().message(), "the test's item budget is spent");
  // Four items fitted and the fifth was refused; the 95 others were never built.
  EXPECT_EQ(host.reservations, 5);
  EXPECT_EQ(host.item_bytes_reserved, 4 * sdk::ItemBytes(one_output));
}

}  // namespace
}  // namespace flowhost::nodes::core::testing
