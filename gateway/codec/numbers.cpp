// Number and UTCTimestamp conversion, and BodyBuilder. No locale, no
// allocation, no libc time functions (gmtime_r may take a lock and touch the
// time-zone database).
#include <charconv>
#include <cstring>
#include <limits>

#include "gateway/codec/codec.hpp"
#include "gateway/codec/detail.hpp"

namespace riskgate::codec {
namespace {

using detail::is_digit;

constexpr std::int64_t kMicro = 1'000'000;
constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
constexpr std::int64_t kSecondsPerDay = 86'400;

// Proleptic Gregorian calendar, counted from 0001-01-01 (day 0).
constexpr std::int64_t kDaysPer400Years = 146'097;
constexpr std::int64_t kDaysPer100Years = 36'524;
constexpr std::int64_t kDaysPer4Years = 1'461;
constexpr std::int64_t kUnixEpochDay = 719'162;  // 1970-01-01

constexpr bool is_leap(std::int64_t y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

// Days before the first of each month in a common year.
constexpr std::int64_t kDaysBeforeMonth[13] = {0,   31,  59,  90,  120, 151, 181,
                                               212, 243, 273, 304, 334, 365};

constexpr std::int64_t days_in_month(std::int64_t y, std::int64_t m) noexcept {
  return kDaysBeforeMonth[m] - kDaysBeforeMonth[m - 1] + (m == 2 && is_leap(y) ? 1 : 0);
}

// Days since 1970-01-01 of a valid date, year >= 1.
constexpr std::int64_t days_from_civil(std::int64_t y, std::int64_t m, std::int64_t d) noexcept {
  const std::int64_t py = y - 1;
  const std::int64_t before_year = py * 365 + py / 4 - py / 100 + py / 400;
  const std::int64_t before_month = kDaysBeforeMonth[m - 1] + (m > 2 && is_leap(y) ? 1 : 0);
  return before_year + before_month + (d - 1) - kUnixEpochDay;
}

struct Civil {
  std::int64_t year, month, day;
};

// Inverse of days_from_civil for day numbers at or after 0001-01-01. Peels
// off 400-, 100-, 4- and 1-year blocks; the last block of each level is one
// day longer (the leap day), hence the clamps to 3.
constexpr Civil civil_from_days(std::int64_t unix_days) noexcept {
  std::int64_t n = unix_days + kUnixEpochDay;
  const std::int64_t q400 = n / kDaysPer400Years;
  n %= kDaysPer400Years;
  const std::int64_t q100 = std::min<std::int64_t>(n / kDaysPer100Years, 3);
  n -= q100 * kDaysPer100Years;
  const std::int64_t q4 = n / kDaysPer4Years;
  n %= kDaysPer4Years;
  const std::int64_t q1 = std::min<std::int64_t>(n / 365, 3);
  n -= q1 * 365;
  const std::int64_t year = 1 + q400 * 400 + q100 * 100 + q4 * 4 + q1;
  std::int64_t month = 1;
  while (month < 12 && n >= kDaysBeforeMonth[month] + (month >= 2 && is_leap(year) ? 1 : 0)) {
    ++month;
  }
  const std::int64_t day =
      n - kDaysBeforeMonth[month - 1] - (month > 2 && is_leap(year) ? 1 : 0) + 1;
  return {year, month, day};
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11'017);
static_assert(civil_from_days(11'017).month == 3 && civil_from_days(11'017).day == 1);
static_assert(civil_from_days(-1).year == 1969 && civil_from_days(-1).day == 31);
static_assert(civil_from_days(days_from_civil(2024, 2, 29)).day == 29);

char* put2(char* p, std::int64_t v) noexcept {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
  return p + 2;
}

// Reads exactly `n` digits at s[pos]; false if any is not a digit.
bool digits(std::string_view s, std::size_t pos, std::size_t n, std::int64_t& out) noexcept {
  std::int64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

}  // namespace

bool parse_uint(std::string_view s, std::uint64_t& out) noexcept {
  if (s.empty()) return false;
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t v = 0;
  for (const char c : s) {
    if (!is_digit(c)) return false;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (kMax - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

bool parse_int(std::string_view s, std::int64_t& out) noexcept {
  const bool negative = !s.empty() && s.front() == '-';
  if (negative) s.remove_prefix(1);
  std::uint64_t magnitude = 0;
  if (!parse_uint(s, magnitude)) return false;
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (magnitude > kMax + (negative ? 1 : 0)) return false;
  // Negating in unsigned arithmetic keeps INT64_MIN well defined.
  out = negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
  return true;
}

// Accepts [-]digits[.digits] with at least one digit. Decimals past the sixth
// must be zeros: "190.25000000" is exact, "0.0000001" would lose precision
// and is refused rather than rounded.
bool parse_fixed6(std::string_view s, std::int64_t& out) noexcept {
  std::size_t i = 0;
  const bool negative = !s.empty() && s.front() == '-';
  if (negative) i = 1;
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  constexpr std::uint64_t kMaxWhole = kMax / kMicro;
  std::uint64_t whole = 0;
  std::size_t whole_digits = 0;
  for (; i < s.size() && is_digit(s[i]); ++i, ++whole_digits) {
    whole = whole * 10 + static_cast<std::uint64_t>(s[i] - '0');
    if (whole > kMaxWhole) return false;
  }
  std::uint64_t frac = 0;
  std::size_t frac_digits = 0;
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && is_digit(s[i]); ++i, ++frac_digits) {
      if (frac_digits < 6) {
        frac = frac * 10 + static_cast<std::uint64_t>(s[i] - '0');
      } else if (s[i] != '0') {
        return false;
      }
    }
  }
  if (i != s.size() || whole_digits + frac_digits == 0) return false;
  for (std::size_t k = std::min<std::size_t>(frac_digits, 6); k < 6; ++k) frac *= 10;
  const std::uint64_t magnitude = whole * kMicro + frac;
  if (magnitude > kMax) return false;
  out = negative ? -static_cast<std::int64_t>(magnitude) : static_cast<std::int64_t>(magnitude);
  return true;
}

std::size_t format_utc_timestamp(std::span<char> out, std::int64_t unix_ns) noexcept {
  constexpr std::size_t kSize = 21;  // YYYYMMDD-HH:MM:SS.sss
  if (out.size() < kSize) return 0;
  // Floor division so that times before 1970 still land on the right second.
  std::int64_t secs = unix_ns / kNanosPerSecond;
  std::int64_t ns = unix_ns % kNanosPerSecond;
  if (ns < 0) {
    ns += kNanosPerSecond;
    --secs;
  }
  std::int64_t days = secs / kSecondsPerDay;
  std::int64_t sod = secs % kSecondsPerDay;
  if (sod < 0) {
    sod += kSecondsPerDay;
    --days;
  }
  // int64 nanoseconds span 1677..2262, always four-digit years.
  const Civil c = civil_from_days(days);
  char* p = out.data();
  p = put2(p, c.year / 100);
  p = put2(p, c.year % 100);
  p = put2(p, c.month);
  p = put2(p, c.day);
  *p++ = '-';
  p = put2(p, sod / 3600);
  *p++ = ':';
  p = put2(p, sod / 60 % 60);
  *p++ = ':';
  p = put2(p, sod % 60);
  *p++ = '.';
  const std::int64_t ms = ns / 1'000'000;
  *p++ = static_cast<char>('0' + ms / 100);
  p = put2(p, ms % 100);
  return kSize;
}

bool parse_utc_timestamp(std::string_view s, std::int64_t& unix_ns) noexcept {
  // YYYYMMDD-HH:MM:SS, optionally followed by .sss, .ssssss or .sssssssss.
  constexpr std::size_t kBase = 17;
  if (s.size() != kBase && s.size() != kBase + 4 && s.size() != kBase + 7 &&
      s.size() != kBase + 10) {
    return false;
  }
  std::int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, frac = 0;
  if (!digits(s, 0, 4, y) || !digits(s, 4, 2, mo) || !digits(s, 6, 2, d) || s[8] != '-' ||
      !digits(s, 9, 2, h) || s[11] != ':' || !digits(s, 12, 2, mi) || s[14] != ':' ||
      !digits(s, 15, 2, sec)) {
    return false;
  }
  const std::size_t frac_digits = s.size() == kBase ? 0 : s.size() - kBase - 1;
  if (frac_digits != 0 && (s[kBase] != '.' || !digits(s, kBase + 1, frac_digits, frac))) {
    return false;
  }
  for (std::size_t k = frac_digits; k < 9; ++k) frac *= 10;
  // Second 60 is a leap second, which UTCTimestamp allows.
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
      sec > 60) {
    return false;
  }
  const std::int64_t secs = days_from_civil(y, mo, d) * kSecondsPerDay + h * 3600 + mi * 60 + sec;
  std::int64_t ns = 0;
  if (__builtin_mul_overflow(secs, kNanosPerSecond, &ns) || __builtin_add_overflow(ns, frac, &ns)) {
    return false;
  }
  unix_ns = ns;
  return true;
}

// BodyBuilder: every add is all-or-nothing, and after the first failure every
// later add fails too, so a body can never silently miss a field in the middle.
bool BodyBuilder::add(std::uint32_t t, std::string_view value) noexcept {
  const std::size_t need = detail::count_digits(t) + 1 + value.size() + 1;
  if (overflowed_ || t == 0 || value.empty() || need > buf_.size() - size_) {
    overflowed_ = true;
    return false;
  }
  char* p = buf_.data() + size_;
  p = detail::write_uint(p, t);
  *p++ = '=';
  p = detail::write_str(p, value.data(), value.size());
  *p++ = kSoh;
  size_ += need;
  return true;
}

bool BodyBuilder::add_int(std::uint32_t t, std::int64_t value) noexcept {
  char digits_buf[24];
  const auto r = std::to_chars(digits_buf, digits_buf + sizeof digits_buf, value);
  return add(t, std::string_view(digits_buf, static_cast<std::size_t>(r.ptr - digits_buf)));
}

bool BodyBuilder::add_fixed6(std::uint32_t t, std::int64_t micro) noexcept {
  char text[32];
  char* p = text;
  const std::uint64_t magnitude =
      micro < 0 ? 0 - static_cast<std::uint64_t>(micro) : static_cast<std::uint64_t>(micro);
  if (micro < 0) *p++ = '-';
  p = detail::write_uint(p, magnitude / kMicro);
  std::uint64_t frac = magnitude % kMicro;
  if (frac != 0) {
    *p++ = '.';
    int width = 6;
    while (frac % 10 == 0) {
      frac /= 10;
      --width;
    }
    for (int k = width - 1; k >= 0; --k) {
      p[k] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    p += width;
  }
  return add(t, std::string_view(text, static_cast<std::size_t>(p - text)));
}

bool BodyBuilder::add_raw(std::string_view fields) noexcept {
  if (overflowed_ || fields.size() > buf_.size() - size_) {
    overflowed_ = true;
    return false;
  }
  detail::write_str(buf_.data() + size_, fields.data(), fields.size());
  size_ += fields.size();
  return true;
}

}  // namespace riskgate::codec
