// router.fallback against the in-memory HTTP double and a manual clock: escalation on exactly the
// configured classes, cool-downs shared across runs (Retry-After or the configured period), a
// route's attempts and timeout, accept checks, the cost ceiling, node routes, cancellation,
// streaming, the attempt list, and load-time checks.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nodes/router/fallback_router_node.h"
#include "tests/nodes/testing/fake_node_context.h"
#include "tests/nodes/testing/openrouter_replies.h"

namespace flowhost::nodes::router {
namespace {

using node_testing::FakeNodeConfig;
using node_testing::FakeNodeContext;
using node_testing::FakeResponse;
using node_testing::Reply;
using sdk::Json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Behaviour = std::function<std::optional<FakeResponse>(const sdk::HttpRequest&)>;

std::optional<FakeResponse> Ok(const std::string& model, const std::string& content = "",
                               double cost = 0.001) {
  Reply reply;
  reply.model = model;
  reply.content = content.empty() ? "Answer from " + model : content;
  reply.cost = cost;
  return FakeResponse::Json(200, node_testing::CompletionBody(reply));
}

std::optional<FakeResponse> Status(int status, const std::string& message,
                                   sdk::HttpHeaders headers = {}, Json metadata = nullptr) {
  return FakeResponse::Json(status, node_testing::ErrorBody(status, message, metadata),
                            std::move(headers));
}

// One upstream: behaviour per model, calls counted per model.
class Upstream {
 public:
  void On(const std::string& model, Behaviour behaviour) { behaviours_[model] = behaviour; }
  int calls(const std::string& model) const {
    auto it = calls_.find(model);
    return it == calls_.end() ? 0 : it->second;
  }
  std::optional<FakeResponse> Handle(const sdk::HttpRequest& request) {
    if (absl::EndsWith(request.url, "/models")) return FakeResponse::Json(200, catalogue);
    std::string model = Json::parse(request.body)["model"];
    ++calls_[model];
    bodies.push_back(Json::parse(request.body));
    auto it = behaviours_.find(model);
    if (it == behaviours_.end()) return Ok(model);
    return it->second(request);
  }
  void Serve(FakeNodeContext& context) {
    context.fake_http().SetHandler([this](const sdk::HttpRequest& r) { return Handle(r); });
  }

  std::string catalogue = node_testing::CatalogueBody({});
  std::vector<Json> bodies;

 private:
  std::map<std::string, Behaviour> behaviours_;
  std::map<std::string, int> calls_;
};

class RouterTest : public ::testing::Test {
 protected:
  std::unique_ptr<sdk::Node> Create(Json params, std::vector<std::string> dynamic = {}) {
    FakeNodeConfig config(params, type_.info().parameter_schema, std::move(dynamic));
    std::unique_ptr<sdk::Node> node = type_.Create(config);
    errors_ = config.errors;
    warnings_ = config.warnings;
    params_ = config.params();
    return node;
  }

  // A fresh execution context sharing the test's clock time.
  std::unique_ptr<FakeNodeContext> NewContext(size_t items = 1) {
    auto context = std::make_unique<FakeNodeContext>();
    context->clock().Set(now_);
    context->SetCredential("openrouter", "sk-router-test", {{"base_url", "http://fake.test/v1"}});
    context->parameters().schema = type_.info().parameter_schema;
    context->parameters().common = params_;
    context->SetInput(sdk::Items(items, Json{{"question", "why?"}}));
    upstream_.Serve(*context);
    return context;
  }

  absl::StatusOr<sdk::NodeResult> RunOnce(const sdk::Node& node) {
    auto context = NewContext();
    absl::StatusOr<sdk::NodeResult> result = context->Run(node);
    last_attempts_ = context->attempts();
    return result;
  }

  static Json TwoRoutes(Json extra = Json::object()) {
    Json params = {{"prompt", "Say hi"},
                   {"routes", {{{"model", "free/a:free"}}, {{"model", "paid/b"}}}}};
    params.update(extra);
    return params;
  }

