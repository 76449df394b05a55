#include "server/metrics/host_metrics.h"

#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "flowhost/sdk/absl_compat.h"
#include "flowhost/sdk/error.h"
#include "flowhost/sdk/usage.h"
#include "prometheus/text_serializer.h"

namespace flowhost::metrics {
namespace {

// Execution and node durations: from a set node's microseconds to a long pipeline's minutes.
const prometheus::Histogram::BucketBoundaries& SecondsBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
  return *buckets;
}

std::string StatusWord(const absl::Status& status) {
  if (status.ok()) return "ok";
  std::string code(sdk::AsStd(absl::StatusCodeToString(status.code())));
  for (char& c : code) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return code;  // "deadline_exceeded", "resource_exhausted", ...
}

}  // namespace

HostMetrics::HostMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      executions_(prometheus::BuildCounter()
                      .Name("flowhost_executions_total")
                      .Help("Executions finished, by workflow and status (ok or the gRPC code).")
                      .Register(*registry_)),
      execution_seconds_(prometheus::BuildHistogram()
                             .Name("flowhost_execution_duration_seconds")
                             .Help("How long executions ran, by workflow.")
                             .Register(*registry_)),
      nodes_(prometheus::BuildCounter()
                 .Name("flowhost_node_executions_total")
                 .Help("Node runs that ended, by node type and status (succeeded, failed, "
                       "cancelled, skipped, disabled).")
                 .Register(*registry_)),
      node_seconds_(prometheus::BuildHistogram()
                        .Name("flowhost_node_duration_seconds")
                        .Help("How long node runs took, all attempts together, by node type.")
                        .Register(*registry_)),
      llm_requests_(prometheus::BuildCounter()
                        .Name("flowhost_llm_requests_total")
                        .Help("Upstream LLM calls, by model and outcome: ok, the error class of a "
                              "failed one (rate_limited, upstream, ...), or timed_out, cancelled, "
                              "rejected, skipped.")
                        .Register(*registry_)),
      llm_tokens_(prometheus::BuildCounter()
                      .Name("flowhost_llm_tokens_total")
                      .Help("Tokens of upstream LLM calls, by model and kind (prompt, "
                            "completion).")
                      .Register(*registry_)),
      llm_cost_(prometheus::BuildCounter()
                    .Name("flowhost_llm_cost_usd_total")
                    .Help("What upstream LLM calls cost in US dollars, as the upstream reported "
                          "it, by model.")
                    .Register(*registry_)),
      llm_seconds_(prometheus::BuildHistogram()
                       .Name("flowhost_llm_request_duration_seconds")
                       .Help("Latency of upstream LLM calls, by model.")
                       .Register(*registry_)),
      refused_(prometheus::BuildCounter()
                   .Name("flowhost_executions_refused_total")
                   .Help("Executions refused before they started, by reason (busy: "
                         "max_executions_in_flight reached; draining: shutting down).")
                   .Register(*registry_)),
      grpc_requests_(prometheus::BuildCounter()
                         .Name("flowhost_grpc_server_requests_total")
                         .Help("gRPC calls the server answered, by method and status code.")
                         .Register(*registry_)),
      http_requests_(prometheus::BuildCounter()
                         .Name("flowhost_http_server_requests_total")
                         .Help("HTTP requests the HTTP listener answered, by endpoint and HTTP "
                               "status code.")
                         .Register(*registry_)),
      time_to_first_token_(prometheus::BuildHistogram()
                               .Name("flowhost_llm_time_to_first_token_seconds")
                               .Help("Streamed executions: time from the execution's start to "
                                     "the first token an LLM node streamed, by workflow.")
                               .Register(*registry_)) {}

std::string HostMetrics::Bounded(std::string_view label, std::string_view value) {
  absl::MutexLock lock(&mu_);
  auto it = label_values_.find(label);
  if (it == label_values_.end()) it = label_values_.emplace(std::string(label), std::set<std::string>()).first;
  std::set<std::string>& seen = it->second;
  if (seen.contains(std::string(value))) return std::string(value);
  if (seen.size() >= kMaxLabelValues) return "other";
  seen.emplace(value);
  return std::string(value);
}

