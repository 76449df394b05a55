// The YAML reader: YAML 1.2 core-schema scalars, anchors and merge keys, key order, and the inputs
// it must refuse (duplicate keys, alias bombs, deep nesting, several documents).
#include "server/workflow/yaml_reader.h"

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/workflow/reporter.h"
#include "server/workflow/source_text.h"

namespace flowhost::workflow {
namespace {

using sdk::Json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Read {
  explicit Read(std::string yaml, YamlLimits limits = {}) : text(std::move(yaml)), source(text) {
    Reporter reporter("t.yaml", source);
    document = ReadYaml(source, limits, reporter);
    for (const Diagnostic& diagnostic : reporter.Take()) errors.push_back(diagnostic.ToString());
  }
  const Json& root() const { return document->root(); }

  std::string text;
  SourceText source;
  std::optional<YamlDocument> document;
  std::vector<std::string> errors;
};

TEST(YamlReader, ResolvesPlainScalarsLikeTheYaml12CoreSchema) {
  Read read(R"(null: ~
empty:
bools: [true, False, TRUE]
words: [yes, no, on, off, y]
ints: [0, -3, +7, 0x1F, 0o17, 007]
floats: [1.5, -.5, 1e3, 2.5E-1]
strings: [1.2.3, 0x, 12abc, "12", '3', .5.]
)");
  ASSERT_TRUE(read.document.has_value()) << ::testing::PrintToString(read.errors);
  EXPECT_EQ(read.root(), Json::parse(R"({
    "null": null, "empty": null, "bools": [true, false, true],
    "words": ["yes", "no", "on", "off", "y"],
    "ints": [0, -3, 7, 31, 15, 7],
    "floats": [1.5, -0.5, 1000.0, 0.25],
    "strings": ["1.2.3", "0x", "12abc", "12", "3", ".5."]
  })"));
  EXPECT_TRUE(read.root()["ints"][0].is_number_integer());
  EXPECT_TRUE(read.root()["floats"][2].is_number_float());
}

TEST(YamlReader, KeepsBlockScalarsAsWritten) {
  Read read("a: |\n  one\n  two\nb: >-\n  folded\n  line\n");
  ASSERT_TRUE(read.document.has_value());
  EXPECT_EQ(read.root()["a"], "one\ntwo\n");
  EXPECT_EQ(read.root()["b"], "folded line");
}

// yaml-cpp 0.7 decodes "\N" and "\_" to the lone bytes 0x85 and 0xA0, which are not UTF-8: the
// first strict dump of such a string threw, and a workflow with `mode: "a\_b"` aborted the
// server through ValidateWorkflow (found by the workflow_loader fuzzer).
TEST(YamlReader, DecodesTheNextLineAndNoBreakSpaceEscapesToUtf8) {
  Read read(R"(a: "x\Ny\_z"
"k\_": ["\L\P\xA0\u00e9 \N"]
)");
  ASSERT_TRUE(read.document.has_value()) << ::testing::PrintToString(read.errors);
  EXPECT_EQ(read.root()["a"], "x\u0085y\u00A0z");
  EXPECT_EQ(read.root()["k\u00A0"][0], "\u2028\u2029\u00A0\u00E9 \u0085");
  EXPECT_EQ(read.root().dump(-1, ' ', /*ensure_ascii=*/true),
            R"({"a":"x\u0085y\u00a0z","k\u00a0":["\u2028\u2029\u00a0\u00e9 \u0085"]})");
}

TEST(YamlReader, HonoursStandardTagsAndRejectsOthers) {
  Read read("a: !!str 12\nb: !!float 3\nc: !!int 0x10\nd: !!bool true\ne: !mine x\nf: !!int x\n");
  ASSERT_TRUE(read.document.has_value());
  EXPECT_EQ(read.root()["a"], "12");
  EXPECT_TRUE(read.root()["b"].is_number_float());
  EXPECT_EQ(read.root()["c"], 16);
  EXPECT_EQ(read.root()["d"], true);
  EXPECT_THAT(read.errors, ElementsAre(HasSubstr("t.yaml:5:4: error: unsupported tag '!mine'"),
                                       "t.yaml:6:4: error: 'x' is not a valid !!int value"));
}

// Found by the workflow_loader fuzzer: a mapping tagged !!null got an error with no message.
TEST(YamlReader, RejectsAScalarsTagOnAMappingOrAListSayingWhy) {
  Read read("a: !!null {b: 1}\nc: !!str [1]\nd: !!map {e: 1}\nf: !!seq [2]\ng: !mine {h: 1}\n");
  EXPECT_THAT(
      read.errors,
      ElementsAre("t.yaml:1:4: error: the tag '!!null' is for a single value, not for a "
                  "mapping",
                  "t.yaml:2:4: error: the tag '!!str' is for a single value, not for a list",
                  HasSubstr("t.yaml:5:4: error: unsupported tag '!mine'")));
}

TEST(YamlReader, RejectsNumbersJsonCannotHold) {
  Read read("a: 99999999999999999999\nb: -1e400\nc: -.inf\nd: .NaN\ne: 18446744073709551615\n");
  EXPECT_THAT(read.errors, ElementsAre(HasSubstr("t.yaml:1:4: error: number 9999"),
                                       HasSubstr("t.yaml:2:4: error: number -1e400"),
                                       HasSubstr("t.yaml:3:4: error: '-.inf'"),
                                       HasSubstr("t.yaml:4:4: error: '.NaN'")));
  EXPECT_EQ(read.root()["e"], Json(18446744073709551615ull));
}

TEST(YamlReader, ExpandsAliasesAndMergeKeysWithWrittenKeysWinning) {
  Read read(R"(base: &base {a: 1, b: 2}
more: &more {c: 3, b: 20}
copy: *base
merged:
  b: 5
  <<: [*base, *more]
  d: 4
)");
  ASSERT_TRUE(read.document.has_value()) << ::testing::PrintToString(read.errors);
  EXPECT_EQ(read.root()["copy"], Json::parse(R"({"a": 1, "b": 2})"));
  EXPECT_EQ(read.root()["merged"], Json::parse(R"({"a": 1, "b": 5, "c": 3, "d": 4})"));
}

TEST(YamlReader, PointsValuesReachedThroughAnAliasAtTheAlias) {
  Read read("base: &b {x: 1}\nuse: *b\n");
  ASSERT_TRUE(read.document.has_value());
  YamlDocument::Lookup lookup = read.document->Find("/use/x");
  ASSERT_NE(lookup.location, nullptr);
  EXPECT_FALSE(lookup.exact);
  EXPECT_EQ(read.source.Locate(lookup.location->value_offset).line, 2);
  EXPECT_EQ(read.source.Locate(lookup.location->value_offset).column, 6);
}

TEST(YamlReader, RejectsAMergeOfSomethingOtherThanMappings) {
  Read read("a: {<<: 3}\n");
  EXPECT_THAT(read.errors, ElementsAre("t.yaml:1:5: error: a merge key ('<<') needs a mapping or a "
                                       "list of mappings"));
}

TEST(YamlReader, StopsAnAliasBombAtTheValueLimit) {
  std::string yaml = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char name = 'b'; name <= 'j'; ++name) {
    std::string previous(1, static_cast<char>(name - 1));
    yaml += std::string(1, name) + ": &" + name + " [*" + previous + ", *" + previous + ", *" +
            previous + ", *" + previous + ", *" + previous + ", *" + previous + ", *" + previous +
            ", *" + previous + ", *" + previous + ", *" + previous + "]\n";
  }
  Read read(yaml);
  EXPECT_FALSE(read.document.has_value());
  ASSERT_EQ(read.errors.size(), 1u);
  EXPECT_THAT(read.errors[0], HasSubstr("aliases expand to more than 100000 values"));
}

// The issue's reproduction: a 1 MiB string anchored once and aliased 2,000 times is a file of about
// 1 MB that would expand to 2 GB.
std::string AliasBombBySize(size_t aliases) {
  std::string yaml = "name: b\nx-s: &s \"" + std::string(size_t{1} << 20, 'a') + "\"\nnodes:\n";
  yaml += "  - name: a\n    type: set\n    params: {values: {x: [";
  for (size_t i = 0; i < aliases; ++i) yaml += i == 0 ? "*s" : ", *s";
  return yaml + "]}}\n";
}

TEST(YamlReader, StopsAnAliasBombBySizeAtTheAliasThatCrossesTheByteLimit) {
  Read read(AliasBombBySize(2000));
  EXPECT_FALSE(read.document.has_value());
  // 1 MiB for the scalar, 1 MiB for the copy kept for its aliases, one alias and the keys fit in
  // 4 MiB: the second, at column 31 of line 6, is refused before it is copied.
  EXPECT_THAT(read.errors,
              ElementsAre("t.yaml:6:31: error: the document would hold more than 4194304 bytes of "
                          "text: alias '*s' repeats 1048576 bytes here (an alias bomb?)"));
}

TEST(YamlReader, AcceptsAnchoredTextRepeatedWithinTheByteLimit) {
  // Keys a and b, the text, the copy kept for the aliases, three aliases: 5002 bytes.
  Read read("a: &a \"" + std::string(1000, 'x') + "\"\nb: [*a, *a, *a]\n",
            {.max_document_bytes = 5002});
  ASSERT_TRUE(read.document.has_value()) << ::testing::PrintToString(read.errors);
  EXPECT_EQ(read.root()["b"][2].get<std::string>().size(), 1000u);

  // A fourth alias is one copy too many.
  Read over("a: &a \"" + std::string(1000, 'x') + "\"\nb: [*a, *a, *a, *a]\n",
            {.max_document_bytes = 5002});
  EXPECT_FALSE(over.document.has_value());
  EXPECT_THAT(over.errors,
              ElementsAre("t.yaml:2:17: error: the document would hold more than 5002 bytes of "
                          "text: alias '*a' repeats 1000 bytes here (an alias bomb?)"));
}

TEST(YamlReader, CountsAnAliasToAMappingAsEverythingInsideIt) {
  // Each alias of `big` repeats its keys and both strings: 3 + 400 + 3 + 400 = 806 bytes. With
  // the mapping itself, the copy kept for the aliases and the keys big and use: 4 x 806 + 6.
  std::string yaml = "big: &big {one: \"" + std::string(400, 'x') + "\", two: \"" +
                     std::string(400, 'y') + "\"}\nuse: [*big, *big]\n";
  Read fits(yaml, {.max_document_bytes = 4 * 806 + 6});
  EXPECT_TRUE(fits.document.has_value()) << ::testing::PrintToString(fits.errors);
  Read over(yaml, {.max_document_bytes = 4 * 806 + 5});
  EXPECT_FALSE(over.document.has_value());
  EXPECT_THAT(over.errors, ElementsAre(HasSubstr("alias '*big' repeats 806 bytes here")));
}

TEST(YamlReader, CountsTheCopyKeptOfEveryNestedAnchor) {
  // Anchors nested in anchors keep a copy at every level: without counting them a small file
  // would build its text once per level (here 1 + 1000 and a copy of 1000 per level: 5001).
  std::string yaml = "a: &l1 [&l2 [&l3 [&l4 \"" + std::string(1000, 'x') + "\"]]]\n";
  Read fits(yaml, {.max_document_bytes = 5001});
  EXPECT_TRUE(fits.document.has_value()) << ::testing::PrintToString(fits.errors);
  Read read(yaml, {.max_document_bytes = 5000});
  EXPECT_FALSE(read.document.has_value());
  EXPECT_THAT(read.errors, ElementsAre(HasSubstr("(an anchored value counts twice: a copy is "
                                                 "kept for its aliases)")));
}

TEST(YamlReader, RefusesAnAliasInsideTheValueItNames) {
  Read read("a: &x [1, *x]\n");
  EXPECT_THAT(read.errors,
              ElementsAre("t.yaml:1:11: error: alias '*x' refers to a value that contains it"));
}

TEST(YamlReader, RefusesNestingDeeperThanTheLimit) {
  Read shallow(std::string(10, '[') + std::string(10, ']'), {.max_depth = 10});
  EXPECT_TRUE(shallow.document.has_value());
  Read deep(std::string(11, '[') + std::string(11, ']'), {.max_depth = 10});
  EXPECT_FALSE(deep.document.has_value());
  EXPECT_THAT(deep.errors,
              ElementsAre("t.yaml:1:11: error: the document is nested more than 10 levels deep"));
}

TEST(YamlReader, SurvivesNestingDeeperThanYamlCppsOwnGuard) {
  Read read(std::string(5000, '[') + std::string(5000, ']'));
  EXPECT_FALSE(read.document.has_value());
  EXPECT_EQ(read.errors.size(), 1u);
}

TEST(YamlReader, ReportsDuplicateKeysAndKeepsTheFirstValue) {
  Read read("a: 1\nb: 2\na: 3\n");
  ASSERT_TRUE(read.document.has_value());
  EXPECT_EQ(read.root()["a"], 1);
  EXPECT_THAT(read.errors,
              ElementsAre("t.yaml:3:1: error: duplicate key 'a' (first written at line 1)"));
}

TEST(YamlReader, RefusesKeysThatAreNotScalars) {
  Read read("? [a, b]\n: c\nd: 1\n? {e: 1}\n: 2\n");
  ASSERT_TRUE(read.document.has_value());
  EXPECT_EQ(read.root(), Json::parse(R"({"d": 1})"));
  EXPECT_EQ(read.errors.size(), 2u);
}

TEST(YamlReader, TurnsScalarKeysIntoStrings) {
  Read read("1: a\ntrue: b\n1.5: c\n");
  ASSERT_TRUE(read.document.has_value());
  EXPECT_EQ(read.root(), Json::parse(R"({"1": "a", "true": "b", "1.5": "c"})"));
}

TEST(YamlReader, RemembersTheOrderKeysWereWrittenIn) {
  Read read("m:\n  zebra: 1\n  apple: 2\n  mango: 3\n");
  ASSERT_TRUE(read.document.has_value());
  EXPECT_THAT(read.document->KeysInFileOrder("/m"), ElementsAre("zebra", "apple", "mango"));
}

TEST(YamlReader, PointsAnEmptyValueAtItsKey) {
  Read read("first:\nsecond: 2\n");
  ASSERT_TRUE(read.document.has_value());
  YamlDocument::Lookup lookup = read.document->Find("/first");
  ASSERT_TRUE(lookup.exact);
  EXPECT_EQ(lookup.location->value_offset, 0u);
}

TEST(YamlReader, RefusesASecondDocument) {
  Read read("a: 1\n---\nb: 2\n");
  EXPECT_FALSE(read.document.has_value());
  EXPECT_THAT(read.errors, ElementsAre(HasSubstr("t.yaml:2:1: error: a workflow file holds one")));
}

TEST(YamlReader, AcceptsAnExplicitDocumentStartAndEnd) {
  Read read("---\na: 1\n...\n");
  EXPECT_TRUE(read.document.has_value()) << ::testing::PrintToString(read.errors);
}

TEST(YamlReader, CatchesAQuotedStringLeftOpenAtTheEnd) {
  Read single("a: 'open\n");
  EXPECT_THAT(single.errors, ElementsAre("t.yaml:1:4: error: unterminated single-quoted string: "
                                         "the closing quote is missing"));
  Read escaped("a: \"ends with an escaped quote\\\"\n");
  EXPECT_FALSE(escaped.document.has_value());
}

TEST(YamlReader, ReportsSyntaxErrorsAtYamlCppsMark) {
  Read read("a: b: c\n");
  EXPECT_THAT(read.errors, ElementsAre("t.yaml:1:5: error: YAML syntax error: illegal map value"));
}

// yaml-cpp names the character after a backslash it cannot escape by its first byte only; the
// message stays UTF-8 (found by the host_config fuzzer's UTF-8 check).
TEST(YamlReader, AnUnknownEscapeOfAMultibyteCharacterIsReportedInUtf8) {
  Read read("a: \"\\\u00e9\"\n");
  ASSERT_EQ(read.errors.size(), 1u);
  EXPECT_THAT(read.errors[0], HasSubstr("unknown escape character: \uFFFD"));
}

TEST(YamlReader, NamesATabInTheIndentation) {
  Read read("a:\n\tb: 1\n");
  EXPECT_THAT(read.errors, ElementsAre("t.yaml:2:1: error: YAML syntax error: a tab in the "
                                       "indentation (YAML indents with spaces only)"));
}

TEST(YamlReader, CallsAnEmptyDocumentEmpty) {
  for (std::string yaml : {"", "\n\n", "# only a comment\n", "---\n"}) {
    Read read(yaml);
    EXPECT_FALSE(read.document.has_value()) << yaml;
    EXPECT_THAT(read.errors, ElementsAre(HasSubstr("the file is empty"))) << yaml;
  }
}

}  // namespace
}  // namespace flowhost::workflow
