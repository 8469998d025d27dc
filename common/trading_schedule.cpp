#include "common/trading_schedule.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

#include "common/tz_database.hpp"

namespace riskgate::schedule {

namespace {

constexpr std::int32_t kMaxOffset = 18 * 3600;  // ISO 8601 / std::chrono's bound.

// The span a zone name's transitions are read for: 1970-01-01 to
// 2100-01-01 UTC. Past it a zone keeps its last offset.
constexpr std::int64_t kTzFromUtcS = 0;
constexpr std::int64_t kTzUntilUtcS = 4'102'444'800;

std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// 1970-01-01 was a Thursday (4, with Sunday = 0).
int weekday_of(std::int64_t date) noexcept {
  return static_cast<int>(((date % 7) + 7 + 4) % 7);
}

constexpr std::array<std::string_view, 7> kDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                   "Thursday", "Friday", "Saturday"};

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int to_int(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

std::string offset_name(std::int32_t off) {
  if (off == 0) return "UTC";
  const std::int32_t a = off < 0 ? -off : off;
  char buf[16];
  const int h = a / 3600, m = a % 3600 / 60;
  buf[0] = off < 0 ? '-' : '+';
  buf[1] = static_cast<char>('0' + h / 10);
  buf[2] = static_cast<char>('0' + h % 10);
  buf[3] = ':';
  buf[4] = static_cast<char>('0' + m / 10);
  buf[5] = static_cast<char>('0' + m % 10);
  return "UTC" + std::string(buf, 6);
}

}  // namespace

Zone Zone::fixed(std::string name, std::int32_t offset_s) {
  return with_transitions(std::move(name), offset_s, {});
}

Zone Zone::with_transitions(std::string name, std::int32_t initial_offset_s,
                            std::vector<std::pair<std::int64_t, std::int32_t>> transitions) {
  auto bad = [](std::int32_t o) { return o < -kMaxOffset || o > kMaxOffset; };
  if (bad(initial_offset_s)) throw std::invalid_argument("time zone offset beyond 18 hours");
  for (std::size_t i = 0; i < transitions.size(); ++i) {
    if (bad(transitions[i].second)) throw std::invalid_argument("time zone offset beyond 18 hours");
    if (i > 0 && transitions[i].first <= transitions[i - 1].first)
      throw std::invalid_argument("time zone transitions must be sorted by time");
  }
  Zone z;
  z.name_ = std::move(name);
  z.initial_ = initial_offset_s;
  z.transitions_ = std::move(transitions);
  return z;
}

std::int32_t Zone::offset_at(std::int64_t utc_s) const noexcept {
  // The last transition at or before utc_s.
  auto it = std::upper_bound(
      transitions_.begin(), transitions_.end(), utc_s,
      [](std::int64_t t, const std::pair<std::int64_t, std::int32_t>& x) { return t < x.first; });
  return it == transitions_.begin() ? initial_ : std::prev(it)->second;
}

std::int64_t Zone::to_utc(std::int64_t local_s) const noexcept {
  // Real zones change offset at most once within a day either side, so the
  // offsets a day before and a day after are the only candidates.
  const std::int64_t before = local_s - offset_at(local_s - kDaySec);
  const std::int64_t after = local_s - offset_at(local_s + kDaySec);
  const bool before_ok = to_local(before) == local_s;
  const bool after_ok = to_local(after) == local_s;
  if (before_ok && after_ok) return std::min(before, after);  // Overlap: the first.
  if (after_ok) return after;
  return before;  // Valid, or a gap: read with the offset before the change.
}

std::int32_t parse_time_of_day(std::string_view t) {
  const bool shape = t.size() == 8 && t[2] == ':' && t[5] == ':' && digits(t.substr(0, 2)) &&
                     digits(t.substr(3, 2)) && digits(t.substr(6, 2));
  if (!shape) throw std::invalid_argument("expected \"HH:MM:SS\", got \"" + std::string(t) + "\"");
  const int h = to_int(t.substr(0, 2)), m = to_int(t.substr(3, 2)), s = to_int(t.substr(6, 2));
  if (h > 23 || m > 59 || s > 59)
    throw std::invalid_argument("not a time of day (00:00:00..23:59:59): \"" + std::string(t) +
                                "\"");
  return h * 3600 + m * 60 + s;
}

std::string format_time_of_day(std::int32_t sec) {
  char buf[9];
  const int h = sec / 3600, m = sec % 3600 / 60, s = sec % 60;
  buf[0] = static_cast<char>('0' + h / 10);
  buf[1] = static_cast<char>('0' + h % 10);
  buf[2] = ':';
  buf[3] = static_cast<char>('0' + m / 10);
  buf[4] = static_cast<char>('0' + m % 10);
  buf[5] = ':';
  buf[6] = static_cast<char>('0' + s / 10);
  buf[7] = static_cast<char>('0' + s % 10);
  return std::string(buf, 8);
}

int parse_weekday(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (int d = 0; d < 7; ++d) {
    std::string full(kDays[static_cast<std::size_t>(d)]);
    for (char& c : full) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == full || lower == full.substr(0, 3)) return d;
  }
  throw std::invalid_argument("expected a weekday (Sunday..Saturday or Sun..Sat), got \"" +
                              std::string(text) + "\"");
}

