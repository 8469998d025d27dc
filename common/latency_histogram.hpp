// The order-step latency histogram (issue 13, Prometheus metrics): filled by
// the I/O thread that owns it, read by the metrics scrape on the control
// thread. Header-only and allocation-free, for the order path.
//
// Sampling: due() says whether this order is timed; every `sample_every`-th
// one is (0: never), with now_ns() at both ends. Timing costs two clock
// reads (~20 ns each), so timing
// every order would move the median; one in 32 spreads the cost to under a
// nanosecond per order and still gives thousands of samples a minute at
// trading rates. Tune with GroupOptions::latency_sample_every.
//
// Buckets: fixed upper bounds from 100 ns to 1 ms (kBoundsNs), chosen for
// an order step whose median is a few hundred nanoseconds: fine steps where
// it lives, coarse ones for the tail; anything slower lands in +Inf only.
//
// Threads: one writer (record(), due()); any number of readers (read()).
// Each bucket is a RelaxedCounter: the writer's relaxed store pairs with the
// reader's relaxed load. A scrape racing a record() may see the new bucket
// count without the new sum (or the reverse) for one sample; read() derives
// the count from the buckets so count and +Inf always agree, and the sum is a
// moment old at worst. With several I/O threads each owns its histogram and
// the scrape adds them (LatencyHistogram::Snapshot::merge).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "common/cacheline.hpp"
#include "common/relaxed_counter.hpp"

namespace riskgate {

class alignas(kCacheLine) LatencyHistogram {
 public:
  static constexpr std::array<std::uint64_t, 18> kBoundsNs = {
      100,   150,   200,    300,    500,    750,     1'000,   1'500,   2'000,
      3'000, 5'000, 10'000, 20'000, 50'000, 100'000, 250'000, 500'000, 1'000'000};
  static constexpr std::size_t kBuckets = kBoundsNs.size() + 1;  // The last is +Inf only.

  // What a reader sees: per-bucket (not cumulative) counts and the sum.
  struct Snapshot {
    std::array<std::uint64_t, kBuckets> buckets{};
    std::uint64_t sum_ns = 0;
    [[nodiscard]] std::uint64_t count() const noexcept {
      std::uint64_t n = 0;
      for (const std::uint64_t b : buckets) n += b;
      return n;
    }
    void merge(const Snapshot& o) noexcept {
      for (std::size_t i = 0; i < kBuckets; ++i) buckets[i] += o.buckets[i];
      sum_ns += o.sum_ns;
    }
  };

  // 0 turns sampling off. Setup only (before the writer runs).
  void set_sample_every(std::uint32_t n) noexcept {
    every_ = n;
    countdown_ = n;
  }
  [[nodiscard]] std::uint32_t sample_every() const noexcept { return every_; }

  // Writer thread: true for every sample_every-th call.
  [[nodiscard]] bool due() noexcept {
    if (every_ == 0) return false;
    if (--countdown_ != 0) return false;
    countdown_ = every_;
    return true;
  }

  // The clock the samples are taken with: the steady clock itself, not the
  // owner's injected one, so a sample is real time even under a test's fake
  // clock. A vDSO read, no syscall.
  [[nodiscard]] static std::int64_t now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  // Writer thread. Nanoseconds of one order step.
  void record(std::uint64_t ns) noexcept {
    std::size_t i = 0;
    while (i < kBoundsNs.size() && ns > kBoundsNs[i]) ++i;
    buckets_[i].add(1);
    sum_ns_.add(ns);
  }

  // Any thread.
  [[nodiscard]] Snapshot read() const noexcept {
    Snapshot s;
    for (std::size_t i = 0; i < kBuckets; ++i) s.buckets[i] = buckets_[i].get();
    s.sum_ns = sum_ns_.get();
    return s;
  }

 private:
  std::array<RelaxedCounter, kBuckets> buckets_{};
  RelaxedCounter sum_ns_;
  // Writer only (plain): the sampling countdown.
  std::uint32_t every_ = 0;
  std::uint32_t countdown_ = 0;
};

}  // namespace riskgate
