// The one definition of the cache-line size used for padding shared state.
// 64 bytes on every x86-64 and most AArch64 parts. Fields written by
// different threads go into different blocks of this alignment so that they
// never share a line (false sharing costs ~100 ns per write on this machine).
#pragma once

#include <cstddef>

namespace riskgate {
inline constexpr std::size_t kCacheLine = 64;
}  // namespace riskgate
