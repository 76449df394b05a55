// Broken and mutated expressions never crash the parser or the evaluator: every input either parses
// and evaluates to a value or an error, or fails to parse at an offset inside the source.
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/expr/expression.h"
#include "server/expr/template.h"
#include "tests/expr/eval_helpers.h"

namespace flowhost::expr::testing {
namespace {

const std::vector<std::string>& Seeds() {
  static const auto* const kSeeds = new std::vector<std::string>{
      "$json.user.id + 1",
      "upper($json.name.trim()) + ' ' + string($itemIndex)",
      "$('Fetch').item.json.title ?? $node[\"Fetch\"].first().id",
      "[1, 'a', {b: [true, null]}][2].b[0] ? 1 / 2 : -3 % 2",
      "join(sort(unique($json.tags)), ', ').length > 2 && !isEmpty($json.list)",
      "$input.all().length * 2 >= 3 || $env.HOME == 'x'",
      "get($json, 'user.email', 'none').toLowerCase().replace('@', ' at ')",
      "parseJson('{\"a\": [1, 2]}').a[1] + round(2.5, 0) - floor(-1.5)",
      "formatDate(now(), '%Y') + '\\u00e9\\x41' + \"\\\"\"",
      "range(3).join('') + padStart('7', 3, '0') + slice('héllo', 1, -1)",
  };
  return *kSeeds;
}

// Characters that matter to the lexer and parser.
constexpr char kAlphabet[] = "()[]{}.,:?!=<>+-*/%&|$'\"\\ `#0123456789abcejnstuxyz_";

std::string Mutate(const std::string& seed, std::mt19937& rng) {
  std::string s = seed;
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    const size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
    const char c = kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
    switch (rng() % 4) {
      case 0:  // insert
        s.insert(s.begin() + at, c);
        break;
      case 1:  // delete
        if (at < s.size()) s.erase(at, 1);
        break;
      case 2:  // replace
        if (at < s.size()) s[at] = c;
        break;
      default:  // truncate
        s.resize(at);
    }
  }
  return s;
}

TEST(ExpressionRobustness, MutatedExpressionsParseOrFailAtAnOffsetInsideTheSource) {
  std::mt19937 rng(20240501);  // fixed seed: the run is reproducible
  int parsed = 0;
  int rejected = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string source = Mutate(Seeds()[i % Seeds().size()], rng);
    ParseError error;
    auto expression = Expression::Parse(source, ExpressionLimits(), &error);
    if (!expression.ok()) {
      ++rejected;
      EXPECT_LE(error.offset, source.size()) << source;
      EXPECT_FALSE(error.message.empty()) << source;
      continue;
    }
    ++parsed;
    auto value = (*expression)->Evaluate(StandardScope());
    if (!value.ok()) {
      EXPECT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument) << source;
      EXPECT_EQ(value.status().message().substr(0, 10), "at column ") << source;
    }
  }
  // Both paths were exercised.
  EXPECT_GT(parsed, 1000);
  EXPECT_GT(rejected, 1000);
}

TEST(ExpressionRobustness, MutatedTemplatesCompileOrReportErrorsInsideTheText) {
  std::mt19937 rng(7);
  for (int i = 0; i < 5000; ++i) {
    const std::string text =
        Mutate("Q: {{ " + Seeds()[i % Seeds().size()] + " }} and \\{{ x }} {{ 1 }}", rng);
    std::vector<TemplateError> errors;
    auto compiled = Template::Compile(text, ExpressionLimits(), "/p", errors);
    if (compiled == nullptr) {
      ASSERT_FALSE(errors.empty()) << text;
      for (const TemplateError& error : errors) EXPECT_LE(error.offset, text.size()) << text;
      continue;
    }
    EXPECT_TRUE(errors.empty()) << text;
    (void)compiled->Evaluate(StandardScope());
  }
}

}  // namespace
}  // namespace flowhost::expr::testing
