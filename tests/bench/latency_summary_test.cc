#include "bench/loadgen/latency_summary.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace flowhost::bench {
namespace {

TEST(LatencySummaryTest, PercentilesAreNearestRankOrderStatistics) {
  std::vector<int64_t> samples;
  for (int64_t us = 1; us <= 1000; ++us) samples.push_back(us * 1000);
  std::shuffle(samples.begin(), samples.end(), std::mt19937(7));

  LatencySummary summary = LatencySummary::Of(samples);

  EXPECT_EQ(summary.count, 1000u);
  EXPECT_DOUBLE_EQ(summary.min_us, 1);
  EXPECT_DOUBLE_EQ(summary.p50_us, 500);
  EXPECT_DOUBLE_EQ(summary.p90_us, 900);
  EXPECT_DOUBLE_EQ(summary.p99_us, 990);
  EXPECT_DOUBLE_EQ(summary.p999_us, 999);
  EXPECT_DOUBLE_EQ(summary.max_us, 1000);
  EXPECT_DOUBLE_EQ(summary.mean_us, 500.5);
}

TEST(LatencySummaryTest, OneSampleIsEveryPercentile) {
  std::vector<int64_t> samples = {2500};
  LatencySummary summary = LatencySummary::Of(samples);
  EXPECT_DOUBLE_EQ(summary.p50_us, 2.5);
  EXPECT_DOUBLE_EQ(summary.p999_us, 2.5);
  EXPECT_DOUBLE_EQ(summary.max_us, 2.5);
}

TEST(LatencySummaryTest, NoSamplesGiveZeros) {
  std::vector<int64_t> samples;
  LatencySummary summary = LatencySummary::Of(samples);
  EXPECT_EQ(summary.count, 0u);
  EXPECT_DOUBLE_EQ(summary.p99_us, 0);
  EXPECT_DOUBLE_EQ(summary.max_us, 0);
}

TEST(LatencySummaryTest, TheTailIsNotRoundedIntoBuckets) {
  // 998 fast calls and two slow ones: p99.9 is the slower of the two, exactly.
  std::vector<int64_t> samples(998, 100'000);
  samples.push_back(7'654'321);
  samples.push_back(7'000'000);
  LatencySummary summary = LatencySummary::Of(samples);
  EXPECT_DOUBLE_EQ(summary.p99_us, 100);
  EXPECT_DOUBLE_EQ(summary.p999_us, 7000);
  EXPECT_DOUBLE_EQ(summary.max_us, 7654.321);
}

}  // namespace
}  // namespace flowhost::bench