  std::shared_ptr<openrouter::OpenRouterClient> client_ =
      std::make_shared<openrouter::OpenRouterClient>();
  FallbackRouterNodeType type_{client_, std::make_shared<CooldownTable>()};
  Upstream upstream_;
  Json params_;
  std::vector<std::string> errors_;
  std::vector<std::string> warnings_;
  std::vector<sdk::AttemptRecord> last_attempts_;
  absl::Time now_ = absl::FromUnixSeconds(1'700'000'000);
};

TEST_F(RouterTest, AnswersFromTheFirstRouteAndSaysWhichOne) {
  auto node = Create(TwoRoutes({{"system", "Be brief."}, {"temperature", 0.2}}));
  ASSERT_NE(node, nullptr) << errors_[0];
  absl::StatusOr<sdk::NodeResult> result = RunOnce(*node);
  ASSERT_TRUE(result.ok()) << result.status();
  const Json& item = result->outputs[0][0];
  EXPECT_EQ(item["content"], "Answer from free/a:free");
  EXPECT_EQ(item["route"], "free/a:free");
  EXPECT_EQ(item["route_index"], 0);
  ASSERT_EQ(item["attempts"].size(), 1u);
  EXPECT_EQ(item["attempts"][0]["outcome"], "ok");
  EXPECT_EQ(upstream_.calls("paid/b"), 0);
  // The route inherited the shared messages and settings.
  EXPECT_EQ(upstream_.bodies[0]["messages"][0]["content"], "Be brief.");
  EXPECT_EQ(upstream_.bodies[0]["messages"][1]["content"], "Say hi");
  EXPECT_EQ(upstream_.bodies[0]["temperature"], 0.2);
  ASSERT_EQ(last_attempts_.size(), 1u);
  EXPECT_EQ(last_attempts_[0].route, "free/a:free");
}

TEST_F(RouterTest, ARoutesOwnSettingsOverrideTheSharedOnes) {
  auto node = Create({{"prompt", "shared"},
                      {"temperature", 0.2},
                      {"routes", {{{"model", "m/x"}, {"temperature", 0.9}, {"prompt", "own"}}}}});
  ASSERT_TRUE(RunOnce(*node).ok());
  EXPECT_EQ(upstream_.bodies[0]["temperature"], 0.9);
  EXPECT_EQ(upstream_.bodies[0]["messages"][0]["content"], "own");
}

struct Failure {
  std::string name;
  std::function<std::optional<FakeResponse>(const sdk::HttpRequest&)> behaviour;
  std::string error_class;
};

std::vector<Failure> EveryFailure() {
  return {
      {"rate_limited", [](auto&) { return Status(429, "Rate limit exceeded"); }, "rate_limited"},
      {"credits", [](auto&) { return Status(402, "Insufficient credits"); },
       "insufficient_credits"},
      {"auth", [](auto&) { return Status(401, "User not found."); }, "auth"},
      {"moderation",
       [](auto&) {
         return Status(403, "flagged", {}, {{"reasons", {"violence"}}});
       },
       "moderation"},
      {"bad_request", [](auto&) { return Status(400, "Invalid temperature"); }, "bad_request"},
      {"context_length",
       [](auto&) { return Status(400, "This endpoint's maximum context length is 10 tokens"); },
       "context_length"},
      {"timeout408", [](auto&) { return Status(408, "Timed out"); }, "timeout"},
      {"upstream500", [](auto&) { return Status(500, "Internal error"); }, "upstream"},
      {"upstream502",
       [](auto&) {
         return Status(502, "Provider returned error", {}, {{"provider_name", "X"}});
       },
       "upstream"},
      {"upstream503", [](auto&) { return Status(503, "No available provider"); }, "upstream"},
      {"network",
       [](auto&) {
         return FakeResponse::Error(
             sdk::NodeError(absl::StatusCode::kUnavailable, "network", "connection reset"));
       },
       "network"},
      {"malformed", [](auto&) { return FakeResponse::Json(200, "{oops"); }, "malformed_response"},
  };
}

TEST_F(RouterTest, EscalatesOnExactlyTheDefaultClasses) {
  const std::set<std::string> escalated = {"rate_limited", "upstream",           "timeout",
                                           "network",      "malformed_response", "context_length"};
  for (const Failure& failure : EveryFailure()) {
    SCOPED_TRACE(failure.name);
    Upstream fresh;
    upstream_ = fresh;
    type_.cooldowns().Clear();
    upstream_.On("free/a:free", failure.behaviour);
    auto node = Create(TwoRoutes());
    absl::StatusOr<sdk::NodeResult> result = RunOnce(*node);
    ASSERT_EQ(last_attempts_[0].error_class, failure.error_class);
    if (escalated.count(failure.error_class) > 0) {
      ASSERT_TRUE(result.ok()) << result.status();
      EXPECT_EQ(result->outputs[0][0]["route"], "paid/b");
      EXPECT_EQ(upstream_.calls("paid/b"), 1);
      EXPECT_EQ(result->outputs[0][0]["attempts"][0]["error_class"], failure.error_class);
    } else {
      ASSERT_FALSE(result.ok());
      EXPECT_EQ(sdk::ErrorClassOf(result.status()), failure.error_class);
      EXPECT_THAT(std::string(result.status().message()), HasSubstr("not in escalate_on"));
      EXPECT_EQ(upstream_.calls("paid/b"), 0);
      EXPECT_EQ(sdk::ErrorDetailsOf(result.status())["attempts"].size(), 1u);
    }
  }
}

TEST_F(RouterTest, EscalatesOnExactlyTheConfiguredClasses) {
  auto node = Create(TwoRoutes({{"escalate_on", {"bad_request"}}}));
  upstream_.On("free/a:free", [](auto&) { return Status(400, "Invalid temperature"); });
  ASSERT_TRUE(RunOnce(*node).ok());
  EXPECT_EQ(upstream_.calls("paid/b"), 1);

  upstream_.On("free/a:free", [](auto&) { return Status(429, "Rate limit exceeded"); });
  absl::StatusOr<sdk::NodeResult> result = RunOnce(*node);
  EXPECT_EQ(sdk::ErrorClassOf(result.status()), "rate_limited");
  EXPECT_EQ(upstream_.calls("paid/b"), 1);  // not called again
}

TEST_F(RouterTest, ARouteRateLimitedWithRetryAfterIsSkippedByLaterRunsUntilItEnds) {
  auto node = Create(TwoRoutes());
  upstream_.On("free/a:free", [](auto&) {
    return Status(429, "slow down", {{"Retry-After", "30"}});
  });
  ASSERT_TRUE(RunOnce(*node).ok());
  EXPECT_EQ(upstream_.calls("free/a:free"), 1);

  now_ += absl::Seconds(29);
  absl::StatusOr<sdk::NodeResult> second = RunOnce(*node);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(upstream_.calls("free/a:free"), 1);  // skipped without a call
  const Json& attempts = second->outputs[0][0]["attempts"];
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0]["outcome"], "skipped");
  EXPECT_EQ(attempts[0]["error_class"], "rate_limited");
  EXPECT_THAT(attempts[0]["error_message"].get<std::string>(), HasSubstr("cooling down"));
  EXPECT_EQ(last_attempts_[0].outcome, "skipped");

