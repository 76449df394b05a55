// Every library function: documented results, type errors, and arity errors (caught when parsing).
#include "server/expr/functions.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/expr/case_table.h"

namespace flowhost::expr::testing {
namespace {

const std::vector<ValueCase>& ValidCalls() {
  static const auto* const kCases = new std::vector<ValueCase>{
      // Text.
      {"lower('HeLLo É')", R"("hello É")"},
      {"upper('abc-é')", R"("ABC-é")"},
      {"trim($json.name)", R"("Ada Lovelace")"},
      {"trim('\\t x \\n')", R"("x")"},
      {"split('a,b,,c', ',')", R"(["a", "b", "", "c"])"},
      {"split('héllo', '')", R"(["h", "é", "l", "l", "o"])"},
      {"split('abc', '--')", R"(["abc"])"},
      {"split('', ',')", R"([""])"},
      {"startsWith('flowhost', 'flow')", "true"},
      {"startsWith('flow', 'flowhost')", "false"},
      {"endsWith('report.pdf', '.pdf')", "true"},
      {"endsWith('a', 'ab')", "false"},
      {"replace('a-b-c', '-', '+')", R"("a+b+c")"},
      {"replace('aaa', 'aa', 'b')", R"("ba")"},
      {"replaceFirst('a-b-c', '-', '+')", R"("a+b-c")"},
      {"substring('héllo', 1, 3)", R"("él")"},
      {"substring('hello', 3, 1)", R"("el")"},
      {"substring('hello', -2)", R"("hello")"},
      {"substring('hello', 2)", R"("llo")"},
      {"repeat('ab', 3)", R"("ababab")"},
      {"repeat('x', 0)", R"("")"},
      {"padStart('7', 3, '0')", R"("007")"},
      {"padStart('1', 4, 'xy')", R"("xyx1")"},
      {"padStart('abc', 2)", R"("abc")"},
      {"padEnd('ab', 5)", R"("ab   ")"},
      // Strings, arrays and objects.
      {"length('héllo')", "5"},
      {"length([1, 2])", "2"},
      {"length({a: 1})", "1"},
      {"length('')", "0"},
      {"contains('flowhost', 'low')", "true"},
      {"contains([1, {a: 2}], {a: 2})", "true"},
      {"contains([1, 2], '1')", "false"},
      {"contains({a: 1}, 'a')", "true"},
      {"contains({a: 1}, 'b')", "false"},
      {"indexOf('héllo', 'l')", "2"},
      {"indexOf('abc', 'z')", "-1"},
      {"indexOf([1, 2, 3], 3)", "2"},
      {"indexOf(['a'], 'b')", "-1"},
      {"slice([1, 2, 3, 4], 1, 3)", "[2, 3]"},
      {"slice([1, 2, 3, 4], -2)", "[3, 4]"},
      {"slice('héllo', 1, -1)", R"("éll")"},
      {"slice([1, 2], 5)", "[]"},
      {"slice([1, 2, 3], 2, 1)", "[]"},
      {"join(['a', 1, null, true])", R"("a,1,,true")"},
      {"join([], '-')", R"("")"},
      {"join([[1], {a: 1}], ' ')", R"("[1] {\"a\":1}")"},
      {"keys({b: 1, a: 2})", R"(["a", "b"])"},
      {"values({b: 1, a: 2})", "[2, 1]"},
      {"entries({a: 1})", R"([["a", 1]])"},
      {"has({a: null}, 'a')", "true"},
      {"has({}, 'a')", "false"},
      {"has([1, 2], 1)", "true"},
      {"has([1, 2], 2)", "false"},
      {"get($json, 'user.email')", R"("ADA@example.com")"},
      {"get($json, 'tags[1]')", R"("b")"},
      {"get($json, 'user.missing', 'dflt')", R"("dflt")"},
      {"get($json, ['user', 'id'])", "7"},
      {"get({'a.b': 1}, '[\"a.b\"]')", "1"},
      {"get($json, 'nil', 0)", "0"},
      {"get([[1, 2]], '[0][1]')", "2"},
      {"get($json, 'n.x')", "null"},
      {"merge({a: 1, b: 1}, {b: 2}, null, {c: 3})", R"({"a": 1, "b": 2, "c": 3})"},
      {"first([1, 2])", "1"},
      {"first([])", "null"},
      {"first('héllo')", R"("h")"},
      {"last([1, 2])", "2"},
      {"last('héllo')", R"("o")"},
      {"last('')", "null"},
      {"unique([1, 1.0, 'a', 'a', [1], [1]])", R"([1, "a", [1]])"},
      {"sort([3, 1.5, 2])", "[1.5, 2, 3]"},
      {"sort(['b', 'a', 'C'])", R"(["C", "a", "b"])"},
      {"sort([])", "[]"},
      {"reverse([1, 2, 3])", "[3, 2, 1]"},
      {"reverse('héllo')", R"("olléh")"},
      {"range(4)", "[0, 1, 2, 3]"},
      {"range(2, 5)", "[2, 3, 4]"},
      {"range(10, 0, -3)", "[10, 7, 4, 1]"},
      {"range(0)", "[]"},
      {"range(5, 2)", "[]"},
      {"flatten([[1, 2], 3, [[4]]])", "[1, 2, 3, [4]]"},
      // Numbers.
      {"round(2.5)", "3"},
      {"round(-2.5)", "-3"},
      {"round(1.4)", "1"},
      {"round(3.14159, 2)", "3.14"},
      {"round(1234, -2)", "1200"},
      {"round(7)", "7"},
      {"floor(2.7)", "2"},
      {"floor(-2.1)", "-3"},
      {"floor(5)", "5"},
      {"ceil(2.1)", "3"},
      {"ceil(-2.7)", "-2"},
      {"abs(-3)", "3"},
      {"abs(-2.5)", "2.5"},
      {"abs(4)", "4"},
      {"min(3, 1, 2)", "1"},
      {"min([4, 2.5])", "2.5"},
      {"min([])", "null"},
      {"max(3, 1, 2)", "3"},
      {"max($json.list)", "3"},
      {"max(7)", "7"},
      {"sum([1, 2, 3])", "6"},
      {"sum([1, 0.5])", "1.5"},
      {"sum([])", "0"},
      // Over a field of each element (elements without it, or with null, are skipped).
      {"sum($('Fetch').all(), 'id')", "3"},
      {"sum([{c: 0.5}, {c: 1}, {}, {c: null}], 'c')", "1.5"},
      {"sum([{u: {c: 2}}, {u: {c: 3}}], 'u.c')", "5"},
      {"sum([{c: [1, 2]}], ['c', 1])", "2"},
      {"sum([], 'c')", "0"},
      {"avg([{c: 1}, {c: 2}], 'c')", "1.5"},
      {"avg([{}], 'c')", "null"},
      {"min($('Fetch').all(), 'id')", "1"},
      {"max([{c: 2}, {c: 9}, {c: -1}], 'c')", "9"},
      {"max([{}], 'c')", "null"},
      // Mapping and grouping by a field.
      {"pluck($('Fetch').all(), 'title')", R"(["one", "two"])"},
      {"pluck([{a: {b: 1}}, {a: 2}, 3, {}], 'a.b')", "[1, null, null, null]"},
      {"pluck([[1, 2], [3]], [1])", "[2, null]"},
      {"pluck([], 'a')", "[]"},
      {"map([{n: 'x'}, {n: 'y'}], 'n')", R"(["x", "y"])"},
      {"$('Fetch').all().map('id')", "[1, 2]"},
      {"groupBy([{k: 'a', v: 1}, {k: 'b', v: 2}, {k: 'a', v: 3}], 'k')",
       R"({"a": [{"k": "a", "v": 1}, {"k": "a", "v": 3}], "b": [{"k": "b", "v": 2}]})"},
      {"groupBy([{k: 1}, {k: null}, {}], 'k')", R"({"1": [{"k": 1}], "": [{"k": null}, {}]})"},
      {"groupBy([], 'k')", "{}"},
      {"length(groupBy($('Fetch').all(), 'title'))", "2"},
      {"avg([1, 2, 3])", "2"},
      {"avg([1, 2])", "1.5"},
      {"avg([])", "null"},
      // Conversions, null handling, JSON.
      {"number('42')", "42"},
      {"number(' -1.5e2 ')", "-150.0"},
      {"number(true)", "1"},
      {"number(3.5)", "3.5"},
      {"int(3.9)", "3"},
      {"int(-3.9)", "-3"},
      {"int('12.7')", "12"},
      {"int(false)", "0"},
      {"int(5)", "5"},
      {"string(null)", R"("")"},
      {"string(12)", R"("12")"},
      {"string(2.50)", R"("2.5")"},
      {"string([1, 'a'])", R"("[1,\"a\"]")"},
      {"string('x')", R"("x")"},
      {"string(true)", R"("true")"},
      {"boolean(0)", "false"},
      {"boolean('false')", "true"},
      {"boolean([])", "true"},
      {"boolean(null)", "false"},
      {"toJson({b: [1, 'x'], a: null})", R"("{\"a\":null,\"b\":[1,\"x\"]}")"},
      {"toJson([1], 2)", R"("[\n  1\n]")"},
      {"toJson('s')", R"("\"s\"")"},
      {"parseJson('{\"a\": [1, 2.5]}')", R"({"a": [1, 2.5]})"},
      {"parseJson('\"x\"')", R"("x")"},
      {"parseJson('null')", "null"},
      {"default(null, 'd')", R"("d")"},
      {"default('', 'd')", R"("d")"},
      {"default(0, 'd')", "0"},
      {"default($json.missing, [1])", "[1]"},
      {"default('x', 'd')", R"("x")"},
      {"coalesce(null, $json.nil, 0, 1)", "0"},
      {"coalesce(null)", "null"},
      {"isEmpty(null)", "true"},
      {"isEmpty('')", "true"},
      {"isEmpty([])", "true"},
      {"isEmpty({})", "true"},
      {"isEmpty(0)", "false"},
      {"isEmpty(' ')", "false"},
      {"typeOf(1)", R"("number")"},
      {"typeOf(1.5)", R"("number")"},
      {"typeOf('s')", R"("string")"},
      {"typeOf(null)", R"("null")"},
      {"typeOf([])", R"("array")"},
      {"typeOf({})", R"("object")"},
      {"typeOf(true)", R"("boolean")"},
      {"not(0)", "true"},
      {"not('x')", "false"},
      // Time (the scope's clock is 2023-11-14T22:13:20Z).
      {"now()", R"("2023-11-14T22:13:20.000Z")"},
      {"formatDate('2024-05-01T12:34:56Z', '%Y/%m/%d %H:%M')", R"("2024/05/01 12:34")"},
      {"formatDate('2024-05-01')", R"("2024-05-01T00:00:00.000Z")"},
      {"formatDate(0)", R"("1970-01-01T00:00:00.000Z")"},
      {"formatDate('2024-05-01T14:00:00+02:00', '%H:%M')", R"("12:00")"},
      {"formatDate(now(), '%Y')", R"("2023")"},
      {"toMillis('1970-01-01T00:00:01.5Z')", "1500"},
      {"toMillis(now())", "1700000000000"},
      {"toMillis(2000)", "2000"},
      // Method-call sugar and JavaScript spellings.
      {"$json.name.trim().toLowerCase()", R"("ada lovelace")"},
      {"'Hi'.toUpperCase()", R"("HI")"},
      {"'abc'.includes('b')", "true"},
      {"'a-b-c'.replace('-', '+')", R"("a+b-c")"},
      {"'a-b-c'.replaceAll('-', '+')", R"("a+b+c")"},
      {"(12).toString()", R"("12")"},
      {"'x,y'.split(',').join(';')", R"("x;y")"},
      {"$json.tags.unique().sort().join(', ')", R"("a, b")"},
      {"$json.list.sort()[0]", "1"},
      {"$json.user.keys().length", "2"},
      {"Math.max(1, 5)", "5"},
      {"Math.round(2.4)", "2"},
      {"JSON.stringify({a: [1]})", R"("{\"a\":[1]}")"},
      {"JSON.parse('[1]')", "[1]"},
      {"Object.keys({a: 1})", R"(["a"])"},
      {"String(5)", R"("5")"},
      {"Number('7')", "7"},
      {"Boolean('')", "false"},
      {"parseInt('42.9')", "42"},
      {"parseFloat('2.5')", "2.5"},
  };
  return *kCases;
}

const std::vector<ErrorCase>& TypeErrors() {
  static const auto* const kCases = new std::vector<ErrorCase>{
      {"lower(1)", 1, "lower() expects argument 1 to be a string, got number"},
      {"upper(null)", 1, "upper() expects argument 1 to be a string, got null"},
      {"trim([])", 1, "trim() expects argument 1 to be a string, got array"},
      {"split('a', 1)", 1, "split() expects argument 2 to be a string, got number"},
      {"startsWith(1, 'a')", 1, "argument 1 to be a string"},
      {"endsWith('a', null)", 1, "argument 2 to be a string"},
      {"replace('a', '', 'b')", 1, "replace() cannot search for an empty string"},
      {"replace(1, 'a', 'b')", 1, "argument 1 to be a string"},
      {"replaceFirst('a', 'a', 1)", 1, "argument 3 to be a string"},
      {"substring('abc', 'x')", 1, "substring() expects argument 2 to be an integer, got string"},
      {"substring('abc', 1.5)", 1, "argument 2 to be an integer, got number"},
      {"repeat('x', -1)", 1, "repeat() expects a count of 0 or more, got -1"},
      {"repeat(1, 2)", 1, "argument 1 to be a string"},
      {"padStart('x', 'y')", 1, "argument 2 to be an integer"},
      {"padEnd(1, 3)", 1, "argument 1 to be a string"},
      {"length(5)", 1, "length() expects argument 1 to be a string, array or object, got number"},
      {"length(null)", 1, "got null"},
      {"contains(5, 1)", 1, "contains() expects argument 1 to be a string, array or object"},
      {"contains('abc', 1)", 1, "argument 2 to be a string, got number"},
      {"indexOf({}, 'a')", 1, "indexOf() expects argument 1 to be a string or array, got object"},
      {"slice(5, 1)", 1, "slice() expects argument 1 to be a string or array"},
      {"slice('abc', 'x')", 1, "argument 2 to be an integer"},
      {"join('abc')", 1, "join() expects argument 1 to be an array, got string"},
      {"join([1], 2)", 1, "argument 2 to be a string"},
      {"keys([1])", 1, "keys() expects argument 1 to be an object, got array"},
      {"values('x')", 1, "values() expects argument 1 to be an object"},
      {"entries(null)", 1, "entries() expects argument 1 to be an object, got null"},
      {"has('abc', 'a')", 1, "has() expects argument 1 to be an object or array, got string"},
      {"has([1], 'a')", 1, "argument 2 to be an integer"},
      {"get($json, 5)", 1, "get() expects argument 2 to be a path string or an array of keys"},
      {"get($json, 'a..b')", 1, "empty key"},
      {"get($json, 'a[x]')", 1, "expected an index or a quoted key"},
      {"get($json, [true])", 1, "path steps to be strings or integers, got boolean"},
      {"merge({a: 1}, [1])", 1, "merge() expects argument 2 to be an object, got array"},
      {"first(5)", 1, "first() expects argument 1 to be an array or string, got number"},
      {"last({})", 1, "last() expects argument 1 to be an array or string, got object"},
      {"unique('abc')", 1, "unique() expects argument 1 to be an array, got string"},
      {"sort([1, 'a'])", 1, "sort() expects an array of numbers or of strings"},
      {"sort(3)", 1, "sort() expects argument 1 to be an array"},
      {"reverse(5)", 1, "reverse() expects argument 1 to be an array or string"},
      {"range('a')", 1, "range() expects argument 1 to be an integer, got string"},
      {"range(0, 10, 0)", 1, "range() expects a step other than 0"},
      {"flatten({})", 1, "flatten() expects argument 1 to be an array, got object"},
      {"round('1')", 1, "round() expects argument 1 to be a number, got string"},
      {"round(1.5, 20)", 1, "between -15 and 15 digits"},
      {"floor(null)", 1, "floor() expects argument 1 to be a number, got null"},
      {"ceil('x')", 1, "ceil() expects argument 1 to be a number"},
      {"abs([])", 1, "abs() expects argument 1 to be a number, got array"},
      {"min(1, 'a')", 1, "min() expects argument 2 to be a number, got string"},
      {"max(['a'])", 1, "max() expects an array of numbers, found string"},
      {"sum(5)", 1, "sum() expects argument 1 to be an array of numbers, got number"},
      {"sum([1, 'x'])", 1, "sum() expects an array of numbers, found string"},
      {"avg({})", 1, "avg() expects argument 1 to be an array of numbers, got object"},
      {"sum([{c: 'x'}], 'c')", 1, "sum() expects numbers at \"c\", found string"},
      {"sum(5, 'c')", 1, "sum() expects argument 1 to be an array, got number"},
      {"sum([{c: 1}], 5)", 1, "sum() expects argument 2 to be a path string or an array of keys"},
      {"avg([{c: true}], 'c')", 1, "avg() expects numbers at \"c\", found boolean"},
      {"max([{c: 1}], 'c[')", 1, "cannot read the path \"c[\": missing ']'"},
      {"pluck({a: 1}, 'a')", 1, "pluck() expects argument 1 to be an array, got object"},
      {"pluck([{a: 1}], 1)", 1, "pluck() expects argument 2 to be a path string or an array"},
      {"pluck([{a: 1}], [true])", 1, "path steps to be strings or integers, got boolean"},
      {"map('abc', 'a')", 1, "map() expects argument 1 to be an array, got string"},
      {"groupBy(null, 'k')", 1, "groupBy() expects argument 1 to be an array, got null"},
      {"groupBy([{}], {})", 1, "groupBy() expects argument 2 to be a path string"},
      {"number('abc')", 1, "number() cannot convert the string \"abc\" to a number"},
      {"number(null)", 1, "number() cannot convert null to a number"},
      {"number('')", 1, "cannot convert the string \"\" to a number"},
      {"number('0x10')", 1, "cannot convert the string \"0x10\""},
      {"number('1e999')", 1, "cannot convert the string \"1e999\""},
      {"int('x')", 1, "int() cannot convert the string \"x\" to a number"},
      {"toJson(1, 9)", 1, "toJson() expects an indent between 0 and 8"},
      {"parseJson('{\"a\": }')", 1,
       "parseJson() got invalid JSON: parse error at line 1, column 7"},
      // nlohmann quotes what it read up to the error, which can end inside a character: the
      // message stays UTF-8, as every message that reaches a caller must be (found by the fuzzer).
      {"parseJson('\u00e9')", 1, "last read: '\uFFFD'"},
      {"parseJson('\\uD83Dl')", 1, "last read: '\uFFFD\uFFFD'"},
      {"parseJson(5)", 1, "parseJson() expects argument 1 to be a string, got number"},
      {"formatDate('yesterday')", 1, "formatDate() cannot read \"yesterday\" as a date"},
      {"formatDate(true)", 1, "argument 1 to be a date string or epoch milliseconds"},
      {"formatDate(0, 5)", 1, "argument 2 to be a string"},
      {"toMillis([])", 1, "toMillis() expects argument 1 to be a date string"},
      {"$json.n.toLowerCase()", 9, "toLowerCase() must be called on a string, got number"},
      {"'abc'.split(1)", 7, "split() expects argument 1 to be a string, got number"},
      {"$json.tags.join(', ', 3)", 0, "method join() expects 0 to 1 arguments, got 2"},
  };
  return *kCases;
}

// Arity is checked when parsing: these never reach evaluation.
const std::vector<ErrorCase>& ArityErrors() {
  static const auto* const kCases = new std::vector<ErrorCase>{
      {"string()", 1, "string() expects 1 argument, got 0"},
      {"boolean(1, 2)", 1, "boolean() expects 1 argument, got 2"},
      {"default(1)", 1, "default() expects 2 arguments, got 1"},
      {"coalesce()", 1, "coalesce() expects at least 1 argument, got 0"},
      {"isEmpty()", 1, "isEmpty() expects 1 argument, got 0"},
      {"typeOf(1, 2)", 1, "typeOf() expects 1 argument, got 2"},
      {"not()", 1, "not() expects 1 argument, got 0"},
      {"now(1)", 1, "now() expects 0 arguments, got 1"},
      {"round()", 1, "round() expects 1 to 2 arguments, got 0"},
      {"pluck([])", 1, "pluck() expects 2 arguments, got 1"},
      {"groupBy([], 'a', 'b')", 1, "groupBy() expects 2 arguments, got 3"},
      {"sum([], 'a', 'b')", 1, "sum() expects 1 to 2 arguments, got 3"},
      {"'x'.now()", 5, "now() cannot be called as a method"},
      {"'x'.trim(1)", 5, "method trim() expects 0 arguments, got 1"},
  };
  return *kCases;
}

TEST(ExpressionFunctions, ComputeTheDocumentedResults) { ExpectValues(ValidCalls()); }

TEST(ExpressionFunctions, RejectArgumentsOfTheWrongTypeAtTheCallsColumn) {
  ExpectErrors(TypeErrors());
}

TEST(ExpressionFunctions, RejectTheWrongNumberOfArgumentsWhenParsing) {
  for (const ErrorCase& c : ArityErrors()) {
    SCOPED_TRACE(c.source);
    ParseError error;
    auto parsed = Expression::Parse(c.source, ExpressionLimits(), &error);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(error.offset + 1, static_cast<size_t>(c.column));
    EXPECT_NE(error.message.find(c.message), std::string::npos) << error.message;
  }
}

TEST(ExpressionFunctions, EveryLibraryFunctionHasAValueTestAndAnErrorTest) {
  auto mentions = [](const auto& cases, std::string_view name) {
    for (const auto& c : cases) {
      const std::string source = c.source;
      for (size_t at = source.find(name); at != std::string::npos; at = source.find(name, at + 1)) {
        const bool starts = at == 0 || !(std::isalnum(static_cast<unsigned char>(source[at - 1])));
        if (starts && source.compare(at + name.size(), 1, "(") == 0) return true;
      }
    }
    return false;
  };
  for (std::string_view name : LibraryFunctionNames()) {
    EXPECT_TRUE(mentions(ValidCalls(), name)) << name << " has no value test";
    EXPECT_TRUE(mentions(TypeErrors(), name) || mentions(ArityErrors(), name))
        << name << " has no error test";
  }
}

}  // namespace
}  // namespace flowhost::expr::testing
