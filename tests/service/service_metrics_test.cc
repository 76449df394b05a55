// The serving host's metrics after a known workload through the real service and the fake
// upstream: executions, nodes, LLM calls and the HTTP pool, each counted as often as it happened.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/metrics/host_metrics.h"
#include "server/service/json_proto.h"
#include "tests/service/service_harness.h"

namespace flowhost::service::testing {
namespace {

using ::testing::HasSubstr;

// `promtool check metrics` (Debian's prometheus package) on `text`: its exit status and output.
struct PromtoolVerdict {
  int status = -1;
  std::string output;
};
PromtoolVerdict Promtool(const std::string& text) {
  std::filesystem::path file =
      std::filesystem::path(::testing::TempDir()) / "flowhost_metrics_scrape.txt";
  std::ofstream(file) << text;
  std::string command = "promtool check metrics < '" + file.string() + "' 2>&1";
  PromtoolVerdict verdict;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return verdict;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) verdict.output.append(buffer, n);
  verdict.status = pclose(pipe);
  return verdict;
}

grpc::Status RunAsk(ServiceHarness& harness, const std::string& model) {
  v1::RunWorkflowRequest request;
  request.set_workflow("ask");
  EXPECT_TRUE(JsonToStruct({{"question", "count me"}, {"model", model}}, *request.mutable_input())
                  .ok());
  v1::RunWorkflowResponse response;
  auto context = ServiceHarness::Context();
  return harness.stub().RunWorkflow(context.get(), request, &response);
}

TEST(ServiceMetrics, CountTheExecutionsNodesAndUpstreamCallsOfAKnownWorkload) {
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  ASSERT_TRUE(RunAsk(*harness, "fake/ok").ok());
  ASSERT_TRUE(RunAsk(*harness, "fake/ok").ok());
  ASSERT_TRUE(RunAsk(*harness, "fake/ok").ok());
  grpc::Status failed = RunAsk(*harness, "fake/fail500");
  ASSERT_FALSE(failed.ok());

  const std::string text = harness->host().metrics().Scrape();
  EXPECT_THAT(text, HasSubstr("flowhost_executions_total{status=\"ok\",workflow=\"ask\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("flowhost_execution_duration_seconds_count{workflow=\"ask\"} 4\n"));
  EXPECT_THAT(text, HasSubstr(
      "flowhost_node_executions_total{status=\"succeeded\",type=\"openrouter.chat\"} 3\n"));
  EXPECT_THAT(text, HasSubstr(
      "flowhost_node_executions_total{status=\"failed\",type=\"openrouter.chat\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("flowhost_llm_requests_total{model=\"fake/ok\",outcome=\"ok\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("flowhost_llm_tokens_total{kind=\"completion\",model=\"fake/ok\"}"));
  EXPECT_THAT(text, HasSubstr(
      "flowhost_llm_requests_total{model=\"fake/fail500\",outcome=\"upstream\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("flowhost_http_client_requests_total{result=\"response\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("flowhost_executions_in_flight 0\n"));
  EXPECT_THAT(text, HasSubstr("flowhost_grpc_server_requests_total{code=\"OK\",method=\"/flowhost.v1."
                              "WorkflowService/RunWorkflow\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("flowhost_grpc_server_requests_total{code=\"" +
                              std::string(absl::StatusCodeToString(
                                  static_cast<absl::StatusCode>(failed.error_code()))) +
                              "\",method=\"/flowhost.v1.WorkflowService/RunWorkflow\"} 1\n"));
}

// The scrape is valid exposition text and passes promtool's lint (names, units, suffixes, help).
TEST(ServiceMetrics, AScrapePassesPromtoolsChecks) {
  if (std::system("command -v promtool > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool is not installed (Debian: prometheus; .ci/setup installs it)";
  }
  auto harness = StartHarness();
  ASSERT_NE(harness, nullptr);
  ASSERT_TRUE(RunAsk(*harness, "fake/ok").ok());
  PromtoolVerdict verdict = Promtool(harness->host().metrics().Scrape());
  EXPECT_EQ(verdict.status, 0) << verdict.output;
  EXPECT_EQ(verdict.output, "") << verdict.output;
}

}  // namespace
}  // namespace flowhost::service::testing
