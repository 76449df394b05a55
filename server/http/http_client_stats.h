// What the pooled HTTP client has done so far, as numbers: for the host's metrics and for tests.
//
// HttpClientStats is a plain snapshot (a copy); HttpClientCounters is the live, lock-free set the
// client's I/O thread updates. Reading a snapshot never blocks the I/O thread.
//
// Thread-safety: HttpClientCounters may be updated and read from any thread; a snapshot is plain
// data.
#ifndef FLOWHOST_SERVER_HTTP_HTTP_CLIENT_STATS_H_
#define FLOWHOST_SERVER_HTTP_HTTP_CLIENT_STATS_H_

#include <atomic>
#include <cstdint>

#include "flowhost/sdk/json.h"
#include "server/http/latency_histogram.h"

namespace flowhost::http {

struct HttpClientStats {
  uint64_t requests_accepted = 0;      // Send() calls that were queued (not rejected)
  uint64_t requests_rejected = 0;      // Send() calls refused with "queue_full"
  uint64_t requests_started = 0;       // transfers handed to libcurl
  uint64_t requests_completed = 0;     // ended with an HTTP response (any status code)
  uint64_t requests_failed = 0;        // ended with an error: timeout, network, too large, ...
  uint64_t requests_cancelled = 0;     // ended by Cancel() or by the client's shutdown
  uint64_t connections_opened = 0;     // new connections (sum of CURLINFO_NUM_CONNECTS)
  uint64_t connections_reused = 0;     // responses that needed no new connection
  uint64_t in_flight = 0;              // transfers on the multi handle now
  uint64_t queued = 0;                 // accepted, not yet on the multi handle
  uint64_t bytes_sent = 0;             // request headers and bodies
  uint64_t bytes_received = 0;         // response headers and bodies
  LatencyHistogram::Snapshot latency;  // Send() to last byte, of requests that got a response

  // {"requests_started": ..., ..., "latency_ms": {"count", "mean", "p50", "p90", "p99", "max"}}
  sdk::Json ToJson() const;
};

// The live counters behind HttpClientStats. Relaxed atomics: each number is exact, but a snapshot
// is not one instant across all of them.
struct HttpClientCounters {
  std::atomic<uint64_t> requests_accepted{0};
  std::atomic<uint64_t> requests_rejected{0};
  std::atomic<uint64_t> requests_started{0};
  std::atomic<uint64_t> requests_completed{0};
  std::atomic<uint64_t> requests_failed{0};
  std::atomic<uint64_t> requests_cancelled{0};
  std::atomic<uint64_t> connections_opened{0};
  std::atomic<uint64_t> connections_reused{0};
  std::atomic<uint64_t> in_flight{0};
  std::atomic<uint64_t> admitted{0};  // accepted and not yet finished: in flight plus queued
  std::atomic<uint64_t> bytes_sent{0};
  std::atomic<uint64_t> bytes_received{0};
  LatencyHistogram latency;

  static void Add(std::atomic<uint64_t>& counter, uint64_t n = 1) {
    counter.fetch_add(n, std::memory_order_relaxed);
  }
  HttpClientStats Snapshot() const;
};

}  // namespace flowhost::http

#endif  // FLOWHOST_SERVER_HTTP_HTTP_CLIENT_STATS_H_
