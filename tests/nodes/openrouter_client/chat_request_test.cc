// Request building: the body OpenRouter receives for a node's parameters.
#include "flowhost/openrouter/client.h"
#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowhost::nodes::openrouter {
namespace {

using sdk::Json;
using ::testing::HasSubstr;

TEST(ChatRequest, PutsSystemFirstAndPromptLastAroundGivenMessages) {
  Json params = {
      {"model", "openai/gpt-4o-mini"},
      {"system", "Be terse."},
      {"messages",
       {{{"role", "user"}, {"content", "Hi"}}, {{"role", "assistant"}, {"content", "Hello"}}}},
      {"prompt", "What is 2+2?"}};
  absl::StatusOr<Json> body = BuildChatBody(params, /*stream=*/false);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ((*body)["model"], "openai/gpt-4o-mini");
  EXPECT_EQ((*body)["messages"], Json::parse(R"([{"role":"system","content":"Be terse."},
                            {"role":"user","content":"Hi"},
                            {"role":"assistant","content":"Hello"},
                            {"role":"user","content":"What is 2+2?"}])"));
  EXPECT_FALSE(body->contains("stream"));
}

TEST(ChatRequest, PassesEveryKnownSettingAsGiven) {
  Json params = Json::parse(R"({
    "models": ["a/x", "b/y"], "prompt": "p",
    "temperature": 0.3, "top_p": 0.9, "top_k": 40, "max_tokens": 100, "stop": ["\n\n"],
    "seed": 7, "frequency_penalty": 0.1, "presence_penalty": -0.1,
    "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}},
    "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
    "tool_choice": "auto",
    "reasoning": {"effort": "high"},
    "provider": {"order": ["OpenAI"], "allow_fallbacks": false, "sort": "price",
                 "only": ["OpenAI"], "ignore": ["Foo"], "data_collection": "deny",
                 "max_price": {"prompt": 1, "completion": 2}},
    "user": "u-1"
  })");
  absl::StatusOr<Json> body = BuildChatBody(params, /*stream=*/true);
  ASSERT_TRUE(body.ok()) << body.status();
  for (const char* field : {"temperature", "top_p", "top_k", "max_tokens", "stop", "seed",
                            "frequency_penalty", "presence_penalty", "response_format", "tools",
                            "tool_choice", "reasoning", "provider", "user", "models"}) {
    EXPECT_EQ((*body)[field], params[field]) << field;
  }
  EXPECT_FALSE(body->contains("model"));
  EXPECT_EQ((*body)["stream"], true);
  EXPECT_EQ((*body)["usage"], Json({{"include", true}}));
}

TEST(ChatRequest, PassesExtraFieldsThroughButKnownParametersWin) {
  Json params = {
      {"model", "m/x"},
      {"prompt", "p"},
      {"temperature", 0.5},
      {"extra", {{"min_p", 0.05}, {"transforms", {"middle-out"}}, {"temperature", 1.5}}}};
  absl::StatusOr<Json> body = BuildChatBody(params, false);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ((*body)["min_p"], 0.05);
  EXPECT_EQ((*body)["transforms"], Json({"middle-out"}));
  EXPECT_EQ((*body)["temperature"], 0.5);
  EXPECT_FALSE(body->contains("extra"));
}

TEST(ChatRequest, RefusesExtraFieldsTheNodeOwns) {
  for (const char* owned : {"model", "models", "messages", "stream"}) {
    Json params = {{"model", "m/x"}, {"prompt", "p"}, {"extra", {{owned, true}}}};
    absl::StatusOr<Json> body = BuildChatBody(params, false);
    ASSERT_FALSE(body.ok()) << owned;
    EXPECT_EQ(sdk::ErrorClassOf(body.status()), "invalid_input");
    EXPECT_THAT(std::string(body.status().message()), HasSubstr(owned));
  }
}

TEST(ChatRequest, NeedsAModelAndAMessage) {
  absl::StatusOr<Json> no_model = BuildChatBody({{"prompt", "p"}}, false);
  EXPECT_THAT(std::string(no_model.status().message()), HasSubstr("no model"));
  absl::StatusOr<Json> no_message = BuildChatBody({{"model", "m/x"}}, false);
  EXPECT_THAT(std::string(no_message.status().message()), HasSubstr("no messages"));
}

TEST(ChatRequest, StaticChecksReportMissingModelPromptAndOwnedExtras) {
  auto never = [](std::string_view) { return false; };
  std::vector<ParamProblem> problems =
      CheckChatParams({{"extra", {{"stream", true}}}}, /*require_model=*/true, never);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_THAT(problems[0].message, HasSubstr("model"));
  EXPECT_THAT(problems[1].message, HasSubstr("prompt"));
  EXPECT_EQ(problems[2].pointer, "/extra/stream");
  auto model_is_dynamic = [](std::string_view p) { return p == "/model"; };
  EXPECT_TRUE(CheckChatParams({{"prompt", "p"}}, true, model_is_dynamic).empty());
}

TEST(ChatRequest, EstimatesPromptTokensFromMessageText) {
  Json body = {{"messages",
                {{{"role", "system"}, {"content", "12345678"}},
                 {{"role", "user"},
                  {"content",
                   {{{"type", "text"}, {"text", "1234"}},
                    {{"type", "image_url"}, {"image_url", {{"url", "x"}}}}}}}}}};
  EXPECT_EQ(EstimatePromptTokens(body), 3);  // 12 characters
}

TEST(ChatRequest, PassesEverySettingOfTheSchemaButTheOnesItBuilds) {
  Json params = Json::parse(R"({"model": "a/b", "prompt": "p", "max_completion_tokens": 10,
      "parallel_tool_calls": false, "plugins": [{"id": "web"}], "session_id": "s",
      "provider": {"sort": {"by": "price", "partition": "none"}},
      "reasoning": {"effort": "xhigh"}, "temperature": null, "credential": "openrouter",
      "concurrency": 2})");
  absl::StatusOr<Json> body = BuildChatBody(params, false);
  ASSERT_TRUE(body.ok()) << body.status();
  for (const char* field : {"max_completion_tokens", "parallel_tool_calls", "plugins", "session_id",
                            "provider", "reasoning"}) {
    EXPECT_EQ((*body)[field], params[field]) << field;
  }
  // Nulls, node settings and the parts it builds stay out.
  for (const char* field : {"temperature", "credential", "concurrency", "prompt", "system"}) {
    EXPECT_FALSE(body->contains(field)) << field;
  }
}

}  // namespace
}  // namespace flowhost::nodes::openrouter
