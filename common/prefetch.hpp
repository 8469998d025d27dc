// A prefetch the compiler cannot delete.
//
// GCC (12, -O1 and up) treats __builtin_prefetch as free of side effects, so
// a small inline function whose only effect is a prefetch (a table's
// `prefetch(key)`) is found "pure", and a call to a pure void function is
// dead code: the prefetch silently disappears from the caller. The empty
// volatile asm is a side effect the optimiser must keep, and with it the
// prefetch. It emits no instruction.
#pragma once

namespace riskgate {

// Starts loading the cache line at `p` (read: 0, write: 1).
template <int Rw = 0>
inline void prefetch_line(const void* p) noexcept {
  __builtin_prefetch(p, Rw, 3);
  asm volatile("" : : "r"(p));
}

}  // namespace riskgate
