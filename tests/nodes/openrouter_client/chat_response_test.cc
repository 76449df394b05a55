// Response parsing: non-streaming bodies, streamed chunks (the SDK's recorded streams and our own),
// mid-stream errors, tool calls, and truncated streams.
#include "nodes/openrouter_client/chat_response.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "flowhost/sdk/error.h"
#include "flowhost/sdk/sse_parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/nodes/testing/openrouter_replies.h"
#include "tests/source_dir.h"

namespace flowhost::nodes::openrouter {
namespace {

using node_testing::Reply;
using sdk::Json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);
const CallDescription kCall{"chat completion", "openai/gpt-4o-mini", nullptr};

std::string ReadFixture(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

struct Streamed {
  absl::StatusOr<ChatAnswer> answer;
  std::vector<std::pair<std::string, std::string>> deltas;  // (kind, text)
};

Streamed Stream(const std::string& sse, size_t chunk_size = 7) {
  Streamed out;
  ChatStreamAccumulator accumulator(kCall, [&out](std::string_view text, std::string_view kind) {
    out.deltas.emplace_back(std::string(kind), std::string(text));
  });
  sdk::SseParser parser(
      [&accumulator](const sdk::SseEvent& event) { accumulator.OnData(event.data, kNow); });
  for (size_t i = 0; i < sse.size(); i += chunk_size) {
    EXPECT_TRUE(parser.Feed(std::string_view(sse).substr(i, chunk_size)).ok());
  }
  parser.Finish();
  out.answer = accumulator.Finish();
  return out;
}

TEST(ChatResponse, ReadsACompletionIntoTheOutputItem) {
  Reply reply;
  reply.content = "Four.";
  reply.cost = 0.0005;
  absl::StatusOr<ChatAnswer> answer = ParseChatCompletion(CompletionBody(reply), kNow, kCall);
  ASSERT_TRUE(answer.ok()) << answer.status();
  Json item = answer->ToItem(answer->reported_cost, absl::Milliseconds(250));
  EXPECT_EQ(item["content"], "Four.");
  EXPECT_EQ(item["model"], "openai/gpt-4o-mini");
  EXPECT_EQ(item["provider"], "OpenAI");
  EXPECT_EQ(item["finish_reason"], "stop");
  EXPECT_EQ(item["generation_id"], "gen-123");
  EXPECT_EQ(item["usage"]["prompt_tokens"], 10);
  EXPECT_EQ(item["usage"]["completion_tokens"], 3);
  EXPECT_DOUBLE_EQ(item["cost_usd"].get<double>(), 0.0005);
  // The fields the nodes declare in their output schemas are exactly the item's.
  std::vector<std::string> keys;
  for (const auto& [key, unused] : item.items()) keys.push_back(key);
  std::vector<std::string> declared = ChatItemFields();
  std::sort(declared.begin(), declared.end());
  EXPECT_EQ(keys, declared);
  EXPECT_DOUBLE_EQ(item["latency_ms"].get<double>(), 250);
  EXPECT_TRUE(item["reasoning"].is_null());
  EXPECT_TRUE(item["tool_calls"].is_null());
}

TEST(ChatResponse, KeepsReasoningAndToolCalls) {
  Json body = Json::parse(R"({"id": "g", "model": "m/x", "choices": [{"message": {
      "role": "assistant", "content": null, "reasoning": "thinking...",
      "tool_calls": [{"id": "c1", "type": "function",
                      "function": {"name": "f", "arguments": "{}"}}]},
      "finish_reason": "tool_calls"}], "usage": {"prompt_tokens": 1, "completion_tokens": 2}})");
  absl::StatusOr<ChatAnswer> answer = ParseChatCompletion(body.dump(), kNow, kCall);
  ASSERT_TRUE(answer.ok());
  EXPECT_TRUE(answer->content.is_null());
  EXPECT_EQ(answer->reasoning, "thinking...");
  EXPECT_EQ(answer->tool_calls[0]["function"]["name"], "f");
  EXPECT_EQ(answer->finish_reason, "tool_calls");
  EXPECT_FALSE(answer->reported_cost.has_value());
}

TEST(ChatResponse, ClassifiesAnErrorObjectInsideA200Body) {
  absl::StatusOr<ChatAnswer> answer =
      ParseChatCompletion(node_testing::ErrorBody(429, "Rate limited"), kNow, kCall);
  EXPECT_EQ(sdk::ErrorClassOf(answer.status()), "rate_limited");
}

TEST(ChatResponse, CallsBrokenBodiesMalformed) {
  for (const char* body : {"{not json", "[]", R"({"choices": []})", R"({"choices": [{}]})"}) {
    absl::StatusOr<ChatAnswer> answer = ParseChatCompletion(body, kNow, kCall);
    EXPECT_EQ(sdk::ErrorClassOf(answer.status()), "malformed_response") << body;
  }
}

TEST(ChatStream, QuotesAnEventThatIsNeitherJsonNorUtf8AsValidUtf8) {
  Streamed streamed = Stream("data: \xFF\xFEnot json\n\n");
  EXPECT_EQ(sdk::ErrorClassOf(streamed.answer.status()), "malformed_response");
  std::string message(streamed.answer.status().message());
  EXPECT_THAT(message, HasSubstr("not a JSON object: \xEF\xBF\xBD\xEF\xBF\xBDnot json"));
  EXPECT_NO_THROW(Json(message).dump());
}

