#include "server/http/http_client_stats.h"

namespace flowhost::http {
namespace {

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

uint64_t Load(const std::atomic<uint64_t>& counter) {
  return counter.load(std::memory_order_relaxed);
}

}  // namespace

HttpClientStats HttpClientCounters::Snapshot() const {
  HttpClientStats out;
  out.requests_accepted = Load(requests_accepted);
  out.requests_rejected = Load(requests_rejected);
  out.requests_started = Load(requests_started);
  out.requests_completed = Load(requests_completed);
  out.requests_failed = Load(requests_failed);
  out.requests_cancelled = Load(requests_cancelled);
  out.connections_opened = Load(connections_opened);
  out.connections_reused = Load(connections_reused);
  out.in_flight = Load(in_flight);
  uint64_t admitted_now = Load(admitted);
  out.queued = admitted_now > out.in_flight ? admitted_now - out.in_flight : 0;
  out.bytes_sent = Load(bytes_sent);
  out.bytes_received = Load(bytes_received);
  out.latency = latency.snapshot();
  return out;
}

sdk::Json HttpClientStats::ToJson() const {
  return sdk::Json{
      {"requests_accepted", requests_accepted},
      {"requests_rejected", requests_rejected},
      {"requests_started", requests_started},
      {"requests_completed", requests_completed},
      {"requests_failed", requests_failed},
      {"requests_cancelled", requests_cancelled},
      {"connections_opened", connections_opened},
      {"connections_reused", connections_reused},
      {"in_flight", in_flight},
      {"queued", queued},
      {"bytes_sent", bytes_sent},
      {"bytes_received", bytes_received},
      {"latency_ms",
       {{"count", latency.count},
        {"mean", Ms(latency.Mean())},
        {"p50", Ms(latency.Percentile(0.50))},
        {"p90", Ms(latency.Percentile(0.90))},
        {"p99", Ms(latency.Percentile(0.99))},
        {"max", Ms(latency.max)}}},
  };
}

}  // namespace flowhost::http
