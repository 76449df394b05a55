// A latency histogram with log-scaled buckets, cheap enough to record every request.
//
// Buckets split each power of two of microseconds into kSubBuckets equal parts, so a reported
// percentile is within 12.5% above the true value, from 1 us up to about 12 days. Recording is a
// few relaxed atomic adds: one thread records (the HTTP client's I/O thread) while any thread takes
// a Snapshot; a snapshot taken during recording may be off by the requests being recorded.
//
// Thread-safety: Record and snapshot may be called from any thread.
#ifndef FLOWHOST_SERVER_HTTP_LATENCY_HISTOGRAM_H_
#define FLOWHOST_SERVER_HTTP_LATENCY_HISTOGRAM_H_

#include <array>
#include <atomic>
#include <cstdint>

#include "absl/time/time.h"

namespace flowhost::http {

class LatencyHistogram {
 public:
  static constexpr int kSubBuckets = 8;  // per power of two
  static constexpr int kPowers = 40;     // 2^40 us is about 12.7 days
  static constexpr int kBuckets = kSubBuckets * kPowers;

  // A copy of the counts at one moment; plain data, safe to keep and pass around.
  struct Snapshot {
    std::array<uint64_t, kBuckets> counts{};
    uint64_t count = 0;
    absl::Duration sum;
    absl::Duration max;

    // The latency below which a fraction `q` (0..1) of the requests fell: the upper bound of the
    // bucket holding that rank, never above the largest latency seen. Zero when nothing was
    // recorded.
    absl::Duration Percentile(double q) const;
    absl::Duration Mean() const { return count == 0 ? absl::ZeroDuration() : sum / count; }
  };

  void Record(absl::Duration latency);
  Snapshot snapshot() const;

  // The bucket a latency falls in, and the (exclusive) upper bound of a bucket.
  static int BucketFor(absl::Duration latency);
  static absl::Duration BucketUpperBound(int bucket);

 private:
  std::array<std::atomic<uint64_t>, kBuckets> counts_{};
  std::atomic<uint64_t> sum_us_{0};
  std::atomic<uint64_t> max_us_{0};
};

}  // namespace flowhost::http

#endif  // FLOWHOST_SERVER_HTTP_LATENCY_HISTOGRAM_H_
