#include "server/http/latency_histogram.h"

#include "gtest/gtest.h"

namespace flowhost::http {
namespace {

TEST(LatencyHistogramTest, BucketsBoundEveryLatencyWithinAnEighthAbove) {
  for (int64_t us = 1; us < 5'000'000; us = us * 9 / 8 + 1) {
    absl::Duration latency = absl::Microseconds(us);
    int bucket = LatencyHistogram::BucketFor(latency);
    absl::Duration upper = LatencyHistogram::BucketUpperBound(bucket);
    EXPECT_GT(upper, latency) << us;
    EXPECT_LE(upper, latency * 1.125 + absl::Microseconds(1)) << us;
    if (bucket > 0) {
      EXPECT_LE(LatencyHistogram::BucketUpperBound(bucket - 1), latency) << us;
    }
  }
}

TEST(LatencyHistogramTest, PercentilesFollowTheRecordedDistribution) {
  LatencyHistogram histogram;
  for (int ms = 1; ms <= 100; ++ms) histogram.Record(absl::Milliseconds(ms));
  LatencyHistogram::Snapshot snapshot = histogram.snapshot();
  EXPECT_EQ(snapshot.count, 100u);
  EXPECT_EQ(snapshot.max, absl::Milliseconds(100));
  EXPECT_EQ(snapshot.Mean(), absl::Microseconds(50'500));
  for (double q : {0.5, 0.9, 0.99}) {
    absl::Duration exact = absl::Milliseconds(q * 100);
    EXPECT_GE(snapshot.Percentile(q), exact) << q;
    EXPECT_LE(snapshot.Percentile(q), exact * 1.125) << q;
  }
  EXPECT_EQ(snapshot.Percentile(1.0), absl::Milliseconds(100)) << "never above the maximum";
}

TEST(LatencyHistogramTest, AnEmptyHistogramReportsZero) {
  LatencyHistogram histogram;
  EXPECT_EQ(histogram.snapshot().Percentile(0.99), absl::ZeroDuration());
  EXPECT_EQ(histogram.snapshot().Mean(), absl::ZeroDuration());
}

TEST(LatencyHistogramTest, HugeAndNegativeLatenciesLandInTheEndBuckets) {
  EXPECT_EQ(LatencyHistogram::BucketFor(absl::Hours(24 * 365)), LatencyHistogram::kBuckets - 1);
  EXPECT_EQ(LatencyHistogram::BucketFor(-absl::Seconds(1)), 0);
}

}  // namespace
}  // namespace flowhost::http
