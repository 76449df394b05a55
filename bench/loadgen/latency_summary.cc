#include "bench/loadgen/latency_summary.h"

#include <algorithm>
#include <cmath>

namespace flowhost::bench {

int64_t NearestRank(const std::vector<int64_t>& sorted_ns, double q) {
  const double n = static_cast<double>(sorted_ns.size());
  size_t rank = static_cast<size_t>(std::ceil(q * n));
  if (rank < 1) rank = 1;
  if (rank > sorted_ns.size()) rank = sorted_ns.size();
  return sorted_ns[rank - 1];
}

LatencySummary LatencySummary::Of(std::vector<int64_t>& samples_ns) {
  LatencySummary summary;
  if (samples_ns.empty()) return summary;
  std::sort(samples_ns.begin(), samples_ns.end());
  auto us = [](int64_t ns) { return static_cast<double>(ns) / 1000.0; };
  long double sum = 0;
  for (int64_t sample : samples_ns) sum += sample;
  summary.count = samples_ns.size();
  summary.min_us = us(samples_ns.front());
  summary.max_us = us(samples_ns.back());
  summary.mean_us = static_cast<double>(sum / samples_ns.size()) / 1000.0;
  summary.p50_us = us(NearestRank(samples_ns, 0.50));
  summary.p90_us = us(NearestRank(samples_ns, 0.90));
  summary.p99_us = us(NearestRank(samples_ns, 0.99));
  summary.p999_us = us(NearestRank(samples_ns, 0.999));
  return summary;
}

}  // namespace flowhost::bench
