// router.fallback against the in-memory HTTP double and a manual clock: which route answers,
// escalation on exactly the configured classes, cool-downs shared across runs (Retry-After or the
// configured period), a route's attempts and timeout, and the error when every route fails.
#include <set>
#include <string>
#include <vector>

#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/nodes/router/router_test_support.h"

namespace flowhost::nodes::router {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

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
    type_.health().Clear();
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
  EXPECT_THAT(attempts[0]["error_message"].get<std::string>(),
              HasSubstr("open for another 1s after rate_limited (the upstream's Retry-After)"));
  EXPECT_EQ(last_attempts_[0].outcome, "skipped");

  now_ += absl::Seconds(2);
  upstream_.On("free/a:free", [](auto&) { return Ok("free/a:free"); });
  absl::StatusOr<sdk::NodeResult> third = RunOnce(*node);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->outputs[0][0]["route"], "free/a:free");
  EXPECT_EQ(upstream_.calls("free/a:free"), 2);
}

TEST_F(RouterTest, OneFailureWithoutRetryAfterDoesNotOpenTheRoute) {
  auto node = Create(TwoRoutes());
  int calls = 0;
  upstream_.On("free/a:free", [&calls](auto&) {
    return ++calls == 1 ? Status(502, "Provider returned error") : Ok("free/a:free");
  });
  ASSERT_TRUE(RunOnce(*node).ok());
  absl::StatusOr<sdk::NodeResult> second = RunOnce(*node);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->outputs[0][0]["route"], "free/a:free");
  EXPECT_EQ(upstream_.calls("free/a:free"), 2);
}

TEST_F(RouterTest, FailuresPastTheThresholdOpenTheRouteForTheConfiguredPeriod) {
  auto node = Create(TwoRoutes({{"cooldown", "5s"}, {"failure_min_calls", 3}}));
  upstream_.On("free/a:free", [](auto&) { return Status(502, "Provider returned error"); });
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(RunOnce(*node).ok());
  EXPECT_EQ(upstream_.calls("free/a:free"), 3);  // 3 calls, all failed: open
  now_ += absl::Seconds(4);
  absl::StatusOr<sdk::NodeResult> skipped = RunOnce(*node);
  ASSERT_TRUE(skipped.ok());
  EXPECT_EQ(upstream_.calls("free/a:free"), 3);
  EXPECT_THAT(skipped->outputs[0][0]["attempts"][0]["error_message"].get<std::string>(),
              HasSubstr("open for another 1s after upstream"));
  now_ += absl::Seconds(2);
  ASSERT_TRUE(RunOnce(*node).ok());  // half-open: this run's call is the probe
  EXPECT_EQ(upstream_.calls("free/a:free"), 4);
  // The probe failed: open again, now for 10 s.
  now_ += absl::Seconds(9);
  ASSERT_TRUE(RunOnce(*node).ok());
  EXPECT_EQ(upstream_.calls("free/a:free"), 4);
  now_ += absl::Seconds(1);
  upstream_.On("free/a:free", [](auto&) { return Ok("free/a:free"); });
  ASSERT_TRUE(RunOnce(*node).ok());
  EXPECT_EQ(upstream_.calls("free/a:free"), 5);
  EXPECT_TRUE(EveryRouteHealthy());
}

TEST_F(RouterTest, TheFailureRateAndWindowAreTheNodesParameters) {
  auto node = Create(TwoRoutes(
      {{"failure_rate", 0.75}, {"failure_min_calls", 4}, {"failure_window", "10s"}}));
  int calls = 0;
  // Fails every other call: under 75 %, the route stays closed however long it goes on (the
  // 50 % would have opened it).
  upstream_.On("free/a:free", [&calls](auto&) {
    return ++calls % 2 != 0 ? Status(500, "blip") : Ok("free/a:free");
  });
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(RunOnce(*node).ok());
    now_ += absl::Seconds(1);
  }
  EXPECT_EQ(upstream_.calls("free/a:free"), 12);
  // Then every call fails: the route opens once 75 % of the calls of the last 10 s failed.
  upstream_.On("free/a:free", [](auto&) { return Status(500, "down"); });
  while (RunOnce(*node)->outputs[0][0]["attempts"][0]["outcome"] != "skipped") {
    ASSERT_LT(upstream_.calls("free/a:free"), 30) << "never opened";
  }
  EXPECT_GT(upstream_.calls("free/a:free"), 12);
}

