// ParseJsonText against nlohmann's own parser (same values, same number types, same rejections),
// its error messages and depth bound, and AppendJsonText against nlohmann's dump.
#include "flowhost/sdk/json_text.h"

#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/sdk/same_json.h"

namespace flowhost::sdk {
namespace {

using ::testing::HasSubstr;

Json Nlohmann(std::string_view text) { return Json::parse(text, nullptr, false); }

void ExpectSameAsNlohmann(std::string_view text) {
  SCOPED_TRACE(::testing::Message() << "text: " << text);
  const Json expected = Nlohmann(text);
  absl::StatusOr<Json> parsed = ParseJsonText(text);
  if (expected.is_discarded()) {
    EXPECT_FALSE(parsed.ok()) << "nlohmann rejects it, ParseJsonText gave " << parsed->dump();
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("at byte "));
    }
    return;
  }
  ASSERT_TRUE(parsed.ok()) << "nlohmann accepts it as " << expected.dump() << "; "
                           << parsed.status();
  EXPECT_TRUE(SameJson(*parsed, expected))
      << "got " << parsed->dump() << " (type " << parsed->type_name() << "), nlohmann "
      << expected.dump() << " (type " << expected.type_name() << ")";
}

TEST(JsonTextTest, ValidTextsParseToNlohmannsValueAndTypes) {
  for (std::string_view text : {
           "null",
           "true",
           "false",
           "0",
           "7",
           "-7",
           "-0",
           "0.0",
           "-0.0",
           "1.5",
           "-1.5",
           "1e2",
           "1E2",
           "1e+2",
           "1e-2",
           "1.25e-3",
           "123456789.123456789",
           "\"\"",
           "\"ann\"",
           "[]",
           "{}",
           "[[]]",
           "[{}]",
           "[[{\"id\":7,\"name\":\"ann\"}]]",
           " \t\r\n[ 1 , 2 ] \n",
           "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
           "{ \"a\" : 1 }",
           "{\"a\":1,\"a\":2}",
           "{\"a\":[1,2],\"a\":{\"b\":3}}",
           "\xEF\xBB\xBF[1]",
           "\xEF\xBB\xBF 1",
           "[1,[2,[3,[4]]]]",
           "{\"\":\"\"}",
           "\"a\\u0000b\"",
           "[0,-0,0.0,-0.0,1,-1]",
           "{\"key with spaces\":\"value\\twith tab\"}",
       }) {
    ExpectSameAsNlohmann(text);
  }
}

TEST(JsonTextTest, InvalidTextsAreRejectedLikeNlohmann) {
  for (std::string_view text : {
           "",
           " ",
           "\n\t",
           "nul",
           "nulll",
           "True",
           "tru",
           "falsey",
           "[",
           "]",
           "{",
           "}",
           "[1,]",
           "[,1]",
           "[1 2]",
           "{\"a\"}",
           "{\"a\":}",
           "{\"a\" 1}",
           "{a:1}",
           "{\"a\":1,}",
           "{,}",
           "{\"a\":1 \"b\":2}",
           "'a'",
           "\"abc",
           "\"\\\"",
           "01",
           "00",
           "-",
           "-a",
           "+1",
           ".5",
           "1.",
           "1.e5",
           "1e",
           "1e+",
           "1E-",
           "--1",
           "0x10",
           "1 2",
           "[] []",
           "{}x",
           "nullx",
           "1,",
           "NaN",
           "Infinity",
           "-Infinity",
           "1e400",
           "-1e400",
           "1.7976931348623159e308",
           " \xEF\xBB\xBF 1",
           "\xEF\xBB",
           "\xEF\xBB\xBF",
           "[1]\x00",
           "\x00",
           "/* c */ 1",
           "1 // c",
           "[\"a\",]",
           "\"\\x41\"",
           "\"\\'\"",
           "\"\\U0041\"",
           "\"\\u12\"",
           "\"\\u12g4\"",
       }) {
    ExpectSameAsNlohmann(text);
  }
  // Texts with a NUL inside (string_view literals above stop at it).
  ExpectSameAsNlohmann(std::string_view("\"a\0b\"", 5));
  ExpectSameAsNlohmann(std::string_view("\0", 1));
  ExpectSameAsNlohmann(std::string_view("[1\0]", 5));
}

// nlohmann's lexer takes a NUL where a token may start as the end of the input, so it accepts
// "[1]\0anything"; a sized text has no terminator, and that NUL is text after the value.
TEST(JsonTextTest, ANulAfterTheValueIsAnErrorUnlikeNlohmann) {
  const std::string_view text("[1] \0junk", 9);
  EXPECT_FALSE(Nlohmann(text).is_discarded());
  EXPECT_EQ(ParseJsonText(text).status().message(), "at byte 4: unexpected text after the value");
}

