// openrouter.chat against the in-memory HTTP double: items, concurrency, headers and the key,
// streaming, cancellation, deadlines, failures, cost from the catalogue, and load-time checks.
#include "nodes/openrouter/chat_node.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/nodes/testing/fake_node_context.h"
#include "tests/nodes/testing/openrouter_replies.h"

namespace flowhost::nodes::openrouter {
namespace {

using node_testing::FakeNodeConfig;
using node_testing::FakeNodeContext;
using node_testing::FakeResponse;
using node_testing::Reply;
using sdk::Json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKey[] = "sk-or-v1-unit-test-key-0123456789";

// The last user message of a request body.
std::string LastUserMessage(const std::string& body) {
  Json json = Json::parse(body);
  std::string last;
  for (const Json& message : json["messages"]) {
    if (message["role"] == "user") last = message["content"];
  }
  return last;
}

// Answers chat requests with "Fake answer to: <last user message>", and /models with a catalogue.
std::optional<FakeResponse> Answer(const sdk::HttpRequest& request,
                                   std::optional<double> cost = 0.0001) {
  if (absl::EndsWith(request.url, "/models")) {
    return FakeResponse::Json(200, node_testing::CatalogueBody({node_testing::CatalogueEntry(
                                       "openai/gpt-4o-mini", "0.00000015", "0.0000006")}));
  }
  Reply reply;
  reply.content = "Fake answer to: " + LastUserMessage(request.body);
  reply.cost = cost;
  return FakeResponse::Json(200, node_testing::CompletionBody(reply));
}

class ChatNodeTest : public ::testing::Test {
 protected:
  ChatNodeTest() {
    context_.SetCredential("openrouter", kKey,
                           {{"base_url", "http://fake.test/api/v1/"},
                            {"http_referer", "https://example.org/app"},
                            {"app_title", "flowhost tests"}});
    context_.parameters().schema = ChatNodeSchema();
  }

  std::unique_ptr<sdk::Node> Create(Json params, std::vector<std::string> dynamic = {}) {
    FakeNodeConfig config(params, ChatNodeSchema(), std::move(dynamic));
    std::unique_ptr<sdk::Node> node = type_.Create(config);
    errors_ = config.errors;
    context_.parameters().common = config.params();
    return node;
  }

  void SetPrompts(const std::vector<std::string>& prompts) {
    sdk::Items items;
    for (size_t i = 0; i < prompts.size(); ++i) {
      items.push_back({{"question", prompts[i]}});
      Json params = context_.parameters().common;
      params["prompt"] = prompts[i];
      context_.parameters().per_item[i] = params;
    }
    context_.SetInput(items);
  }

  // Everything the node exposed: outputs, log lines, attempts, error texts.
  std::string Exposed(const absl::StatusOr<sdk::NodeResult>& result) {
    std::string all;
    if (result.ok()) {
      for (const auto& output : result->outputs) all += Json(output).dump();
    } else {
      all += result.status().ToString();
      all += sdk::ErrorDetailsOf(result.status()).dump();
    }
    for (const Json& line : context_.recording_logger().lines()) all += line.dump();
    for (const auto& attempt : context_.attempts()) {
      all += attempt.model + attempt.provider + attempt.error_message + attempt.route;
    }
    return all;
  }

