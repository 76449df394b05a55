// Every scripted upstream behaviour of the fake: error statuses with OpenRouter's bodies and
// Retry-After, malformed and oversized bodies, mid-stream errors, resets, hangs, slow drips,
// latency, and the three ways to script them (fake/* ids, X-Fake-Behavior, control rules with
// `times`).
#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/fake_openrouter/blocking_http.h"
#include "tests/fake_openrouter/fake_process.h"
#include "tests/fake_openrouter/fake_test_support.h"

namespace flowhost::fake_openrouter {
namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

class FakeBehaviorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fake = FakeProcess::Start();
    ASSERT_TRUE(fake.ok()) << fake.status();
    fake_ = *std::move(fake);
  }

  HttpResponse Chat(const Json& body, std::vector<std::string> headers = {},
                    long timeout_ms = 30000) {
    HttpCall call = ChatCall(*fake_, body, std::move(headers));
    call.timeout_ms = timeout_ms;
    return http_.Send(call);
  }

  HttpResponse ChatWithBehavior(const Json& behavior, bool stream = false,
                                long timeout_ms = 30000) {
    Json body = ChatBody("fake/ok", "scripted");
    if (stream) body["stream"] = true;
    return Chat(body, {"X-Fake-Behavior: " + behavior.dump()}, timeout_ms);
  }

  std::unique_ptr<FakeProcess> fake_;
  BlockingHttp http_;
};

struct StatusCase {
  int status;
  const char* metadata_key;  // a metadata field OpenRouter sends with this status, or nullptr
};

TEST_F(FakeBehaviorTest, FailModelsAnswerEachStatusInOpenRouterErrorShape) {
  const StatusCase cases[] = {{402, nullptr},        {403, "reasons"}, {408, nullptr},
                              {429, "retry_after"},  {500, nullptr},   {502, "raw"},
                              {503, "provider_name"}};
  for (const StatusCase& c : cases) {
    SCOPED_TRACE(c.status);
    HttpResponse response = Chat(ChatBody("fake/fail" + std::to_string(c.status), "bad words"));
    ASSERT_TRUE(response.completed()) << response.error;
    EXPECT_EQ(response.status, c.status);
    Json body = ParseJson(response.body);
    ASSERT_TRUE(body.is_object()) << response.body;
    EXPECT_EQ(body["error"]["code"], c.status);
    EXPECT_FALSE(body["error"]["message"].get<std::string>().empty());
    if (c.metadata_key != nullptr) {
      EXPECT_TRUE(body["error"]["metadata"].contains(c.metadata_key));
    }
  }
}

TEST_F(FakeBehaviorTest, ModerationErrorCarriesReasonsAndFlaggedInput) {
  HttpResponse response = Chat(ChatBody("fake/fail403", "some flagged words"));
  Json metadata = ParseJson(response.body)["error"]["metadata"];
  EXPECT_EQ(metadata["reasons"], Json::array({"harassment"}));
  EXPECT_EQ(metadata["flagged_input"], "some flagged words");
}

TEST_F(FakeBehaviorTest, ForbiddenKindsAnswerOpenRouterOwnMessagesAndMetadata) {
  HttpResponse guardrail = ChatWithBehavior({{"status", 403}, {"forbidden", "guardrail"}});
  EXPECT_EQ(guardrail.status, 403);
  Json error = ParseJson(guardrail.body)["error"];
  EXPECT_EQ(error["message"], "Request blocked: prompt injection patterns detected");
  EXPECT_FALSE(error["metadata"].contains("reasons"));

  error = ParseJson(ChatWithBehavior({{"status", 403}, {"forbidden", "budget"}}).body)["error"];
  EXPECT_EQ(error["metadata"]["limit_source"], "openrouter_key_limit");

  error =
      ParseJson(ChatWithBehavior({{"status", 403}, {"forbidden", "data_policy"}}).body)["error"];
  EXPECT_NE(error["message"].get<std::string>().find("data policy"), std::string::npos);
  EXPECT_FALSE(error.contains("metadata"));

  error = ParseJson(ChatWithBehavior({{"status", 403}, {"forbidden", "key"}}).body)["error"];
  EXPECT_EQ(error["message"], "This API key is disabled");

  HttpResponse typo = ChatWithBehavior({{"status", 403}, {"forbidden", "guardrails"}});
  EXPECT_EQ(typo.status, 400);
}

