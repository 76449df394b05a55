// A scrape source (HostMetrics::AddScrapeSource) for the host's pooled HTTP client: its counters as
// flowhost_http_client_* metrics, read from HttpClientStats at each scrape.
//
// Thread-safety: the source may run on any thread; `stats` must be thread-safe and outlive it.
#ifndef FLOWHOST_SERVER_METRICS_HTTP_CLIENT_METRICS_H_
#define FLOWHOST_SERVER_METRICS_HTTP_CLIENT_METRICS_H_

#include <functional>

#include "server/http/http_client_stats.h"
#include "server/metrics/host_metrics.h"

namespace flowhost::metrics {

HostMetrics::ScrapeSource HttpClientMetrics(std::function<http::HttpClientStats()> stats);

}  // namespace flowhost::metrics

#endif  // FLOWHOST_SERVER_METRICS_HTTP_CLIENT_METRICS_H_
