// `if`, `filter` and `switch`: routing items to outputs by per-item conditions.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/nodes/core/node_test_host.h"

namespace flowhost::nodes::core::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Items Numbers(std::vector<int> values) {
  Items items;
  for (int v : values) items.push_back({{"n", v}});
  return items;
}

// Per-item parameters {"condition": predicate(item)}.
ParamsFn Condition(const Items& items, std::function<bool(int)> predicate) {
  return [items, predicate](size_t i) {
    return Json{{"condition", predicate(items[i]["n"].get<int>())}};
  };
}

TEST(IfNode, SendsEachItemToTrueOrFalse) {
  NodeTestHost host;
  Items input = Numbers({1, 5, 2, 9});
  auto result = host.RunPerItem("if", {{"condition", true}},
                                Condition(input, [](int n) { return n > 3; }), {input});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result, 0), ElementsAre(Json{{"n", 5}}, Json{{"n", 9}}));
  EXPECT_THAT(OutputOf(*result, 1), ElementsAre(Json{{"n", 1}}, Json{{"n", 2}}));
}

TEST(IfNode, AConditionThatIsNotABooleanIsAnError) {
  NodeTestHost host;
  auto result = host.RunPerItem("if", {{"condition", true}},
                                [](size_t) {
                                  return Json{{"condition", "yes"}};
                                },
                                {Numbers({1, 2})});
  ASSERT_FALSE(result->ok());
  EXPECT_THAT(std::string(result->status().message()),
              HasSubstr("item 0: /condition: expected boolean, got string \"yes\""));
}

TEST(IfNode, HasOutputsTrueAndFalse) {
  NodeTestHost host;
  const auto& outputs = host.Type("if").info().outputs;
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_EQ(outputs[0].name, "true");
  EXPECT_EQ(outputs[1].name, "false");
}

TEST(FilterNode, KeepsMatchingItemsAndDiscardsTheRestInOrder) {
  NodeTestHost host;
  Items input = Numbers({4, 1, 6, 3});
  auto result = host.RunPerItem("filter", {{"condition", true}},
                                Condition(input, [](int n) { return n % 2 == 0; }), {input});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result, 0), ElementsAre(Json{{"n", 4}}, Json{{"n", 6}}));
  EXPECT_THAT(OutputOf(*result, 1), ElementsAre(Json{{"n", 1}}, Json{{"n", 3}}));
  EXPECT_EQ(host.Type("filter").info().outputs[0].name, "kept");
  EXPECT_EQ(host.Type("filter").info().outputs[1].name, "discarded");
}

// Rules: small (n < 3), medium (n < 10); conditions computed per item.
Json SwitchParams(std::string mode, std::optional<std::string> fallback) {
  Json params = {
      {"mode", mode},
      {"rules",
       {{{"output", "small"}, {"condition", true}}, {{"output", "medium"}, {"condition", true}}}}};
  if (fallback) params["fallback"] = *fallback;
  return params;
}

ParamsFn SwitchConditions(const Items& items, Json base) {
  return [items, base](size_t i) {
    int n = items[i]["n"].get<int>();
    Json params = base;
    params["rules"][0]["condition"] = n < 3;
    params["rules"][1]["condition"] = n < 10;
    return params;
  };
}

TEST(SwitchNode, OutputsAreTheRuleOutputsThenTheFallback) {
  NodeTestHost host;
  auto node = host.Create("switch", SwitchParams("first", "other"));
  ASSERT_NE(node, nullptr);
  auto outputs = node->outputs();
  ASSERT_TRUE(outputs.has_value());
  ASSERT_EQ(outputs->size(), 3u);
  EXPECT_EQ((*outputs)[0].name, "small");
  EXPECT_EQ((*outputs)[1].name, "medium");
  EXPECT_EQ((*outputs)[2].name, "other");
}

TEST(SwitchNode, FirstModeSendsAnItemToTheFirstMatchingRuleOnly) {
  NodeTestHost host;
  Items input = Numbers({1, 5, 20});
  Json params = SwitchParams("first", "other");
  auto result = host.RunPerItem("switch", params, SwitchConditions(input, params), {input});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result, 0), ElementsAre(Json{{"n", 1}}));
  EXPECT_THAT(OutputOf(*result, 1), ElementsAre(Json{{"n", 5}}));
  EXPECT_THAT(OutputOf(*result, 2), ElementsAre(Json{{"n", 20}}));
}

TEST(SwitchNode, AllModeSendsAnItemToEveryMatchingRule) {
  NodeTestHost host;
  Items input = Numbers({1, 5});
  Json params = SwitchParams("all", std::nullopt);
  auto result = host.RunPerItem("switch", params, SwitchConditions(input, params), {input});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result, 0), ElementsAre(Json{{"n", 1}}));
  EXPECT_THAT(OutputOf(*result, 1), ElementsAre(Json{{"n", 1}}, Json{{"n", 5}}));
}

TEST(SwitchNode, WithoutAFallbackUnmatchedItemsAreDropped) {
  NodeTestHost host;
  Items input = Numbers({50});
  Json params = SwitchParams("first", std::nullopt);
  auto result = host.RunPerItem("switch", params, SwitchConditions(input, params), {input});
  ASSERT_TRUE(result->ok());
  ASSERT_EQ(result->value().outputs.size(), 2u);
  EXPECT_THAT(OutputOf(*result, 0), IsEmpty());
  EXPECT_THAT(OutputOf(*result, 1), IsEmpty());
}

TEST(SwitchNode, RulesMayShareAnOutputAndTheFallbackMayReuseOne) {
  NodeTestHost host;
  Json params = {
      {"rules", {{{"output", "a"}, {"condition", true}}, {{"output", "a"}, {"condition", true}}}},
      {"fallback", "a"},
      {"mode", "all"}};
  auto node = host.Create("switch", params);
  ASSERT_NE(node, nullptr);
  ASSERT_EQ(node->outputs()->size(), 1u);
  // An item matching both rules still goes to "a" once.
  auto result = host.Run("switch", params, {Numbers({1})});
  ASSERT_TRUE(result->ok());
  EXPECT_THAT(OutputOf(*result, 0), ElementsAre(Json{{"n", 1}}));
}

TEST(SwitchNode, OutputNamesMustBeWrittenOutAndUsableInWiring) {
  NodeTestHost host;
  Json params = {{"rules",
                  {{{"output", "{{ $json.kind }}"}, {"condition", true}},
                   {{"output", "2"}, {"condition", true}},
                   {{"output", "error"}, {"condition", true}},
                   {{"output", "a:b"}, {"condition", true}}}}};
  EXPECT_EQ(host.Create("switch", params, {"/rules/0/output"}), nullptr);
  EXPECT_THAT(
      host.errors,
      ElementsAre(
          "/rules/0/output: an output name must be written out, not computed: it names a port",
          "/rules/1/output: an output name must not be a number (it would read as an output index)",
          "/rules/2/output: the output name 'error' is reserved for on_error: error_output",
          "/rules/3/output: an output name must not contain ':' or whitespace"));
}

TEST(SwitchNode, ComputedRulesAreRejected) {
  NodeTestHost host;
  EXPECT_EQ(host.Create("switch", {{"rules", "{{ $json.rules }}"}}, {"/rules"}), nullptr);
  EXPECT_THAT(host.errors, ElementsAre("/rules: rules must be written out as a list: the outputs "
                                       "are derived from them"));
}

}  // namespace
}  // namespace flowhost::nodes::core::testing
