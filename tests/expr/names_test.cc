// The names an expression reads: $json, $itemIndex, $inputs, $vars, $env, $execution, $input and
// upstream nodes through $("X") / $node["X"], including the n8n spellings.
#include "gtest/gtest.h"
#include "tests/expr/case_table.h"
#include "tests/expr/eval_helpers.h"
#include "tests/expr/test_scope.h"

namespace flowhost::expr::testing {
namespace {

TEST(ExpressionNames, ReadTheScopesValues) {
  ExpectValues({
      {"$json.user.id", "7"},
      {"$itemIndex", "1"},
      {"$inputs.question", R"("why?")"},
      {"$inputs['count'] * 2", "4"},
      {"$inputs.missing", "null"},
      {"$vars.greeting + '!'", R"("hello!")"},
      {"$execution.id", R"("exec-1")"},
      {"$execution.workflow", R"("demo")"},
      {"$execution.started_at", R"("2023-11-14T22:13:20Z")"},
  });
}

TEST(ExpressionNames, BudgetReadsTheExecutionsCostBudgetOrNullWithoutOne) {
  TestScope budgeted;
  budgeted.WithBudget(Json{{"max_usd", 0.5}, {"spent_usd", 0.125}, {"remaining_usd", 0.375}});
  absl::StatusOr<Json> left = Eval("$budget.remaining_usd", budgeted);
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_EQ(*left, Json(0.375));
  absl::StatusOr<Json> small = Eval("$budget.remaining_usd < 0.5 ? 'tight' : 'fine'", budgeted);
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_EQ(*small, Json("tight"));
  ExpectValues({{"$budget", "null"}, {"$budget.remaining_usd ?? 1", "1"}});
}

TEST(ExpressionNames, EnvReadsOnlyAllowlistedVariables) {
  ExpectValues({
      {"$env.HOME", R"("/home/flow")"},
      {"$env['HOME']", R"("/home/flow")"},
      {"$env['HO' + 'ME']", R"("/home/flow")"},
      {"$env.PATH", "null"},
      {"$env.PATH ?? 'unset'", R"("unset")"},
  });
  ExpectErrors({{"$env[1]", 6, "an environment variable name must be a string, got number"}});
}

TEST(ExpressionNames, InputReadsTheCurrentNodesItems) {
  ExpectValues({
      {"$input.item", R"({"v": 20})"},
      {"$input.item.v", "20"},
      {"$input.item.json.v", "20"},
      {"$input.first().v", "10"},
      {"$input.first().json.v", "10"},
      {"$input.last().v", "30"},
      {"$input.all().length", "3"},
      {"$input.all()[2].v", "30"},
      {"sum([$input.first().v, $input.last().v])", "40"},
  });
}

TEST(ExpressionNames, UpstreamNodesPairItemsByIndexAndOfferN8nAccessors) {
  ExpectValues({
      {"$('Fetch').item.title", R"("two")"},
      {"$(\"Fetch\").item.json.title", R"("two")"},
      {"$('Fetch').first().title", R"("one")"},
      {"$('Fetch').first().json", R"({"id": 1, "title": "one"})"},
      {"$('Fetch').last().id", "2"},
      {"$('Fetch').all()[0].id", "1"},
      {"$('Fetch').all().length", "2"},
      {"$('Fetch').json.title", R"("two")"},
      {"$('Fetch').items.length", "2"},
      {"$node['Fetch'].json.id", "2"},
      {"$node[\"Fetch\"].first().json.title", R"("one")"},
      {"$('Fetch').isExecuted", "true"},
      {"$('Missing').isExecuted", "false"},
      {"$('Empty').first()", "null"},
      {"$('Empty').item", "null"},
      {"$('Empty').all()", "[]"},
      {"$('Empty').isExecuted", "true"},
      // `.json` after an item accessor is n8n's wrapper; a field named "json" is read with [].
      {"$('Wrapped').item['json']", "5"},
      {"$('Wrapped').item.json", R"({"json": 5})"},
  });
}

TEST(ExpressionNames, ItemFallsBackToTheFirstWhenTheIndexHasNoPartner) {
  TestScope scope = StandardScope();
  scope.WithItemIndex(5);
  ExpectValues({{"$('Fetch').item.title", R"("one")"}, {"$input.item.v", "10"}}, scope);
}

TEST(ExpressionNames, ANodeThatHasNotRunIsARuntimeError) {
  ExpectErrors({
      {"$('Missing').item", 1, "node 'Missing' has no output in this execution"},
      {"1 + $node['Missing'].first().x", 5, "isExecuted"},
  });
}

}  // namespace
}  // namespace flowhost::expr::testing
