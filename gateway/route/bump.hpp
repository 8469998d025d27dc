// One more on a route counter. Route-internal.
#pragma once

#include <atomic>
#include <cstdint>

namespace riskgate::route {

// Single writer (the group's I/O thread), relaxed: status readers get a
// recent value; the counter guards nothing. A load and a store, not an RMW:
// nobody else writes it.
inline void bump(std::atomic<std::uint64_t>& c) noexcept {
  c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

}  // namespace riskgate::route
