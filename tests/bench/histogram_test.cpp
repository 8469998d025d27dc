#include "bench/e2e/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

namespace riskgate::bench {
namespace {

// Exact percentile of a sorted sample with the same rank rule as the histogram.
std::uint64_t exact_percentile(const std::vector<std::uint64_t>& sorted, double p) {
  const double exact = p / 100.0 * static_cast<double>(sorted.size());
  auto rank = static_cast<std::size_t>(std::ceil(exact));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

// The histogram reports the top of the bucket: never below the true value,
// and above it by at most one bucket width (< 1/128 of the value).
void expect_within_precision(std::uint64_t reported, std::uint64_t truth) {
  EXPECT_GE(reported, truth);
  EXPECT_LE(static_cast<double>(reported), static_cast<double>(truth) * (1.0 + 1.0 / 128.0) + 1.0)
      << "truth " << truth;
}

TEST(LatencyHistogram, EveryBucketBoundaryMapsBackToItsOwnBucket) {
  for (std::size_t i = 0; i < LatencyHistogram::kBucketCount; ++i) {
    const auto lo = LatencyHistogram::lowest_in_bucket(i);
    const auto hi = LatencyHistogram::highest_in_bucket(i);
    ASSERT_EQ(LatencyHistogram::index_of(lo), i);
    ASSERT_EQ(LatencyHistogram::index_of(hi), i);
    if (i + 1 < LatencyHistogram::kBucketCount) {
      ASSERT_EQ(LatencyHistogram::lowest_in_bucket(i + 1), hi + 1) << "buckets must tile";
    }
    // Relative width bounds the precision.
    ASSERT_LE(static_cast<double>(hi - lo), static_cast<double>(lo) / 128.0 + 1e-9) << i;
  }
}

TEST(LatencyHistogram, ValuesBelow256NanosecondsAreExact) {
  auto h = std::make_unique<LatencyHistogram>();
  for (std::uint64_t v = 0; v < 256; ++v) h->record(v);
  EXPECT_EQ(h->percentile(50.0), 127u);
  EXPECT_EQ(h->min(), 0u);
  EXPECT_EQ(h->max(), 255u);
}

TEST(LatencyHistogram, UniformDistributionPercentilesAreWithinOneBucket) {
  auto h = std::make_unique<LatencyHistogram>();
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::uint64_t> dist(1'000, 1'000'000);
  std::vector<std::uint64_t> sample(200'000);
  for (auto& v : sample) {
    v = dist(rng);
    h->record(v);
  }
  std::sort(sample.begin(), sample.end());
  for (double p : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99}) {
    SCOPED_TRACE(p);
    expect_within_precision(h->percentile(p), exact_percentile(sample, p));
  }
  EXPECT_EQ(h->min(), sample.front());
  EXPECT_EQ(h->max(), sample.back());
  EXPECT_EQ(h->percentile(100.0), sample.back());
}

TEST(LatencyHistogram, LongTailedDistributionKeepsItsTail) {
  // Log-normal around 20 us with a heavy tail: the shape of real round trips.
  auto h = std::make_unique<LatencyHistogram>();
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(std::log(20'000.0), 1.0);
  std::vector<std::uint64_t> sample(300'000);
  for (auto& v : sample) {
    v = static_cast<std::uint64_t>(dist(rng)) + 1;
    h->record(v);
  }
  std::sort(sample.begin(), sample.end());
  for (double p : {50.0, 90.0, 99.0, 99.9, 99.99}) {
    SCOPED_TRACE(p);
    expect_within_precision(h->percentile(p), exact_percentile(sample, p));
  }
}

TEST(LatencyHistogram, ASingleStallDominatesTheTopPercentiles) {
  // 9,990 fast responses and 10 stalls of 50 ms: p99.9 must show the stall.
  auto h = std::make_unique<LatencyHistogram>();
  h->record_n(10'000, 9'990);
  h->record_n(50'000'000, 10);
  expect_within_precision(h->percentile(99.0), 10'000);
  expect_within_precision(h->percentile(99.91), 50'000'000);
  EXPECT_EQ(h->max(), 50'000'000u);
  EXPECT_EQ(h->count(), 10'000u);
}

TEST(LatencyHistogram, ValuesBeyondTheRangeAreCountedAsSaturatedWithAnExactMax) {
  auto h = std::make_unique<LatencyHistogram>();
  h->record(100);
  h->record(LatencyHistogram::kMaxTrackable + 1'000);
  EXPECT_EQ(h->saturated(), 1u);
  EXPECT_EQ(h->max(), LatencyHistogram::kMaxTrackable + 1'000);
  EXPECT_EQ(h->percentile(100.0), h->max());
}

TEST(LatencyHistogram, MergeEqualsRecordingEverythingInOne) {
  auto a = std::make_unique<LatencyHistogram>();
  auto b = std::make_unique<LatencyHistogram>();
  auto all = std::make_unique<LatencyHistogram>();
  for (std::uint64_t v = 1; v < 100'000; v += 7) {
    (v % 2 ? a : b)->record(v * 3);
    all->record(v * 3);
  }
  a->merge(*b);
  EXPECT_EQ(a->count(), all->count());
  for (double p : {0.0, 25.0, 50.0, 99.0, 100.0}) EXPECT_EQ(a->percentile(p), all->percentile(p));
}

TEST(LatencyHistogram, AnEmptyHistogramReportsZeros) {
  auto h = std::make_unique<LatencyHistogram>();
  EXPECT_EQ(h->count(), 0u);
  EXPECT_EQ(h->percentile(50.0), 0u);
  EXPECT_EQ(h->min(), 0u);
  EXPECT_EQ(h->max(), 0u);
}

}  // namespace
}  // namespace riskgate::bench
