#include "common/tz_database.hpp"

#include <date/ptz.h>
#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace riskgate::schedule::tzdb {
namespace {

using date::sys_seconds;
using std::chrono::seconds;

// The date library marks the period after a zone's last listed transition
// as lasting to its largest year.
bool open_ended(const date::sys_info& info) {
  return info.end >= date::sys_days{date::year::max() / 1 / 1};
}

// The zone's TZif file, whole; empty, with `why` set, when it cannot be read.
std::string read_zone_file(std::string_view name, std::string& why) {
  const std::string path = std::string(kZoneInfoDir) + "/" + std::string(name);
  std::ifstream f(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (!f.good() && !f.eof()) {
    why = "cannot read " + path;
    return {};
  }
  return bytes;
}

// Library messages may span lines (with terminal colour codes): the first.
std::string first_line(const char* what) {
  const std::string_view s(what);
  return std::string(s.substr(0, s.find('\n')));
}

void add(Transitions& out, sys_seconds at, seconds offset, std::int32_t& current) {
  const auto off = static_cast<std::int32_t>(offset.count());
  if (off == current) return;  // A change of abbreviation or of DST flag only.
  out.changes.emplace_back(at.time_since_epoch().count(), off);
  current = off;
}

}  // namespace

std::string zone_rule_of(std::string_view file, std::string& why) {
  if (file.size() < 5 || file.substr(0, 4) != "TZif") {
    why = "not a TZif file";
    return {};
  }
  if (file[4] < '2' || file.back() != '\n') {
    why = "no rule after its transitions (not a TZif file of version 2 or later)";
    return {};
  }
  const auto start = file.rfind('\n', file.size() - 2);
  if (start == std::string_view::npos || start + 2 >= file.size()) {
    why = "no rule after its transitions";
    return {};
  }
  return std::string(file.substr(start + 1, file.size() - start - 2));
}

Transitions load(std::string_view name, std::int64_t from_utc_s, std::int64_t until_utc_s) {
  const std::string quoted = "\"" + std::string(name) + "\"";
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(name);
  } catch (const std::exception& e) {
    throw std::invalid_argument(quoted +
                                " is not UTC, a fixed offset (\"UTC-05:00\") or a time zone of "
                                "the tz database in " +
                                std::string(kZoneInfoDir) + " (" + first_line(e.what()) + ")");
  }
  // The file is checked before the date library reads it (at the first
  // get_info below): its reader asserts on a file without the TZif magic
  // (Debian builds it with assertions on), which would abort the process,
  // on a config reload too, instead of refusing the config.
  std::string why;
  const std::string file = read_zone_file(zone->name(), why);
  const std::string rule = why.empty() ? zone_rule_of(file, why) : std::string();
  if (rule.empty())
    throw std::invalid_argument(quoted + ": its file " + std::string(kZoneInfoDir) + "/" +
                                zone->name() + " cannot be used (" + why +
                                "); name a zone with the same offsets, or a fixed offset");
  const sys_seconds until{seconds{until_utc_s}};
  Transitions out;
  date::sys_info info;
  try {  // The zone's file is read here, at the first get_info().
    info = zone->get_info(sys_seconds{seconds{from_utc_s}});
    out.initial_offset_s = static_cast<std::int32_t>(info.offset.count());
    std::int32_t current = out.initial_offset_s;
    while (info.end < until) {
      const sys_seconds at = info.end;
      info = zone->get_info(at);
      if (info.begin != at) break;  // Cannot happen with well-formed data; never loop.
      add(out, at, info.offset, current);
    }
  } catch (const std::exception& e) {
    throw std::invalid_argument(quoted + ": its file in " + std::string(kZoneInfoDir) +
                                " cannot be read (" + first_line(e.what()) + ")");
  }
  if (!open_ended(info)) return out;  // Listed past `until`: the rule is not needed.

  // After the last listed transition: the zone's rule. It describes only the
  // times after that transition, so it starts from there.
  std::int32_t current = out.changes.empty() ? out.initial_offset_s : out.changes.back().second;
  try {
    const Posix::time_zone posix{rule};
    // The listed offset holds from `start`; the rule's changes follow.
    const sys_seconds start = std::max(info.begin, sys_seconds{seconds{from_utc_s}});
    sys_seconds t = start;
    for (;;) {
      const date::sys_info p = posix.get_info(t);
      if (t > start) add(out, t, p.offset, current);
      if (p.end >= until || p.end <= t) break;  // Past the horizon, or a rule without changes.
      t = p.end;
    }
    out.rule = rule;
  } catch (const std::exception&) {
    // Refused rather than left at its last offset: the zone's later daylight
    // saving time would be silently wrong (America/Nuuk's "M3.5.0/-1", RFC
    // 8536's hours beyond 0..24, is one the date library does not read).
    throw std::invalid_argument(quoted + ": its rule after " +
                                date::format("%F", date::floor<date::days>(info.begin)) + " (\"" +
                                rule +
                                "\") is not one this build can read; name a zone with the "
                                "same offsets, or a fixed offset");
  }
  return out;
}

}  // namespace riskgate::schedule::tzdb
