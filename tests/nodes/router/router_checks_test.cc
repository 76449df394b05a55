// router.fallback against the in-memory HTTP double: accept and accept_schema checks, the cost
// ceiling, node routes, cancellation, streaming, and the checks made when a workflow loads.
#include <string>
#include <vector>

#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/nodes/router/router_test_support.h"

namespace flowhost::nodes::router {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

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
  EXPECT_TRUE(EveryRouteHealthy());  // a rejected answer is no failure of the route
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

TEST_F(RouterTest, ANodeRouteWhoseRemoteWorkerWasLostEscalatesAndCountsAgainstTheRoute) {
  auto node = Create({{"prompt", "p"},
                      {"routes", {{{"node", "remote_step"}}, {{"model", "paid/b"}}}}});
  auto context = NewContext();
  context->SetInvokeHandler([&](std::string_view, sdk::Items, auto done) {
    context->manual_scheduler().Post([done = std::move(done)]() mutable {
      done(sdk::NodeError(absl::StatusCode::kUnavailable, sdk::error_class::kUnavailable,
                          "remote worker 'w1' was lost"));
    });
  });
  absl::StatusOr<sdk::NodeResult> result = context->Run(*node);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->outputs[0][0]["route"], "paid/b");
  EXPECT_EQ(result->outputs[0][0]["attempts"][0]["error_class"], "unavailable");
  EXPECT_FALSE(EveryRouteHealthy());  // the failure counted against the node route
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
                  HasSubstr("/routes/0: set one of 'node'"),
                  HasSubstr("/routes/1/timeout: a node route"), HasSubstr("/routes/1/temperature"),
                  HasSubstr("/routes/2/timeout"), HasSubstr("/routes/3/extra/stream")));
  EXPECT_THAT(warnings_, ElementsAre(HasSubstr("'made_up'")));
  Create({{"routes", {{{"model", "a/b"}}}}});
  EXPECT_THAT(errors_, ElementsAre(HasSubstr("/routes/0: set 'prompt'")));
}

TEST_F(RouterTest, ReadsRouteDurationsInTheOneGrammarOfWorkflows) {
  // Units absl alone did not know ("1d") and ones it did ("100us") are both durations here, as in
  // a node's `timeout`; "inf" and a unitless string are not.
  Create({{"prompt", "p"},
          {"cooldown", "1d"},
          {"routes",
           {{{"model", "a/b"}, {"timeout", "100us"}, {"cooldown", "1h30m"}},
            {{"model", "c/d"}, {"timeout", "inf"}},
            {{"model", "e/f"}, {"cooldown", "30"}}}}});
  EXPECT_THAT(errors_,
              ElementsAre("/routes/1/timeout: expected a duration such as \"250ms\", \"30s\", "
                          "\"1m30s\" or a number of seconds, got \"inf\"",
                          HasSubstr("/routes/2/cooldown: expected a duration such as \"250ms\"")));
}

}  // namespace
}  // namespace flowhost::nodes::router
