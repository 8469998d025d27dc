// Summarises audit noise from unauthenticated peers (issue 12, item 3): admin
// requests without a valid token, Logons refused for their identity. Anyone
// who can reach a port can cause these, at any rate, so each cause gets at
// most one record per window: the first event in full, the rest counted and
// carried by the cause's next record ("suppressed": n), or by a summary
// record once the window has passed with no new event.
//
// The same idea as Gateway::report_io_events (counters on the hot side, one
// record per cause per interval), but for events whose first occurrence is
// worth reading in full.
//
// Not thread-safe: the owner (AuditLog) calls it under its mutex. Time is
// passed in (steady nanoseconds) so tests step it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace riskgate::control {

class NoiseLimiter {
 public:
  // `window_ns`: at most one record per cause per window. `max_causes`: the
  // table's size; causes beyond it share the cause "other", so a peer that
  // invents causes cannot grow the table or the file.
  explicit NoiseLimiter(std::int64_t window_ns = 1'000'000'000, std::size_t max_causes = 32);

  // An event of `cause` at `now_ns`. nullopt: counted, write nothing.
  // Otherwise write it in full, with the value (events suppressed since this
  // cause's last record) as "suppressed" if non-zero.
  [[nodiscard]] std::optional<std::uint64_t> admit(std::string_view cause, std::int64_t now_ns);

  struct Summary {
    std::string cause;
    std::uint64_t suppressed = 0;
  };
  // Causes whose window has passed with events still uncounted in a record:
  // write one summary record each. Each such cause starts a new window.
  [[nodiscard]] std::vector<Summary> due(std::int64_t now_ns);

  // Events not written in full, since construction.
  [[nodiscard]] std::uint64_t suppressed_total() const noexcept { return suppressed_total_; }

 private:
  struct Cause {
    std::string name;
    std::int64_t window_end_ns = 0;  // Until then, events of this cause are counted.
    std::uint64_t pending = 0;       // Counted, not yet in any record.
  };
  Cause& find(std::string_view cause);

  std::int64_t window_ns_;
  std::size_t max_causes_;
  std::vector<Cause> causes_;  // Small: a linear scan beats a map.
  std::uint64_t suppressed_total_ = 0;
};

}  // namespace riskgate::control