TEST(JsonTextTest, EscapesDecodeLikeNlohmann) {
  for (std::string_view text : {
           R"("\"\\\/\b\f\n\r\t")", R"("\u0041\u00e9\u20AC")",
           R"("\u0000")",           R"("\u001f")",
           R"("\uD83D\uDE00")",     R"("\ud83d\ude00")",
           R"("x\uDBFF\uDFFFy")",   R"("\uD800\uDC00")",
           R"("\uD800")",           R"("\uDC00")",
           R"("\uDFFF\uD800")",     R"("\uD800\u0041")",
           R"("\uD800\n")",         R"("\uD800x")",
           R"("\uD800\uD800")",     R"("\uD800\")",
           R"("\uD800\u")",         R"("\uD800\uDC0")",
           R"("\uFFFF")",           R"("\uFEFF")",
       }) {
    ExpectSameAsNlohmann(text);
  }
  EXPECT_EQ(ParseJsonText(R"("\uD83D\uDE00")")->get<std::string>(), "\xF0\x9F\x98\x80");
}

TEST(JsonTextTest, NumbersAtTheEdgesOfInt64Uint64AndDoubleKeepNlohmannsTypes) {
  for (std::string_view text : {
           "9223372036854775807",
           "9223372036854775808",
           "-9223372036854775808",
           "-9223372036854775809",
           "18446744073709551615",
           "18446744073709551616",
           "-18446744073709551616",
           "99999999999999999999999999999",
           "-99999999999999999999999999999",
           "4294967296",
           "-4294967296",
           "1.7976931348623157e308",
           "-1.7976931348623157e308",
           "2.2250738585072014e-308",
           "2.2250738585072011e-308",
           "4.9406564584124654e-324",
           "5e-324",
           "2e-324",
           "1e-400",
           "-1e-400",
           "0.1",
           "0.30000000000000004",
           "9007199254740993",
           "9007199254740993.0",
           "1e0",
           "1e-0",
           "1E+0",
           "0e0",
           "-0e0",
           "0.000000000000000000000000001e27",
           "123456789012345678901234567890e-10",
           "1e-2147483649",
           "1e2147483648",
           "0.0000000000000000000000000000000000000000000000000000000000001e-300",
       }) {
    ExpectSameAsNlohmann(text);
  }
  EXPECT_EQ(ParseJsonText("7")->type(), Json::value_t::number_unsigned);
  EXPECT_EQ(ParseJsonText("-7")->type(), Json::value_t::number_integer);
  EXPECT_EQ(ParseJsonText("-0")->type(), Json::value_t::number_integer);
  EXPECT_EQ(ParseJsonText("18446744073709551616")->type(), Json::value_t::number_float);
}

TEST(JsonTextTest, StringsMustBeValidUtf8LikeNlohmann) {
  for (std::string_view text : {
           "\"\xC3\xA9\"",
           "\"\xE2\x82\xAC\"",
           "\"\xF0\x9F\x98\x80\"",
           "\"\xF4\x8F\xBF\xBF\"",
           "\"\xEF\xBB\xBF\"",
           "\"\x7F\"",
           "\"\x80\"",
           "\"\xBF\"",
           "\"\xC0\x80\"",
           "\"\xC1\xBF\"",
           "\"\xC3\"",
           "\"\xC3x\"",
           "\"\xE0\x80\x80\"",
           "\"\xE0\x9F\xBF\"",
           "\"\xED\xA0\x80\"",
           "\"\xED\xBF\xBF\"",
           "\"\xE2\x82\"",
           "\"\xF0\x80\x80\x80\"",
           "\"\xF0\x8F\xBF\xBF\"",
           "\"\xF4\x90\x80\x80\"",
           "\"\xF5\x80\x80\x80\"",
           "\"\xFF\"",
           "\"\xFE\"",
           "\"\xF0\x9F\x98\"",
           "\xC3\xA9",
           "{\"\xC3\xA9\":1}",
           "{\"\xC3\":1}",
       }) {
    ExpectSameAsNlohmann(text);
  }
}

TEST(JsonTextTest, RawControlCharactersInStringsAreRejected) {
  for (int c = 0; c < 0x20; ++c) {
    const std::string text = std::string("\"a") + static_cast<char>(c) + "b\"";
    ExpectSameAsNlohmann(text);
    EXPECT_FALSE(ParseJsonText(text).ok()) << c;
  }
}

TEST(JsonTextTest, LongStringsAcrossTheEightByteScanMatchNlohmann) {
  for (size_t length = 0; length < 40; ++length) {
    for (std::string_view special : {"", "\\n", "\xC3\xA9", "\x01", "\xFF", "\"", "\\"}) {
      const std::string text = "\"" + std::string(length, 'x') + std::string(special) + "yz\"";
      ExpectSameAsNlohmann(text);
    }
  }
}

