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
//
// Every line is levelled and timestamped when it is queued (not when it is
// written, so a stall does not skew the times):
//   2026-11-30T03:40:12.123456Z WARN  riskgate: ...
// Under systemd (JOURNAL_STREAM set) the timestamp is left to journald and
// the line starts with the syslog priority instead ("<4>riskgate: ..."),
// which journald turns into the entry's PRIORITY, so `journalctl -p warning`
// works. Info goes to stdout, warnings and errors to stderr.
//
// Why not spdlog: its async logger joins its worker thread at exit, and a
// worker blocked in write(2) on a stalled pipe would then hold the exit for
// ever; this writer is detached and bounded by console_flush's timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace riskgate::app {

enum class Level : std::uint8_t { kDebug, kInfo, kWarn, kError };
[[nodiscard]] std::string_view to_string(Level l) noexcept;
// "debug", "info", "warn"/"warning", "error" (case-insensitive); nullopt otherwise.
[[nodiscard]] std::optional<Level> parse_level(std::string_view s) noexcept;

// Lines below this level are dropped (default kInfo). Set once at start.
void set_log_level(Level min);

// Queues `line` (a '\n' is appended) at `level`. Any control-plane thread.
void log(Level level, std::string line);
inline void log_debug(std::string line) {
  log(Level::kDebug, std::move(line));
}
inline void log_info(std::string line) {
  log(Level::kInfo, std::move(line));
}
inline void log_warn(std::string line) {
  log(Level::kWarn, std::move(line));
}
inline void log_error(std::string line) {
  log(Level::kError, std::move(line));
}
// The names of the first version, kept for callers that predate levels.
inline void console_out(std::string line) {
  log_info(std::move(line));
}
inline void console_err(std::string line) {
  log_error(std::move(line));
}

// How a line is framed (pure; exposed for tests). `utc_ns`: wall clock.
// `journald`: the systemd form (priority prefix, no timestamp).
[[nodiscard]] std::string format_line(Level level, std::int64_t utc_ns, std::string_view line,
                                      bool journald);

// Waits up to `timeout` for the queued lines to be written (at exit, so the
// last lines are seen when the streams drain; a stalled stream does not hold
// the exit up for longer than this).
void console_flush(std::chrono::milliseconds timeout);

// Lines dropped because the queue was full, since start.
[[nodiscard]] std::uint64_t console_dropped();

}  // namespace riskgate::app
