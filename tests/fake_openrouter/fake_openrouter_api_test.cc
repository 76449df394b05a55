// The fake answers OpenRouter's API in OpenRouter's shapes: catalogue, completions, streams, auth,
// model validation, context length, JSON mode, tools, reasoning and server-side fallback.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "tests/fake_openrouter/blocking_http.h"
#include "tests/fake_openrouter/fake_process.h"
#include "tests/fake_openrouter/fake_test_support.h"
#include "tests/source_dir.h"

namespace flowhost::fake_openrouter {
namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

int64_t Ceil4(size_t chars) { return static_cast<int64_t>((chars + 3) / 4); }

class FakeApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fake = FakeProcess::Start();
    ASSERT_TRUE(fake.ok()) << fake.status();
    fake_ = *std::move(fake);
  }

  HttpResponse Chat(const Json& body, std::vector<std::string> headers = {}) {
    return http_.Send(ChatCall(*fake_, body, std::move(headers)));
  }

  // The catalogue entry with this id.
  static Json CatalogueModel(const std::string& id) {
    const Json catalogue = LoadCatalogue();
    for (const Json& model : catalogue["data"]) {
      if (model["id"] == id) return model;
    }
    return Json();
  }

  std::unique_ptr<FakeProcess> fake_;
  BlockingHttp http_;
};

TEST_F(FakeApiTest, ModelsEndpointServesTheCatalogueFileUnchanged) {
  std::ifstream in(std::string(FLOWHOST_SOURCE_DIR) +
                   "/tests/fake_openrouter/data/openrouter-models.json");
  std::ostringstream file;
  file << in.rdbuf();

  HttpResponse response = http_.Send({"GET", fake_->base_url() + "/models", {}, "", 30000});
  ASSERT_TRUE(response.completed()) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, file.str());
  ASSERT_NE(response.Header("content-type"), nullptr);
  EXPECT_EQ(*response.Header("content-type"), "application/json");

  HttpResponse unprefixed = http_.Send({"GET", fake_->origin() + "/v1/models", {}, "", 30000});
  EXPECT_EQ(unprefixed.body, file.str());
}

TEST_F(FakeApiTest, CompletionHasOpenRouterShapeDeterministicContentAndPricedUsage) {
  const std::string text = "What is the capital of France?";
  HttpResponse response = Chat(ChatBody("anthropic/claude-fable-5", text));
  ASSERT_EQ(response.status, 200) << response.body;
  Json body = ParseJson(response.body);
  ASSERT_TRUE(body.is_object()) << response.body;

  EXPECT_THAT(body["id"].get<std::string>(), StartsWith("gen-"));
  EXPECT_EQ(body["provider"], "Anthropic");
  EXPECT_EQ(body["model"], "anthropic/claude-fable-5");
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_GT(body["created"].get<int64_t>(), 0);
  const Json& choice = body["choices"][0];
  EXPECT_EQ(choice["index"], 0);
  EXPECT_EQ(choice["message"]["role"], "assistant");
  const std::string answer = "Fake answer to: " + text;
  EXPECT_EQ(choice["message"]["content"], answer);
  EXPECT_EQ(choice["finish_reason"], "stop");
  EXPECT_TRUE(choice["native_finish_reason"].is_string());

  const Json& usage = body["usage"];
  EXPECT_EQ(usage["prompt_tokens"], Ceil4(text.size()));
  EXPECT_EQ(usage["completion_tokens"], Ceil4(answer.size()));
  EXPECT_EQ(usage["total_tokens"], Ceil4(text.size()) + Ceil4(answer.size()));
  Json pricing = CatalogueModel("anthropic/claude-fable-5")["pricing"];
  double expected_cost =
      static_cast<double>(Ceil4(text.size())) * std::stod(pricing["prompt"].get<std::string>()) +
      static_cast<double>(Ceil4(answer.size())) *
          std::stod(pricing["completion"].get<std::string>());
  EXPECT_NEAR(usage["cost"].get<double>(), expected_cost, 1e-12);
  EXPECT_GT(usage["cost"].get<double>(), 0);
}

