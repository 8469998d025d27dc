// The wall clock the order path may read directly (audit timestamps, kill
// state, file names). Header-only so that riskgate_common stays an INTERFACE
// target: components get it without linking another component's library.
#pragma once

#include <cstdint>
#include <ctime>

namespace riskgate {

// Wall clock, ns since the Unix epoch (clock_gettime(CLOCK_REALTIME) via the
// vDSO: no syscall on Linux x86-64, safe on the order path).
[[nodiscard]] inline std::int64_t utc_now_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace riskgate
