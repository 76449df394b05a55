#include "server/metrics/http_client_metrics.h"

#include <utility>

namespace flowhost::metrics {

HostMetrics::ScrapeSource HttpClientMetrics(std::function<http::HttpClientStats()> stats) {
  return [stats = std::move(stats)](std::vector<prometheus::MetricFamily>& families) {
    const http::HttpClientStats s = stats();
    auto d = [](uint64_t value) { return static_cast<double>(value); };
    prometheus::MetricFamily requests{
        "flowhost_http_client_requests_total",
        "Upstream HTTP requests that ended, by result: response (any status code), error "
        "(timeout, network, too large), cancelled; and those refused because the queue was full.",
        prometheus::MetricType::Counter,
        {}};
    for (auto [result, value] : {std::pair{"response", s.requests_completed},
                                 std::pair{"error", s.requests_failed},
                                 std::pair{"cancelled", s.requests_cancelled},
                                 std::pair{"refused", s.requests_rejected}}) {
      prometheus::ClientMetric& metric = requests.metric.emplace_back();
      metric.label = {{"result", result}};
      metric.counter.value = d(value);
    }
    families.push_back(std::move(requests));
    families.push_back(CounterFamily("flowhost_http_client_connections_opened_total",
                                     "New upstream connections (TCP, and TLS when https).",
                                     d(s.connections_opened)));
    families.push_back(CounterFamily("flowhost_http_client_connections_reused_total",
                                     "Upstream responses that came over a connection already open.",
                                     d(s.connections_reused)));
    families.push_back(GaugeFamily("flowhost_http_client_requests_in_flight",
                                   "Upstream requests being transferred now.", d(s.in_flight)));
    families.push_back(GaugeFamily("flowhost_http_client_requests_queued",
                                   "Upstream requests accepted and waiting for a transfer slot.",
                                   d(s.queued)));
    families.push_back(CounterFamily("flowhost_http_client_sent_bytes_total",
                                     "Bytes sent upstream: request headers and bodies.",
                                     d(s.bytes_sent)));
    families.push_back(CounterFamily("flowhost_http_client_received_bytes_total",
                                     "Bytes received from upstream: response headers and bodies.",
                                     d(s.bytes_received)));
  };
}

}  // namespace flowhost::metrics
