// HostMetrics: what a finished execution adds, in Prometheus' text format, and the bound on label
// values callers choose.
#include "server/metrics/host_metrics.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/metrics/http_client_metrics.h"

namespace flowhost::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

executor::ExecutionRecord ChatExecution(const std::string& workflow, absl::Status status) {
  executor::ExecutionRecord record;
  record.workflow = workflow;
  record.status = std::move(status);
  record.started_at = absl::FromUnixSeconds(1000);
  record.finished_at = record.started_at + absl::Milliseconds(300);
  executor::NodeRecord& node = record.nodes.emplace_back();
  node.name = "answer";
  node.type = "router.fallback";
  node.status = record.status.ok() ? executor::NodeStatus::kSucceeded : executor::NodeStatus::kFailed;
  node.started_at = record.started_at;
  node.finished_at = record.finished_at;
  sdk::AttemptRecord failed;
  failed.model = "free/model";
  failed.outcome = "error";
  failed.error_class = "rate_limited";
  failed.latency = absl::Milliseconds(20);
  sdk::AttemptRecord answered;
  answered.model = "cheap/model";
  answered.outcome = "ok";
  answered.prompt_tokens = 12;
  answered.completion_tokens = 30;
  answered.cost_usd = 0.25;
  answered.latency = absl::Milliseconds(250);
  node.calls = {failed, answered};
  executor::NodeRecord& never = record.nodes.emplace_back();
  never.name = "unreached";
  never.type = "set";
  return record;
}

TEST(HostMetricsTest, AFinishedExecutionCountsItselfItsNodesAndItsUpstreamCalls) {
  HostMetrics metrics;
  metrics.RecordExecution(ChatExecution("triage", absl::OkStatus()));
  metrics.RecordExecution(ChatExecution("triage", absl::OkStatus()));
  metrics.RecordExecution(ChatExecution("triage", absl::DeadlineExceededError("late")));
  const std::string text = metrics.Scrape();

  EXPECT_THAT(text, HasSubstr("flowhost_executions_total{status=\"ok\",workflow=\"triage\"} 2\n"));
  EXPECT_THAT(text, HasSubstr(
      "flowhost_executions_total{status=\"deadline_exceeded\",workflow=\"triage\"} 1\n"));
  EXPECT_THAT(text, HasSubstr(
      "flowhost_execution_duration_seconds_count{workflow=\"triage\"} 3\n"));
  EXPECT_THAT(text, HasSubstr(
      "flowhost_execution_duration_seconds_bucket{workflow=\"triage\",le=\"0.25\"} 0\n"));
  EXPECT_THAT(text, HasSubstr(
      "flowhost_execution_duration_seconds_bucket{workflow=\"triage\",le=\"0.5\"} 3\n"));
  EXPECT_THAT(text, HasSubstr(
      "flowhost_node_executions_total{status=\"succeeded\",type=\"router.fallback\"} 2\n"));
  EXPECT_THAT(text, HasSubstr(
      "flowhost_node_executions_total{status=\"failed\",type=\"router.fallback\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("type=\"set\"")));  // never ran: not counted
  EXPECT_THAT(text, HasSubstr(
      "flowhost_llm_requests_total{model=\"free/model\",outcome=\"rate_limited\"} 3\n"));
  EXPECT_THAT(text, HasSubstr(
      "flowhost_llm_requests_total{model=\"cheap/model\",outcome=\"ok\"} 3\n"));
  EXPECT_THAT(text, HasSubstr(
      "flowhost_llm_tokens_total{kind=\"prompt\",model=\"cheap/model\"} 36\n"));
  EXPECT_THAT(text, HasSubstr(
      "flowhost_llm_tokens_total{kind=\"completion\",model=\"cheap/model\"} 90\n"));
  EXPECT_THAT(text, HasSubstr("flowhost_llm_cost_usd_total{model=\"cheap/model\"} 0.75\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE flowhost_llm_request_duration_seconds histogram\n"));
}

TEST(HostMetricsTest, LabelValuesPastTheBoundAreCountedAsOther) {
  HostMetrics metrics;
  for (size_t i = 0; i < HostMetrics::kMaxLabelValues + 50; ++i) {
    metrics.RecordExecution(ChatExecution("inline-" + std::to_string(i), absl::OkStatus()));
  }
  const std::string text = metrics.Scrape();
  EXPECT_THAT(text, HasSubstr("workflow=\"inline-0\""));
  EXPECT_THAT(text, Not(HasSubstr("workflow=\"inline-" +
                                  std::to_string(HostMetrics::kMaxLabelValues) + "\"")));
  EXPECT_THAT(text, HasSubstr("flowhost_executions_total{status=\"ok\",workflow=\"other\"} 50\n"));
}

