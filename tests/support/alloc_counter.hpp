// Counts heap allocations made by the calling thread, by replacing the global
// operator new/delete. Link riskgate_alloc_counter into a test or benchmark to
// prove that a code path allocates nothing after warm-up.
#pragma once

#include <cstdint>

namespace riskgate::testing {

// Allocations (operator new calls) made by this thread since it started.
[[nodiscard]] std::uint64_t thread_allocations() noexcept;

// Counts the allocations made by this thread while the scope is alive.
class AllocationScope {
 public:
  AllocationScope() noexcept : start_(thread_allocations()) {}
  [[nodiscard]] std::uint64_t count() const noexcept { return thread_allocations() - start_; }

 private:
  std::uint64_t start_;
};

}  // namespace riskgate::testing
