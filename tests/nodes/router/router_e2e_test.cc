// router.fallback end to end: YAML workflows run by the real executor, through the real
// CurlHttpClient, against the project's fake OpenRouter, whose per-model counters (`by_model`)
// prove which routes were called. Escalation on exactly the configured classes, cool-downs shared
// across executions (the second execution skips the cooled route without calling it) for the
// Retry-After given, the cost ceiling, accept escalation, streaming, node routes, and no key in the
// error.
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "flowhost/sdk/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nodes/router/fallback_router_node.h"
#include "tests/nodes/testing/e2e_host.h"

namespace flowhost::nodes::router {
namespace {

using executor::ExecutionRecord;
using node_testing::E2eHost;
using node_testing::TokenCollector;
using sdk::Json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kFree[] = "meta-llama/llama-4-scout-pro-v51:free";
constexpr char kCheap[] = "qwen/qwen3-coder-32k";
constexpr char kFlagship[] = "anthropic/claude-fable-5";

// A router asking `question`: the free model first, the flagship as backup, plus `extra` (YAML
// lines at the params' indentation).
std::string RouterWorkflow(const std::string& extra = "", const std::string& routes = "") {
  std::string route_list = routes.empty() ? absl::StrCat("        - model: ", kFree, "\n",
                                                         "        - model: ", kFlagship, "\n")
                                          : routes;
  return absl::StrCat(R"(
name: ask-with-fallback
inputs:
  question: {type: string, required: true}
nodes:
  - name: route
    type: router.fallback
    params:
      prompt: "{{ $inputs.question }}"
      routes:
)",
                      route_list, extra);
}

class RouterEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<E2eHost>> host = E2eHost::Create();
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
  }

  workflow::WorkflowPtr Load(const std::string& yaml) {
    absl::StatusOr<workflow::WorkflowPtr> workflow = host_->Load(yaml);
    EXPECT_TRUE(workflow.ok()) << workflow.status();
    return workflow.ok() ? *workflow : nullptr;
  }

  ExecutionRecord Run(const workflow::WorkflowPtr& workflow, const std::string& question = "why?",
                      std::shared_ptr<executor::ExecutionObserver> observer = nullptr) {
    absl::StatusOr<ExecutionRecord> record =
        host_->Run(workflow, {{"question", question}}, std::move(observer));
    EXPECT_TRUE(record.ok()) << record.status();
    return record.ok() ? *record : ExecutionRecord();
  }

  void Script(const std::string& model, Json behavior, int times = 1) {
    ASSERT_TRUE(
        host_->fake()
            .AddRules(Json::array({{{"model", model}, {"times", times}, {"behavior", behavior}}}))
            .ok());
  }

  // How many chat requests the fake received for `model`.
  int Calls(const std::string& model) {
    absl::StatusOr<Json> stats = host_->fake().Stats();
    EXPECT_TRUE(stats.ok());
    const Json& by_model = (*stats)["by_model"];
    return by_model.contains(model) ? by_model[model].get<int>() : 0;
  }

  const FallbackRouterNodeType& RouterType() {
    return dynamic_cast<const FallbackRouterNodeType&>(*host_->registry().Find("router.fallback"));
  }

  std::unique_ptr<E2eHost> host_;
};

TEST_F(RouterEndToEnd, AnswersFromTheFreeModelWhenItWorks) {
  ExecutionRecord record = Run(Load(RouterWorkflow()), "hello");
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_EQ(record.output[0]["content"], "Fake answer to: hello");
  EXPECT_EQ(record.output[0]["route"], kFree);
  EXPECT_EQ(record.output[0]["model"], kFree);
  EXPECT_EQ(Calls(kFree), 1);
  EXPECT_EQ(Calls(kFlagship), 0);
  ASSERT_EQ(record.nodes[0].calls.size(), 1u);
  EXPECT_EQ(record.nodes[0].calls[0].route, kFree);
}