  std::shared_ptr<OpenRouterClient> client_ = std::make_shared<OpenRouterClient>();
  ChatNodeType type_{client_};
  FakeNodeContext context_;
  std::vector<std::string> errors_;
};

TEST_F(ChatNodeTest, AnswersEachItemInInputOrder) {
  auto node = Create({{"model", "openai/gpt-4o-mini"}, {"prompt", "unused"}});
  ASSERT_NE(node, nullptr);
  SetPrompts({"one", "two", "three"});
  context_.fake_http().SetHandler([](const sdk::HttpRequest& r) { return Answer(r); });
  absl::StatusOr<sdk::NodeResult> result = context_.Run(*node);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->outputs.size(), 1u);
  const sdk::Items& items = result->outputs[0];
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0]["content"], "Fake answer to: one");
  EXPECT_EQ(items[2]["content"], "Fake answer to: three");
  for (const Json& item : items) {
    for (const char* field :
         {"content", "reasoning", "tool_calls", "model", "provider", "finish_reason", "usage",
          "cost_usd", "generation_id", "latency_ms"}) {
      EXPECT_TRUE(item.contains(field)) << field;
    }
    EXPECT_DOUBLE_EQ(item["cost_usd"].get<double>(), 0.0001);
  }
  std::vector<sdk::AttemptRecord> attempts = context_.attempts();
  ASSERT_EQ(attempts.size(), 3u);
  for (const auto& attempt : attempts) {
    EXPECT_EQ(attempt.outcome, "ok");
    EXPECT_EQ(attempt.model, "openai/gpt-4o-mini");
    EXPECT_EQ(attempt.prompt_tokens, 10);
    EXPECT_DOUBLE_EQ(attempt.cost_usd, 0.0001);
  }
  EXPECT_EQ(context_.done_calls(), 1);
}

TEST_F(ChatNodeTest, KeepsAtMostConcurrencyCallsInFlight) {
  auto node = Create({{"model", "openai/gpt-4o-mini"}, {"prompt", "p"}, {"concurrency", 2}});
  SetPrompts({"a", "b", "c", "d", "e"});
  context_.Start(*node);
  context_.manual_scheduler().RunUntilIdle();
  EXPECT_EQ(context_.fake_http().pending(), 2u);
  for (size_t answered = 0; answered < 5; ++answered) {
    EXPECT_LE(context_.fake_http().pending(), 2u);
    auto requests = context_.fake_http().requests();
    ASSERT_TRUE(context_.fake_http().Respond(answered, *Answer(requests[answered])));
    context_.manual_scheduler().RunUntilIdle();
  }
  ASSERT_TRUE(context_.finished());
  absl::StatusOr<sdk::NodeResult> result = context_.result();
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->outputs[0][4]["content"], "Fake answer to: e");
}

TEST_F(ChatNodeTest, SendsTheKeyOnlyInTheAuthorizationHeader) {
  auto node = Create({{"model", "openai/gpt-4o-mini"}, {"prompt", "hello"}});
  context_.SetInput({Json::object()});
  context_.fake_http().SetHandler([](const sdk::HttpRequest& r) { return Answer(r); });
  absl::StatusOr<sdk::NodeResult> result = context_.Run(*node);
  ASSERT_TRUE(result.ok());
  std::vector<sdk::HttpRequest> requests = context_.fake_http().requests();
  const sdk::HttpRequest& request = requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "http://fake.test/api/v1/chat/completions");
  EXPECT_EQ(sdk::FindHeader(request.headers, "Authorization"), "Bearer " + std::string(kKey));
  EXPECT_EQ(sdk::FindHeader(request.headers, "HTTP-Referer"), "https://example.org/app");
  EXPECT_EQ(sdk::FindHeader(request.headers, "X-Title"), "flowhost tests");
  EXPECT_EQ(sdk::FindHeader(request.headers, "Content-Type"), "application/json");
  EXPECT_THAT(request.body, Not(HasSubstr(kKey)));
  EXPECT_THAT(Exposed(result), Not(HasSubstr(kKey)));
}

TEST_F(ChatNodeTest, NeverShowsTheKeyWhenTheUpstreamEchoesItInAnError) {
  auto node = Create({{"model", "openai/gpt-4o-mini"}, {"prompt", "hello"}});
  context_.SetInput({Json::object()});
  context_.fake_http().SetHandler([](const sdk::HttpRequest&) {
    return FakeResponse::Json(
        401, node_testing::ErrorBody(401, std::string("Invalid key ") + kKey, {{"key", kKey}}));
  });
  absl::StatusOr<sdk::NodeResult> result = context_.Run(*node);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(sdk::ErrorClassOf(result.status()), "auth");
  EXPECT_THAT(Exposed(result), Not(HasSubstr(kKey)));
}

