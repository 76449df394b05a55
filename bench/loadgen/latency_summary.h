// Latency percentiles from exact samples (no bucketing): the load generator keeps every measured
// call's latency, so p50 and p99 are the real order statistics, which matters when two runs are
// subtracted to get an added latency of tens of microseconds.
//
// Thread-safety: a value type.
#ifndef FLOWHOST_BENCH_LOADGEN_LATENCY_SUMMARY_H_
#define FLOWHOST_BENCH_LOADGEN_LATENCY_SUMMARY_H_

#include <cstdint>
#include <vector>

namespace flowhost::bench {

struct LatencySummary {
  uint64_t count = 0;
  // All in microseconds (fractional); zero when count is 0.
  double min_us = 0;
  double mean_us = 0;
  double p50_us = 0;
  double p90_us = 0;
  double p99_us = 0;
  double p999_us = 0;
  double max_us = 0;

  // Summarises `samples_ns` (latencies in nanoseconds, any order; sorted in place). Percentiles are
  // nearest-rank: the smallest sample at or above which the fraction q of samples lie.
  static LatencySummary Of(std::vector<int64_t>& samples_ns);
};

// The nearest-rank percentile `q` (0 < q <= 1) of sorted, non-empty `sorted_ns`.
int64_t NearestRank(const std::vector<int64_t>& sorted_ns, double q);

}  // namespace flowhost::bench

#endif  // FLOWHOST_BENCH_LOADGEN_LATENCY_SUMMARY_H_