TEST_F(RouterEndToEnd, EscalatesOnADefaultClassAndListsEveryAttempt) {
  Script(kFree, {{"status", 503}});
  ExecutionRecord record = Run(Load(RouterWorkflow()), "hello");
  ASSERT_TRUE(record.status.ok()) << record.status;
  const Json& item = record.output[0];
  EXPECT_EQ(item["route"], kFlagship);
  EXPECT_EQ(item["route_index"], 1);
  ASSERT_EQ(item["attempts"].size(), 2u);
  EXPECT_EQ(item["attempts"][0]["route"], kFree);
  EXPECT_EQ(item["attempts"][0]["outcome"], "error");
  EXPECT_EQ(item["attempts"][0]["error_class"], "upstream");
  EXPECT_EQ(item["attempts"][1]["outcome"], "ok");
  EXPECT_GT(item["attempts"][1]["cost_usd"].get<double>(), 0);
  EXPECT_GE(item["attempts"][1]["latency_ms"].get<double>(), 0);
  EXPECT_EQ(Calls(kFree), 1);
  EXPECT_EQ(Calls(kFlagship), 1);
  // The record has both calls, and the total is the flagship's cost.
  ASSERT_EQ(record.nodes[0].calls.size(), 2u);
  EXPECT_NEAR(record.cost_usd, item["cost_usd"].get<double>(), 1e-12);
}

TEST_F(RouterEndToEnd, DoesNotEscalateOnAClassOutsideEscalateOn) {
  Script(kFree, {{"status", 402}});
  ExecutionRecord record = Run(Load(RouterWorkflow()));
  EXPECT_EQ(sdk::ErrorClassOf(record.status), "insufficient_credits");
  EXPECT_EQ(Calls(kFlagship), 0);
  EXPECT_EQ(sdk::ErrorDetailsOf(record.status)["attempts"].size(), 1u);
}

TEST_F(RouterEndToEnd, EscalatesOnExactlyTheConfiguredClasses) {
  workflow::WorkflowPtr workflow =
      Load(RouterWorkflow("      escalate_on: [insufficient_credits]\n"));
  Script(kFree, {{"status", 402}});
  ExecutionRecord record = Run(workflow);
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_EQ(Calls(kFlagship), 1);
  Script(kFree, {{"status", 503}});
  record = Run(workflow);
  EXPECT_EQ(sdk::ErrorClassOf(record.status), "upstream");
  EXPECT_EQ(Calls(kFlagship), 1);
}

TEST_F(RouterEndToEnd, ASecondExecutionSkipsTheOpenRouteWithoutCallingIt) {
  workflow::WorkflowPtr workflow = Load(RouterWorkflow());
  Script(kFree, {{"status", 429}, {"retry_after", "30"}});
  ExecutionRecord first = Run(workflow);
  ASSERT_TRUE(first.status.ok()) << first.status;
  EXPECT_EQ(Calls(kFree), 1);
  EXPECT_EQ(Calls(kFlagship), 1);

  ExecutionRecord second = Run(workflow);
  ASSERT_TRUE(second.status.ok()) << second.status;
  EXPECT_EQ(Calls(kFree), 1);  // not called again
  EXPECT_EQ(Calls(kFlagship), 2);
  const Json& attempts = second.output[0]["attempts"];
  EXPECT_EQ(attempts[0]["outcome"], "skipped");
  EXPECT_EQ(attempts[0]["error_class"], "rate_limited");
  EXPECT_EQ(second.nodes[0].calls[0].outcome, "skipped");

  // The route stays open for the Retry-After the fake gave (30 s), not the default period.
  std::string key = absl::StrCat("chat:", host_->fake().base_url(), "|", kFree);
  std::optional<absl::Time> until = RouterType().health().OpenUntil(key, absl::Now());
  ASSERT_TRUE(until.has_value());
  absl::Duration left = *until - absl::Now();
  EXPECT_GT(left, absl::Seconds(20));
  EXPECT_LE(left, absl::Seconds(30));
}

TEST_F(RouterEndToEnd, RouteHealthIsSharedByDifferentWorkflowsUsingTheSameModel) {
  Script(kFree, {{"status", 502}, {"retry_after", "30"}});
  ASSERT_TRUE(Run(Load(RouterWorkflow())).status.ok());
  std::string other = RouterWorkflow();
  other.replace(other.find("ask-with-fallback"), 17, "other-router");
  ExecutionRecord record = Run(Load(other));
  ASSERT_TRUE(record.status.ok());
  EXPECT_EQ(Calls(kFree), 1);
  EXPECT_EQ(record.output[0]["attempts"][0]["outcome"], "skipped");
}