TEST_F(FakeBehaviorTest, ProviderErrorCarriesProviderNameAndRaw) {
  Json metadata = ParseJson(Chat(ChatBody("fake/fail502", "x")).body)["error"]["metadata"];
  EXPECT_EQ(metadata["provider_name"], "Fake");
  EXPECT_TRUE(metadata["raw"].is_string());
}

TEST_F(FakeBehaviorTest, RateLimitSendsRetryAfterInSecondsOrAsHttpDate) {
  HttpResponse seconds = Chat(ChatBody("fake/fail429", "x"));
  EXPECT_EQ(seconds.status, 429);
  ASSERT_NE(seconds.Header("retry-after"), nullptr);
  EXPECT_EQ(*seconds.Header("retry-after"), "1");

  const std::string date = "Wed, 21 Oct 2015 07:28:00 GMT";
  HttpResponse dated = ChatWithBehavior({{"status", 429}, {"retry_after", date}});
  EXPECT_EQ(dated.status, 429);
  ASSERT_NE(dated.Header("retry-after"), nullptr);
  EXPECT_EQ(*dated.Header("retry-after"), date);
  EXPECT_EQ(ParseJson(dated.body)["error"]["metadata"]["retry_after"], date);
}

TEST_F(FakeBehaviorTest, HeaderBehaviorOverridesMessageAndMetadata) {
  HttpResponse response = ChatWithBehavior(
      {{"status", 503}, {"message", "custom outage"}, {"metadata", {{"region", "test"}}}});
  EXPECT_EQ(response.status, 503);
  Json error = ParseJson(response.body)["error"];
  EXPECT_EQ(error["message"], "custom outage");
  EXPECT_EQ(error["metadata"]["region"], "test");
}

TEST_F(FakeBehaviorTest, InvalidBehaviorHeaderIs400NamingTheHeader) {
  HttpResponse response = ChatWithBehavior({{"latency_msec", 5}});
  EXPECT_EQ(response.status, 400);
  EXPECT_THAT(ParseJson(response.body)["error"]["message"].get<std::string>(),
              HasSubstr("X-Fake-Behavior"));
}

TEST_F(FakeBehaviorTest, MalformedAnswers200WithInvalidJson) {
  HttpResponse response = Chat(ChatBody("fake/malformed", "x"));
  ASSERT_TRUE(response.completed()) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_FALSE(response.body.empty());
  EXPECT_TRUE(ParseJson(response.body).is_discarded()) << response.body;
}

TEST_F(FakeBehaviorTest, MidStreamErrorEventEndsTheStreamAfterTheGivenChunks) {
  HttpResponse response =
      ChatWithBehavior({{"stream_error_after_chunks", 2}, {"chunks", 5}}, /*stream=*/true);
  ASSERT_TRUE(response.completed()) << response.error;
  EXPECT_EQ(response.status, 200);
  std::vector<Json> events;
  for (const SseItem& item : SplitSse(response.body)) {
    if (!item.comment) events.push_back(ParseJson(item.text));
  }
  // Role chunk, two content chunks, the error event; no [DONE].
  ASSERT_EQ(events.size(), 4u) << response.body;
  EXPECT_NE(events[1]["choices"][0]["delta"]["content"], "");
  EXPECT_NE(events[2]["choices"][0]["delta"]["content"], "");
  const Json& error = events[3];
  EXPECT_EQ(error["error"]["code"], "server_error");
  EXPECT_TRUE(error["error"]["message"].is_string());
  EXPECT_EQ(error["choices"][0]["finish_reason"], "error");
}

TEST_F(FakeBehaviorTest, AGenerationErrorWithoutStreamingIsA200WithTheErrorOnTheChoice) {
  HttpResponse response =
      ChatWithBehavior({{"stream_error_after_chunks", 1}, {"chunks", 2}, {"content", "abcdef"}});
  ASSERT_TRUE(response.completed()) << response.error;
  EXPECT_EQ(response.status, 200);
  Json body = ParseJson(response.body);
  ASSERT_TRUE(body.is_object()) << response.body;
  const Json& choice = body["choices"][0];
  EXPECT_EQ(choice["finish_reason"], "error");
  EXPECT_EQ(choice["message"]["content"], "abc");  // the first of two chunks
  EXPECT_EQ(choice["error"]["code"], "server_error");
  EXPECT_TRUE(choice["error"]["message"].is_string());
}

