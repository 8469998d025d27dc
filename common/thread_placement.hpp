// Which CPU a long-running thread runs on ([gateway] IoThreadCpu, JournalCpu,
// MessageLogCpu). Header-only, like the rest of riskgate_common.
//
// Why: the order path's latency is the I/O thread's, and what shares its
// core shares its caches and its time slices. The journal thread (CRC32C,
// pwrite, fdatasync) and the message-log writer (formatting, write) work in
// bursts beside it; on its core a burst delays whatever order arrives
// during it. Tune (README, "Threads and cores"): the I/O thread on an
// isolated core (isolcpus/nohz_full), the journal and the log writer on
// another, not CPU 0 where the kernel takes most interrupts.
#pragma once

#include <pthread.h>
#include <sched.h>

namespace riskgate {

// -1: not pinned (the kernel places the thread).
inline constexpr int kAnyCpu = -1;

// Setup: whether this process may run on `cpu` (its affinity mask and
// cpuset allow it). kAnyCpu is always allowed.
[[nodiscard]] inline bool cpu_allowed(int cpu) noexcept {
  if (cpu == kAnyCpu) return true;
  if (cpu < 0 || cpu >= CPU_SETSIZE) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return false;
  return CPU_ISSET(cpu, &set) != 0;
}

// The calling thread to `cpu` (nothing for kAnyCpu). 0 or an errno value.
// Called first thing in the thread it pins, so every later allocation and
// page the thread touches is local to that CPU's node.
[[nodiscard]] inline int pin_this_thread(int cpu) noexcept {
  if (cpu == kAnyCpu) return 0;
  if (cpu < 0 || cpu >= CPU_SETSIZE) return 22;  // EINVAL
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set);
}

}  // namespace riskgate
