// One parsed expression (and one template) evaluated from several threads at once.
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "server/expr/expression.h"
#include "server/expr/template.h"
#include "tests/expr/eval_helpers.h"

namespace flowhost::expr::testing {
namespace {

TEST(ExpressionConcurrency, OneParsedExpressionEvaluatesCorrectlyFromManyThreads) {
  auto parsed = Expression::Parse(
      "upper($json.name) + ':' + string(sum(range($json.n))) + ':' + "
      "join($json.tags.sort().reverse(), '') + ':' + $('Fetch').item.title",
      ExpressionLimits());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  std::vector<Json> tags_sorted = {"x", "y", "z"};
  std::vector<Json> tags = {"y", "z", "x"};
  std::vector<Json> fetch_items = {Json{{"title", "first"}}, Json{{"title", "second"}}};
  auto template_compiled = [] {
    std::vector<TemplateError> errors;
    return Template::Compile("n={{ $json.n * 2 }} i={{ $itemIndex }}", ExpressionLimits(), "",
                             errors);
  }();
  ASSERT_NE(template_compiled, nullptr);

  constexpr int kThreads = 8;
  constexpr int kIterations = 500;
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      TestScope scope;
      scope.WithJson(Json{{"name", "worker" + std::to_string(t)}, {"n", t}, {"tags", tags}})
          .WithItemIndex(t % 2)
          .WithNode("Fetch", fetch_items);
      int expected_sum = t * (t - 1) / 2;
      const std::string expected = "WORKER" + std::to_string(t) + ":" +
                                   std::to_string(expected_sum) +
                                   ":zyx:" + (t % 2 == 0 ? "first" : "second");
      const std::string expected_text =
          "n=" + std::to_string(t * 2) + " i=" + std::to_string(t % 2);
      for (int i = 0; i < kIterations; ++i) {
        auto value = (*parsed)->Evaluate(scope);
        if (!value.ok() || *value != expected) ++failures[t];
        auto text = template_compiled->Evaluate(scope);
        if (!text.ok() || *text != expected_text) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace flowhost::expr::testing