  now_ += absl::Seconds(2);
  upstream_.On("free/a:free", [](auto&) { return Ok("free/a:free"); });
  absl::StatusOr<sdk::NodeResult> third = RunOnce(*node);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->outputs[0][0]["route"], "free/a:free");
  EXPECT_EQ(upstream_.calls("free/a:free"), 2);
}

TEST_F(RouterTest, WithoutRetryAfterARouteCoolsDownForTheConfiguredPeriod) {
  auto node = Create(TwoRoutes({{"cooldown", "5s"}}));
  upstream_.On("free/a:free", [](auto&) { return Status(502, "Provider returned error"); });
  ASSERT_TRUE(RunOnce(*node).ok());
  now_ += absl::Seconds(4);
  ASSERT_TRUE(RunOnce(*node).ok());
  EXPECT_EQ(upstream_.calls("free/a:free"), 1);
  now_ += absl::Seconds(2);
  ASSERT_TRUE(RunOnce(*node).ok());
  EXPECT_EQ(upstream_.calls("free/a:free"), 2);
}

TEST_F(RouterTest, ContextLengthEscalatesButDoesNotCoolTheRouteDown) {
  auto node = Create(TwoRoutes());
  upstream_.On("free/a:free",
               [](auto&) { return Status(400, "maximum context length is 10 tokens"); });
  ASSERT_TRUE(RunOnce(*node).ok());
  ASSERT_TRUE(RunOnce(*node).ok());
  EXPECT_EQ(upstream_.calls("free/a:free"), 2);
  EXPECT_EQ(type_.cooldowns().size(), 0u);
}

