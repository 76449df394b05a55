#include "flowhost/sdk/sse_parser.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/source_dir.h"

namespace flowhost::sdk {
namespace {

using ::testing::ElementsAre;

// Everything a parser reported, in order: events as "E<event>|<id>|<data>", comments as "C<text>".
struct Recording {
  std::vector<std::string> entries;
  std::vector<SseEvent> events;

  SseParser MakeParser(size_t max_line_bytes = 4 << 20) {
    return SseParser(
        [this](const SseEvent& event) {
          events.push_back(event);
          entries.push_back("E" + event.event + "|" + event.id + "|" + event.data);
        },
        [this](std::string_view comment) { entries.push_back("C" + std::string(comment)); },
        max_line_bytes);
  }
};

std::vector<std::string> ParseInChunks(std::string_view stream, const std::vector<size_t>& cuts) {
  Recording recording;
  SseParser parser = recording.MakeParser();
  size_t start = 0;
  for (size_t cut : cuts) {
    EXPECT_TRUE(parser.Feed(stream.substr(start, cut - start)).ok());
    start = cut;
  }
  EXPECT_TRUE(parser.Feed(stream.substr(start)).ok());
  parser.Finish();
  return recording.entries;
}

std::vector<std::string> ParseWhole(std::string_view stream) { return ParseInChunks(stream, {}); }

std::string ReadTestData(const std::string& name) {
  std::ifstream in(std::string(FLOWHOST_SOURCE_DIR) + "/tests/sdk/data/" + name, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  EXPECT_FALSE(contents.str().empty()) << "missing test data " << name;
  return contents.str();
}

std::string WithLineEnds(const std::string& lf_stream, const char* line_end) {
  return absl::StrReplaceAll(lf_stream, {{"\n", line_end}});
}

TEST(SseParserTest, DeliversOneEventPerBlankLineTerminatedBlock) {
  EXPECT_THAT(ParseWhole("data: one\n\ndata: two\n\n"), ElementsAre("E||one", "E||two"));
}

TEST(SseParserTest, AcceptsLfCrAndCrlfLineEndsAlike) {
  const char* ends[] = {"\n", "\r", "\r\n"};
  for (const char* end : ends) {
    EXPECT_THAT(ParseWhole(WithLineEnds("data: a\n\n: note\ndata: b\n\n", end)),
                ElementsAre("E||a", "Cnote", "E||b"))
        << "line end " << testing::PrintToString(std::string(end));
  }
}

TEST(SseParserTest, TreatsACrlfSplitAcrossChunksAsOneLineEnd) {
  Recording recording;
  SseParser parser = recording.MakeParser();
  // Were the LF read as a second line end, "a" and "b" would be two events.
  ASSERT_TRUE(parser.Feed("data: a\r").ok());
  ASSERT_TRUE(parser.Feed("\ndata: b\r").ok());
  ASSERT_TRUE(parser.Feed("\n").ok());
  EXPECT_TRUE(recording.entries.empty());
  ASSERT_TRUE(parser.Feed("\r").ok());
  EXPECT_THAT(recording.entries, ElementsAre("E||a\nb"));
  ASSERT_TRUE(parser.Feed("\ndata: c\r\n\r\n").ok());
  EXPECT_THAT(recording.entries, ElementsAre("E||a\nb", "E||c"));
}

TEST(SseParserTest, JoinsMultiLineDataWithNewlines) {
  EXPECT_THAT(ParseWhole("data: first\ndata:second\ndata\ndata:  indented\n\n"),
              ElementsAre("E||first\nsecond\n\n indented"));
}

TEST(SseParserTest, ReportsCommentsWithoutProducingEvents) {
  Recording recording;
  SseParser parser = recording.MakeParser();
  ASSERT_TRUE(parser.Feed(": OPENROUTER PROCESSING\n\n:\n\n:no-space\n\n").ok());
  parser.Finish();
  EXPECT_TRUE(recording.events.empty());
  EXPECT_THAT(recording.entries, ElementsAre("COPENROUTER PROCESSING", "C", "Cno-space"));
}

TEST(SseParserTest, ReadsEventAndIdFieldsAndKeepsTheLastIdAcrossEvents) {
  EXPECT_THAT(ParseWhole("event: error\nid: 7\ndata: {}\n\ndata: next\n\nid\ndata: cleared\n\n"),
              ElementsAre("Eerror|7|{}", "E|7|next", "E||cleared"));
}

TEST(SseParserTest, IgnoresRetryAndUnknownFieldsAndBlocksWithoutData) {
  EXPECT_THAT(ParseWhole("retry: 1000\nfoo: bar\n\nevent: ping\n\ndata: kept\n\n"),
              ElementsAre("E||kept"));
}

TEST(SseParserTest, PassesDoneThroughAsAnOrdinaryEvent) {
  EXPECT_THAT(ParseWhole("data: [DONE]\n\n"), ElementsAre("E||[DONE]"));
}

TEST(SseParserTest, FinishDispatchesAnEventThatLacksItsBlankLine) {
  EXPECT_THAT(ParseWhole("data: tail"), ElementsAre("E||tail"));
  EXPECT_THAT(ParseWhole("data: tail\n"), ElementsAre("E||tail"));
  EXPECT_THAT(ParseWhole("data: tail\r"), ElementsAre("E||tail"));
}

TEST(SseParserTest, FailsALineLongerThanTheCapAndStopsParsing) {
  Recording recording;
  SseParser parser = recording.MakeParser(/*max_line_bytes=*/16);
  ASSERT_TRUE(parser.Feed("data: 0123456789\n\n").ok()) << "exactly 16 bytes is allowed";
  ASSERT_TRUE(parser.Feed("data: 01234").ok());
  absl::Status status = parser.Feed("567890\n\n");
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrorClassOf(status), error_class::kMalformedResponse);
  EXPECT_FALSE(parser.Feed("data: ok\n\n").ok());
  parser.Finish();
  EXPECT_THAT(recording.entries, ElementsAre("E||0123456789"));
}

TEST(SseParserTest, FailsALongLineEvenWhenItNeverEnds) {
  Recording recording;
  SseParser parser = recording.MakeParser(/*max_line_bytes=*/8);
  EXPECT_TRUE(parser.Feed("data:").ok());
  EXPECT_FALSE(parser.Feed("12345").ok());
}

TEST(SseParserTest, ParsesARecordedOpenRouterStreamIntoRoleDeltasUsageAndDone) {
  std::string stream = ReadTestData("openrouter_stream.sse");
  Recording recording;
  SseParser parser = recording.MakeParser();
  ASSERT_TRUE(parser.Feed(stream).ok());
  parser.Finish();

  int comments = 0;
  for (const auto& entry : recording.entries) comments += entry[0] == 'C';
  EXPECT_EQ(comments, 3);
  ASSERT_EQ(recording.events.size(), 13u);  // role, 9 deltas, finish, usage, [DONE]
  EXPECT_EQ(recording.events.back().data, "[DONE]");

  std::string content;
  Json usage;
  std::string finish_reason;
  for (size_t i = 0; i + 1 < recording.events.size(); ++i) {
    Json chunk = Json::parse(recording.events[i].data, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(chunk.is_object()) << recording.events[i].data;
    EXPECT_EQ(chunk["object"], "chat.completion.chunk");
    if (chunk.contains("usage")) usage = chunk["usage"];
    for (const auto& choice : chunk["choices"]) {
      content += choice["delta"].value("content", "");
      if (choice["finish_reason"].is_string()) finish_reason = choice["finish_reason"];
    }
  }
  EXPECT_EQ(Json::parse(recording.events[0].data)["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(content, "Hello! How can I help you today?");
  EXPECT_EQ(finish_reason, "stop");
  EXPECT_EQ(usage["total_tokens"], 23);
}

// The property the issue asks for: wherever the network splits the bytes, the parser reports the
// same thing. Checked for every single split point of the recorded stream with each line-end style.
TEST(SseParserTest, ReportsTheSameForEverySplitOfTheRecordedStream) {
  const std::string lf_stream = ReadTestData("openrouter_stream.sse");
  for (const char* end : {"\n", "\r\n", "\r"}) {
    std::string stream = WithLineEnds(lf_stream, end);
    std::vector<std::string> expected = ParseWhole(stream);
    ASSERT_EQ(expected.size(), 16u);
    for (size_t cut = 0; cut <= stream.size(); ++cut) {
      ASSERT_EQ(ParseInChunks(stream, {cut}), expected)
          << "split at " << cut << " with line end " << testing::PrintToString(std::string(end));
    }
  }
}

TEST(SseParserTest, ReportsTheSameForEveryThreeWaySplitOfAShortCrlfStream) {
  const std::string stream =
      ": OPENROUTER PROCESSING\r\n\r\nevent: x\r\ndata: a\r\ndata: b\r\n\r\ndata: [DONE]\r\n\r\n";
  std::vector<std::string> expected = ParseWhole(stream);
  ASSERT_THAT(expected, ElementsAre("COPENROUTER PROCESSING", "Ex||a\nb", "E||[DONE]"));
  for (size_t first = 0; first <= stream.size(); ++first) {
    for (size_t second = first; second <= stream.size(); ++second) {
      ASSERT_EQ(ParseInChunks(stream, {first, second}), expected)
          << "splits at " << first << " and " << second;
    }
  }
}

TEST(SseParserTest, ParsesTheRecordedStreamFedOneByteAtATime) {
  std::string stream = WithLineEnds(ReadTestData("openrouter_stream.sse"), "\r\n");
  std::vector<size_t> cuts;
  for (size_t i = 1; i < stream.size(); ++i) cuts.push_back(i);
  EXPECT_EQ(ParseInChunks(stream, cuts), ParseWhole(stream));
}

// A mid-stream error arrives as an ordinary data event whose JSON carries `error` and a choice with
// finish_reason "error"; error.code is a number from some providers and a string from others.
TEST(SseParserTest, DeliversMidStreamErrorEventsWithNumericOrStringCodes) {
  struct Case {
    const char* file;
    Json code;
  };
  for (const Case& c : {Case{"openrouter_stream_error_numeric.sse", 502},
                        Case{"openrouter_stream_error_string.sse", "server_error"}}) {
    std::string stream = ReadTestData(c.file);
    Recording recording;
    SseParser parser = recording.MakeParser();
    ASSERT_TRUE(parser.Feed(stream).ok());
    parser.Finish();
    ASSERT_FALSE(recording.events.empty()) << c.file;
    Json last = Json::parse(recording.events.back().data, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(last.is_object()) << c.file;
    ASSERT_TRUE(last.contains("error")) << c.file;
    EXPECT_EQ(last["error"]["code"], c.code) << c.file;
    EXPECT_EQ(last["choices"][0]["finish_reason"], "error") << c.file;
    for (size_t cut = 0; cut <= stream.size(); ++cut) {
      ASSERT_EQ(ParseInChunks(stream, {cut}), recording.entries) << c.file << " split at " << cut;
    }
  }
}

}  // namespace
}  // namespace flowhost::sdk
