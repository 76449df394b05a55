// Route health end to end: concurrent executions through the real executor and CurlHttpClient
// against the fake OpenRouter, whose counters prove what reached the upstream: a half-open route
// lets exactly one probe through while the others use the next route, and a retrying execution
// never calls inside a Retry-After window that another execution was given.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "nodes/router/fallback_router_node.h"
#include "tests/nodes/testing/e2e_host.h"

namespace flowhost::nodes::router {
namespace {

using executor::ExecutionRecord;
using node_testing::E2eHost;
using sdk::Json;

constexpr char kFreeModel[] = "meta-llama/llama-4-scout-pro-v51:free";
constexpr char kFlagshipModel[] = "anthropic/claude-fable-5";

class RouteHealthEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<E2eHost>> host = E2eHost::Create();
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
  }

  // free -> flagship; the free route has `free_attempts` calls.
  workflow::WorkflowPtr LoadRouter(int free_attempts = 1) {
    absl::StatusOr<workflow::WorkflowPtr> workflow = host_->Load(absl::StrCat(R"(
name: health-router
nodes:
  - name: route
    type: router.fallback
    params:
      prompt: "why?"
      routes:
        - model: )",
                                                                              kFreeModel, R"(
          attempts: )",
                                                                              free_attempts, R"(
        - model: )",
                                                                              kFlagshipModel,
                                                                              "\n"));
    EXPECT_TRUE(workflow.ok()) << workflow.status();
    return workflow.ok() ? *workflow : nullptr;
  }

  void Script(Json behavior, int times = 1) {
    ASSERT_TRUE(host_->fake()
                    .AddRules(Json::array(
                        {{{"model", kFreeModel}, {"times", times}, {"behavior", behavior}}}))
                    .ok());
  }

  Json Stats() {
    absl::StatusOr<Json> stats = host_->fake().Stats();
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.ok() ? *stats : Json::object();
  }

  int FreeCalls() {
    Json stats = Stats();
    return stats["by_model"].value(kFreeModel, 0);
  }

  std::string FreeKey() { return absl::StrCat("chat:", host_->fake().base_url(), "|", kFreeModel); }

  RouteHealthTable& Health() {
    return dynamic_cast<const FallbackRouterNodeType&>(*host_->registry().Find("router.fallback"))
        .health();
  }

  std::unique_ptr<E2eHost> host_;
};

TEST_F(RouteHealthEndToEnd, AHalfOpenRouteLetsOneProbeThroughWhileOtherExecutionsMoveOn) {
  workflow::WorkflowPtr workflow = LoadRouter();
  Script({{"status", 429}, {"retry_after", "1"}});
  ExecutionRecord first = *host_->Run(workflow);
  ASSERT_TRUE(first.status.ok()) << first.status;
  std::optional<absl::Time> until = Health().OpenUntil(FreeKey(), absl::Now());
  ASSERT_TRUE(until.has_value());
  absl::SleepFor(*until - absl::Now());  // the window is wall-clock time: wait it out

  // The probe is slow, so that every other execution arrives while it is out.
  Script({{"latency_ms", 400}});
  std::vector<std::shared_ptr<E2eHost::Running>> running;
  for (int i = 0; i < 8; ++i) running.push_back(host_->Start(workflow, Json::object()));
  int from_free = 0;
  for (auto& execution : running) {
    absl::StatusOr<ExecutionRecord> record = E2eHost::Wait(*execution);
    ASSERT_TRUE(record.ok()) << record.status();
    ASSERT_TRUE(record->status.ok()) << record->status;
    if (record->output[0]["route"] == kFreeModel) {
      ++from_free;
    } else {
      EXPECT_EQ(record->output[0]["attempts"][0]["outcome"], "skipped");
      EXPECT_EQ(record->output[0]["route"], kFlagshipModel);
    }
  }
  EXPECT_EQ(from_free, 1);
  EXPECT_EQ(FreeCalls(), 2);  // the 429, then the one probe
  EXPECT_EQ(Stats()["requests_inside_retry_after"], 0);
  // The probe answered: the route is closed, and the next execution uses it.
  ExecutionRecord after = *host_->Run(workflow);
  EXPECT_EQ(after.output[0]["route"], kFreeModel);
}

TEST_F(RouteHealthEndToEnd, ARetryingExecutionRespectsAnotherExecutionsRetryAfterWindow) {
  workflow::WorkflowPtr workflow = LoadRouter(/*free_attempts=*/2);
  // Execution A's call fails without a delay (answered 500 ms after it arrives, so that B's call,
  // started once A's has arrived, surely comes in before A's retry even on a loaded machine); A
  // retries after its 250 ms back-off. Meanwhile execution B is told "Retry-After: 2".
  ASSERT_TRUE(host_->fake()
                  .AddRules(Json::array({{{"model", kFreeModel},
                                          {"times", 1},
                                          {"behavior", {{"status", 500}, {"latency_ms", 500}}}},
                                         {{"model", kFreeModel},
                                          {"times", 1},
                                          {"behavior", {{"status", 429}, {"retry_after", "2"}}}}}))
                  .ok());
  const absl::Time start = absl::Now();
  std::shared_ptr<E2eHost::Running> a = host_->Start(workflow, Json::object());
  ASSERT_TRUE(
      host_->fake()
          .WaitForStats([](const Json& s) { return s["by_model"].value(kFreeModel, 0) == 1; })
          .ok());
  std::shared_ptr<E2eHost::Running> b = host_->Start(workflow, Json::object());
  absl::StatusOr<ExecutionRecord> record_a = E2eHost::Wait(*a);
  absl::StatusOr<ExecutionRecord> record_b = E2eHost::Wait(*b);
  ASSERT_TRUE(record_a.ok() && record_b.ok());
  ASSERT_TRUE(record_a->status.ok()) << record_a->status;
  ASSERT_TRUE(record_b->status.ok()) << record_b->status;

  // Nobody called inside B's window: A's retry waited for it to end, then one of the two probed
  // (and was answered); the other used the flagship.
  Json stats = Stats();
  EXPECT_EQ(stats["requests_inside_retry_after"], 0);
  EXPECT_EQ(FreeCalls(), 3);
  EXPECT_GE(absl::Now() - start, absl::Seconds(2));
  int from_free = (record_a->output[0]["route"] == kFreeModel ? 1 : 0) +
                  (record_b->output[0]["route"] == kFreeModel ? 1 : 0);
  EXPECT_EQ(from_free, 1);
}

TEST_F(RouteHealthEndToEnd, AnOutageOpensTheRouteAfterTheThresholdNotTheFirstFailure) {
  workflow::WorkflowPtr workflow = LoadRouter();
  Script({{"status", 503}}, /*times=*/100);
  for (int i = 0; i < 14; ++i) {
    ExecutionRecord record = *host_->Run(workflow);
    ASSERT_TRUE(record.status.ok()) << record.status;
    EXPECT_EQ(record.output[0]["route"], kFlagshipModel);
  }
  // The default policy: 10 calls in 30 s, 60 % of them failed. The first nine failures leave the
  // route closed; the tenth opens it; later executions skip it without a call.
  EXPECT_EQ(FreeCalls(), 10);
  std::vector<RouteHealthTable::Snapshot> routes = Health().List(absl::Now());
  ASSERT_FALSE(routes.empty());
  bool found = false;
  for (const RouteHealthTable::Snapshot& route : routes) {
    if (route.key != FreeKey()) continue;
    found = true;
    EXPECT_EQ(route.state, RouteState::kOpen);
    EXPECT_EQ(route.opened_by, "upstream");
    EXPECT_EQ(route.failures, 10);
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace flowhost::nodes::router
