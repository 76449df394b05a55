// The OpenAI-compatible endpoint's translation (openai_mapping.h): requests parsed, messages and
// parameters mapped to a workflow's inputs, output items and usage mapped back, errors shaped.
#include "server/http_api/openai_mapping.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace flowhost::http_api::openai {
namespace {

using Json = sdk::Json;

v1::Workflow WorkflowWithInputs(std::initializer_list<std::pair<const char*, const char*>> inputs) {
  v1::Workflow workflow;
  workflow.set_name("chat");
  for (const auto& [name, type] : inputs) {
    v1::WorkflowInput& input = *workflow.add_inputs();
    input.set_name(name);
    input.set_type(type);
  }
  return workflow;
}

ChatRequest Parsed(const std::string& body) {
  ChatRequest request;
  std::optional<Error> error = ParseChatRequest(body, request);
  EXPECT_FALSE(error.has_value()) << (error ? error->message : "");
  return request;
}

TEST(OpenAiMapping, AChatRequestKeepsItsModelMessagesStreamFlagAndSetParameters) {
  ChatRequest request = Parsed(R"({"model": "ask", "stream": true, "temperature": 0.5,
      "max_completion_tokens": 100, "top_p": null, "stream_options": {"include_usage": true},
      "messages": [{"role": "user", "content": "hi"}]})");
  EXPECT_EQ(request.model, "ask");
  EXPECT_TRUE(request.stream);
  EXPECT_EQ(request.messages.size(), 1u);
  EXPECT_EQ(request.parameters, Json::parse(R"({"temperature": 0.5, "max_tokens": 100})"));
}

TEST(OpenAiMapping, ABadRequestNamesTheParameterAtFault) {
  struct Case {
    const char* body;
    const char* param;
  };
  for (const Case& c : std::initializer_list<Case>{
           {R"([1])", ""},
           {R"({"messages": [{"role": "user"}]})", "model"},
           {R"({"model": "", "messages": [{"role": "user"}]})", "model"},
           {R"({"model": "ask", "messages": []})", "messages"},
           {R"({"model": "ask", "messages": [{"content": "no role"}]})", "messages"},
           {R"({"model": "ask", "messages": [{"role": "user"}], "stream": "yes"})", "stream"},
           {R"({"model": "ask", "messages": [{"role": "user"}], "n": 2})", "n"},
           {R"({"model": "ask", "messages": [{"role": "user"}], "tools": [{}]})", "tools"},
       }) {
    ChatRequest request;
    std::optional<Error> error = ParseChatRequest(c.body, request);
    ASSERT_TRUE(error.has_value()) << c.body;
    EXPECT_EQ(error->http_status, 400) << c.body;
    EXPECT_EQ(error->type, "invalid_request_error");
    EXPECT_EQ(error->param, c.param) << c.body;
    EXPECT_FALSE(error->message.empty());
  }
}

TEST(OpenAiMapping, APromptInputGetsTheLastUserMessageAndSystemTheSystemMessages) {
  ChatRequest request = Parsed(R"({"model": "ask", "temperature": 0.1, "seed": 7, "messages": [
      {"role": "system", "content": "Be brief."},
      {"role": "user", "content": "first"},
      {"role": "assistant", "content": "ok"},
      {"role": "developer", "content": "Use English."},
      {"role": "user", "content": [{"type": "text", "text": "second"}, {"type": "text", "text": "part"}]}]})");
  v1::Workflow workflow = WorkflowWithInputs(
      {{"question", "string"}, {"system", "string"}, {"temperature", "number"}});
  Json inputs;
  ASSERT_FALSE(BuildInputs(request, workflow, std::nullopt, inputs).has_value());
  // `seed` is not an input of the workflow: it is not sent; nor is `model` without a default.
  EXPECT_EQ(inputs, Json::parse(R"({"question": "second\npart",
      "system": "Be brief.\n\nUse English.", "temperature": 0.1})"));
}

TEST(OpenAiMapping, AMessagesInputGetsTheWholeConversationAndTheDefaultWorkflowTheModel) {
  ChatRequest request = Parsed(R"({"model": "vendor/model-x",
      "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]})");
  v1::Workflow workflow = WorkflowWithInputs({{"messages", "array"}, {"model", "string"}});
  Json inputs;
  ASSERT_FALSE(BuildInputs(request, workflow, std::string("vendor/model-x"), inputs).has_value());
  EXPECT_EQ(inputs["messages"], request.messages);
  EXPECT_EQ(inputs["model"], "vendor/model-x");
}

