// Route health shared by two replicas: two in-process servers, each with its own runtime and route
// health table, recording in one real PostgreSQL 15 database and calling one fake OpenRouter,
// whose counters prove what reached the upstream. A 429 with Retry-After that replica A gets keeps
// replica B off the route for the window (B's requests never reach it); when the window ends, one
// probe for both replicas (while executions on both arrive), and its answer closes the route on
// both.
#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "flowhost/sdk/json.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/service/service_harness.h"
#include "tests/store/store_backends.h"

namespace flowhost::service::testing {
namespace {

using store::testing::PostgresBackend;
using ::testing::HasSubstr;

constexpr char kLimitedModel[] = "fake/scripted";
constexpr char kFallbackModel[] = "fake/ok";

constexpr char kRouter[] = R"(name: shared-router
nodes:
  - name: route
    type: router.fallback
    params:
      prompt: "why?"
      routes: [{model: fake/scripted}, {model: fake/ok}]
)";

class SharedRouteHealthTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(backend_.Prepare().ok()); }

  // A replica recording in the test's database as `name`, calling `base_url` (empty: its own fake).
  std::unique_ptr<ServiceHarness> StartReplica(const std::string& name,
                                               const std::string& base_url = "") {
    HarnessOptions options;
    options.openrouter_base_url = base_url;
    options.open_history = [this, name]() {
      store::StoreOptions store_options;
      store_options.owner = name;
      return backend_.Open(store_options);
    };
    return StartHarness(std::move(options));
  }

  // Runs the router on `replica`; the route that answered and the first attempt's outcome.
  static std::pair<std::string, std::string> Route(ServiceHarness& replica,
                                                   std::string* first_message = nullptr) {
    v1::RunWorkflowResponse response;
    grpc::Status status = replica.RunInline(kRouter, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok() || response.output_items_size() != 1) return {};
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(response.output_items(0), &json);
    sdk::Json item = sdk::Json::parse(json);
    const sdk::Json& first = item["attempts"][0];
    if (first_message != nullptr) *first_message = first.value("error_message", "");
    return {item.value("route", ""), first.value("outcome", "")};
  }

  // The route `key` as `replica` lists it, once `done` holds (waits up to 10 s).
  static v1::RouteHealth WaitForRoute(ServiceHarness& replica, const std::string& key,
                                      const std::function<bool(const v1::RouteHealth&)>& done) {
    absl::Time give_up = absl::Now() + absl::Seconds(10);
    v1::RouteHealth last;
    while (absl::Now() < give_up) {
      v1::ListRouteHealthResponse response;
      grpc::Status status = replica.stub().ListRouteHealth(ServiceHarness::Context().get(),
                                                           v1::ListRouteHealthRequest(), &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      for (const v1::RouteHealth& route : response.routes()) {
        if (route.route() != key) continue;
        last = route;
        if (done(route)) return route;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    ADD_FAILURE() << "route " << key << " never reached the expected state; last seen "
                  << last.DebugString();
    return last;
  }

  static int Calls(ServiceHarness& upstream, const std::string& model) {
    absl::StatusOr<sdk::Json> stats = upstream.fake().Stats();
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.ok() ? (*stats)["by_model"].value(model, 0) : -1;
  }

  PostgresBackend backend_;
};

TEST_F(SharedRouteHealthTest, ARetryAfterSeenByOneReplicaKeepsTheOtherOffTheRouteForItsWindow) {
  std::unique_ptr<ServiceHarness> a = StartReplica("replica-a");
  ASSERT_NE(a, nullptr);
  std::unique_ptr<ServiceHarness> b = StartReplica("replica-b", a->fake().base_url());
  ASSERT_NE(b, nullptr);
  const std::string key = "chat:" + a->fake().base_url() + "|" + kLimitedModel;
  ASSERT_TRUE(a->fake()
                  .AddRules({{{"model", kLimitedModel},
                              {"times", 1},
                              {"behavior", {{"status", 429}, {"retry_after", "2"}}}}})
                  .ok());

  // A's call gets the 429; A answers from the fallback.
  EXPECT_EQ(Route(*a).first, kFallbackModel);
  EXPECT_EQ(Calls(*a, kLimitedModel), 1);

  // B learns the window A was given (a NOTIFY away), and says who saw it.
  v1::RouteHealth seen = WaitForRoute(
      *b, key, [](const v1::RouteHealth& route) { return route.state() == v1::ROUTE_STATE_OPEN; });
  EXPECT_EQ(seen.opened_by(), "rate_limited");
  EXPECT_TRUE(seen.retry_after());
  EXPECT_EQ(seen.opened_by_replica(), "replica-a");
  EXPECT_EQ(seen.calls(), 0);  // B never called it
  const absl::Time open_until = absl::FromUnixSeconds(seen.open_until().seconds()) +
                                absl::Nanoseconds(seen.open_until().nanos());

  // Inside the window, B's executions skip the route without a call.
  for (int i = 0; i < 3; ++i) {
    std::string why;
    std::pair<std::string, std::string> routed = Route(*b, &why);
    EXPECT_EQ(routed.first, kFallbackModel);
    EXPECT_EQ(routed.second, "skipped");
    EXPECT_THAT(why, HasSubstr("seen by replica replica-a"));
  }
  ASSERT_LT(absl::Now(), open_until) << "the window ended before B's requests were made";
  EXPECT_EQ(Calls(*a, kLimitedModel), 1);
  absl::StatusOr<sdk::Json> stats = a->fake().Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ((*stats)["requests_inside_retry_after"], 0);

  // Once the window has ended, the replicas claim its probe: executions arriving on both while it
  // runs (it takes 2 s; they all arrive within 0.7 s) make one probe call between them; the
  // others use the fallback.
  ASSERT_TRUE(
      a->fake()
          .AddRules(
              {{{"model", kLimitedModel}, {"times", 1}, {"behavior", {{"latency_ms", 2000}}}}})
          .ok());
  absl::SleepFor(open_until - absl::Now() + absl::Milliseconds(20));  // wall-clock window
  absl::Mutex mu;
  std::vector<std::string> answered_by;
  std::vector<std::thread> executions;
  for (int i = 0; i < 12; ++i) {
    ServiceHarness& replica = i % 2 == 0 ? *b : *a;
    executions.emplace_back([&replica, &mu, &answered_by] {
      std::string route = Route(replica).first;
      absl::MutexLock lock(&mu);
      answered_by.push_back(std::move(route));
    });
    absl::SleepFor(absl::Milliseconds(60));
  }
  for (std::thread& execution : executions) execution.join();
  EXPECT_EQ(std::count(answered_by.begin(), answered_by.end(), kLimitedModel), 1);
  EXPECT_EQ(std::count(answered_by.begin(), answered_by.end(), kFallbackModel), 11);
  EXPECT_EQ(Calls(*a, kLimitedModel), 2);

  // The probe answered: the route is closed on both replicas.
  for (ServiceHarness* replica : {a.get(), b.get()}) {
    WaitForRoute(*replica, key, [](const v1::RouteHealth& route) {
      return route.state() == v1::ROUTE_STATE_CLOSED;
    });
    EXPECT_EQ(Route(*replica).first, kLimitedModel);
  }
  EXPECT_EQ(Calls(*a, kLimitedModel), 4);
}

}  // namespace
}  // namespace flowhost::service::testing