TEST(ChatStream, AssemblesTheRecordedStreamAndSendsDeltasInOrder) {
  std::string sse =
      ReadFixture(std::string(FLOWHOST_SOURCE_DIR) + "/tests/sdk/data/openrouter_stream.sse");
  ASSERT_FALSE(sse.empty());
  Streamed streamed = Stream(sse);
  ASSERT_TRUE(streamed.answer.ok()) << streamed.answer.status();
  std::string joined;
  for (const auto& [kind, text] : streamed.deltas) {
    EXPECT_EQ(kind, "content");
    joined += text;
  }
  EXPECT_EQ(streamed.answer->content, joined);
  EXPECT_THAT(joined, HasSubstr("Hello! How can I help you today"));
  EXPECT_EQ(streamed.answer->model, "openai/gpt-4o-mini");
  EXPECT_EQ(streamed.answer->provider, "OpenAI");
  EXPECT_FALSE(streamed.answer->finish_reason.empty());
  EXPECT_GT(streamed.answer->prompt_tokens, 0);
  EXPECT_GT(streamed.answer->completion_tokens, 0);
}

TEST(ChatStream, GivesTheSameAnswerForEveryChunkSize) {
  Reply reply;
  std::string sse;
  for (const std::string& event : node_testing::StreamEvents(reply, {"Hel", "lo", " world"})) {
    sse += event;
  }
  for (size_t size : {1, 2, 3, 5, 64, 4096}) {
    Streamed streamed = Stream(sse, size);
    ASSERT_TRUE(streamed.answer.ok()) << size;
    EXPECT_EQ(streamed.answer->content, "Hello world") << size;
    EXPECT_EQ(streamed.answer->reported_cost, reply.cost);
    EXPECT_EQ(streamed.answer->usage["total_tokens"], 13);
    ASSERT_EQ(streamed.deltas.size(), 3u);
    EXPECT_EQ(streamed.deltas[2].second, " world");
  }
}

TEST(ChatStream, FailsWithTheMidStreamErrorWithANumericCode) {
  Streamed streamed = Stream(ReadFixture(std::string(FLOWHOST_SOURCE_DIR) +
                                      "/tests/sdk/data/openrouter_stream_error_numeric.sse"));
  ASSERT_FALSE(streamed.answer.ok());
  EXPECT_EQ(sdk::ErrorClassOf(streamed.answer.status()), "upstream");
  EXPECT_THAT(std::string(streamed.answer.status().message()), HasSubstr("mid-stream"));
  EXPECT_THAT(std::string(streamed.answer.status().message()),
              HasSubstr("Provider returned error"));
  // The text before the error was still delivered as it came.
  ASSERT_FALSE(streamed.deltas.empty());
  EXPECT_EQ(streamed.deltas[0].second, "The answer");
}

TEST(ChatStream, FailsWithTheMidStreamErrorWithAStringCode) {
  Streamed streamed = Stream(ReadFixture(std::string(FLOWHOST_SOURCE_DIR) +
                                      "/tests/sdk/data/openrouter_stream_error_string.sse"));
  ASSERT_FALSE(streamed.answer.ok());
  EXPECT_EQ(sdk::ErrorClassOf(streamed.answer.status()), "upstream");
  EXPECT_EQ(sdk::ErrorDetailsOf(streamed.answer.status())["code"], "server_error");
  EXPECT_THAT(std::string(streamed.answer.status().message()),
              HasSubstr("Upstream stream interrupted"));
}

TEST(ChatStream, MergesToolCallPiecesByIndex) {
  ChatStreamAccumulator accumulator(kCall, nullptr);
  accumulator.OnData(R"({"choices":[{"delta":{"tool_calls":[{"index":0,"id":"c1","type":"function",
      "function":{"name":"lookup","arguments":"{\"q\":"}}]}}]})",
                     kNow);
  accumulator.OnData(R"({"choices":[{"delta":{"tool_calls":[{"index":0,
      "function":{"arguments":"\"x\"}"}}]}}]})",
                     kNow);
  accumulator.OnData(R"({"choices":[{"delta":{},"finish_reason":"tool_calls"}]})", kNow);
  accumulator.OnData("[DONE]", kNow);
  absl::StatusOr<ChatAnswer> answer = accumulator.Finish();
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->tool_calls[0]["id"], "c1");
  EXPECT_EQ(answer->tool_calls[0]["function"]["name"], "lookup");
  EXPECT_EQ(answer->tool_calls[0]["function"]["arguments"], R"({"q":"x"})");
}

TEST(ChatStream, CallsAStreamCutBeforeItsEndMalformed) {
  Reply reply;
  std::vector<std::string> events = node_testing::StreamEvents(reply, {"a", "b"});
  Streamed streamed = Stream(events[0] + events[1] + events[2]);
  EXPECT_EQ(sdk::ErrorClassOf(streamed.answer.status()), "malformed_response");
  Streamed nothing = Stream(": OPENROUTER PROCESSING\n\n");
  EXPECT_EQ(sdk::ErrorClassOf(nothing.answer.status()), "malformed_response");
}

}  // namespace
}  // namespace flowhost::nodes::openrouter