void HostMetrics::RecordExecution(const executor::ExecutionRecord& record) {
  const std::string workflow = Bounded("workflow", record.workflow);
  executions_.Add({{"workflow", workflow}, {"status", StatusWord(record.status)}}).Increment();
  execution_seconds_.Add({{"workflow", workflow}}, SecondsBuckets())
      .Observe(absl::ToDoubleSeconds(record.duration()));
  for (const executor::NodeRecord& node : record.nodes) {
    if (node.status == executor::NodeStatus::kNotRun ||
        node.status == executor::NodeStatus::kRunning) {
      continue;
    }
    const std::string type = Bounded("type", node.type);
    nodes_.Add({{"type", type}, {"status", std::string(executor::NodeStatusName(node.status))}})
        .Increment();
    if (node.status != executor::NodeStatus::kSkipped &&
        node.status != executor::NodeStatus::kDisabled) {
      node_seconds_.Add({{"type", type}}, SecondsBuckets())
          .Observe(absl::ToDoubleSeconds(node.duration()));
    }
    for (const sdk::AttemptRecord& call : node.calls) {
      const std::string model = Bounded("model", call.model.empty() ? "unknown" : call.model);
      // A failed call by its error class (rate_limited, upstream, timeout, ...), others by their
      // outcome word (ok, timed_out, cancelled, rejected, skipped).
      std::string_view word = call.outcome == sdk::outcome::kError && !call.error_class.empty()
                                  ? std::string_view(call.error_class)
                                  : std::string_view(call.outcome);
      const std::string outcome = Bounded("outcome", word.empty() ? "unknown" : word);
      llm_requests_.Add({{"model", model}, {"outcome", outcome}}).Increment();
      if (call.prompt_tokens > 0) {
        llm_tokens_.Add({{"model", model}, {"kind", "prompt"}})
            .Increment(static_cast<double>(call.prompt_tokens));
      }
      if (call.completion_tokens > 0) {
        llm_tokens_.Add({{"model", model}, {"kind", "completion"}})
            .Increment(static_cast<double>(call.completion_tokens));
      }
      if (call.cost_usd > 0) llm_cost_.Add({{"model", model}}).Increment(call.cost_usd);
      llm_seconds_.Add({{"model", model}}, SecondsBuckets())
          .Observe(absl::ToDoubleSeconds(call.latency));
    }
  }
}

void HostMetrics::RecordGrpcRequest(std::string_view method, int code) {
  grpc_requests_
      .Add({{"method", Bounded("method", method)},
            {"code", std::string(sdk::AsStd(
                         absl::StatusCodeToString(static_cast<absl::StatusCode>(code))))}})
      .Increment();
}

void HostMetrics::RecordTimeToFirstToken(std::string_view workflow, absl::Duration elapsed) {
  time_to_first_token_.Add({{"workflow", Bounded("workflow", workflow)}}, SecondsBuckets())
      .Observe(absl::ToDoubleSeconds(elapsed));
}

void HostMetrics::RecordHttpRequest(std::string_view endpoint, int http_status) {
  http_requests_
      .Add({{"endpoint", Bounded("endpoint", endpoint)}, {"code", std::to_string(http_status)}})
      .Increment();
}

void HostMetrics::RecordRefused(std::string_view reason) {
  refused_.Add({{"reason", Bounded("reason", reason)}}).Increment();
}

void HostMetrics::AddScrapeSource(ScrapeSource source) {
  absl::MutexLock lock(&mu_);
  sources_.push_back(std::move(source));
}

std::string HostMetrics::Scrape() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  {
    absl::MutexLock lock(&mu_);
    for (const ScrapeSource& source : sources_) source(families);
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

prometheus::MetricFamily CounterFamily(std::string name, std::string help, double value) {
  prometheus::MetricFamily family{std::move(name), std::move(help), prometheus::MetricType::Counter,
                                  {}};
  family.metric.emplace_back().counter.value = value;
  return family;
}

prometheus::MetricFamily GaugeFamily(std::string name, std::string help, double value) {
  prometheus::MetricFamily family{std::move(name), std::move(help), prometheus::MetricType::Gauge,
                                  {}};
  family.metric.emplace_back().gauge.value = value;
  return family;
}

}  // namespace flowhost::metrics