TEST(OpenAiMapping, APromptWorkflowRefusesAConversationWithoutAUserMessage) {
  ChatRequest request = Parsed(R"({"model": "ask", "messages": [{"role": "system", "content": "x"}]})");
  Json inputs;
  std::optional<Error> error =
      BuildInputs(request, WorkflowWithInputs({{"prompt", "string"}}), std::nullopt, inputs);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->http_status, 400);
  EXPECT_EQ(error->param, "messages");
}

TEST(OpenAiMapping, OutputItemsBecomeChoicesWithContentFinishReasonAndModel) {
  Answer chat = AnswerOf(Json::parse(
      R"({"content": "Hello", "finish_reason": "length", "model": "fake/ok", "reasoning": "hm"})"));
  EXPECT_EQ(chat.content, "Hello");
  EXPECT_EQ(chat.finish_reason, "length");
  EXPECT_EQ(chat.model, "fake/ok");
  EXPECT_EQ(chat.reasoning, "hm");
  EXPECT_EQ(AnswerOf(Json("plain")).content, "plain");
  EXPECT_EQ(AnswerOf(Json::parse(R"({"count": 3})")).content, R"({"count":3})");
  EXPECT_EQ(AnswerOf(Json::parse(R"({"count": 3})")).finish_reason, "stop");

  v1::ExecutionSummary summary;
  summary.set_prompt_tokens(12);
  summary.set_completion_tokens(5);
  summary.set_cost_usd(0.25);
  Json completion = Completion("ex-1", AnsweringModel({chat}, "ask"), 1700000000, {chat}, summary);
  EXPECT_EQ(completion["id"], "chatcmpl-ex-1");
  EXPECT_EQ(completion["object"], "chat.completion");
  EXPECT_EQ(completion["model"], "fake/ok");
  EXPECT_EQ(completion["choices"][0]["message"]["content"], "Hello");
  EXPECT_EQ(completion["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(completion["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(completion["usage"], Json::parse(R"({"prompt_tokens": 12, "completion_tokens": 5,
      "total_tokens": 17, "cost": 0.25})"));
  EXPECT_EQ(AnsweringModel({AnswerOf(Json("x"))}, "ask"), "ask");
}

TEST(OpenAiMapping, ErrorsTakeOpenAisShapeWithTheMappedStatusAndTheErrorClass) {
  v1::ErrorDetails details;
  details.set_error_class("rate_limited");
  Error limited =
      ErrorFromStatus(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "slow down"), details);
  EXPECT_EQ(limited.http_status, 429);
  EXPECT_EQ(limited.type, "rate_limit_error");
  EXPECT_EQ(limited.code, "rate_limited");
  Json body = Json::parse(ErrorBody(limited));
  EXPECT_EQ(body, Json::parse(R"({"error": {"message": "slow down", "type": "rate_limit_error",
      "param": null, "code": "rate_limited"}})"));

  Error missing = ErrorFromStatus(grpc::Status(grpc::StatusCode::NOT_FOUND, "no"), std::nullopt);
  EXPECT_EQ(missing.http_status, 404);
  EXPECT_EQ(missing.code, "not_found");
  EXPECT_EQ(ErrorFromStatus(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, ""), {}).type,
            "authentication_error");
  EXPECT_EQ(ErrorFromStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, ""), {}).http_status, 503);
}

TEST(OpenAiMapping, OnlyLoadedWorkflowsThatExposeOpenAiAreListedAsModels) {
  v1::Workflow exposed = WorkflowWithInputs({{"prompt", "string"}});
  exposed.set_name("ask");
  exposed.set_description("Ask once.");
  exposed.add_expose("openai");
  exposed.mutable_load_time()->set_seconds(1700000000);
  v1::Workflow hidden = WorkflowWithInputs({});
  hidden.set_name("hidden");
  v1::Workflow broken = exposed;
  broken.set_name("broken");
  broken.set_load_state(v1::LOAD_STATE_FAILED);
  Json list = ModelList({exposed, hidden, broken});
  EXPECT_EQ(list, Json::parse(R"({"object": "list", "data": [{"id": "ask", "object": "model",
      "created": 1700000000, "owned_by": "flowhost", "description": "Ask once."}]})"));
}

TEST(OpenAiMapping, OnlyIdsSpelledLikeWorkflowNamesAreLookedUp) {
  EXPECT_TRUE(CanNameWorkflow("ask-with-fallback"));
  EXPECT_FALSE(CanNameWorkflow("openai/gpt-4o"));
  EXPECT_FALSE(CanNameWorkflow("Ask"));
  EXPECT_FALSE(CanNameWorkflow(""));
}

}  // namespace
}  // namespace flowhost::http_api::openai