TEST_F(ChatNodeTest, StreamsDeltasInOrderWhenACallerListens) {
  auto node = Create({{"model", "openai/gpt-4o-mini"}, {"prompt", "hi"}});
  context_.SetInput({Json::object(), Json::object()});
  context_.sink().wants_tokens_ = true;
  Reply reply;
  context_.fake_http().SetHandler([&reply](const sdk::HttpRequest& r) {
    return FakeResponse::Sse(node_testing::StreamEvents(reply, {"Str", "eam", "ed", "!"}));
  });
  absl::StatusOr<sdk::NodeResult> result = context_.Run(*node);
  ASSERT_TRUE(result.ok()) << result.status();
  std::vector<sdk::HttpRequest> requests = context_.fake_http().requests();
  const sdk::HttpRequest& request = requests[0];
  EXPECT_EQ(Json::parse(request.body)["stream"], true);
  EXPECT_EQ(sdk::FindHeader(request.headers, "Accept"), "text/event-stream");
  EXPECT_EQ(context_.sink().Text(0), "Streamed!");
  EXPECT_EQ(context_.sink().Text(1), "Streamed!");
  EXPECT_EQ(context_.sink().deltas().size(), 8u);
  const Json& item = result->outputs[0][0];
  EXPECT_EQ(item["content"], "Streamed!");
  EXPECT_EQ(item["usage"]["completion_tokens"], 3);
  EXPECT_DOUBLE_EQ(item["cost_usd"].get<double>(), *reply.cost);
  EXPECT_EQ(item["finish_reason"], "stop");
}

TEST_F(ChatNodeTest, StreamsWhenAskedEvenIfNobodyListens) {
  auto node = Create({{"model", "openai/gpt-4o-mini"}, {"prompt", "hi"}, {"stream", true}});
  context_.SetInput({Json::object()});
  context_.fake_http().SetHandler([](const sdk::HttpRequest&) {
    return FakeResponse::Sse(node_testing::StreamEvents(Reply(), {"a", "b"}));
  });
  absl::StatusOr<sdk::NodeResult> result = context_.Run(*node);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->outputs[0][0]["content"], "ab");
  EXPECT_TRUE(context_.sink().deltas().empty());
}

TEST_F(ChatNodeTest, CancellationAbortsTheHttpCall) {
  auto node = Create({{"model", "openai/gpt-4o-mini"}, {"prompt", "hi"}});
  context_.SetInput({Json::object()});
  context_.Start(*node);
  context_.manual_scheduler().RunUntilIdle();
  ASSERT_EQ(context_.fake_http().pending(), 1u);
  context_.Cancel(absl::CancelledError("the caller went away"));
  ASSERT_TRUE(context_.RunUntilDone());
  EXPECT_EQ(context_.fake_http().cancelled(), 1);
  absl::StatusOr<sdk::NodeResult> result = context_.result();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("the caller went away"));
  ASSERT_EQ(context_.attempts().size(), 1u);
  EXPECT_EQ(context_.attempts()[0].error_class, "cancelled");
}

TEST_F(ChatNodeTest, GivesTheHttpClientTheNodesDeadlinePlusABackstopSecond) {
  auto node = Create({{"model", "openai/gpt-4o-mini"}, {"prompt", "hi"}});
  context_.SetInput({Json::object()});
  absl::Time deadline = context_.clock().Now() + absl::Seconds(30);
  context_.SetDeadline(deadline);
  context_.fake_http().SetHandler([](const sdk::HttpRequest& r) { return Answer(r); });
  ASSERT_TRUE(context_.Run(*node).ok());
  // The token's cancellation at the deadline aborts the transfer with the real reason; the
  // transfer's own deadline is the backstop.
  EXPECT_EQ(context_.fake_http().requests()[0].deadline, deadline + absl::Seconds(1));
}

