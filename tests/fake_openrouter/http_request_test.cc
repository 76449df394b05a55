// The fake's request parser cuts exactly one HTTP/1.x request off the front of the input, whatever
// the framing, and says when it needs more bytes or must refuse the input.
#include "tests/fake_openrouter/http_request.h"

#include <gtest/gtest.h>

#include <string>

namespace flowhost::fake_openrouter {
namespace {

TEST(FakeRequestParserTest, ContentLengthBodyIsCutExactlyAndPipelinedBytesAreLeft) {
  const std::string first =
      "POST /api/v1/chat/completions?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
      "Authorization: Bearer k\r\n\r\nhello";
  const std::string input = first + "GET /healthz HTTP/1.1\r\n\r\n";
  HttpRequest request;
  ParseOutcome outcome = ParseRequest(input, ParseLimits(), &request);
  ASSERT_EQ(outcome.state, ParseState::kComplete);
  EXPECT_EQ(outcome.consumed, first.size());
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/api/v1/chat/completions?x=1");
  EXPECT_EQ(request.path, "/api/v1/chat/completions");
  EXPECT_EQ(request.body, "hello");
  EXPECT_TRUE(request.keep_alive);
  ASSERT_NE(request.FindHeader("AUTHORIZATION"), nullptr);
  EXPECT_EQ(*request.FindHeader("authorization"), "Bearer k");
}

TEST(FakeRequestParserTest, EveryTruncationOfARequestNeedsMore) {
  const std::string input = "POST /x HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody";
  for (size_t cut = 0; cut < input.size(); ++cut) {
    HttpRequest request;
    ParseOutcome outcome = ParseRequest(input.substr(0, cut), ParseLimits(), &request);
    EXPECT_EQ(outcome.state, ParseState::kNeedMore) << "cut at " << cut;
  }
}

TEST(FakeRequestParserTest, ChunkedBodyIsDecoded) {
  const std::string input =
      "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n"
      "0\r\nTrailer: t\r\n\r\n";
  HttpRequest request;
  ParseOutcome outcome = ParseRequest(input, ParseLimits(), &request);
  ASSERT_EQ(outcome.state, ParseState::kComplete);
  EXPECT_EQ(outcome.consumed, input.size());
  EXPECT_EQ(request.body, "hello world");
  EXPECT_EQ(ParseRequest(input.substr(0, input.size() - 2), ParseLimits(), &request).state,
            ParseState::kNeedMore);
}

TEST(FakeRequestParserTest, ExpectContinueIsReportedOnceTheHeadIsComplete) {
  const std::string head = "POST /x HTTP/1.1\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n";
  HttpRequest request;
  ParseOutcome outcome = ParseRequest(head, ParseLimits(), &request);
  EXPECT_EQ(outcome.state, ParseState::kNeedMore);
  EXPECT_TRUE(outcome.head_complete);
  EXPECT_TRUE(outcome.expects_continue);
}

TEST(FakeRequestParserTest, Http10KeepsTheConnectionOnlyWhenAskedAndHttp11UnlessClosed) {
  HttpRequest request;
  ParseRequest("GET / HTTP/1.0\r\n\r\n", ParseLimits(), &request);
  EXPECT_FALSE(request.keep_alive);
  ParseRequest("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", ParseLimits(), &request);
  EXPECT_TRUE(request.keep_alive);
  ParseRequest("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", ParseLimits(), &request);
  EXPECT_FALSE(request.keep_alive);
}

TEST(FakeRequestParserTest, BadInputIsRefusedWithTheRightStatus) {
  HttpRequest request;
  EXPECT_EQ(ParseRequest("NONSENSE\r\n\r\n", ParseLimits(), &request).error_status, 400);
  EXPECT_EQ(ParseRequest("GET / HTTP/2.0\r\n\r\n", ParseLimits(), &request).error_status, 505);
  EXPECT_EQ(ParseRequest("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n", ParseLimits(), &request)
                .error_status,
            400);
  ParseLimits small;
  small.max_head_bytes = 64;
  small.max_body_bytes = 8;
  EXPECT_EQ(
      ParseRequest("GET / HTTP/1.1\r\nX: " + std::string(100, 'a'), small, &request).error_status,
      431);
  EXPECT_EQ(
      ParseRequest("POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\n", small, &request).error_status,
      413);
}

}  // namespace
}  // namespace flowhost::fake_openrouter
