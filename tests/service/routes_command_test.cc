// `flowhost routes` against the real in-process server: a route opened by the upstream's
// Retry-After is listed open, with what opened it and how long until it is tried again, in the table
// and in --json; --open leaves the closed routes out; no server is a failed call that says where it
// looked.
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/cli/commands.h"
#include "tests/service/service_harness.h"

namespace flowhost::service {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ServiceHarness;
using testing::StartHarness;

// Runs a router whose first route answers 429 with a Retry-After of 60 s, so that its route stays
// open through the test, and the second (fake/ok) closed.
void OpenTheFirstRoute(ServiceHarness& harness) {
  ASSERT_TRUE(harness.fake()
                  .AddRules({{{"model", "fake/scripted"},
                              {"behavior", {{"status", 429}, {"retry_after", "60"}}}}})
                  .ok());
  v1::RunWorkflowRequest run;
  run.set_yaml(
      "name: routed\nnodes:\n  - name: r\n    type: router.fallback\n    params:\n"
      "      prompt: hi\n      routes: [{model: fake/scripted}, {model: fake/ok}]\n");
  auto context = ServiceHarness::Context();
  v1::RunWorkflowResponse response;
  ASSERT_TRUE(harness.stub().RunWorkflow(context.get(), run, &response).ok());
}

TEST(RoutesCommand, ListsEachRoutesStateAndWhatOpenedIt) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  ASSERT_NO_FATAL_FAILURE(OpenTheFirstRoute(*harness));

  std::ostringstream out, err;
  ASSERT_EQ(cli::RoutesCommand({"--target", harness->target()}, out, err), cli::kExitOk)
      << err.str();
  std::istringstream lines(out.str());
  std::string header, line, limited, healthy;
  std::getline(lines, header);
  while (std::getline(lines, line)) {
    (line.find("|fake/scripted") != std::string::npos ? limited : healthy) = line;
  }
  EXPECT_THAT(header, HasSubstr("ROUTE"));
  EXPECT_THAT(header, HasSubstr("OPENED BY"));
  EXPECT_THAT(limited, HasSubstr("|fake/scripted"));
  EXPECT_THAT(limited, HasSubstr(" open "));
  EXPECT_THAT(limited, HasSubstr("(Retry-After)"));
  EXPECT_THAT(limited, HasSubstr("rate_limited"));
  EXPECT_THAT(limited, HasSubstr("100%"));
  EXPECT_THAT(healthy, HasSubstr("|fake/ok"));
  EXPECT_THAT(healthy, HasSubstr(" closed "));

  std::ostringstream open_out, open_err;
  ASSERT_EQ(cli::RoutesCommand({"--target", harness->target(), "--open"}, open_out, open_err),
            cli::kExitOk);
  EXPECT_THAT(open_out.str(), HasSubstr("fake/scripted"));
  EXPECT_THAT(open_out.str(), Not(HasSubstr("fake/ok")));
}

TEST(RoutesCommand, JsonGivesEveryFieldOfEachRoute) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  ASSERT_NO_FATAL_FAILURE(OpenTheFirstRoute(*harness));

  std::ostringstream out, err;
  ASSERT_EQ(cli::RoutesCommand({"--target", harness->target(), "--json"}, out, err), cli::kExitOk)
      << err.str();
  nlohmann::json routes = nlohmann::json::parse(out.str());
  ASSERT_EQ(routes.size(), 2u);  // sorted by route: fake/ok, then fake/scripted
  const nlohmann::json& limited = routes[1];
  EXPECT_THAT(limited["route"].get<std::string>(), HasSubstr("|fake/scripted"));
  EXPECT_EQ(limited["state"], "open");
  EXPECT_EQ(limited["calls"], 1);
  EXPECT_EQ(limited["failures"], 1);
  EXPECT_EQ(limited["failure_rate"], 1.0);
  EXPECT_EQ(limited["opened_by"], "rate_limited");
  EXPECT_EQ(limited["retry_after"], true);
  EXPECT_TRUE(limited["open_until"].is_string());
  EXPECT_TRUE(limited["last_failure"].is_string());
  EXPECT_THAT(routes[0]["route"].get<std::string>(), HasSubstr("|fake/ok"));
  EXPECT_EQ(routes[0]["state"], "closed");
  EXPECT_TRUE(routes[0]["open_until"].is_null());
}

TEST(RoutesCommand, WithoutAServerTheCallFailsSayingWhereItLooked) {
  std::ostringstream out, err;
  EXPECT_EQ(cli::RoutesCommand({"--target", "127.0.0.1:1", "--timeout", "2s"}, out, err),
            cli::kExitFailed);
  EXPECT_THAT(err.str(), HasSubstr("flowhost routes"));
  EXPECT_THAT(err.str(), HasSubstr("127.0.0.1:1"));
}

TEST(RoutesCommand, RefusesAnUnknownFlag) {
  std::ostringstream out, err;
  EXPECT_EQ(cli::RoutesCommand({"--colour"}, out, err), cli::kExitInvalid);
  EXPECT_THAT(err.str(), HasSubstr("unexpected argument '--colour'"));
  EXPECT_THAT(err.str(), HasSubstr("usage: flowhost routes"));
}

}  // namespace
}  // namespace flowhost::service
