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

// The same from the kernel's coarse clock: the time of the last timer tick
// (1-4 ms resolution, clock_getres(CLOCK_REALTIME_COARSE)), read from the
// vDSO without the TSC arithmetic: a few ns where utc_now_ns() costs ~20.
// For stamps that date an event for people and order nothing: journal
// records are ordered by their position, and the FIX message a record holds
// carries its own SendingTime.
[[nodiscard]] inline std::int64_t utc_coarse_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace riskgate
