// The metrics' single-writer counters and histogram read while an I/O-like
// thread writes them (meaningful under TSan: .ci/test runs it there).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>

#include "common/latency_histogram.hpp"
#include "common/relaxed_counter.hpp"

namespace riskgate {
namespace {

TEST(MetricsConcurrency, AScrapeWhileTheWriterCountsSeesOnlyGrowingValuesAndFinallyAll) {
  constexpr std::uint64_t kEvents = 200'000;
  RelaxedCounter counter;
  LatencyHistogram hist;
  hist.set_sample_every(4);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (std::uint64_t i = 0; i < kEvents; ++i) {
      counter.add(1);
      if (hist.due()) hist.record(100 + i % 5000);
    }
    // Release pairs with the reader's acquire below: after it, the reader
    // must see the final counts.
    done.store(true, std::memory_order_release);
  });
  std::uint64_t last_count = 0, last_samples = 0;
  bool finished = false;
  while (!finished) {
    finished = done.load(std::memory_order_acquire);
    const std::uint64_t c = counter.get();
    const std::uint64_t n = hist.read().count();
    EXPECT_GE(c, last_count);
    EXPECT_GE(n, last_samples);
    last_count = c;
    last_samples = n;
  }
  writer.join();
  EXPECT_EQ(counter.get(), kEvents);
  EXPECT_EQ(hist.read().count(), kEvents / 4);
}

}  // namespace
}  // namespace riskgate