TEST_F(FakeBehaviorTest, MidStreamErrorCodeMayBeANumber) {
  HttpResponse response = ChatWithBehavior(
      {{"stream_error_after_chunks", 0}, {"stream_error_code", 502}}, /*stream=*/true);
  std::vector<SseItem> items = SplitSse(response.body);
  ASSERT_FALSE(items.empty());
  EXPECT_EQ(ParseJson(items.back().text)["error"]["code"], 502);
}

TEST_F(FakeBehaviorTest, ResetAfterBytesCutsTheBodyAndResetsTheConnection) {
  HttpResponse response = ChatWithBehavior({{"reset_after_bytes", 40}});
  EXPECT_FALSE(response.completed());
  EXPECT_EQ(response.curl_code, CURLE_RECV_ERROR) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body.size(), 40u);

  HttpResponse builtin = Chat(ChatBody("fake/reset", "x"));
  EXPECT_FALSE(builtin.completed());
  EXPECT_EQ(builtin.body.size(), 32u);
}

TEST_F(FakeBehaviorTest, ResetMidStreamDeliversThePrefixOfTheStream) {
  HttpResponse response = ChatWithBehavior({{"reset_after_bytes", 100}}, /*stream=*/true);
  EXPECT_FALSE(response.completed());
  EXPECT_EQ(response.body.size(), 100u);
  EXPECT_THAT(response.body, ::testing::StartsWith(": OPENROUTER PROCESSING\n\ndata: {"));
}

TEST_F(FakeBehaviorTest, HangNeverAnswersSoTheClientTimesOut) {
  HttpResponse response = Chat(ChatBody("fake/hang", "x"), {}, /*timeout_ms=*/1000);
  EXPECT_EQ(response.curl_code, CURLE_OPERATION_TIMEDOUT);
  EXPECT_EQ(response.status, 0);
}

TEST_F(FakeBehaviorTest, HangAfterHeadersSendsTheHeadOnly) {
  HttpResponse response = ChatWithBehavior({{"hang", "headers"}}, /*stream=*/true, 1000);
  EXPECT_EQ(response.curl_code, CURLE_OPERATION_TIMEDOUT);
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(response.body.empty());
}

TEST_F(FakeBehaviorTest, OversizedAnswersAValidBodyOfExactlyTheRequestedSize) {
  HttpResponse builtin = Chat(ChatBody("fake/oversized", "x"));
  ASSERT_TRUE(builtin.completed()) << builtin.error;
  EXPECT_EQ(builtin.body.size(), 8u * 1024 * 1024);
  Json body = ParseJson(builtin.body);
  ASSERT_TRUE(body.is_object());
  EXPECT_EQ(body["object"], "chat.completion");

  HttpResponse models = http_.Send({"GET",
                                    fake_->base_url() + "/models",
                                    {"X-Fake-Behavior: {\"oversized_bytes\": 2000000}"},
                                    "",
                                    30000});
  EXPECT_EQ(models.body.size(), 2000000u);
  EXPECT_TRUE(ParseJson(models.body).contains("data"));
}

TEST_F(FakeBehaviorTest, OversizedStreamCarriesAtLeastTheRequestedContent) {
  HttpResponse response = ChatWithBehavior({{"oversized_bytes", 300000}}, /*stream=*/true);
  ASSERT_TRUE(response.completed()) << response.error;
  size_t content = 0;
  for (const SseItem& item : SplitSse(response.body)) {
    Json chunk = ParseJson(item.text);
    if (item.comment || !chunk.is_object() || chunk["choices"].empty()) continue;
    content += chunk["choices"][0]["delta"]["content"].get<std::string>().size();
  }
  EXPECT_EQ(content, 300000u);
}