TEST(HostMetricsTest, AValuePastTheBoundIsCountedAsOtherEveryTimeItComesBack) {
  HostMetrics metrics;
  for (size_t i = 0; i < HostMetrics::kMaxLabelValues; ++i) {
    metrics.RecordExecution(ChatExecution("inline-" + std::to_string(i), absl::OkStatus()));
  }
  for (int round = 0; round < 3; ++round) {  // found in the series cache after the first time
    metrics.RecordExecution(ChatExecution("late", absl::OkStatus()));
    metrics.RecordExecution(ChatExecution("inline-0", absl::OkStatus()));
  }
  const std::string text = metrics.Scrape();
  EXPECT_THAT(text, HasSubstr("flowhost_executions_total{status=\"ok\",workflow=\"other\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("flowhost_executions_total{status=\"ok\",workflow=\"inline-0\"} 4\n"));
  EXPECT_THAT(text, Not(HasSubstr("workflow=\"late\"")));
}

TEST(HostMetricsTest, LabelValuesThatJoinAlikeAreStillTwoSeries) {
  HostMetrics metrics;
  // An upstream names its models: a NUL inside one must not make it another model's series.
  executor::ExecutionRecord first = ChatExecution("w", absl::OkStatus());
  first.nodes[0].calls[1].model = std::string("a\0", 2);
  executor::ExecutionRecord second = ChatExecution("w", absl::OkStatus());
  second.nodes[0].calls[1].model = "a";
  metrics.RecordExecution(first);
  metrics.RecordExecution(second);
  metrics.RecordExecution(second);
  const std::string text = metrics.Scrape();
  EXPECT_THAT(text, HasSubstr("flowhost_llm_requests_total{model=\"a\",outcome=\"ok\"} 2\n"));
}

TEST(HostMetricsTest, GrpcCallsAreCountedByMethodAndCodeName) {
  HostMetrics metrics;
  metrics.RecordGrpcRequest("/flowhost.v1.WorkflowService/RunWorkflow", 0);
  metrics.RecordGrpcRequest("/flowhost.v1.WorkflowService/RunWorkflow", 0);
  metrics.RecordGrpcRequest("/flowhost.v1.WorkflowService/RunWorkflow", 4);
  metrics.RecordGrpcRequest("/flowhost.v1.WorkflowService/RunWorkflow", 99);
  const std::string text = metrics.Scrape();
  EXPECT_THAT(text, HasSubstr("flowhost_grpc_server_requests_total{code=\"OK\",method=\"/"
                              "flowhost.v1.WorkflowService/RunWorkflow\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("{code=\"DEADLINE_EXCEEDED\",method=\"/"
                              "flowhost.v1.WorkflowService/RunWorkflow\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("{code=\"UNKNOWN\",method=\"/"
                              "flowhost.v1.WorkflowService/RunWorkflow\"} 1\n"));
}

TEST(HostMetricsTest, ScrapeSourcesAddWhatOthersKeep) {
  HostMetrics metrics;
  metrics.RecordRefused("busy");
  metrics.AddScrapeSource(HttpClientMetrics([] {
    http::HttpClientStats stats;
    stats.requests_completed = 7;
    stats.requests_failed = 2;
    stats.connections_opened = 1;
    stats.connections_reused = 6;
    stats.in_flight = 3;
    return stats;
  }));
  const std::string text = metrics.Scrape();
  EXPECT_THAT(text, HasSubstr("flowhost_executions_refused_total{reason=\"busy\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("flowhost_http_client_requests_total{result=\"response\"} 7\n"));
  EXPECT_THAT(text, HasSubstr("flowhost_http_client_requests_total{result=\"error\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("flowhost_http_client_connections_reused_total 6\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE flowhost_http_client_requests_in_flight gauge\n"));
  EXPECT_THAT(text, HasSubstr("flowhost_http_client_requests_in_flight 3\n"));
}

TEST(HostMetricsTest, HttpAnswersAreCountedByEndpointAndStatus) {
  HostMetrics metrics;
  metrics.RecordHttpRequest("chat_completions", 200);
  metrics.RecordHttpRequest("chat_completions", 200);
  metrics.RecordHttpRequest("models", 403);
  std::string text = metrics.Scrape();
  EXPECT_THAT(text, HasSubstr("flowhost_http_server_requests_total{code=\"200\","
                              "endpoint=\"chat_completions\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("flowhost_http_server_requests_total{code=\"403\","
                              "endpoint=\"models\"} 1\n"));
}

TEST(HostMetricsTest, TimeToFirstTokenIsAHistogramByWorkflow) {
  HostMetrics metrics;
  metrics.RecordTimeToFirstToken("chat", absl::Milliseconds(40));
  metrics.RecordTimeToFirstToken("chat", absl::Milliseconds(700));
  std::string text = metrics.Scrape();
  EXPECT_THAT(text, HasSubstr("# TYPE flowhost_llm_time_to_first_token_seconds histogram"));
  EXPECT_THAT(text,
              HasSubstr("flowhost_llm_time_to_first_token_seconds_count{workflow=\"chat\"} 2\n"));
  EXPECT_THAT(text,
              HasSubstr("flowhost_llm_time_to_first_token_seconds_sum{workflow=\"chat\"} 0.74"));
}

}  // namespace
}  // namespace flowhost::metrics
