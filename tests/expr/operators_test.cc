// Every operator of the language, its precedence, and its runtime errors.
#include "gtest/gtest.h"
#include "tests/expr/case_table.h"

namespace flowhost::expr::testing {
namespace {

TEST(ExpressionLiterals, EvaluateToTheirJsonValues) {
  ExpectValues({
      {"42", "42"},
      {"-7", "-7"},
      {"3.25", "3.25"},
      {"1e3", "1000.0"},
      {"2.5E-1", "0.25"},
      {"99999999999999999999", "1e20"},
      {"'it\\'s'", R"("it's")"},
      {R"("say \"hi\"")", R"("say \"hi\"")"},
      {R"('a\nb\tc\\d\/e')", R"("a\nb\tc\\d/e")"},
      {R"('\u00e9\x41')", R"("éA")"},
      {R"('\u{1F600}')", R"("😀")"},
      {R"('\uD83D\uDE00')", R"("😀")"},
      {"true", "true"},
      {"false", "false"},
      {"null", "null"},
      {"undefined", "null"},
      {"[1, 'a', null, [true]]", R"([1, "a", null, [true]])"},
      {"[]", "[]"},
      {"[1, 2,]", "[1, 2]"},
      {R"({a: 1, "b c": 2, 'd': [3], 4: 'four'})", R"({"a": 1, "b c": 2, "d": [3], "4": "four"})"},
      {"{a: 1, a: 2}", R"({"a": 2})"},
      {"{}", "{}"},
      {"{a: 1,}", R"({"a": 1})"},
      {"{null: 1, true: 2}", R"({"null": 1, "true": 2})"},
  });
}

TEST(ExpressionArithmetic, KeepsIntegersWhileExactAndFollowsPrecedence) {
  ExpectValues({
      {"1 + 2", "3"},
      {"7 - 10", "-3"},
      {"6 * 7", "42"},
      {"7 / 2", "3.5"},
      {"6 / 2", "3"},
      {"7 % 3", "1"},
      {"-7 % 3", "-1"},
      {"7.5 % 2", "1.5"},
      {"1.5 + 1.5", "3.0"},
      {"0.1 + 0.2", "0.30000000000000004"},
      {"2 + 3 * 4", "14"},
      {"(2 + 3) * 4", "20"},
      {"10 - 2 - 3", "5"},
      {"100 / 10 / 5", "2"},
      {"2 * 3 % 4", "2"},
      {"9223372036854775807 + 1", "9.223372036854776e18"},
      {"-9223372036854775807 - 10", "-9.223372036854776e18"},
      {"4294967296 * 4294967296", "1.8446744073709552e19"},
      {"$json.n * $json.f", "7.5"},
      {"$itemIndex + 1", "2"},
  });
}

TEST(ExpressionPlus, ConcatenatesWhenEitherSideIsAString) {
  ExpectValues({
      {"'a' + 1", R"("a1")"},
      {"1 + 'a'", R"("1a")"},
      {"'a' + 'b' + 'c'", R"("abc")"},
      {"'x' + null", R"("x")"},
      {"'x' + true", R"("xtrue")"},
      {"'x' + [1, 2]", R"("x[1,2]")"},
      {"'x' + {a: 1}", R"("x{\"a\":1}")"},
      {"'n=' + 1.5 * 2", R"("n=3")"},
      {"'n=' + 0.5", R"("n=0.5")"},
      {"1 + 2 + 'a'", R"("3a")"},
      {"'a' + 1 + 2", R"("a12")"},
  });
}

TEST(ExpressionUnary, NotNegatesTruthinessAndMinusPlusWorkOnNumbers) {
  ExpectValues({
      {"!true", "false"},
      {"!0", "true"},
      {"!0.0", "true"},
      {"!''", "true"},
      {"!null", "true"},
      {"![]", "false"},
      {"!{}", "false"},
      {"!'false'", "false"},
      {"!!'x'", "true"},
      {"-(3)", "-3"},
      {"- -3", "3"},
      {"-$json.f", "-2.5"},
      {"+5", "5"},
      {"+'42'", "42"},
      {"+' 2.5 '", "2.5"},
      {"+true", "1"},
      {"-2 * 3", "-6"},
      {"!1 == false", "true"},
  });
}

TEST(ExpressionComparison, OrdersNumbersAndStrings) {
  ExpectValues({
      {"1 < 2", "true"},
      {"2 <= 2", "true"},
      {"3 > 4", "false"},
      {"3 >= 3.0", "true"},
      {"2.5 < 3", "true"},
      {"'apple' < 'banana'", "true"},
      {"'b' > 'a'", "true"},
      {"'Z' < 'a'", "true"},
      {"'abc' <= 'abc'", "true"},
      {"1 + 1 < 3", "true"},
  });
}

TEST(ExpressionEquality, IsDeepJsonEqualityWithoutCoercion) {
  ExpectValues({
      {"1 == 1.0", "true"},
      {"1 == '1'", "false"},
      {"0 == false", "false"},
      {"null == false", "false"},
      {"'' == null", "false"},
      {"null == null", "true"},
      {"$json.missing == null", "true"},
      {"[1, {a: 2}] == [1, {a: 2}]", "true"},
      {"{a: 1, b: 2} == {b: 2, a: 1}", "true"},
      {"[1, 2] == [2, 1]", "false"},
      {"1 != 2", "true"},
      {"'a' != 'a'", "false"},
      {"'a' === 'a'", "true"},
      {"1 !== 1", "false"},
      {"$json.user == {id: 7, email: 'ADA@example.com'}", "true"},
      {"1 < 2 == true", "true"},
  });
}

TEST(ExpressionLogic, AndOrReturnTheDecidingOperandAndShortCircuit) {
  ExpectValues({
      {"true && 'yes'", R"("yes")"},
      {"0 && 'yes'", "0"},
      {"'' || 'fallback'", R"("fallback")"},
      {"'first' || 'second'", R"("first")"},
      {"null || 0 || 'last'", R"("last")"},
      {"1 && 2 && 3", "3"},
      {"true || false && false", "true"},
      {"(true || false) && false", "false"},
      {"false && (1 / 0 > 0)", "false"},
      {"true || 1 / 0", "true"},
      {"[] && 'arrays are truthy'", R"("arrays are truthy")"},
  });
}

TEST(ExpressionCoalesce, ReplacesOnlyNull) {
  ExpectValues({
      {"null ?? 'x'", R"("x")"},
      {"0 ?? 'x'", "0"},
      {"'' ?? 'x'", R"("")"},
      {"false ?? 'x'", "false"},
      {"$json.missing ?? $json.nil ?? 'deep'", R"("deep")"},
      {"'ok' ?? 1 / 0", R"("ok")"},
      {"($json.a || 1) ?? 2", "1"},
      {"null ?? 1 + 1", "2"},
  });
}

TEST(ExpressionConditional, PicksABranchByTruthiness) {
  ExpectValues({
      {"1 < 2 ? 'yes' : 'no'", R"("yes")"},
      {"0 ? 'yes' : 'no'", R"("no")"},
      {"null ? 1 : false ? 2 : 3", "3"},
      {"true ? false ? 1 : 2 : 3", "2"},
      {"$json.n > 2 ? $json.n * 2 : 0", "6"},
      {"true ? 1 : 1 / 0", "1"},
  });
}

TEST(ExpressionAccess, ReadsFieldsAndIndexesAndYieldsNullForMissing) {
  ExpectValues({
      {"$json.user.id", "7"},
      {"$json['user']['email']", R"("ADA@example.com")"},
      {"$json.tags[1]", R"("b")"},
      {"$json.tags[-1]", R"("a")"},
      {"$json.tags[10]", "null"},
      {"$json.tags[-10]", "null"},
      {"$json.tags[1.0]", R"("b")"},
      {"$json.missing", "null"},
      {"$json.missing.deeper.still", "null"},
      {"$json.nil.x", "null"},
      {"$json.nil[0]", "null"},
      {"$json?.user?.id", "7"},
      {"'héllo'[1]", R"("é")"},
      {"'abc'[-1]", R"("c")"},
      {"'abc'[5]", "null"},
      {"{'1': 'one'}[1]", R"("one")"},
      {"$json.name.length", "15"},
      {"'héllo'.length", "5"},
      {"$json.tags.length", "3"},
      {"{length: 9}.length", "9"},
      {"{a: 1, b: 2}.length", "2"},
      {"[[1, 2], [3]][0][1]", "2"},
      {"{a: {b: [10, 20]}}.a.b[1]", "20"},
      {"$json.user['id'] + $json['n']", "10"},
      {"$json.wrapped.json.inner", "true"},
  });
}

TEST(ExpressionRuntimeErrors, NameTheColumnAndTheProblem) {
  ExpectErrors({
      {"'abc' * {}", 7, "cannot multiply string by object"},
      {"5 - 'a'", 3, "cannot subtract string from number"},
      {"[] + 1", 4, "cannot add number to array"},
      {"true / 2", 6, "cannot divide boolean by number"},
      {"'x' % 2", 5, "cannot take the remainder of string divided by number"},
      {"1 / 0", 3, "division by zero"},
      {"5 % 0", 3, "division by zero"},
      {"1.5 / 0.0", 5, "division by zero"},
      {"1 < 'a'", 3, "cannot compare number with string"},
      {"null >= 1", 6, "cannot compare null with number"},
      {"[1] < [2]", 5, "cannot compare array with array"},
      {"-'x'", 1, "cannot negate string"},
      {"+'abc'", 1, "cannot convert the string \"abc\" to a number"},
      {"+null", 1, "cannot convert null to a number"},
      {"1e308 * 10", 7, "not a finite number"},
      {"$json.n.x", 9, "cannot read field 'x' of number"},
      {"$json.tags.name", 12, "cannot read field 'name' of array"},
      {"$json.n[0]", 8, "cannot index number with number"},
      {"true[0]", 5, "cannot index boolean with number"},
      {"$json.tags['a']", 11, "cannot index an array with string"},
      {"$json.tags[0.5]", 11, "that is not an integer"},
      {"'abc'[null]", 6, "cannot index a string with null"},
      {"{a: 1}[true]", 7, "cannot index an object with boolean"},
      {"1 + 2 * (3 - 'x')", 12, "cannot subtract string from number"},
      {"$json.n > 1 && $json.name * 2", 27, "cannot multiply string by number"},
  });
}

}  // namespace
}  // namespace flowhost::expr::testing
