#include "server/http/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace flowhost::http {
namespace {

uint64_t ToMicros(absl::Duration latency) {
  int64_t us = absl::ToInt64Microseconds(latency);
  return us < 0 ? 0 : static_cast<uint64_t>(us);
}

}  // namespace

int LatencyHistogram::BucketFor(absl::Duration latency) {
  uint64_t us = ToMicros(latency);
  if (us == 0) return 0;
  int power = std::bit_width(us) - 1;  // us is in [2^power, 2^(power+1))
  if (power >= kPowers) return kBuckets - 1;
  uint64_t base = uint64_t{1} << power;
  int sub = static_cast<int>(((us - base) * kSubBuckets) >> power);
  return power * kSubBuckets + sub;
}

absl::Duration LatencyHistogram::BucketUpperBound(int bucket) {
  int power = bucket / kSubBuckets;
  int sub = bucket % kSubBuckets;
  double base = std::ldexp(1.0, power);
  return absl::Microseconds(base + base * (sub + 1) / kSubBuckets);
}

void LatencyHistogram::Record(absl::Duration latency) {
  uint64_t us = ToMicros(latency);
  counts_[BucketFor(latency)].fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(us, std::memory_order_relaxed);
  uint64_t seen = max_us_.load(std::memory_order_relaxed);
  while (us > seen && !max_us_.compare_exchange_weak(seen, us, std::memory_order_relaxed)) {
  }
}

LatencyHistogram::Snapshot LatencyHistogram::snapshot() const {
  Snapshot out;
  for (int i = 0; i < kBuckets; ++i) {
    out.counts[i] = counts_[i].load(std::memory_order_relaxed);
    out.count += out.counts[i];
  }
  out.sum = absl::Microseconds(sum_us_.load(std::memory_order_relaxed));
  out.max = absl::Microseconds(max_us_.load(std::memory_order_relaxed));
  return out;
}

absl::Duration LatencyHistogram::Snapshot::Percentile(double q) const {
  if (count == 0) return absl::ZeroDuration();
  q = std::clamp(q, 0.0, 1.0);
  uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * count)));
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts[i];
    if (seen >= rank) return std::min(BucketUpperBound(i), max);
  }
  return max;
}

}  // namespace flowhost::http