TEST_F(RouterTest, RetriesARouteItsAttemptsTimesAfterABackoff) {
  auto node = Create({{"prompt", "p"}, {"routes", {{{"model", "m/x"}, {"attempts", 2}}}}});
  int calls = 0;
  upstream_.On("m/x", [&calls](auto&) { return ++calls == 1 ? Status(500, "blip") : Ok("m/x"); });
  auto context = NewContext();
  context->Start(*node);
  context->manual_scheduler().RunUntilIdle();
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(context->finished());
  context->manual_scheduler().AdvanceBy(absl::Milliseconds(249));
  EXPECT_EQ(calls, 1);
  context->manual_scheduler().AdvanceBy(absl::Milliseconds(1));
  ASSERT_TRUE(context->RunUntilDone());
  EXPECT_EQ(calls, 2);
  absl::StatusOr<sdk::NodeResult> result = context->result();
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->outputs[0][0]["attempts"].size(), 2u);
  EXPECT_EQ(type_.cooldowns().size(), 0u);
}

TEST_F(RouterTest, HonoursAShortRetryAfterBeforeRetryingTheSameRoute) {
  auto node = Create({{"prompt", "p"}, {"routes", {{{"model", "m/x"}, {"attempts", 2}}}}});
  int calls = 0;
  upstream_.On("m/x", [&calls](auto&) {
    return ++calls == 1 ? Status(429, "slow", {{"Retry-After", "3"}}) : Ok("m/x");
  });
  auto context = NewContext();
  context->Start(*node);
  context->manual_scheduler().RunUntilIdle();
  context->manual_scheduler().AdvanceBy(absl::Milliseconds(2999));
  EXPECT_EQ(calls, 1);
  context->manual_scheduler().AdvanceBy(absl::Milliseconds(1));
  ASSERT_TRUE(context->RunUntilDone());
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(context->result().ok());
}

TEST_F(RouterTest, MovesOnAtOnceWhenRetryAfterIsLongerThanARetryMayWait) {
  auto node = Create(
      {{"prompt", "p"}, {"routes", {{{"model", "m/x"}, {"attempts", 3}}, {{"model", "m/y"}}}}});
  upstream_.On("m/x", [](auto&) { return Status(429, "slow", {{"Retry-After", "120"}}); });
  absl::StatusOr<sdk::NodeResult> result = RunOnce(*node);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(upstream_.calls("m/x"), 1);
  EXPECT_EQ(result->outputs[0][0]["route"], "m/y");
  // And the route is cooled for the full Retry-After.
  now_ += absl::Seconds(119);
  RunOnce(*node);
  EXPECT_EQ(upstream_.calls("m/x"), 1);
}

TEST_F(RouterTest, ARouteTimeoutCancelsItsCallAndEscalates) {
  auto node = Create({{"prompt", "p"},
                      {"routes", {{{"model", "slow/x"}, {"timeout", "2s"}}, {{"model", "m/y"}}}}});
  upstream_.On("slow/x", [](auto&) { return std::nullopt; });  // never answers
  auto context = NewContext();
  context->Start(*node);
  context->manual_scheduler().RunUntilIdle();
  EXPECT_EQ(context->fake_http().requests()[0].deadline, now_ + absl::Seconds(2));
  context->manual_scheduler().AdvanceBy(absl::Seconds(2));
  ASSERT_TRUE(context->RunUntilDone());
  EXPECT_EQ(context->fake_http().cancelled(), 1);
  absl::StatusOr<sdk::NodeResult> result = context->result();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->outputs[0][0]["route"], "m/y");
  EXPECT_EQ(result->outputs[0][0]["attempts"][0]["error_class"], "timeout");
  EXPECT_THAT(result->outputs[0][0]["attempts"][0]["error_message"].get<std::string>(),
              HasSubstr("timed out after 2s"));
}

