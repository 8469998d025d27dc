// A FIX session schedule with QuickFIX's keys (StartTime, EndTime, StartDay,
// EndDay, TimeZone), as a pure function of time: no clock, no I/O, no thread.
// The caller passes UTC nanoseconds (session::Clock::utc_ns() in the gateway,
// a fake clock in tests) and gets back which period (trading day or week) that
// instant belongs to, whether it is inside the period's active window, and
// when the next period starts.
//
// Semantics (QuickFIX's, except where noted):
//   * Daily (no StartDay/EndDay): a period starts every local day at
//     StartTime. Its active window ends at EndTime the same day, or the next
//     day when EndTime <= StartTime (an overnight session). StartTime ==
//     EndTime: active all day; the period still starts (and sequence numbers
//     reset) at StartTime.
//   * Weekly (StartDay and EndDay): a period starts at StartTime on StartDay
//     and its window ends at EndTime on EndDay, 0..6 days later. The same day
//     with EndTime <= StartTime: the window spans the whole week (ends at
//     EndTime a week later).
//   * Period number: the local date of the period's start, in days since
//     1970-01-01. It identifies the trading day (or week) and only grows.
//   * Times are local to the Zone. A StartTime that does not exist on a day
//     (a DST gap) is read with the offset in force before the change, so it
//     happens as much later as the gap is long; one that exists twice (the
//     clock falls back) is the first occurrence.
//
// Time zones: parse_zone() takes UTC, a fixed offset ("UTC+05:30",
// "UTC-4", "+01:00") or a zone name of the system's tz database
// ("America/New_York", read by common/tz_database.hpp: libstdc++ 12 has no
// std::chrono::locate_zone yet). A Zone is a list of offset transitions, so
// the schedule arithmetic is DST-correct whatever the source.
//
// Thread safety: every const member is safe from any thread. Construction and
// the parse_* functions allocate and throw std::invalid_argument with the
// reason; nothing else allocates or throws.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace riskgate::schedule {

inline constexpr std::int64_t kSecNs = 1'000'000'000;
inline constexpr std::int64_t kDaySec = 86'400;

// UTC offset over time. Transitions are (utc second from which an offset
// applies, offset in seconds), sorted by time; before the first one the
// initial offset applies.
class Zone {
 public:
  Zone() = default;  // UTC.
  static Zone fixed(std::string name, std::int32_t offset_s);
  // For zones with DST (the tz database's, or built by hand in tests). Throws
  // if the transitions are not sorted or an offset is beyond +-18 h.
  static Zone with_transitions(std::string name, std::int32_t initial_offset_s,
                               std::vector<std::pair<std::int64_t, std::int32_t>> transitions);

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] std::int32_t offset_at(std::int64_t utc_s) const noexcept;
  // The UTC second at which local wall-clock second `local_s` happens (see the
  // gap and overlap rules above).
  [[nodiscard]] std::int64_t to_utc(std::int64_t local_s) const noexcept;
  [[nodiscard]] std::int64_t to_local(std::int64_t utc_s) const noexcept {
    return utc_s + offset_at(utc_s);
  }

 private:
  std::string name_ = "UTC";
  std::int32_t initial_ = 0;
  std::vector<std::pair<std::int64_t, std::int32_t>> transitions_;
};

// "HH:MM:SS" (QuickFIX's format; 00:00:00..23:59:59) -> seconds after midnight.
[[nodiscard]] std::int32_t parse_time_of_day(std::string_view text);
// A weekday name, full or its first three letters, any case ("Monday",
// "mon") -> 0 = Sunday .. 6 = Saturday.
[[nodiscard]] int parse_weekday(std::string_view text);
[[nodiscard]] std::string_view weekday_name(int day) noexcept;
// See "Time zones" above.
[[nodiscard]] Zone parse_zone(std::string_view text);
// "HH:MM:SS", for messages and the audit.
[[nodiscard]] std::string format_time_of_day(std::int32_t seconds);

struct Spec {
  std::int32_t start_s = 0;  // StartTime, seconds after local midnight.
  std::int32_t end_s = 0;    // EndTime.
  int start_day = -1;        // StartDay 0..6 (Sunday = 0); -1: a daily schedule.
  int end_day = -1;          // EndDay; set exactly when start_day is.
  Zone zone;
};

// One period (trading day or week) and its active window, in UTC ns.
struct Period {
  std::int64_t number = 0;    // Local date of the start, days since 1970-01-01.
  std::int64_t start_ns = 0;  // StartTime: the period and its window begin.
  std::int64_t end_ns = 0;    // EndTime: the window ends (<= next_start_ns).
  std::int64_t next_start_ns = 0;
  [[nodiscard]] bool active(std::int64_t utc_ns) const noexcept {
    return utc_ns >= start_ns && utc_ns < end_ns;
  }
};

class Schedule {
 public:
  // Throws std::invalid_argument: a time outside 0..86399, a day outside
  // 0..6, or only one of start_day / end_day set.
  explicit Schedule(Spec spec);

  // The period containing `utc_ns`: the one with the last start at or before it.
  [[nodiscard]] Period period_at(std::int64_t utc_ns) const noexcept;
  [[nodiscard]] bool active(std::int64_t utc_ns) const noexcept {
    return period_at(utc_ns).active(utc_ns);
  }
  [[nodiscard]] std::int64_t next_boundary_ns(std::int64_t utc_ns) const noexcept {
    return period_at(utc_ns).next_start_ns;
  }
  [[nodiscard]] const Spec& spec() const noexcept { return spec_; }
  [[nodiscard]] bool weekly() const noexcept { return spec_.start_day >= 0; }
  // "08:00:00-16:30:00 UTC", "Sunday 17:00:00-Friday 17:00:00 UTC+01:00".
  [[nodiscard]] std::string describe() const;

 private:
  [[nodiscard]] Period period_from(std::int64_t start_date) const noexcept;
  // UTC second of StartTime on local date `date`.
  [[nodiscard]] std::int64_t start_on(std::int64_t date) const noexcept;

  Spec spec_;
  std::int64_t end_days_after_start_ = 0;  // Whole days from the start date to EndTime's.
};

}  // namespace riskgate::schedule