// Records when each piece of a streamed body arrives.
// A chat request's body, piece by piece as the client received it, with the time of each.
struct TimedBody {
  Clock::time_point start;
  std::vector<std::pair<Clock::time_point, std::string>> pieces;

  // Posts `body` with `behavior` as X-Fake-Behavior and reads the answer to its end.
  static TimedBody Fetch(FakeProcess& fake, const Json& body, const Json& behavior) {
    TimedBody timed;
    CURL* curl = curl_easy_init();
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, ("Authorization: Bearer " + fake.api_key()).c_str());
    headers = curl_slist_append(headers, ("X-Fake-Behavior: " + behavior.dump()).c_str());
    const std::string url = fake.base_url() + "/chat/completions";
    const std::string payload = body.dump();
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &TimedBody::Write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &timed);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 30000L);
    timed.start = Clock::now();
    EXPECT_EQ(curl_easy_perform(curl), CURLE_OK);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return timed;
  }

  static size_t Write(char* data, size_t size, size_t count, void* user) {
    static_cast<TimedBody*>(user)->pieces.emplace_back(Clock::now(),
                                                       std::string(data, size * count));
    return size * count;
  }
};

TEST_F(FakeBehaviorTest, TokenDelaySpacesStreamedChunksApart) {
  constexpr int kDelayMs = 60;
  constexpr int kChunks = 4;
  Json body = ChatBody("fake/ok", "drip drip drip drip");
  body["stream"] = true;
  TimedBody timed =
      TimedBody::Fetch(*fake_, body, {{"token_delay_ms", kDelayMs}, {"chunks", kChunks}});
  const Clock::time_point start = timed.start;

  // Content chunk k (from 1) cannot arrive before the server waited the token delay k times,
  // however the client's reads group or split the bytes.
  int content_chunk = 0;
  std::string pending;  // bytes of events not yet complete
  for (const auto& [when, text] : timed.pieces) {
    pending += text;
    size_t end = pending.rfind("\n\n");
    if (end == std::string::npos) continue;
    std::vector<SseItem> items = SplitSse(pending.substr(0, end + 2));
    pending.erase(0, end + 2);
    for (const SseItem& item : items) {
      Json chunk = ParseJson(item.text);
      if (item.comment || !chunk.is_object() || chunk["choices"].empty()) continue;
      const Json& choice = chunk["choices"][0];
      if (!choice["finish_reason"].is_null() || choice["delta"]["content"] == "") continue;
      ++content_chunk;
      EXPECT_GE(when - start, std::chrono::milliseconds(kDelayMs * content_chunk))
          << "content chunk " << content_chunk;
    }
  }
  EXPECT_EQ(content_chunk, kChunks);
}

TEST_F(FakeBehaviorTest, TokenDelayDripsANonStreamedBodyInPieces) {
  constexpr int kDelayMs = 60;
  constexpr int kChunks = 3;
  TimedBody timed = TimedBody::Fetch(*fake_, ChatBody("fake/ok", "a slow answer"),
                                     {{"token_delay_ms", kDelayMs}, {"chunks", kChunks}});

  // The whole body is still one valid completion, and its last byte cannot have arrived before the
  // server waited the delay once per piece.
  std::string whole;
  for (const auto& [when, text] : timed.pieces) whole += text;
  EXPECT_EQ(ParseJson(whole)["choices"][0]["message"]["content"], "Fake answer to: a slow answer");
  ASSERT_FALSE(timed.pieces.empty());
  EXPECT_GE(timed.pieces.back().first - timed.start, std::chrono::milliseconds(kDelayMs * kChunks));
}

TEST_F(FakeBehaviorTest, LatencyDelaysTheAnswerByAtLeastTheScriptedTime) {
  Clock::time_point start = Clock::now();
  HttpResponse response = ChatWithBehavior({{"latency_ms", 200}, {"latency_jitter_ms", 50}});
  EXPECT_EQ(response.status, 200);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(200));

  start = Clock::now();
  EXPECT_EQ(Chat(ChatBody("fake/slow-150", "x")).status, 200);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(150));
}

TEST_F(FakeBehaviorTest, ContentOverrideReplacesTheAnswer) {
  Json body = ParseJson(ChatWithBehavior({{"content", "forced"}}).body);
  EXPECT_EQ(body["choices"][0]["message"]["content"], "forced");
}