TEST_F(RouterTest, RejectsAnAnswerThatFailsTheAcceptCheckAndEscalates) {
  auto node = Create(TwoRoutes({{"accept", "{{ $json.content.length > 10 }}"}}));
  upstream_.On("free/a:free", [](auto&) { return Ok("free/a:free", "meh"); });
  std::vector<Json> seen;
  auto context = NewContext();
  context->parameters().deferred = [&seen](std::string_view pointer, size_t item,
                                           const Json& json) -> absl::StatusOr<Json> {
    EXPECT_EQ(pointer, "/accept");
    EXPECT_EQ(item, 0u);
    seen.push_back(json);
    return json["content"].get<std::string>().size() > 10;
  };
  absl::StatusOr<sdk::NodeResult> result = context->Run(*node);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0]["content"], "meh");
  const Json& item = result->outputs[0][0];
  EXPECT_EQ(item["route"], "paid/b");
  EXPECT_EQ(item["attempts"][0]["outcome"], "rejected");
  EXPECT_EQ(item["attempts"][0]["error_class"], "rejected");
  // The rejected answer was paid for: it counts.
  EXPECT_DOUBLE_EQ(item["total_cost_usd"].get<double>(), 0.002);
  EXPECT_EQ(context->attempts()[0].outcome, "rejected");
  EXPECT_EQ(type_.cooldowns().size(), 0u);
}

TEST_F(RouterTest, RejectsAnAnswerThatDoesNotMatchTheAcceptSchema) {
  auto node = Create(TwoRoutes({{"accept_schema",
                                 {{"type", "object"},
                                  {"required", {"answer"}},
                                  {"properties", {{"answer", {{"type", "string"}}}}}}}}));
  upstream_.On("free/a:free", [](auto&) { return Ok("free/a:free", "not json at all"); });
  upstream_.On("paid/b", [](auto&) { return Ok("paid/b", R"({"answer": "42"})"); });
  absl::StatusOr<sdk::NodeResult> result = RunOnce(*node);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->outputs[0][0]["route"], "paid/b");
  EXPECT_THAT(result->outputs[0][0]["attempts"][0]["error_message"].get<std::string>(),
              HasSubstr("not valid JSON"));

  upstream_.On("free/a:free", [](auto&) { return Ok("free/a:free", R"({"answer": 42})"); });
  result = RunOnce(*node);
  EXPECT_THAT(result->outputs[0][0]["attempts"][0]["error_message"].get<std::string>(),
              HasSubstr("/answer: expected string"));
}

TEST_F(RouterTest, WhenEveryRouteIsRateLimitedTheErrorIsRateLimitedWithEveryAttempt) {
  auto node = Create(TwoRoutes());
  upstream_.On("free/a:free", [](auto&) { return Status(429, "a", {{"Retry-After", "20"}}); });
  upstream_.On("paid/b", [](auto&) { return Status(429, "b", {{"Retry-After", "7"}}); });
  absl::StatusOr<sdk::NodeResult> result = RunOnce(*node);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(sdk::ErrorClassOf(result.status()), "rate_limited");
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(sdk::RetryAfterOf(result.status()), absl::Seconds(7));  // the first route back
  Json details = sdk::ErrorDetailsOf(result.status());
  ASSERT_EQ(details["attempts"].size(), 2u);
  EXPECT_EQ(details["attempts"][1]["route"], "paid/b");
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("every route failed"));

  // The next run skips both without calling anyone, and says when to come back.
  result = RunOnce(*node);
  EXPECT_EQ(sdk::ErrorClassOf(result.status()), "rate_limited");
  EXPECT_EQ(upstream_.calls("free/a:free") + upstream_.calls("paid/b"), 2);
  EXPECT_EQ(sdk::RetryAfterOf(result.status()), absl::Seconds(7));
}

