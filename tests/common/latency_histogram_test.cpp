#include "common/latency_histogram.hpp"

#include <gtest/gtest.h>

namespace riskgate {
namespace {

TEST(LatencyHistogram, AValueLandsInTheFirstBucketWhoseBoundIsAtLeastIt) {
  LatencyHistogram h;
  h.record(100);        // le 100 ns (bounds are inclusive, as Prometheus's le)
  h.record(101);        // le 150 ns
  h.record(1'000'000);  // le 1 ms
  h.record(1'000'001);  // +Inf only
  const auto s = h.read();
  EXPECT_EQ(s.buckets[0], 1u);
  EXPECT_EQ(s.buckets[1], 1u);
  EXPECT_EQ(s.buckets[LatencyHistogram::kBoundsNs.size() - 1], 1u);
  EXPECT_EQ(s.buckets[LatencyHistogram::kBuckets - 1], 1u);
  EXPECT_EQ(s.count(), 4u);
  EXPECT_EQ(s.sum_ns, 100u + 101u + 1'000'000u + 1'000'001u);
}

TEST(LatencyHistogram, EveryNthCallIsDueAndZeroTurnsSamplingOff) {
  LatencyHistogram h;
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(h.due());
  h.set_sample_every(4);
  int due = 0;
  for (int i = 0; i < 40; ++i) due += h.due() ? 1 : 0;
  EXPECT_EQ(due, 10);
}

TEST(LatencyHistogram, SnapshotsOfSeveralThreadsAddUp) {
  LatencyHistogram a, b;
  a.record(120);
  b.record(120);
  b.record(5'000);
  auto s = a.read();
  s.merge(b.read());
  EXPECT_EQ(s.count(), 3u);
  EXPECT_EQ(s.buckets[1], 2u);
  EXPECT_EQ(s.sum_ns, 5'240u);
}

}  // namespace
}  // namespace riskgate
