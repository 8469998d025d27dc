// IANA time zones ("America/New_York") read from the system's tz database
// (Debian's tzdata, /usr/share/zoneinfo) into the plain offset transitions a
// schedule::Zone holds. Setup only: it reads files, allocates and throws; the
// schedule arithmetic that runs afterwards touches none of this.
//
// Two sources, both through Howard Hinnant's date library (Debian's
// libhowardhinnant-date-dev), so no tz file format is parsed here:
//   * the transitions the zone's file lists (date::locate_zone). Debian's
//     files list them through 2037; a "slim" file lists far fewer;
//   * after the last listed one, the zone's current rule, the POSIX TZ string
//     at the end of its file ("EST5EDT,M3.2.0,M11.1.0"), read with
//     date's Posix::time_zone, out to `until_utc_s`.
// A zone whose rule that library cannot read (RFC 8536's hours outside
// 0..24, used by America/Nuuk), or whose file has no rule (a version 1 file,
// or not a TZif file at all), is refused rather than left at its last listed
// offset. Every zone Debian 12's tzdata installs has one.
//
// Kept apart from trading_schedule.cpp, in a target of its own compiled as
// C++17: date's ptz.h names hh_mm_ss unqualified, which is ambiguous with
// std::chrono::hh_mm_ss under C++20.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace riskgate::schedule::tzdb {

// Where Debian's tzdata and the date library's OS mode both look.
inline constexpr std::string_view kZoneInfoDir = "/usr/share/zoneinfo";

struct Transitions {
  std::int32_t initial_offset_s = 0;  // In force at `from_utc_s`.
  // (UTC second from which an offset applies, offset in seconds), strictly
  // increasing in time; only real changes of offset (not of abbreviation).
  std::vector<std::pair<std::int64_t, std::int32_t>> changes;
  // The zone's rule after its listed transitions; empty when the listed
  // ones reach `until_utc_s`.
  std::string rule;
};

// The POSIX TZ string a TZif file of version 2 or later ends with, between
// its last two newlines (RFC 8536, section 3.3): the zone's rule after its
// listed transitions. Empty, with `why` set, for bytes that are not a TZif
// file, a version 1 file or one without a rule.
[[nodiscard]] std::string zone_rule_of(std::string_view file, std::string& why);

// Throws std::invalid_argument naming the zone and the reason (an unknown
// name, no tz database on this machine, a file or rule it cannot read).
[[nodiscard]] Transitions load(std::string_view name, std::int64_t from_utc_s,
                               std::int64_t until_utc_s);

}  // namespace riskgate::schedule::tzdb