TEST_F(RouterTest, TheErrorClassIsTheLastFailuresWhenRoutesFailDifferently) {
  auto node = Create(TwoRoutes());
  upstream_.On("free/a:free", [](auto&) { return Status(429, "busy"); });
  upstream_.On("paid/b", [](auto&) { return Status(503, "No available provider"); });
  absl::StatusOr<sdk::NodeResult> result = RunOnce(*node);
  EXPECT_EQ(sdk::ErrorClassOf(result.status()), "upstream");
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("'free/a:free' error (rate_limited)"));
}

class CostCeilingTest : public RouterTest {
 protected:
  CostCeilingTest() {
    // Prompt "Say hi" is 6 characters: 2 estimated tokens.
    upstream_.catalogue =
        node_testing::CatalogueBody({node_testing::CatalogueEntry("free/a:free", "0", "0"),
                                     node_testing::CatalogueEntry("paid/b", "0.00001", "0.00003")});
  }
};

TEST_F(CostCeilingTest, SkipsARouteWhoseWorstCaseWouldExceedTheCeilingAndSaysSo) {
  // paid/b worst case: 2 * 0.00001 + 1000 * 0.00003 = 0.03002 USD.
  auto node = Create(TwoRoutes({{"max_tokens", 1000}, {"max_cost_usd", 0.03}}));
  upstream_.On("free/a:free", [](auto&) { return Status(500, "down"); });
  absl::StatusOr<sdk::NodeResult> result = RunOnce(*node);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(upstream_.calls("paid/b"), 0);
  EXPECT_EQ(sdk::ErrorClassOf(result.status()), "upstream");  // the last real failure
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("max_cost_usd"));
  Json attempts = sdk::ErrorDetailsOf(result.status())["attempts"];
  EXPECT_EQ(attempts[1]["outcome"], "skipped");
  EXPECT_EQ(attempts[1]["error_class"], "limit_exceeded");
}

TEST_F(CostCeilingTest, CallsARouteWhoseWorstCaseFits) {
  auto node = Create(TwoRoutes({{"max_tokens", 1000}, {"max_cost_usd", 0.031}}));
  upstream_.On("free/a:free", [](auto&) { return Status(500, "down"); });
  absl::StatusOr<sdk::NodeResult> result = RunOnce(*node);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->outputs[0][0]["route"], "paid/b");
}

TEST_F(CostCeilingTest, WhenNoRouteFitsNothingIsCalledAndTheClassIsLimitExceeded) {
  auto node = Create({{"prompt", "Say hi"},
                      {"max_tokens", 1000},
                      {"max_cost_usd", 0.001},
                      {"routes", {{{"model", "paid/b"}}}}});
  absl::StatusOr<sdk::NodeResult> result = RunOnce(*node);
  EXPECT_EQ(sdk::ErrorClassOf(result.status()), "limit_exceeded");
  EXPECT_EQ(upstream_.calls("paid/b"), 0);
}

TEST_F(CostCeilingTest, IsSharedByTheItemsOfARun) {
  // Each call costs 0.001 (the reply's usage.cost); worst case 0.03002; ceiling for two calls only.
  auto node = Create({{"prompt", "Say hi"},
                      {"max_tokens", 1000},
                      {"max_cost_usd", 0.032},
                      {"concurrency", 1},
                      {"routes", {{{"model", "paid/b"}}}}});
  auto context = NewContext(/*items=*/3);
  absl::StatusOr<sdk::NodeResult> result = context->Run(*node);
  // Item 0 reserves 0.03002 then spends 0.001; item 1 fits (0.001 + 0.03002 <= 0.032) and
  // spends 0.001; item 2 needs 0.002 + 0.03002 > 0.032.
  EXPECT_EQ(sdk::ErrorClassOf(result.status()), "limit_exceeded");
  EXPECT_EQ(upstream_.calls("paid/b"), 2);
}