TEST(JsonTextTest, ErrorsNameTheByteAndWhatIsWrong) {
  absl::StatusOr<Json> parsed = ParseJsonText("[1, 2,]");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().message(), "at byte 6: expected a value");

  EXPECT_EQ(ParseJsonText("[1] x").status().message(),
            "at byte 4: unexpected text after the value");
  EXPECT_EQ(ParseJsonText("\"a\x01\"").status().message(),
            "at byte 2: control character U+0001 must be escaped in a string");
  EXPECT_EQ(ParseJsonText("{\"a\":1").status().message(),
            "at byte 6: expected ',' or '}', found the end of the text");
  EXPECT_EQ(ParseJsonText("").status().message(),
            "at byte 0: expected a value, found the end of the text");
  EXPECT_EQ(ParseJsonText("[1e400]").status().message(),
            "at byte 1: number beyond the range of a double");
}

TEST(JsonTextTest, NestingDeeperThanTheBoundIsAnErrorNotACrash) {
  const size_t kDepth = 512;
  const std::string at_bound = std::string(kDepth, '[') + std::string(kDepth, ']');
  absl::StatusOr<Json> parsed = ParseJsonText(at_bound, kDepth);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(SameJson(*parsed, Nlohmann(at_bound)));

  const std::string over = "[" + at_bound + "]";
  EXPECT_EQ(ParseJsonText(over, kDepth).status().message(),
            "at byte 512: arrays and objects nest deeper than 512");
  EXPECT_FALSE(ParseJsonText("{\"a\":{\"b\":1}}", 1).ok());
  EXPECT_TRUE(ParseJsonText("{\"a\":1}", 1).ok());
  EXPECT_TRUE(ParseJsonText("1", 0).ok());

  // Far deeper than any stack would take, recursive or not: still an error, quickly.
  const std::string huge(1'000'000, '[');
  EXPECT_FALSE(ParseJsonText(huge).ok());
  const std::string huge_objects = [] {
    std::string text;
    for (int i = 0; i < 100'000; ++i) text += "{\"a\":";
    return text;
  }();
  EXPECT_FALSE(ParseJsonText(huge_objects).ok());
}

TEST(JsonTextTest, AppendJsonTextWritesWhatDumpWritesAndAppends) {
  Json value = {{"id", 7},
                {"name", "ann"},
                {"pi", 3.14159},
                {"neg", -0.0},
                {"list", {1, -2, 3.5}},
                {"nested", {{"a", nullptr}}},
                {"esc", "q\"\\\n\x01"},
                {"big", 18446744073709551615ULL}};
  value["bad_utf8"] = std::string(
      "a\xFF"
      "b\xC3");
  std::string out = "prefix:";
  AppendJsonText(value, out);
  EXPECT_EQ(out, "prefix:" + value.dump(-1, ' ', false, Json::error_handler_t::replace));
  EXPECT_EQ(JsonText(value), value.dump(-1, ' ', false, Json::error_handler_t::replace));
  EXPECT_EQ(JsonText(Json::array()), "[]");
}

TEST(JsonTextTest, JsonTextEscapesAndReplacesInvalidUtf8LikeDump) {
  std::string every_byte;
  for (int c = 0; c < 256; ++c) every_byte += static_cast<char>(c);
  for (const std::string& text :
       {every_byte, std::string("\x7f/\xC3\xA9\xF0\x9F\x98\x80"), std::string("ab\xE2\x82"),
        std::string("\xED\xA0\x80x"), std::string("\xF4\x90\x80\x80"), std::string()}) {
    const Json value = {{text, text}, {"list", {text, 1.5, -0.0, 1e300, 5e-324}}};
    EXPECT_EQ(JsonText(value), value.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  for (double number :
       {0.0, -0.0, 0.1, 1.0 / 3, 1e21, 1e-7, 123456789012345680.0,
        std::numeric_limits<double>::max(), std::numeric_limits<double>::denorm_min(),
        std::numeric_limits<double>::infinity(), std::nan("")}) {
    EXPECT_EQ(JsonText(Json(number)), Json(number).dump()) << number;
  }
  EXPECT_EQ(JsonText(Json::binary({1, 2, 3})), Json::binary({1, 2, 3}).dump());
}

// The writer starts in a small buffer of its own and moves to the heap as the text grows: texts on
// both sides of each growth, numbers written at the buffer's edge, and an invalid UTF-8 string
// (written again by nlohmann's rules) after the buffer has moved, all as dump writes them.
TEST(JsonTextTest, TextsOfEverySizeAcrossTheWritersBufferMatchDump) {
  const auto dump = [](const Json& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
  };
  for (size_t size :
       {0, 1, 240, 250, 253, 254, 255, 256, 257, 511, 512, 513, 1023, 1025, 4096, 100000}) {
    const std::string plain(size, 'x');
    std::string escaped;
    for (size_t i = 0; i < size; ++i) escaped += "\"\n\x01\xC3\xA9"[i % 5];
    Json value = Json::array();
    value.push_back(plain);
    value.push_back(18446744073709551615ULL);
    value.push_back(-0.1234567890123);
    value.push_back(escaped);
    value.push_back(plain + "\xFF");
    value.push_back({{plain, escaped}});
    std::string out(size, 'p');  // appends to a caller's string that is already long
    AppendJsonText(value, out);
    EXPECT_EQ(out, std::string(size, 'p') + dump(value)) << size;
    for (size_t pad = 0; pad < 30; ++pad) {  // a number and an escape straddling every edge
      const Json near_edge = {std::string(size + pad, 'y'), -9223372036854775807LL - 1, 1e-300,
                              "\x1f"};
      EXPECT_EQ(JsonText(near_edge), dump(near_edge)) << size << "+" << pad;
    }
  }
}

TEST(JsonTextTest, ParsedTextRoundTripsThroughJsonText) {
  for (std::string_view text : {"[[{\"id\":7,\"name\":\"ann\"}]]", "{\"a\":[1,-2,3.5,\"\\u00e9\"]}",
                                "[1e300,-0.0,0.1,18446744073709551615,-9223372036854775808]"}) {
    absl::StatusOr<Json> parsed = ParseJsonText(text);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    absl::StatusOr<Json> again = ParseJsonText(JsonText(*parsed));
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_TRUE(SameJson(*again, *parsed)) << text;
  }
}

// ParseJsonTextLists: the plugin boundary's `[[item, ...], ...]`, the same values as ParseJsonText.
TEST(JsonTextListsTest, ListsOfItemsParseToTheSameValuesAsTheWholeText) {
  for (std::string_view text :
       {"[]", "[[]]", " [ [ ] , [ ] ] ", "\xEF\xBB\xBF[[1]]",
        R"([[{"id":7,"name":"ann"},{"x":[1,2,{"y":null}]}],[],["s",-1,2.5,true]])"}) {
    absl::StatusOr<std::vector<std::vector<Json>>> lists = ParseJsonTextLists(text);
    ASSERT_TRUE(lists.ok()) << text << ": " << lists.status();
    absl::StatusOr<Json> whole = ParseJsonText(text);
    ASSERT_TRUE(whole.ok()) << whole.status();
    ASSERT_EQ(lists->size(), whole->size()) << text;
    for (size_t i = 0; i < lists->size(); ++i) {
      EXPECT_TRUE(SameJson(Json((*lists)[i]), (*whole)[i])) << text << " list " << i;
    }
  }
}

TEST(JsonTextListsTest, OtherShapesAndInvalidTextAreRefusedSayingWhere) {
  EXPECT_EQ(ParseJsonTextLists("{}").status().message(), "at byte 0: expected '['");
  EXPECT_EQ(ParseJsonTextLists("[1]").status().message(), "at byte 1: expected '['");
  EXPECT_EQ(ParseJsonTextLists("[[1] 2]").status().message(), "at byte 5: expected ',' or ']'");
  EXPECT_EQ(ParseJsonTextLists("[[1 2]]").status().message(), "at byte 4: expected ',' or ']'");
  EXPECT_EQ(ParseJsonTextLists("[[1,]]").status().message(), "at byte 4: expected a value");
  EXPECT_EQ(ParseJsonTextLists("[[1]] x").status().message(),
            "at byte 6: unexpected text after the value");
  EXPECT_EQ(ParseJsonTextLists("[[1]").status().message(),
            "at byte 4: expected ',' or ']'");
  for (std::string_view text : {"", "[", "[[", "[[\"a]]", "[[1]],", "[[1],]", "null", "[[]]]"}) {
    EXPECT_FALSE(ParseJsonTextLists(text).ok()) << text;
    EXPECT_EQ(ParseJsonTextLists(text).status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(JsonTextListsTest, TheTwoOuterArraysCountTowardsTheNestingBound) {
  const std::string item = std::string(510, '[') + std::string(510, ']');
  EXPECT_TRUE(ParseJsonTextLists("[[" + item + "]]", 512).ok());
  EXPECT_EQ(ParseJsonTextLists("[[[" + item + "]]]", 512).status().message(),
            "at byte 512: arrays and objects nest deeper than 512");
  EXPECT_FALSE(ParseJsonTextLists("[[" + std::string(1'000'000, '[')).ok());
}

}  // namespace
}  // namespace flowhost::sdk