TEST_F(ChatNodeTest, FailsWithTheFirstClassifiedErrorAndCancelsTheOtherItems) {
  auto node = Create({{"model", "openai/gpt-4o-mini"}, {"prompt", "p"}, {"concurrency", 3}});
  SetPrompts({"a", "b", "c"});
  context_.Start(*node);
  context_.manual_scheduler().RunUntilIdle();
  ASSERT_EQ(context_.fake_http().pending(), 3u);
  context_.fake_http().Respond(
      1, FakeResponse::Json(429, node_testing::ErrorBody(429, "Rate limit exceeded"),
                            {{"Retry-After", "12"}}));
  ASSERT_TRUE(context_.RunUntilDone());
  EXPECT_EQ(context_.fake_http().cancelled(), 2);
  absl::StatusOr<sdk::NodeResult> result = context_.result();
  EXPECT_EQ(sdk::ErrorClassOf(result.status()), "rate_limited");
  EXPECT_EQ(sdk::RetryAfterOf(result.status()), absl::Seconds(12));
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("Rate limit exceeded"));
  std::vector<sdk::AttemptRecord> attempts = context_.attempts();
  ASSERT_EQ(attempts.size(), 3u);
  int rate_limited = 0, cancelled = 0;
  for (const auto& attempt : attempts) {
    rate_limited += attempt.error_class == "rate_limited";
    cancelled += attempt.error_class == "cancelled";
  }
  EXPECT_EQ(rate_limited, 1);
  EXPECT_EQ(cancelled, 2);  // the others were stopped, they did not fail themselves
  EXPECT_EQ(context_.done_calls(), 1);
}

TEST_F(ChatNodeTest, PricesTokensWithTheCatalogueWhenUsageHasNoCost) {
  auto node = Create({{"model", "openai/gpt-4o-mini"}, {"prompt", "p"}});
  SetPrompts({"a", "b"});
  context_.fake_http().SetHandler(
      [](const sdk::HttpRequest& r) { return Answer(r, /*cost=*/std::nullopt); });
  absl::StatusOr<sdk::NodeResult> result = context_.Run(*node);
  ASSERT_TRUE(result.ok()) << result.status();
  double expected = 10 * 0.00000015 + 3 * 0.0000006;
  EXPECT_DOUBLE_EQ(result->outputs[0][0]["cost_usd"].get<double>(), expected);
  EXPECT_DOUBLE_EQ(context_.attempts()[1].cost_usd, expected);
  EXPECT_EQ(client_->catalogue_fetches(), 1);
}

TEST_F(ChatNodeTest, AMissingCredentialIsAnAuthErrorThatSaysWhatToSet) {
  auto node = Create({{"model", "openai/gpt-4o-mini"}, {"prompt", "p"}, {"credential", "other"}});
  context_.SetInput({Json::object()});
  absl::StatusOr<sdk::NodeResult> result = context_.Run(*node);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(sdk::ErrorClassOf(result.status()), "auth");
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("'other'"));
  EXPECT_EQ(context_.fake_http().request_count(), 0u);
}

TEST_F(ChatNodeTest, NoItemsMeansNoCallsAndAnEmptyOutput) {
  auto node = Create({{"model", "openai/gpt-4o-mini"}, {"prompt", "p"}});
  context_.SetInput({});
  absl::StatusOr<sdk::NodeResult> result = context_.Run(*node);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->outputs[0].empty());
  EXPECT_EQ(context_.fake_http().request_count(), 0u);
}

TEST_F(ChatNodeTest, LoadTimeChecksReportEveryProblem) {
  Create({{"extra", {{"stream", true}}}}, {});
  EXPECT_THAT(errors_, ::testing::ElementsAre(HasSubstr("model"), HasSubstr("prompt"),
                                              HasSubstr("/extra/stream")));
  Create({{"model", "a/b"}, {"prompt", "p"}, {"concurrency", "{{ 3 }}"}}, {"/concurrency"});
  EXPECT_THAT(errors_, ::testing::ElementsAre(HasSubstr("/concurrency: must be a constant")));
  Create({{"model", "{{ $json.model }}"}, {"prompt", "p"}}, {"/model"});
  EXPECT_TRUE(errors_.empty());
}

}  // namespace
}  // namespace flowhost::nodes::openrouter
