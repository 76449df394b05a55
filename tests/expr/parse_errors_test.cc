// Syntax errors: each is reported at the byte offset of the offending token with a clear message.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/expr/expression.h"

namespace flowhost::expr {
namespace {

struct SyntaxCase {
  const char* source;
  size_t offset;
  const char* message;
};

TEST(ExpressionParse, ReportsEachSyntaxErrorAtItsOffset) {
  const std::vector<SyntaxCase> cases = {
      {"1 +", 3, "unexpected end of expression"},
      {"(1 + 2", 6, "expected ')', found end of expression"},
      {"[1, 2", 5, "expected ',' or ']'"},
      {"$json.tags[0", 12, "expected ']'"},
      {"1)", 1, "unexpected ')'"},
      {")", 0, "unexpected ')'"},
      {"1 2", 2, "unexpected '2'"},
      {"'abc", 0, "unterminated string"},
      {"1 + 'abc", 4, "unterminated string"},
      {"'a\\", 0, "unterminated string"},
      {"'\\q'", 1, "unknown escape '\\q'"},
      {"'\\\u00e9'", 1, "unknown escape in string: a backslash before byte 0xc3"},
      {"'\\u12'", 1, "bad escape"},
      {"`x`", 0, "template literals"},
      {"#", 0, "unexpected character '#'"},
      {"1 @ 2", 2, "unexpected character '@'"},
      {"1e", 0, "malformed number"},
      {"12abc", 0, "malformed number"},
      {"", 0, "empty expression"},
      {"   ", 3, "empty expression"},
      {"lenght($json)", 0, "unknown function 'lenght' (did you mean 'length'?)"},
      {"uper('a')", 0, "unknown function 'uper' (did you mean 'upper'?)"},
      {"frobnicate(1)", 0, "unknown function 'frobnicate'"},
      {"Math.sqrt(4)", 0, "unknown function 'Math.sqrt'"},
      {"$json.name.toLowerCsae()", 11,
       "unknown method 'toLowerCsae' (did you mean 'toLowerCase'?)"},
      {"$json.x(1)", 6, "unknown method 'x'"},
      {"length(1, 2)", 0, "length() expects 1 argument, got 2"},
      {"foo", 0, "unknown name 'foo'"},
      {"foo.bar", 0, "unknown name 'foo'"},
      {"$jsno.x", 0, "unknown name '$jsno' (did you mean '$json'?)"},
      {"$items", 0, "unknown name '$items'"},
      {"$($json.name).item", 2, "the node name must be a string literal"},
      {"$node[$json.n].item", 6, "the node name must be a string literal"},
      {"$('a' + 'b').item", 2, "the node name must be a string literal"},
      {"$.x", 1, "expected '(' after $"},
      {"$node.Fetch", 5, "expected '[' after $node"},
      {"$('X')", 6, "expected .item, .first(), .last() or .all() (or .json, .items, .isExecuted)"},
      {"$('X') + 1", 7, "expected .item, .first(), .last() or .all()"},
      {"$('X').foo", 7, "unknown accessor '.foo' on $(\"X\")"},
      {"$('X').first", 12, "expected '(' after .first"},
      {"$('X').isExecuted()", 17, ".isExecuted is a property"},
      {"$input", 6, "expected .item, .first(), .last() or .all() after $input"},
      {"$input.json", 7, "unknown accessor '.json' on $input"},
      {"$input.item()", 11, ".item is a property; write it without '()'"},
      {"$input.first(1)", 13, ".first() takes no arguments"},
      {"$env", 0, "$env must be followed by a variable name"},
      {"$env + 1", 0, "$env must be followed by a variable name"},
      {"$json.a = 1", 8, "assignment is not supported"},
      {"$json.a & 1", 8, "did you mean '&&'?"},
      {"1 ?? 2 || 3", 7, "cannot mix '?\?' with '||' or '&&'"},
      {"1 || 2 ?? 3", 7, "cannot mix '?\?' with '||' or '&&'"},
      {"$json.a && $json.b ?? 1", 19, "cannot mix '?\?'"},
      {"1 ?? $json.a && 2", 2, "cannot mix '?\?'"},
      {"1 ? 2", 5, "expected ':' of the conditional"},
      {"{a 1}", 3, "expected ':' after the key"},
      {"{[1]: 2}", 1, "expected a key"},
      {"{a: 1 b: 2}", 6, "expected ',' or '}'"},
      {"$json.'x'", 6, "expected a field name after '.'"},
      {"$json.", 6, "expected a field name after '.', found end of expression"},
      {"($json)(1)", 7, "only library functions and methods can be called"},
      {"lower('a')(1)", 10, "only library functions and methods can be called"},
      {"!", 1, "unexpected end of expression"},
      {"[,]", 1, "unexpected ','"},
  };
  for (const SyntaxCase& c : cases) {
    SCOPED_TRACE(c.source);
    ParseError error;
    auto parsed = Expression::Parse(c.source, ExpressionLimits(), &error);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(error.offset, c.offset) << error.message;
    EXPECT_NE(error.message.find(c.message), std::string::npos) << error.message;
    // The status names the same place as a 1-based column.
    EXPECT_EQ(std::string(parsed.status().message()),
              "at column " + std::to_string(c.offset + 1) + ": " + error.message);
  }
}

TEST(ExpressionParse, AcceptsWhitespaceCommentsFreeLayoutAndKeepsTheSource) {
  auto parsed = Expression::Parse("  1 +\n\t2  ", ExpressionLimits());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ((*parsed)->source(), "  1 +\n\t2  ");
}

TEST(ExpressionParse, ParseErrorOutputIsOptional) {
  auto parsed = Expression::Parse("1 +", ExpressionLimits());
  EXPECT_FALSE(parsed.ok());
}

}  // namespace
}  // namespace flowhost::expr