TEST_F(FakeApiTest, ProviderIsDerivedFromTheModelAuthor) {
  EXPECT_EQ(ParseJson(Chat(ChatBody("google/gemma-4-31b-it:free", "hi")).body)["provider"],
            "Google AI Studio");
  Json body = ParseJson(Chat(ChatBody("fake/ok", "hi")).body);
  EXPECT_EQ(body["provider"], "Fake");
  EXPECT_EQ(body["usage"]["cost"], 0.0);
}

TEST_F(FakeApiTest, StreamSendsRoleChunkContentChunksCommentsFinishUsageThenDone) {
  const std::string text = "Tell me a long story about streams";
  Json request = ChatBody("google/gemma-4-31b-it:free", text);
  request["stream"] = true;
  HttpResponse response = Chat(request);
  ASSERT_EQ(response.status, 200);
  ASSERT_TRUE(response.completed()) << response.error;
  EXPECT_THAT(*response.Header("content-type"), StartsWith("text/event-stream"));

  std::vector<SseItem> items = SplitSse(response.body);
  ASSERT_GE(items.size(), 6u);
  EXPECT_TRUE(items.front().comment);
  EXPECT_EQ(items.front().text, "OPENROUTER PROCESSING");
  EXPECT_FALSE(items.back().comment);
  EXPECT_EQ(items.back().text, "[DONE]");

  std::vector<Json> chunks;
  int comments = 0;
  for (size_t i = 0; i + 1 < items.size(); ++i) {
    if (items[i].comment) {
      ++comments;
      continue;
    }
    chunks.push_back(ParseJson(items[i].text));
    ASSERT_TRUE(chunks.back().is_object()) << items[i].text;
    EXPECT_EQ(chunks.back()["object"], "chat.completion.chunk");
    EXPECT_EQ(chunks.back()["model"], "google/gemma-4-31b-it:free");
    EXPECT_EQ(chunks.back()["id"], chunks.front()["id"]);
  }
  EXPECT_GE(comments, 2) << "a comment at the start and one mid-stream";

  // Role chunk, then several content chunks, then the finish chunk, then the usage chunk.
  ASSERT_GE(chunks.size(), 5u);
  EXPECT_EQ(chunks.front()["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(chunks.front()["choices"][0]["delta"]["content"], "");
  std::string content;
  size_t content_chunks = 0;
  for (size_t i = 1; i + 2 < chunks.size(); ++i) {
    EXPECT_TRUE(chunks[i]["choices"][0]["finish_reason"].is_null());
    content += chunks[i]["choices"][0]["delta"]["content"].get<std::string>();
    ++content_chunks;
  }
  EXPECT_GE(content_chunks, 2u);
  EXPECT_EQ(content, "Fake answer to: " + text);
  const Json& finish = chunks[chunks.size() - 2];
  EXPECT_EQ(finish["choices"][0]["finish_reason"], "stop");
  const Json& usage = chunks.back();
  EXPECT_TRUE(usage["choices"].is_array() && usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["prompt_tokens"], Ceil4(text.size()));
  EXPECT_EQ(usage["usage"]["completion_tokens"], Ceil4(content.size()));
}

TEST_F(FakeApiTest, StreamChunkCountFollowsTheBehavior) {
  Json request = ChatBody("fake/ok", "count my chunks please");
  request["stream"] = true;
  HttpResponse response = Chat(request, {"X-Fake-Behavior: {\"chunks\": 7}"});
  int content_chunks = 0;
  for (const SseItem& item : SplitSse(response.body)) {
    Json chunk = ParseJson(item.text);
    if (item.comment || !chunk.is_object() || chunk["choices"].empty()) continue;
    const Json& choice = chunk["choices"][0];
    if (choice["finish_reason"].is_null() && choice["delta"]["content"] != "") ++content_chunks;
  }
  EXPECT_EQ(content_chunks, 7);
}

TEST_F(FakeApiTest, MissingAuthorizationIs401NoAuthCredentials) {
  HttpCall call = ChatCall(*fake_, ChatBody("fake/ok", "hi"));
  call.headers = {"Content-Type: application/json"};
  HttpResponse response = http_.Send(call);
  EXPECT_EQ(response.status, 401);
  Json body = ParseJson(response.body);
  EXPECT_EQ(body["error"]["code"], 401);
  EXPECT_EQ(body["error"]["message"], "No auth credentials found");
}

TEST_F(FakeApiTest, WrongKeyIs401UserNotFound) {
  HttpCall call = ChatCall(*fake_, ChatBody("fake/ok", "hi"));
  call.headers = {"Authorization: Bearer sk-or-v1-wrong", "Content-Type: application/json"};
  HttpResponse response = http_.Send(call);
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(ParseJson(response.body)["error"]["message"], "User not found.");
}

TEST_F(FakeApiTest, UnknownModelIs400NotAValidModelId) {
  HttpResponse response = Chat(ChatBody("nobody/no-such-model", "hi"));
  EXPECT_EQ(response.status, 400);
  Json body = ParseJson(response.body);
  EXPECT_EQ(body["error"]["code"], 400);
  EXPECT_EQ(body["error"]["message"], "nobody/no-such-model is not a valid model ID");
}

TEST_F(FakeApiTest, MalformedJsonAndMissingMessagesAre400) {
  HttpCall call = ChatCall(*fake_, Json::object());
  call.body = "{\"model\": ";
  HttpResponse malformed = http_.Send(call);
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(ParseJson(malformed.body)["error"]["code"], 400);

  HttpResponse no_messages = Chat(Json{{"model", "fake/ok"}});
  EXPECT_EQ(no_messages.status, 400);
  EXPECT_THAT(ParseJson(no_messages.body)["error"]["message"].get<std::string>(),
              HasSubstr("messages"));
}

TEST_F(FakeApiTest, PromptLongerThanTheContextLengthIs400WithOpenRouterMessage) {
  // The catalogue model with the smallest context, read from the file.
  Json smallest;
  const Json catalogue = LoadCatalogue();
  for (const Json& model : catalogue["data"]) {
    if (smallest.is_null() || model["context_length"] < smallest["context_length"])
      smallest = model;
  }
  const int64_t context = smallest["context_length"].get<int64_t>();
  const std::string text(static_cast<size_t>(context * 4 + 4), 'a');
  HttpResponse response = Chat(ChatBody(smallest["id"].get<std::string>(), text));
  EXPECT_EQ(response.status, 400);
  EXPECT_THAT(ParseJson(response.body)["error"]["message"].get<std::string>(),
              HasSubstr("This endpoint's maximum context length is " + std::to_string(context) +
                        " tokens. However, you requested about " + std::to_string(context + 1) +
                        " tokens"));

  HttpResponse fits = Chat(ChatBody(smallest["id"].get<std::string>(), "short"));
  EXPECT_EQ(fits.status, 200);
}

TEST_F(FakeApiTest, JsonResponseFormatAnswersAJsonObject) {
  Json request = ChatBody("fake/ok", "give me json");
  request["response_format"] = {{"type", "json_object"}};
  Json body = ParseJson(Chat(request).body);
  Json content = ParseJson(body["choices"][0]["message"]["content"].get<std::string>());
  EXPECT_EQ(content, (Json{{"answer", "Fake answer to: give me json"}}));
}

TEST_F(FakeApiTest, ToolsAndCallToolAnswerAToolCallOfTheFirstTool) {
  Json request = ChatBody("fake/ok", "please call tool now");
  request["tools"] = Json::array(
      {{{"type", "function"},
        {"function",
         {{"name", "get_weather"},
          {"parameters", {{"type", "object"}, {"properties", {{"city", {{"type", "string"}}}}}}}}}},
       {{"type", "function"}, {"function", {{"name", "second_tool"}}}}});
  Json body = ParseJson(Chat(request).body);
  const Json& choice = body["choices"][0];
  EXPECT_EQ(choice["finish_reason"], "tool_calls");
  EXPECT_TRUE(choice["message"]["content"].is_null());
  const Json& call = choice["message"]["tool_calls"][0];
  EXPECT_EQ(call["type"], "function");
  EXPECT_THAT(call["id"].get<std::string>(), StartsWith("call_"));
  EXPECT_EQ(call["function"]["name"], "get_weather");
  Json arguments = ParseJson(call["function"]["arguments"].get<std::string>());
  EXPECT_EQ(arguments["city"], "please call tool now");

  Json plain = ParseJson(Chat(ChatBody("fake/ok", "no tools here")).body);
  EXPECT_EQ(plain["choices"][0]["finish_reason"], "stop");
}

TEST_F(FakeApiTest, ReasoningIsIncludedOnlyForModelsThatSupportIt) {
  Json reasoning_model;
  const Json catalogue = LoadCatalogue();
  for (const Json& model : catalogue["data"]) {
    if (model.contains("reasoning")) {
      reasoning_model = model;
      break;
    }
  }
  ASSERT_FALSE(reasoning_model.is_null());
  Json request = ChatBody(reasoning_model["id"].get<std::string>(), "think hard");
  request["reasoning"] = {{"effort", "high"}};
  Json body = ParseJson(Chat(request).body);
  EXPECT_EQ(body["choices"][0]["message"]["reasoning"], "Reasoning about: think hard");
  EXPECT_GT(body["usage"]["completion_tokens_details"]["reasoning_tokens"].get<int64_t>(), 0);

  request["model"] = "fake/ok";
  Json without = ParseJson(Chat(request).body);
  EXPECT_TRUE(without["choices"][0]["message"]["reasoning"].is_null());
}

TEST_F(FakeApiTest, ModelsListFallsBackToTheFirstKnownNonFailingModel) {
  Json request = ChatBody("fake/fail500", "fallback please");
  request["models"] = Json::array({"nobody/unknown", "fake/fail429", "anthropic/claude-fable-5"});
  HttpResponse response = Chat(request);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(ParseJson(response.body)["model"], "anthropic/claude-fable-5");

  Json all_fail = ChatBody("fake/fail500", "no luck");
  all_fail["models"] = Json::array({"fake/fail502"});
  HttpResponse failed = Chat(all_fail);
  EXPECT_EQ(failed.status, 502);
}

TEST_F(FakeApiTest, HealthzAnswersOk) {
  HttpResponse response = http_.Send({"GET", fake_->origin() + "/healthz", {}, "", 30000});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(ParseJson(response.body), (Json{{"ok", true}}));
}

TEST(FakeProcessTest, RefusesANonLoopbackHost) {
  FakeProcess::Options options;
  options.extra_args = {"--host", "0.0.0.0"};
  auto fake = FakeProcess::Start(options);
  ASSERT_FALSE(fake.ok());
  EXPECT_THAT(std::string(fake.status().message()), HasSubstr("did not start listening"));
}

TEST(FakeProcessTest, AcceptsTheConfiguredApiKeysOnly) {
  FakeProcess::Options options;
  options.api_key = "sk-test-configured";
  auto fake = FakeProcess::Start(options);
  ASSERT_TRUE(fake.ok()) << fake.status();
  BlockingHttp http;
  EXPECT_EQ(http.Send(ChatCall(**fake, ChatBody("fake/ok", "hi"))).status, 200);
  HttpCall default_key = ChatCall(**fake, ChatBody("fake/ok", "hi"));
  default_key.headers = {"Authorization: Bearer sk-or-v1-fake"};
  EXPECT_EQ(http.Send(default_key).status, 401);
}

}  // namespace
}  // namespace flowhost::fake_openrouter
