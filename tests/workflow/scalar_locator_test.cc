// Offsets inside a scalar's value mapped back to source columns, for each YAML scalar style.
#include "server/workflow/scalar_locator.h"

#include <string>

#include "gtest/gtest.h"
#include "server/common/utf8_text.h"
#include "server/workflow/source_text.h"

namespace flowhost::workflow {
namespace {

// The "line:column" of value byte `value_offset` of the scalar written after "key: " on line 1.
std::string Where(const std::string& yaml, size_t value_offset) {
  SourceText source(yaml);
  size_t start = SkipNodeProperties(yaml, yaml.find(": ") + 2);
  size_t offset = ScalarSourceOffset(yaml, start, StyleAt(yaml, start), value_offset);
  LineColumn where = source.Locate(offset);
  return std::to_string(where.line) + ":" + std::to_string(where.column);
}

TEST(ScalarLocator, MapsPlainScalarsByteForByte) {
  EXPECT_EQ(Where("key: abc {{ x }}", 0), "1:6");
  EXPECT_EQ(Where("key: abc {{ x }}", 7), "1:13");
}

TEST(ScalarLocator, MapsPastTheEndOfAValueJustAfterIt) {
  EXPECT_EQ(Where("key: a {{ x\nnext: 1\n", 6), "1:12");
  EXPECT_EQ(Where("key: 'ab'\n", 2), "1:9");  // the closing quote
}

TEST(ScalarLocator, SkipsAnchorsAndTags) { EXPECT_EQ(Where("key: &a !!str hello", 1), "1:16"); }

TEST(ScalarLocator, CountsDoubledQuotesInSingleQuotedScalars) {
  // Value: it's {{ x }}   ('' is one quote)
  EXPECT_EQ(Where("key: 'it''s {{ x }}'", 0), "1:7");
  EXPECT_EQ(Where("key: 'it''s {{ x }}'", 3), "1:11");
  EXPECT_EQ(Where("key: 'it''s {{ x }}'", 8), "1:16");
}

TEST(ScalarLocator, CountsEscapesInDoubleQuotedScalars) {
  // \t is one byte, \u00e9 two, \U0001F600 four, \x41 one, \\ one.
  const std::string yaml = R"(key: "\t\u00e9\U0001F600\x41\\{{ x }}")";
  EXPECT_EQ(Where(yaml, 0), "1:7");    // \t
  EXPECT_EQ(Where(yaml, 1), "1:9");    // \u00e9 first byte
  EXPECT_EQ(Where(yaml, 2), "1:9");    // \u00e9 second byte
  EXPECT_EQ(Where(yaml, 3), "1:15");   // \U0001F600
  EXPECT_EQ(Where(yaml, 7), "1:25");   // \x41
  EXPECT_EQ(Where(yaml, 8), "1:29");   // \\ (a backslash)
  EXPECT_EQ(Where(yaml, 12), "1:34");  // x
}

TEST(ScalarLocator, FollowsFoldedLinesOfFlowScalars) {
  // "one two" : the line break folds into a space.
  EXPECT_EQ(Where("key: \"one\n  two {{ x }}\"", 4), "2:3");
  EXPECT_EQ(Where("key: one\n  two {{ x }}", 11), "2:10");
  // An empty line becomes a newline: "one\ntwo".
  EXPECT_EQ(Where("key: 'one\n\n  two'", 4), "3:3");
}

TEST(ScalarLocator, FindsTheLineAndColumnInLiteralBlocks) {
  const std::string yaml = "key: |\n  first\n    indented {{ x }}\n  last\n";
  // Value: "first\n  indented {{ x }}\nlast\n"
  EXPECT_EQ(Where(yaml, 0), "2:3");
  EXPECT_EQ(Where(yaml, 6), "3:3");
  EXPECT_EQ(Where(yaml, 17), "3:14");
  EXPECT_EQ(Where(yaml, 25), "4:3");
}

TEST(ScalarLocator, FindsTheLineInFoldedBlocks) {
  const std::string yaml = "key: >-\n  one\n  two\n\n  three {{ x }}\n";
  // Value: "one two\nthree {{ x }}"
  EXPECT_EQ(Where(yaml, 4), "3:3");
  EXPECT_EQ(Where(yaml, 8), "5:3");
  EXPECT_EQ(Where(yaml, 17), "5:12");
}

TEST(ScalarLocator, SkipsLeadingBlankLinesOfABlock) {
  EXPECT_EQ(Where("key: |\n\n  text\n", 1), "3:3");
}

TEST(ScalarLocator, FindsTheEndOfQuotedScalars) {
  EXPECT_EQ(QuotedScalarEnd("'it''s' rest", 0, ScalarStyle::kSingleQuoted), 7u);
  EXPECT_EQ(QuotedScalarEnd(R"("a\"b" rest)", 0, ScalarStyle::kDoubleQuoted), 6u);
  EXPECT_FALSE(QuotedScalarEnd("'open", 0, ScalarStyle::kSingleQuoted).has_value());
  EXPECT_FALSE(QuotedScalarEnd(R"("open\")", 0, ScalarStyle::kDoubleQuoted).has_value());
}

TEST(SourceText, LocatesOffsetsAndValidatesUtf8) {
  SourceText source("ab\ncd\n");
  EXPECT_EQ(source.Locate(0).line, 1);
  EXPECT_EQ(source.Locate(4).line, 2);
  EXPECT_EQ(source.Locate(4).column, 2);
  EXPECT_EQ(source.Locate(100).line, 3);
  EXPECT_EQ(source.Locate(100).column, 1);
  EXPECT_FALSE(common::FindInvalidUtf8("plain \xC3\xA9 \xF0\x9F\x98\x80").has_value());
  EXPECT_EQ(common::FindInvalidUtf8("ab\xC3"), 2u);              // truncated
  EXPECT_EQ(common::FindInvalidUtf8("\xC0\xAF"), 0u);            // overlong
  EXPECT_EQ(common::FindInvalidUtf8("x\xED\xA0\x80"), 1u);       // surrogate
  EXPECT_EQ(common::FindInvalidUtf8("xy\xF4\x90\x80\x80"), 2u);  // past U+10FFFF
  EXPECT_EQ(common::FindInvalidUtf8("\xFF"), 0u);
}

}  // namespace
}  // namespace flowhost::workflow