TEST_F(FakeBehaviorTest, RuleWithTimesAppliesThatManyTimesThenExpires) {
  ASSERT_TRUE(fake_
                  ->AddRules(Json::array(
                      {{{"model", "anthropic/*"}, {"times", 2}, {"behavior", {{"status", 500}}}}}))
                  .ok());
  Json body = ChatBody("anthropic/claude-fable-5", "x");
  EXPECT_EQ(Chat(body).status, 500);
  EXPECT_EQ(Chat(ChatBody("fake/ok", "other model is untouched")).status, 200);
  EXPECT_EQ(Chat(body).status, 500);
  EXPECT_EQ(Chat(body).status, 200);
}

TEST_F(FakeBehaviorTest, RulesApplyInOrderAndClearRemovesThem) {
  ASSERT_TRUE(fake_
                  ->AddRules(Json::array(
                      {{{"model", "fake/ok"}, {"times", 1}, {"behavior", {{"status", 429}}}},
                       {{"model", "fake/ok"}, {"behavior", {{"status", 503}}}}}))
                  .ok());
  Json body = ChatBody("fake/ok", "x");
  EXPECT_EQ(Chat(body).status, 429);
  EXPECT_EQ(Chat(body).status, 503);
  EXPECT_EQ(Chat(body).status, 503);
  ASSERT_TRUE(fake_->ClearRules().ok());
  EXPECT_EQ(Chat(body).status, 200);
}

TEST_F(FakeBehaviorTest, ARuleWithAProbabilityAppliesToAboutThatShareReproducibly) {
  ASSERT_TRUE(
      fake_
          ->AddRules(Json::array(
              {{{"model", "fake/ok"}, {"probability", 0.2}, {"behavior", {{"status", 503}}}}}))
          .ok());
  int failed = 0;
  for (int i = 0; i < 200; ++i) failed += Chat(ChatBody("fake/ok", "x")).status == 503 ? 1 : 0;
  EXPECT_GT(failed, 20);
  EXPECT_LT(failed, 60);
}

TEST_F(FakeBehaviorTest, ARateLimitRuleRefusesRequestsBeyondItsWindowsAllowanceWithRetryAfter) {
  ASSERT_TRUE(fake_
                  ->AddRules(Json::array({{{"model", "fake/ok"},
                                           {"rate_limit", {{"requests", 2}, {"window_ms", 60000}}},
                                           {"behavior", {{"status", 429}}}}}))
                  .ok());
  Json body = ChatBody("fake/ok", "x");
  EXPECT_EQ(Chat(body).status, 200);
  EXPECT_EQ(Chat(body).status, 200);
  HttpResponse limited = Chat(body);
  EXPECT_EQ(limited.status, 429);
  int64_t seconds = 0;
  ASSERT_NE(limited.Header("retry-after"), nullptr);
  ASSERT_TRUE(absl::SimpleAtoi(*limited.Header("retry-after"), &seconds));
  EXPECT_GT(seconds, 55);
  EXPECT_LE(seconds, 60);
  EXPECT_EQ(Chat(ChatBody("fake/scripted", "another model")).status, 200);
}

TEST_F(FakeBehaviorTest, ModelsEndpointRuleScriptsTheCatalogueFetch) {
  ASSERT_TRUE(fake_
                  ->AddRules(Json::array(
                      {{{"endpoint", "models"}, {"times", 1}, {"behavior", {{"status", 502}}}}}))
                  .ok());
  EXPECT_EQ(http_.Send({"GET", fake_->base_url() + "/models", {}, "", 30000}).status, 502);
  EXPECT_EQ(http_.Send({"GET", fake_->base_url() + "/models", {}, "", 30000}).status, 200);
}

TEST_F(FakeBehaviorTest, InvalidRulesAreRejectedWhole) {
  absl::Status status = fake_->AddRules(Json::array(
      {{{"model", "fake/ok"}, {"behavior", {{"status", 500}}}}, {{"behavior", {{"nope", 1}}}}}));
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(Chat(ChatBody("fake/ok", "x")).status, 200);
}

}  // namespace
}  // namespace flowhost::fake_openrouter