TEST_F(RouterEndToEnd, AQueryRouteCallsTheCatalogueModelItPicksAndLeavesOutAnOpenOne) {
  // Of the project catalogue's 17 free models with tools, the two with the longest context.
  constexpr char kLongest[] = "z-ai/glm-4.5-air-latest-exp-v210:free";
  constexpr char kNext[] = "amazon/nova-lite-v1-instruct-v158:free";
  workflow::WorkflowPtr workflow = Load(RouterWorkflow(
      "", absl::StrCat("        - name: free\n"
                       "          query: {free: true, supported_parameters: [tools],\n"
                       "                  sort: context_length, limit: 2}\n"
                       "        - model: ", kFlagship, "\n")));
  Script(kLongest, {{"status", 429}, {"retry_after", "30"}});
  ExecutionRecord first = Run(workflow);
  ASSERT_TRUE(first.status.ok()) << first.status;
  EXPECT_EQ(first.output[0]["route"], absl::StrCat("free: ", kNext));
  EXPECT_EQ(first.output[0]["model"], kNext);
  EXPECT_EQ(first.output[0]["query_picks"][0]["matched"], 17);
  EXPECT_EQ(first.output[0]["query_picks"][0]["picked"], Json({kLongest, kNext}));
  EXPECT_EQ(Calls(kLongest), 1);
  EXPECT_EQ(Calls(kNext), 1);

  // Inside the Retry-After window the query leaves the rate-limited model out without a call.
  ExecutionRecord second = Run(workflow);
  ASSERT_TRUE(second.status.ok()) << second.status;
  EXPECT_EQ(second.output[0]["query_picks"][0]["open"], Json({kLongest}));
  EXPECT_EQ(Calls(kLongest), 1);
  EXPECT_EQ(Calls(kNext), 2);
  EXPECT_EQ(Calls(kFlagship), 0);
}

TEST_F(RouterEndToEnd, StopsBeforeARouteWhoseWorstCaseWouldExceedTheCeiling) {
  // The flagship's worst case for max_tokens 1000 is over 1000 x $0.00005 = $0.05.
  workflow::WorkflowPtr workflow = Load(RouterWorkflow(
      "      max_tokens: 1000\n      max_cost_usd: 0.01\n",
      absl::StrCat("        - model: ", kCheap, "\n        - model: ", kFlagship, "\n")));
  Script(kCheap, {{"status", 500}});
  ExecutionRecord record = Run(workflow);
  ASSERT_FALSE(record.status.ok());
  EXPECT_EQ(sdk::ErrorClassOf(record.status), "upstream");
  EXPECT_THAT(std::string(record.status.message()), HasSubstr("max_cost_usd"));
  EXPECT_EQ(Calls(kCheap), 1);
  EXPECT_EQ(Calls(kFlagship), 0);
  Json attempts = sdk::ErrorDetailsOf(record.status)["attempts"];
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[1]["error_class"], "limit_exceeded");
}

TEST_F(RouterEndToEnd, EscalatesWhenTheAcceptCheckRejectsAWeakAnswer) {
  workflow::WorkflowPtr workflow =
      Load(RouterWorkflow("      accept: \"{{ $json.content != 'meh' }}\"\n"));
  Script(kFree, {{"content", "meh"}});
  ExecutionRecord record = Run(workflow, "important question");
  ASSERT_TRUE(record.status.ok()) << record.status;
  const Json& item = record.output[0];
  EXPECT_EQ(item["route"], kFlagship);
  EXPECT_EQ(item["content"], "Fake answer to: important question");
  EXPECT_EQ(item["attempts"][0]["outcome"], "rejected");
  EXPECT_EQ(Calls(kFree), 1);
  EXPECT_EQ(Calls(kFlagship), 1);
}

