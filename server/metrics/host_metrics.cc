#include "server/metrics/host_metrics.h"

#include <cctype>
#include <cstdio>
#include <sstream>
#include <string_view>
#include <vector>
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

// "ok", or the status code's name in lower case: "deadline_exceeded", "resource_exhausted", ...
std::string_view StatusWord(absl::StatusCode code) {
  static const auto* words = [] {
    auto* words = new std::vector<std::string>();
    for (int c = 0; c <= 16; ++c) {
      std::string word(sdk::AsStd(absl::StatusCodeToString(static_cast<absl::StatusCode>(c))));
      for (char& ch : word) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      words->push_back(c == 0 ? "ok" : word);
    }
    return words;
  }();
  const auto index = static_cast<size_t>(code);
  return index < words->size() ? std::string_view((*words)[index]) : std::string_view("unknown");
}

// The gRPC code's name as absl writes it ("OK", "DEADLINE_EXCEEDED", ...), the label the gRPC
// request counter has always had.
std::string_view GrpcCodeWord(int code) {
  static const auto* words = [] {
    auto* words = new std::vector<std::string>();
    for (int c = 0; c <= 16; ++c) {
      words->emplace_back(sdk::AsStd(absl::StatusCodeToString(static_cast<absl::StatusCode>(c))));
    }
    return words;
  }();
  return code >= 0 && static_cast<size_t>(code) < words->size()
             ? std::string_view((*words)[static_cast<size_t>(code)])
             : std::string_view("UNKNOWN");
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

template <typename Series, typename... Args>
Series& HostMetrics::SeriesFor(prometheus::Family<Series>& family, SeriesCache<Series>& cache,
                               typename SeriesCache<Series>::Labels labels, const Args&... args) {
  return cache.Get(labels, [&]() -> Series& {
    prometheus::Labels bounded;
    for (const auto& [name, value] : labels) bounded.emplace(name, Bounded(name, value));
    return family.Add(bounded, args...);
  });
}

void HostMetrics::RecordExecution(const executor::ExecutionRecord& record) {
  const std::string_view workflow = record.workflow;
  SeriesFor(executions_, executions_cache_,
            {{"workflow", workflow}, {"status", StatusWord(record.status.code())}})
      .Increment();
  SeriesFor(execution_seconds_, execution_seconds_cache_, {{"workflow", workflow}},
            SecondsBuckets())
      .Observe(absl::ToDoubleSeconds(record.duration()));
  for (const executor::NodeRecord& node : record.nodes) {
    if (node.status == executor::NodeStatus::kNotRun ||
        node.status == executor::NodeStatus::kRunning) {
      continue;
    }
    SeriesFor(nodes_, nodes_cache_,
              {{"type", node.type}, {"status", executor::NodeStatusName(node.status)}})
        .Increment();
    if (node.status != executor::NodeStatus::kSkipped &&
        node.status != executor::NodeStatus::kDisabled) {
      SeriesFor(node_seconds_, node_seconds_cache_, {{"type", node.type}}, SecondsBuckets())
          .Observe(absl::ToDoubleSeconds(node.duration()));
    }
    for (const sdk::AttemptRecord& call : node.calls) {
      const std::string_view model = call.model.empty() ? "unknown" : std::string_view(call.model);
      // A failed call by its error class (rate_limited, upstream, timeout, ...), others by their
      // outcome word (ok, timed_out, cancelled, rejected, skipped).
      std::string_view outcome = call.outcome == sdk::outcome::kError && !call.error_class.empty()
                                     ? std::string_view(call.error_class)
                                     : std::string_view(call.outcome);
      if (outcome.empty()) outcome = "unknown";
      SeriesFor(llm_requests_, llm_requests_cache_, {{"model", model}, {"outcome", outcome}})
          .Increment();
      if (call.prompt_tokens > 0) {
        SeriesFor(llm_tokens_, llm_tokens_cache_, {{"model", model}, {"kind", "prompt"}})
            .Increment(static_cast<double>(call.prompt_tokens));
      }
      if (call.completion_tokens > 0) {
        SeriesFor(llm_tokens_, llm_tokens_cache_, {{"model", model}, {"kind", "completion"}})
            .Increment(static_cast<double>(call.completion_tokens));
      }
      if (call.cost_usd > 0) {
        SeriesFor(llm_cost_, llm_cost_cache_, {{"model", model}}).Increment(call.cost_usd);
      }
      SeriesFor(llm_seconds_, llm_seconds_cache_, {{"model", model}}, SecondsBuckets())
          .Observe(absl::ToDoubleSeconds(call.latency));
    }
  }
}

void HostMetrics::RecordGrpcRequest(std::string_view method, int code) {
  SeriesFor(grpc_requests_, grpc_requests_cache_, {{"method", method}, {"code", GrpcCodeWord(code)}})
      .Increment();
}

void HostMetrics::RecordTimeToFirstToken(std::string_view workflow, absl::Duration elapsed) {
  SeriesFor(time_to_first_token_, time_to_first_token_cache_, {{"workflow", workflow}},
            SecondsBuckets())
      .Observe(absl::ToDoubleSeconds(elapsed));
}

void HostMetrics::RecordHttpRequest(std::string_view endpoint, int http_status) {
  char code[12];
  const int length = std::snprintf(code, sizeof code, "%d", http_status);
  SeriesFor(http_requests_, http_requests_cache_,
            {{"endpoint", endpoint}, {"code", std::string_view(code, static_cast<size_t>(length))}})
      .Increment();
}

void HostMetrics::RecordRefused(std::string_view reason) {
  SeriesFor(refused_, refused_cache_, {{"reason", reason}}).Increment();
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
