// Limits: source size, nesting depth (bombs are parse errors, not stack overflows), and the size of
// values built while evaluating.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/expr/expression.h"
#include "tests/expr/eval_helpers.h"

namespace flowhost::expr::testing {
namespace {

std::string Repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

ParseError ParseFailure(const std::string& source, const ExpressionLimits& limits) {
  ParseError error;
  auto parsed = Expression::Parse(source, limits, &error);
  EXPECT_FALSE(parsed.ok()) << source.substr(0, 40);
  return error;
}

TEST(ExpressionLimits, NestingUpToTheDepthLimitParses) {
  ExpressionLimits limits;  // max_depth 64
  EXPECT_TRUE(Eval(Repeat("(", 63) + "1" + Repeat(")", 63), StandardScope(), limits).ok());
  EXPECT_TRUE(Eval(Repeat("!", 62) + "true", StandardScope(), limits).ok());
}

TEST(ExpressionLimits, DepthBombsAreClearParseErrors) {
  const ExpressionLimits limits;
  const std::vector<std::string> bombs = {
      Repeat("(", 65) + "1" + Repeat(")", 65),
      Repeat("(", 8000) + "1",  // far deeper than any stack would allow without the limit
      Repeat("!", 8000) + "true",
      Repeat("-", 8000) + "1",
      Repeat("[", 5000) + Repeat("]", 5000),
      Repeat("{a:", 4000) + "1" + Repeat("}", 4000),
      Repeat("lower(", 2000) + "'x'" + Repeat(")", 2000),
      Repeat("1 ? 2 : ", 2000) + "3",
      "$json" + Repeat("[$json", 2000) + Repeat("]", 2000),
  };
  for (const std::string& bomb : bombs) {
    SCOPED_TRACE(bomb.substr(0, 20));
    ParseError error = ParseFailure(bomb, limits);
    EXPECT_NE(error.message.find("nested too deeply (the limit is 64 levels)"), std::string::npos)
        << error.message;
    EXPECT_LT(error.offset, bomb.size());
  }
}

TEST(ExpressionLimits, LongFlatChainsAreNotNesting) {
  // 50000 operands at one precedence level and 20000 postfix steps: long, but flat.
  ExpressionLimits limits;
  limits.max_source_bytes = 1 << 20;
  auto value = Eval("1" + Repeat(" + 1", 49999), StandardScope(), limits);
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, 50000);
  auto steps = Eval("$json" + Repeat(".a", 20000), StandardScope(), limits);
  ASSERT_TRUE(steps.ok()) << steps.status();
  EXPECT_TRUE(steps->is_null());
}

TEST(ExpressionLimits, SourceLongerThanTheLimitIsRejected) {
  ExpressionLimits limits;
  limits.max_source_bytes = 100;
  ParseError error = ParseFailure("1" + Repeat(" + 1", 30), limits);
  EXPECT_EQ(error.offset, 100u);
  EXPECT_EQ(error.message, "expression is 121 bytes long; the limit is 100");
}

TEST(ExpressionLimits, BuiltValuesLargerThanTheLimitAreErrors) {
  ExpressionLimits limits;
  limits.max_value_bytes = 1024;
  struct Case {
    const char* source;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"repeat('x', 2000)", "repeat() would build a value larger than the limit of 1024 bytes"},
      {"range(1000)", "range() would build a value larger than the limit of 1024 bytes"},
      {"repeat('x', 600) + repeat('y', 600)", "concatenated string would be larger than"},
      {"split(repeat('a', 500), '')", "split() would build a value larger than"},
      {"join(range(100), '----------')", "join() would build a value larger than"},
      {"replace(repeat('a', 500), 'a', 'bbb')", "replace() would build a value larger than"},
      {"padStart('x', 5000)", "padStart() would build a value larger than"},
      {"[repeat('x', 600), repeat('y', 600)]", "the array would be larger than the limit"},
      {"{a: repeat('x', 600), b: repeat('y', 600)}", "the object would be larger than the limit"},
      {"toJson([repeat('x', 600), repeat('y', 600)][0] + repeat('z', 500))",
       "larger than the limit"},
      {"merge({a: repeat('x', 600)}, {b: repeat('y', 600)})",
       "the result of merge() would be larger than the limit"},
      // The key and the element: twice the text.
      {"groupBy([{a: repeat('x', 600)}], 'a')",
       "groupBy() would build a value larger than the limit"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.source);
    auto value = Eval(c.source, StandardScope(), limits);
    ASSERT_FALSE(value.ok());
    EXPECT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(value.status().message().find(c.message), absl::string_view::npos)
        << value.status().message();
  }
}

TEST(ExpressionLimits, HugeRequestsFailFastUnderTheDefaultLimit) {
  for (const char* source :
       {"range(100000000000)", "repeat('abc', 1e12)",
        "range(-9223372036854775807, 9223372036854775807)", "padEnd('', 9000000000)",
        // Refused before splitting (found by the expression fuzzer: it took seconds after).
        "split(repeat('ab', 4000000), '')"}) {
    SCOPED_TRACE(source);
    auto value = Eval(source);
    ASSERT_FALSE(value.ok());
    EXPECT_NE(value.status().message().find("larger than the limit of 8388608 bytes"),
              absl::string_view::npos)
        << value.status().message();
  }
}

// Found by the expression fuzzer: an empty string repeated 1e12 times built nothing, so no limit
// stopped it, and the loop held the evaluating thread for hours. Each is answered at once now.
TEST(ExpressionLimits, RepeatingAnEmptyStringAnyNumberOfTimesIsEmptyAtOnce) {
  for (const char* source :
       {"repeat('', 1e12)", "repeat('', 9223372036854775807)", "length(repeat('', 1e15) + 'x')"}) {
    SCOPED_TRACE(source);
    auto value = Eval(source);
    ASSERT_TRUE(value.ok()) << value.status();
    EXPECT_TRUE(*value == sdk::Json("") || *value == sdk::Json(1)) << value->dump();
  }
}

TEST(ExpressionLimits, ParseJsonRejectsDeeplyNestedDocuments) {
  auto value = Eval("parseJson(repeat('[', 300) + repeat(']', 300))");
  ASSERT_FALSE(value.ok());
  EXPECT_NE(value.status().message().find("nested deeper than 256 levels"),
            absl::string_view::npos);
  EXPECT_TRUE(Eval("parseJson(repeat('[', 200) + repeat(']', 200))").ok());
}

}  // namespace
}  // namespace flowhost::expr::testing