TEST_F(RouterTest, ParametersOfRouteHealthAreChecked) {
  Create(TwoRoutes({{"failure_window", "0s"}, {"max_cooldown", "1s"}, {"cooldown", "2s"}}));
  EXPECT_THAT(errors_, Contains(HasSubstr("/failure_window: must be longer than zero")));
  EXPECT_THAT(errors_, Contains(HasSubstr("/max_cooldown: must not be shorter than cooldown")));
  Create(TwoRoutes({{"failure_rate", 0}}));
  EXPECT_THAT(errors_, Contains(HasSubstr("/failure_rate: must be a share of calls above 0")));
}

TEST_F(RouterTest, ContextLengthEscalatesButDoesNotCoolTheRouteDown) {
  auto node = Create(TwoRoutes());
  upstream_.On("free/a:free",
               [](auto&) { return Status(400, "maximum context length is 10 tokens"); });
  ASSERT_TRUE(RunOnce(*node).ok());
  ASSERT_TRUE(RunOnce(*node).ok());
  EXPECT_EQ(upstream_.calls("free/a:free"), 2);
  EXPECT_TRUE(EveryRouteHealthy());
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
  EXPECT_EQ(type_.health().List(now_)[0].state, RouteState::kClosed);  // one blip of two calls
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
  EXPECT_TRUE(RunOnce(*node).ok());
  EXPECT_EQ(upstream_.calls("m/x"), 1);
}

TEST_F(RouterTest, ARetryAfterOfDecadesCoolsTheRouteDownForTheCeilingOnly) {
  for (const char* retry_after : {"999999999", "Thu, 01 Jan 2099 00:00:00 GMT"}) {
    SCOPED_TRACE(retry_after);
    type_.health().Clear();
    auto node = Create(TwoRoutes());
    int calls_before = upstream_.calls("free/a:free");
    upstream_.On("free/a:free", [retry_after](auto&) {
      return Status(429, "slow down", {{"Retry-After", retry_after}});
    });
    ASSERT_TRUE(RunOnce(*node).ok());
    now_ += absl::Minutes(5) - absl::Seconds(1);
    ASSERT_TRUE(RunOnce(*node).ok());
    EXPECT_EQ(upstream_.calls("free/a:free"), calls_before + 1);  // still cooling down
    now_ += absl::Seconds(2);
    upstream_.On("free/a:free", [](auto&) { return Ok("free/a:free"); });
    absl::StatusOr<sdk::NodeResult> back = RunOnce(*node);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->outputs[0][0]["route"], "free/a:free");  // back after five minutes
  }
}

TEST_F(RouterTest, TheCooldownCeilingIsTheClientsSetting) {
  openrouter::OpenRouterOptions options;
  options.max_retry_after = absl::Seconds(20);
  FallbackRouterNodeType strict(std::make_shared<openrouter::OpenRouterClient>(options),
                                std::make_shared<RouteHealthTable>());
  FakeNodeConfig config(TwoRoutes(), strict.info().parameter_schema);
  std::unique_ptr<sdk::Node> node = strict.Create(config);
  ASSERT_NE(node, nullptr);
  params_ = config.params();
  upstream_.On("free/a:free", [](auto&) {
    return Status(429, "slow down", {{"Retry-After", "999999999"}});
  });
  auto first = NewContext();
  ASSERT_TRUE(first->Run(*node).ok());
  EXPECT_EQ(strict.health().OpenUntil("chat:http://fake.test/v1|free/a:free", now_),
            now_ + absl::Seconds(20));
}

TEST_F(RouterTest, ARouteTimeoutCancelsItsCallAndEscalates) {
  auto node = Create({{"prompt", "p"},
                      {"routes", {{{"model", "slow/x"}, {"timeout", "2s"}}, {{"model", "m/y"}}}}});
  upstream_.On("slow/x", [](auto&) { return std::nullopt; });  // never answers
  auto context = NewContext();
  context->Start(*node);
  context->manual_scheduler().RunUntilIdle();
  // The route's timer cancels the call at 2 s; the transfer's own deadline is a backstop after.
  EXPECT_EQ(context->fake_http().requests()[0].deadline, now_ + absl::Seconds(3));
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

}  // namespace
}  // namespace flowhost::nodes::router
