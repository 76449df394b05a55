// A streamed chat completion built from a workflow's stream (openai_stream.h).
#include "server/http_api/openai_stream.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/service/json_proto.h"

namespace flowhost::http_api::openai {
namespace {

using Json = sdk::Json;

v1::StreamWorkflowResponse Started() {
  v1::StreamWorkflowResponse message;
  message.mutable_execution_started()->set_execution_id("ex-7");
  return message;
}

v1::StreamWorkflowResponse Delta(const std::string& node, const std::string& text,
                                 const std::string& kind = "content") {
  v1::StreamWorkflowResponse message;
  v1::TokenDelta& delta = *message.mutable_token_delta();
  delta.set_node(node);
  delta.set_text(text);
  delta.set_kind(kind);
  return message;
}

v1::StreamWorkflowResponse Finished(const Json& item) {
  v1::StreamWorkflowResponse message;
  v1::ExecutionFinished& finished = *message.mutable_execution_finished();
  finished.set_status(v1::EXECUTION_STATUS_SUCCEEDED);
  EXPECT_TRUE(service::JsonToValue(item, *finished.add_output_items()).ok());
  finished.mutable_summary()->set_prompt_tokens(3);
  finished.mutable_summary()->set_completion_tokens(2);
  finished.mutable_summary()->set_cost_usd(0.5);
  return message;
}

// Every payload the stream gives for `messages` and a call ending with `status`.
std::vector<std::string> PayloadsOf(CompletionStream& stream,
                                    const std::vector<v1::StreamWorkflowResponse>& messages,
                                    const grpc::Status& status = grpc::Status::OK) {
  std::vector<std::string> payloads;
  for (const v1::StreamWorkflowResponse& message : messages) {
    for (std::string& payload : stream.OnMessage(message)) payloads.push_back(std::move(payload));
  }
  for (std::string& payload : stream.OnEnd(status, std::nullopt)) {
    payloads.push_back(std::move(payload));
  }
  return payloads;
}

TEST(OpenAiStream, ChunksCarryTheRoleThenTheDeltasThenFinishReasonUsageAndDone) {
  CompletionStream stream("ask", 1700000000);
  std::vector<std::string> payloads =
      PayloadsOf(stream, {Started(), Delta("answer", "Hel"), Delta("answer", "lo", "reasoning"),
                   Delta("answer", "lo"),
                   Finished(Json::parse(R"({"content": "Hello", "finish_reason": "stop"})"))});
  ASSERT_EQ(payloads.size(), 7u);
  Json first = Json::parse(payloads[0]);
  EXPECT_EQ(first["id"], "chatcmpl-ex-7");
  EXPECT_EQ(first["object"], "chat.completion.chunk");
  EXPECT_EQ(first["model"], "ask");
  EXPECT_EQ(first["created"], 1700000000);
  EXPECT_EQ(first["choices"][0]["delta"], Json::parse(R"({"role": "assistant", "content": ""})"));
  EXPECT_EQ(Json::parse(payloads[1])["choices"][0]["delta"], Json::parse(R"({"content": "Hel"})"));
  EXPECT_EQ(Json::parse(payloads[2])["choices"][0]["delta"],
            Json::parse(R"({"reasoning": "lo"})"));
  EXPECT_EQ(Json::parse(payloads[3])["choices"][0]["delta"], Json::parse(R"({"content": "lo"})"));
  Json last_choice = Json::parse(payloads[4]);
  EXPECT_EQ(last_choice["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(last_choice["choices"][0]["delta"], Json::object());
  Json usage = Json::parse(payloads[5]);
  EXPECT_EQ(usage["choices"], Json::array());
  EXPECT_EQ(usage["usage"], Json::parse(R"({"prompt_tokens": 3, "completion_tokens": 2,
      "total_tokens": 5, "cost": 0.5})"));
  EXPECT_EQ(payloads[6], "[DONE]");
}

TEST(OpenAiStream, OnlyTheFirstStreamingNodeIsStreamedAndTheRestOfTheAnswerFollowsAtTheEnd) {
  CompletionStream stream("pipeline", 0);
  std::vector<std::string> payloads = PayloadsOf(
      stream, {Started(), Delta("draft", "Dr"), Delta("review", "ignored"),
               Finished(Json::parse(R"({"content": "Draft, reviewed"})"))});
  ASSERT_EQ(payloads.size(), 6u);
  EXPECT_EQ(Json::parse(payloads[1])["choices"][0]["delta"]["content"], "Dr");
  EXPECT_EQ(Json::parse(payloads[2])["choices"][0]["delta"]["content"], "aft, reviewed");
}

TEST(OpenAiStream, AWorkflowThatDoesNotStreamSendsItsWholeAnswerAtTheEnd) {
  CompletionStream stream("words", 0);
  std::vector<std::string> payloads = PayloadsOf(stream, {Started(), Finished(Json("all at once"))});
  ASSERT_EQ(payloads.size(), 5u);
  EXPECT_EQ(Json::parse(payloads[1])["choices"][0]["delta"]["content"], "all at once");
}

TEST(OpenAiStream, TextVoidedByAFallbackEndsTheStreamWithAnErrorRatherThanAWrongAnswer) {
  CompletionStream stream("ask", 0);
  v1::StreamWorkflowResponse reset;
  reset.mutable_tokens_reset()->set_node("answer");
  std::vector<std::string> payloads =
      PayloadsOf(stream, {Started(), Delta("answer", "Wrong"), reset, Delta("answer", "Right"),
                   Finished(Json::parse(R"({"content": "Right"})"))});
  ASSERT_EQ(payloads.size(), 4u);
  Json error = Json::parse(payloads[2]);
  EXPECT_EQ(error["error"]["code"], "stream_replaced");
  EXPECT_NE(error["error"]["message"].get<std::string>().find("ex-7"), std::string::npos);
  EXPECT_EQ(payloads[3], "[DONE]");
}

TEST(OpenAiStream, AResetBeforeAnyTextIsHarmless) {
  CompletionStream stream("ask", 0);
  v1::StreamWorkflowResponse reset;
  reset.mutable_tokens_reset()->set_node("answer");
  std::vector<std::string> payloads = PayloadsOf(
      stream, {Started(), Delta("answer", ""), reset, Delta("answer", "Right"),
               Finished(Json::parse(R"({"content": "Right"})"))});
  ASSERT_EQ(payloads.size(), 5u);
  EXPECT_EQ(Json::parse(payloads[1])["choices"][0]["delta"]["content"], "Right");
}

TEST(OpenAiStream, AFailedCallEndsWithAnErrorPayloadInOpenAisShape) {
  CompletionStream stream("ask", 0);
  std::vector<std::string> payloads =
      PayloadsOf(stream, {Started(), Delta("answer", "Par")},
          grpc::Status(grpc::StatusCode::UNAVAILABLE, "every route failed"));
  ASSERT_EQ(payloads.size(), 4u);
  Json error = Json::parse(payloads[2]);
  EXPECT_EQ(error["error"]["message"], "every route failed");
  EXPECT_EQ(error["error"]["type"], "server_error");
  EXPECT_EQ(payloads[3], "[DONE]");
}

}  // namespace
}  // namespace flowhost::http_api::openai