TEST_F(RouterTest, RunsANodeRouteThroughInvokeNode) {
  auto node = Create({{"prompt", "p"},
                      {"routes", {{{"model", "m/x"}}, {{"node", "backup"}, {"name", "backup"}}}}});
  upstream_.On("m/x", [](auto&) { return Status(503, "No available provider"); });
  auto context = NewContext();
  std::vector<sdk::Items> invoked;
  context->SetInvokeHandler([&](std::string_view name, sdk::Items input, auto done) {
    EXPECT_EQ(name, "backup");
    invoked.push_back(input);
    sdk::NodeResult result;
    result.outputs.push_back({Json{{"content", "from the backup"}, {"cost_usd", 0.5}}});
    context->manual_scheduler().Post(
        [done = std::move(done), result]() mutable { done(std::move(result)); });
  });
  absl::StatusOr<sdk::NodeResult> result = context->Run(*node);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(invoked.size(), 1u);
  EXPECT_EQ(invoked[0][0]["question"], "why?");  // the router's input item
  const Json& item = result->outputs[0][0];
  EXPECT_EQ(item["content"], "from the backup");
  EXPECT_EQ(item["route"], "backup");
  EXPECT_DOUBLE_EQ(item["attempts"][1]["cost_usd"].get<double>(), 0.5);
  // The invoked node reports its own cost; the router's record does not count it twice.
  EXPECT_DOUBLE_EQ(context->attempts()[1].cost_usd, 0);
}

TEST_F(RouterTest, CancellationStopsTheWalkAtOnce) {
  auto node = Create(TwoRoutes());
  upstream_.On("free/a:free", [](auto&) { return std::nullopt; });
  auto context = NewContext();
  context->Start(*node);
  context->manual_scheduler().RunUntilIdle();
  context->Cancel(absl::CancelledError("client went away"));
  ASSERT_TRUE(context->RunUntilDone());
  EXPECT_EQ(context->result().status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(upstream_.calls("paid/b"), 0);
  EXPECT_EQ(context->fake_http().cancelled(), 1);
}

TEST_F(RouterTest, StreamsTheAnsweringRoutesDeltas) {
  auto node = Create(TwoRoutes());
  upstream_.On("free/a:free", [](auto&) {
    Reply reply;
    reply.model = "free/a:free";
    return FakeResponse::Sse(node_testing::StreamEvents(reply, {"to", "k", "ens"}));
  });
  auto context = NewContext();
  context->sink().wants_tokens_ = true;
  absl::StatusOr<sdk::NodeResult> result = context->Run(*node);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(context->sink().Text(0), "tokens");
  EXPECT_EQ(result->outputs[0][0]["content"], "tokens");
  EXPECT_EQ(upstream_.bodies[0]["stream"], true);
}

TEST_F(RouterTest, LoadTimeChecksReportEveryProblem) {
  Create({{"prompt", "p"},
          {"max_cost_usd", "{{ 1 }}"},
          {"escalate_on", {"rate_limited", "made_up"}},
          {"accept_schema", {{"type", "strnig"}}},
          {"routes",
           {{{"model", "a/b"}, {"node", "x"}},
            {{"node", "x"}, {"timeout", "5s"}, {"temperature", 1}},
            {{"model", "a/b"}, {"timeout", "five"}},
            {{"model", "a/b"}, {"extra", {{"stream", true}}}}}}},
         {"/max_cost_usd"});
  EXPECT_THAT(
      errors_,
      ElementsAre(HasSubstr("/max_cost_usd: must be a constant"), HasSubstr("/accept_schema"),
                  HasSubstr("/routes/0: set either 'node'"),
                  HasSubstr("/routes/1/timeout: a node route"), HasSubstr("/routes/1/temperature"),
                  HasSubstr("/routes/2/timeout"), HasSubstr("/routes/3/extra/stream")));
  EXPECT_THAT(warnings_, ElementsAre(HasSubstr("'made_up'")));
  Create({{"routes", {{{"model", "a/b"}}}}});
  EXPECT_THAT(errors_, ElementsAre(HasSubstr("/routes/0: set 'prompt'")));
}

}  // namespace
}  // namespace flowhost::nodes::router