std::string_view weekday_name(int day) noexcept {
  return day >= 0 && day < 7 ? kDays[static_cast<std::size_t>(day)] : std::string_view("?");
}

Zone parse_zone(std::string_view text) {
  std::string_view s = text;
  for (std::string_view utc : {"Etc/UTC", "Etc/GMT", "UTC", "GMT", "Z"}) {
    if (s == utc) return Zone{};
  }
  if (s.substr(0, 3) == "UTC" || s.substr(0, 3) == "GMT") s.remove_prefix(3);
  if (s.empty() || (s[0] != '+' && s[0] != '-')) {
    // A zone name ("America/New_York"): its transitions from the tz database,
    // far enough either side of any schedule a gateway runs.
    tzdb::Transitions t = tzdb::load(text, kTzFromUtcS, kTzUntilUtcS);
    return Zone::with_transitions(std::string(text), t.initial_offset_s, std::move(t.changes));
  }
  // [+-]H[H][:MM]
  bool ok = s.size() >= 2;
  std::int32_t off = 0;
  if (ok) {
    const std::string_view rest = s.substr(1);
    const auto colon = rest.find(':');
    const std::string_view hh = rest.substr(0, colon);
    const std::string_view mm = colon == std::string_view::npos ? "00" : rest.substr(colon + 1);
    ok = digits(hh) && hh.size() <= 2 && digits(mm) && mm.size() == 2 && to_int(hh) <= 18 &&
         to_int(mm) <= 59;
    if (ok) off = to_int(hh) * 3600 + to_int(mm) * 60;
    if (s[0] == '-') off = -off;
    ok = ok && off >= -kMaxOffset && off <= kMaxOffset;
  }
  if (!ok) {
    throw std::invalid_argument(
        "\"" + std::string(text) +
        "\" is not a fixed offset: expected UTC[+-]HH[:MM] within 18 hours, "
        "such as \"UTC-05:00\", or a zone name such as \"America/New_York\"");
  }
  return Zone::fixed(offset_name(off), off);
}

Schedule::Schedule(Spec spec) : spec_(std::move(spec)) {
  auto bad_time = [](std::int32_t t) { return t < 0 || t >= kDaySec; };
  if (bad_time(spec_.start_s) || bad_time(spec_.end_s))
    throw std::invalid_argument("StartTime and EndTime must be within 00:00:00..23:59:59");
  if ((spec_.start_day < 0) != (spec_.end_day < 0))
    throw std::invalid_argument("set StartDay and EndDay together (a weekly session), or neither");
  if (spec_.start_day > 6 || spec_.end_day > 6)
    throw std::invalid_argument("StartDay and EndDay must be 0..6 (Sunday..Saturday)");
  if (spec_.start_day < 0) {
    end_days_after_start_ = spec_.end_s > spec_.start_s ? 0 : 1;
  } else {
    end_days_after_start_ = (spec_.end_day - spec_.start_day + 7) % 7;
    if (end_days_after_start_ == 0 && spec_.end_s <= spec_.start_s) end_days_after_start_ = 7;
  }
}

std::int64_t Schedule::start_on(std::int64_t date) const noexcept {
  return spec_.zone.to_utc(date * kDaySec + spec_.start_s);
}

Period Schedule::period_from(std::int64_t date) const noexcept {
  const std::int64_t step = weekly() ? 7 : 1;
  Period p;
  p.number = date;
  p.start_ns = start_on(date) * kSecNs;
  p.next_start_ns = start_on(date + step) * kSecNs;
  const std::int64_t end_s =
      spec_.zone.to_utc((date + end_days_after_start_) * kDaySec + spec_.end_s);
  p.end_ns = std::min(end_s * kSecNs, p.next_start_ns);
  return p;
}

Period Schedule::period_at(std::int64_t utc_ns) const noexcept {
  const std::int64_t t = floor_div(utc_ns, kSecNs);
  const std::int64_t today = floor_div(spec_.zone.to_local(t), kDaySec);
  std::int64_t date = today;
  std::int64_t step = 1;
  if (weekly()) {
    date = today - (weekday_of(today) - spec_.start_day + 7) % 7;
    step = 7;
  }
  // The start on `date` may still be ahead (before StartTime today), and a
  // DST shift can move a start across midnight: look one period either side.
  date += step;
  for (int i = 0; i < 4 && start_on(date) > t; ++i) date -= step;
  return period_from(date);
}

std::string Schedule::describe() const {
  std::string s;
  if (weekly()) s += std::string(weekday_name(spec_.start_day)) + " ";
  s += format_time_of_day(spec_.start_s) + "-";
  if (weekly()) s += std::string(weekday_name(spec_.end_day)) + " ";
  s += format_time_of_day(spec_.end_s) + " " + spec_.zone.name();
  return s;
}

}  // namespace riskgate::schedule