TEST_F(RouterEndToEnd, EscalatesWhenTheAnswerDoesNotMatchTheAcceptSchema) {
  workflow::WorkflowPtr workflow = Load(absl::StrCat(R"(
name: json-router
inputs:
  question: {type: string, required: true}
nodes:
  - name: route
    type: router.fallback
    params:
      prompt: "{{ $inputs.question }}"
      accept_schema: {type: object, required: [answer]}
      routes:
        - model: )",
                                                     kFree, R"(
        - model: )",
                                                     kFlagship, R"(
          response_format: {type: json_object}
)"));
  ExecutionRecord record = Run(workflow, "give me json");
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_EQ(record.output[0]["route"], kFlagship);
  EXPECT_EQ(Json::parse(record.output[0]["content"].get<std::string>())["answer"],
            "Fake answer to: give me json");
  EXPECT_THAT(record.output[0]["attempts"][0]["error_message"].get<std::string>(),
              HasSubstr("not valid JSON"));
}

TEST_F(RouterEndToEnd, WhenEveryRouteIsRateLimitedTheErrorSaysSoAndCarriesEveryAttempt) {
  Script(kFree, {{"status", 429}, {"retry_after", "40"}});
  Script(kFlagship, {{"status", 429}, {"retry_after", "20"}});
  ExecutionRecord record = Run(Load(RouterWorkflow()));
  EXPECT_EQ(sdk::ErrorClassOf(record.status), "rate_limited");
  EXPECT_EQ(record.status.code(), absl::StatusCode::kResourceExhausted);
  Json details = sdk::ErrorDetailsOf(record.status);
  ASSERT_EQ(details["attempts"].size(), 2u);
  ASSERT_TRUE(sdk::RetryAfterOf(record.status).has_value());
  EXPECT_LE(*sdk::RetryAfterOf(record.status), absl::Seconds(20));
  EXPECT_THAT(record.ToJson().dump(), Not(HasSubstr(host_->credential_key())));
  EXPECT_THAT(std::string(record.status.message()), Not(HasSubstr(host_->credential_key())));
}

TEST_F(RouterEndToEnd, AppliesARoutesTimeoutAndEscalates) {
  workflow::WorkflowPtr workflow = Load(
      RouterWorkflow("", absl::StrCat("        - model: ", kFree, "\n          timeout: 300ms\n",
                                      "        - model: ", kFlagship, "\n")));
  Script(kFree, {{"hang", true}});
  ExecutionRecord record = Run(workflow);
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_EQ(record.output[0]["route"], kFlagship);
  EXPECT_EQ(record.output[0]["attempts"][0]["error_class"], "timeout");
  EXPECT_TRUE(
      host_->fake().WaitForStats([](const Json& s) { return s["requests_aborted"] == 1; }).ok());
}

TEST_F(RouterEndToEnd, StreamsTheAnsweringRoutesDeltasInOrder) {
  auto tokens = std::make_shared<TokenCollector>();
  Script(kFree, {{"chunks", 5}});
  ExecutionRecord record = Run(Load(RouterWorkflow()), "stream it", tokens);
  ASSERT_TRUE(record.status.ok()) << record.status;
  std::vector<std::string> deltas = tokens->Deltas("route");
  EXPECT_EQ(deltas.size(), 5u);
  EXPECT_EQ(absl::StrJoin(deltas, ""), record.output[0]["content"].get<std::string>());
  EXPECT_GT(record.output[0]["usage"]["total_tokens"].get<int>(), 0);
}

TEST_F(RouterEndToEnd, FallsBackToAnotherNodeOfTheWorkflow) {
  workflow::WorkflowPtr workflow = Load(absl::StrCat(R"(
name: node-fallback
inputs:
  question: {type: string, required: true}
nodes:
  - name: route
    type: router.fallback
    params:
      prompt: "{{ $inputs.question }}"
      routes:
        - model: )",
                                                     kFree, R"(
        - node: canned
  - name: canned
    type: set
    params:
      values: {content: "Sorry, try later."}
output: route
)"));
  Script(kFree, {{"status", 503}});
  ExecutionRecord record = Run(workflow);
  ASSERT_TRUE(record.status.ok()) << record.status;
  EXPECT_EQ(record.output[0]["content"], "Sorry, try later.");
  EXPECT_EQ(record.output[0]["route"], "canned");
}

}  // namespace
}  // namespace flowhost::nodes::router
