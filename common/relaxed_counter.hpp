// A counter with one writer thread that other threads may read at any time
// (metrics, status). Header-only, so the order path gets it without linking
// anything.
//
// Single writer: add() is a relaxed load and a relaxed store, not a
// read-modify-write, so on x86-64 it compiles to the plain load/add/store of
// an ordinary counter (no lock prefix). Two threads calling add() on one
// counter would lose increments: give every writer thread its own counter and
// sum them where they are read (see gateway/metrics in README).
//
// Memory order: the writer's relaxed store pairs with the reader's relaxed
// load in get(). Nothing else is published through a counter, so no
// acquire/release is needed; a reader sees some recent value, never a torn one.
#pragma once

#include <atomic>
#include <cstdint>

namespace riskgate {

class RelaxedCounter {
 public:
  // Writer thread only.
  void add(std::uint64_t n = 1) noexcept {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void operator++() noexcept { add(1); }
  // Any thread.
  [[nodiscard]] std::uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }
  // Reads as a number, so existing readers (tests: EXPECT_EQ(stats().x, 1u))
  // need no change.
  operator std::uint64_t() const noexcept { return get(); }  // NOLINT(google-explicit-constructor)

 private:
  std::atomic<std::uint64_t> v_{0};
};

}  // namespace riskgate
