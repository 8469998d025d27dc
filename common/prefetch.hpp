// A prefetch the compiler cannot delete.
//
// GCC (12, -O1 and up) treats __builtin_prefetch as free of side effects, so
// a small inline function whose only effect is a prefetch (a table's
// `prefetch(key)`) is found "pure", and a call to a pure void function is
// dead code: the prefetch silently disappears from the caller. The empty
// volatile asm is a side effect the optimiser must keep, and with it the
// prefetch. It emits no instruction.
#pragma once

#include <cstddef>

#include "common/cacheline.hpp"

namespace riskgate {

// Starts loading the cache line at `p` (read: 0, write: 1).
template <int Rw = 0>
inline void prefetch_line(const void* p) noexcept {
  __builtin_prefetch(p, Rw, 3);
  asm volatile("" : : "r"(p));
}

// Write-ahead for append-only buffers (the resend store, the journal ring,
// the message-log ring). Their next bytes were last touched a whole lap ago,
// so they are out of this core's caches: the first store into each line
// misses (~100 ns on this VM), and a ~250-byte message spans four lines. The
// producer calls this right after an append, for the bytes the next append
// will write; the lines then arrive while the thread is idle (in epoll, or
// reading the next message) instead of inside the next order's step.
// Without -mprfchw GCC emits a read prefetch (prefetcht0): a line another
// core last wrote (the journal thread seals records in place) still needs an
// ownership upgrade at the store, but not the memory fetch (prefetchw was
// measured no better here; see the README). `bytes` ahead, from `p`; neither
// need be line-aligned. The caller keeps [p, p + bytes) inside its mapping
// (prefetches do not fault, but a range past the end is wasted).
// Tune kWriteAheadBytes: about two messages; more evicts useful lines for no
// gain.
inline constexpr std::size_t kWriteAheadBytes = 512;
inline void prefetch_for_write(const void* p, std::size_t bytes) noexcept {
  const char* c = static_cast<const char*>(p);
  for (std::size_t off = 0; off < bytes; off += kCacheLine) prefetch_line<1>(c + off);
}

}  // namespace riskgate
