// The host's Prometheus metrics (docs/observability.md lists each one and what it means).
//
// Two kinds of value: what the host counts as things happen (executions, nodes, upstream LLM
// calls, refusals), kept in a prometheus-cpp registry; and what other parts already keep and the
// metrics read at scrape time (the HTTP pool's counters, executions in flight), through sources
// registered with AddScrapeSource. Scrape() writes both in Prometheus' text format.
//
// Label values that callers choose (workflow names of inline YAML, model ids) are bounded: past
// kMaxLabelValues distinct values per label, new ones are counted as "other", so a caller cannot
// grow the series without end. Nothing is labelled per execution.
//
// Ownership: the serving host owns it; sources it is given must outlive it (or be removed by
// destroying it first). Thread-safety: every method may be called from any thread.
#ifndef FLOWHOST_SERVER_METRICS_HOST_METRICS_H_
#define FLOWHOST_SERVER_METRICS_HOST_METRICS_H_

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"
#include "server/executor/execution_record.h"
#include "server/metrics/series_cache.h"

namespace flowhost::metrics {

class HostMetrics {
 public:
  static constexpr size_t kMaxLabelValues = 200;

  // Adds metric families to a scrape; called on the scraping thread.
  using ScrapeSource = std::function<void(std::vector<prometheus::MetricFamily>&)>;

  HostMetrics();
  HostMetrics(const HostMetrics&) = delete;
  HostMetrics& operator=(const HostMetrics&) = delete;

  // Counts one finished execution that a caller started, with its nodes and its upstream calls.
  // Sub-workflows are inside it: their calls are already in the record of the node that ran them,
  // so they are counted there, once.
  void RecordExecution(const executor::ExecutionRecord& record);

  // Counts a gRPC call answered with `code` (grpc::StatusCode) by `method` ("/pkg.Service/Method").
  void RecordGrpcRequest(std::string_view method, int code);

  // Observes how long a streamed execution of `workflow` took from its start to its first token
  // (the first text an LLM node streamed).
  void RecordTimeToFirstToken(std::string_view workflow, absl::Duration elapsed);

  // Counts an HTTP request the HTTP listener answered: `endpoint` is one of a fixed set of words
  // (http_api/routes.h), `http_status` the status sent.
  void RecordHttpRequest(std::string_view endpoint, int http_status);

  // Counts an execution refused before it started; `reason` is a bounded word ("busy",
  // "draining").
  void RecordRefused(std::string_view reason);

  // Adds `source` to every later scrape.
  void AddScrapeSource(ScrapeSource source);

  // Every metric, in the Prometheus text exposition format (version 0.0.4).
  std::string Scrape() const;

 private:
  // `value`, or "other" once `label` has kMaxLabelValues distinct values.
  std::string Bounded(std::string_view label, std::string_view value);

  // The series of `family` for `labels` (names and values, in a fixed order per family), found
  // through `cache`; made the first time with each value bounded (Bounded) and `args` (a
  // histogram's buckets).
  template <typename Series, typename... Args>
  Series& SeriesFor(prometheus::Family<Series>& family, SeriesCache<Series>& cache,
                    typename SeriesCache<Series>::Labels labels, const Args&... args);

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& executions_;
  prometheus::Family<prometheus::Histogram>& execution_seconds_;
  prometheus::Family<prometheus::Counter>& nodes_;
  prometheus::Family<prometheus::Histogram>& node_seconds_;
  prometheus::Family<prometheus::Counter>& llm_requests_;
  prometheus::Family<prometheus::Counter>& llm_tokens_;
  prometheus::Family<prometheus::Counter>& llm_cost_;
  prometheus::Family<prometheus::Histogram>& llm_seconds_;
  prometheus::Family<prometheus::Counter>& refused_;
  prometheus::Family<prometheus::Counter>& grpc_requests_;
  prometheus::Family<prometheus::Counter>& http_requests_;
  prometheus::Family<prometheus::Histogram>& time_to_first_token_;

  SeriesCache<prometheus::Counter> executions_cache_, nodes_cache_, llm_requests_cache_,
      llm_tokens_cache_, llm_cost_cache_, refused_cache_, grpc_requests_cache_,
      http_requests_cache_;
  SeriesCache<prometheus::Histogram> execution_seconds_cache_, node_seconds_cache_,
      llm_seconds_cache_, time_to_first_token_cache_;

  mutable absl::Mutex mu_;
  std::map<std::string, std::set<std::string>, std::less<>> label_values_ ABSL_GUARDED_BY(mu_);
  std::vector<ScrapeSource> sources_ ABSL_GUARDED_BY(mu_);
};

// Helpers for scrape sources: a family of one counter or gauge value without labels.
prometheus::MetricFamily CounterFamily(std::string name, std::string help, double value);
prometheus::MetricFamily GaugeFamily(std::string name, std::string help, double value);

}  // namespace flowhost::metrics

#endif  // FLOWHOST_SERVER_METRICS_HOST_METRICS_H_
