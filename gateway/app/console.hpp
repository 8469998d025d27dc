// Console output (stdout, stderr) that never blocks the thread that prints.
//
// stdout and stderr are often pipes, and a pipe nobody reads fills up: a
// write(2) to it then blocks for as long as the reader stalls (issue 10: a
// stalled stderr froze the order path). Lines are therefore queued, and one
// writer thread of their own does the blocking writes. When the queue is full
// a line is dropped and counted; the next line written says how many were.
//
// Who may print: the control plane (main thread, admin API thread, audit
// writer). Never the I/O thread: it counts events in atomics and the main
// thread summarises them (Gateway::report_io_events), because even this
// queue takes a lock and allocates.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace riskgate::app {

enum class Stream : std::uint8_t { kOut, kErr };

// Queues `line` (a '\n' is appended) for `s`. Any control-plane thread.
void console(Stream s, std::string line);
inline void console_out(std::string line) {
  console(Stream::kOut, std::move(line));
}
inline void console_err(std::string line) {
  console(Stream::kErr, std::move(line));
}

// Waits up to `timeout` for the queued lines to be written (at exit, so the
// last lines are seen when the streams drain; a stalled stream does not hold
// the exit up for longer than this).
void console_flush(std::chrono::milliseconds timeout);

// Lines dropped because the queue was full, since start.
[[nodiscard]] std::uint64_t console_dropped();

}  // namespace riskgate::app
