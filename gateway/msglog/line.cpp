#include "gateway/msglog/line.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <string_view>

namespace riskgate::msglog {
namespace {

constexpr std::int64_t kNsPerSec = 1'000'000'000;
constexpr std::int64_t kNsPerDay = 86'400 * kNsPerSec;
constexpr std::string_view kHeaderTitle = "# riskgate message log";

std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

void put_digits(char* at, std::uint64_t v, int width) noexcept {
  for (int i = width - 1; i >= 0; --i) {
    at[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

bool read_digits(std::string_view s, std::size_t at, int width, int& v) noexcept {
  if (at + static_cast<std::size_t>(width) > s.size()) return false;
  v = 0;
  for (int i = 0; i < width; ++i) {
    const char c = s[at + static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  return true;
}

}  // namespace

std::int32_t day_of(std::int64_t utc_ns) noexcept {
  return static_cast<std::int32_t>(floor_div(utc_ns, kNsPerDay));
}

std::int64_t day_start_ns(std::int32_t day) noexcept {
  return static_cast<std::int64_t>(day) * kNsPerDay;
}

std::string day_string(std::int32_t day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  char buf[8];
  put_digits(buf, static_cast<std::uint64_t>(static_cast<int>(ymd.year())), 4);
  put_digits(buf + 4, static_cast<unsigned>(ymd.month()), 2);
  put_digits(buf + 6, static_cast<unsigned>(ymd.day()), 2);
  return std::string(buf, 8);
}

std::optional<std::int32_t> parse_day(std::string_view s) noexcept {
  int y = 0, m = 0, d = 0;
  if (s.size() != 8 || !read_digits(s, 0, 4, y) || !read_digits(s, 4, 2, m) ||
      !read_digits(s, 6, 2, d))
    return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y},
                                        std::chrono::month{static_cast<unsigned>(m)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return static_cast<std::int32_t>(std::chrono::sys_days{ymd}.time_since_epoch().count());
}

void format_timestamp(std::int64_t utc_ns, char (&out)[kTimestampSize]) noexcept {
  const std::int32_t day = day_of(utc_ns);
  const std::int64_t in_day = utc_ns - day_start_ns(day);
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  const std::int64_t sec = in_day / kNsPerSec;
  put_digits(out, static_cast<std::uint64_t>(static_cast<int>(ymd.year())), 4);
  put_digits(out + 4, static_cast<unsigned>(ymd.month()), 2);
  put_digits(out + 6, static_cast<unsigned>(ymd.day()), 2);
  out[8] = '-';
  put_digits(out + 9, static_cast<std::uint64_t>(sec / 3600), 2);
  out[11] = ':';
  put_digits(out + 12, static_cast<std::uint64_t>(sec / 60 % 60), 2);
  out[14] = ':';
  put_digits(out + 15, static_cast<std::uint64_t>(sec % 60), 2);
  out[17] = '.';
  put_digits(out + 18, static_cast<std::uint64_t>(in_day % kNsPerSec), 9);
}

std::optional<std::int64_t> parse_timestamp(std::string_view ts) noexcept {
  int hh = 0, mm = 0, ss = 0, ns = 0;
  if (ts.size() != kTimestampSize || ts[8] != '-' || ts[11] != ':' || ts[14] != ':' ||
      ts[17] != '.')
    return std::nullopt;
  const auto day = parse_day(ts.substr(0, 8));
  if (!day || !read_digits(ts, 9, 2, hh) || !read_digits(ts, 12, 2, mm) ||
      !read_digits(ts, 15, 2, ss) || !read_digits(ts, 18, 9, ns) || hh > 23 || mm > 59 || ss > 60)
    return std::nullopt;
  return day_start_ns(*day) + (static_cast<std::int64_t>(hh) * 3600 + mm * 60 + ss) * kNsPerSec +
         ns;
}

std::string file_name(std::string_view session, std::int32_t day) {
  std::string n(session);
  n += '.';
  n += day_string(day);
  n += ".log";
  return n;
}

std::optional<FileName> parse_file_name(std::string_view name) {
  FileName f;
  if (name.ends_with(".gz")) {
    f.gz = true;
    name.remove_suffix(3);
  }
  constexpr std::size_t kSuffix = 13;  // ".YYYYMMDD.log"
  if (!name.ends_with(".log") || name.size() <= kSuffix || name[name.size() - kSuffix] != '.')
    return std::nullopt;
  const auto day = parse_day(name.substr(name.size() - kSuffix + 1, 8));
  if (!day) return std::nullopt;
  f.day = *day;
  f.session = std::string(name.substr(0, name.size() - kSuffix));
  return f;
}

namespace {
void append_timestamp(std::string& out, std::int64_t utc_ns) {
  char ts[kTimestampSize];
  format_timestamp(utc_ns, ts);
  out.append(ts, kTimestampSize);
}

// Tags whose values never reach the disk: Password(554), NewPassword(925)
// (the files are 0640, read by operations staff, and kept for years), and
// RawData(96), which carries the engine's deployment attestation, replayable
// from its host until it expires.
bool is_masked_tag(std::string_view tag) noexcept {
  return tag == "554" || tag == "925" || tag == "96";
}

// Whether any field of `raw` is one is_masked_tag() names. Fields start at 0
// and after each SOH; the first digit rules out almost every field without a
// compare.
bool has_masked_field(std::string_view raw) noexcept {
  const auto masked_at = [raw](std::size_t at) noexcept {
    if (at >= raw.size() || (raw[at] != '5' && raw[at] != '9')) return false;
    const std::string_view rest = raw.substr(at);
    return rest.starts_with("554=") || rest.starts_with("925=") || rest.starts_with("96=");
  };
  if (masked_at(0)) return true;
  const char* const begin = raw.data();
  const char* const end = begin + raw.size();
  for (const char* p = begin; p != end;) {
    const void* soh = std::memchr(p, '\x01', static_cast<std::size_t>(end - p));
    if (soh == nullptr) return false;
    p = static_cast<const char*>(soh) + 1;
    if (masked_at(static_cast<std::size_t>(p - begin))) return true;
  }
  return false;
}

}  // namespace

void append_message_line(std::string& out, std::int64_t utc_ns, bool inbound,
                         std::string_view raw) {
  append_timestamp(out, utc_ns);
  out += inbound ? " in " : " out ";
  // A '|' or '\\' inside a value (a Text, say) is escaped (see line.hpp), so
  // that no value can pass for a field boundary: the slow path below.
  if (!has_masked_field(raw) && raw.find('|') == std::string_view::npos &&
      raw.find('\\') == std::string_view::npos) {
    // The common case: the bytes once, then SOH -> '|' and line breaks ->
    // ' ' in place (the writer formats every message of every session, so
    // this is most of its CPU).
    const std::size_t at = out.size();
    out.append(raw);
    // Selects, not branches: the compiler turns this loop into vector
    // compares and blends (an SOH every ~9 bytes mispredicts a branch).
    char* const c = out.data() + at;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      const char b = c[i];
      c[i] = b == '\x01' ? '|' : (b == '\n' || b == '\r') ? ' ' : b;
    }
    out += '\n';
    return;
  }
  // Field by field: SOH -> '|', line breaks -> ' ', secrets masked.
  std::size_t pos = 0;
  while (pos < raw.size()) {
    std::size_t end = raw.find('\x01', pos);
    const bool last = end == std::string_view::npos;
    if (last) end = raw.size();
    const std::string_view f = raw.substr(pos, end - pos);
    const std::size_t eq = f.find('=');
    const std::string_view tag =
        eq == std::string_view::npos ? std::string_view{} : f.substr(0, eq);
    if (is_masked_tag(tag)) {
      out.append(tag);
      out += "=***";
    } else {
      for (const char c : f) {
        if (c == '\n' || c == '\r') {
          out += ' ';
        } else {
          if (c == '|' || c == '\\') out += '\\';
          out += c;
        }
      }
    }
    if (!last) out += '|';
    pos = end + 1;
  }
  out += '\n';
}

void append_gap_line(std::string& out, std::int64_t utc_ns, std::uint64_t messages) {
  append_timestamp(out, utc_ns);
  out += " GAP ";
  out += std::to_string(messages);
  out += " messages\n";
}

void append_header_line(std::string& out, std::int64_t utc_ns, std::string_view fields) {
  out += kHeaderTitle;
  out += ' ';
  out += fields;
  out += " opened=";
  append_timestamp(out, utc_ns);
  out += '\n';
}

std::optional<Line> parse_line(std::string_view text) {
  Line l;
  if (text.starts_with(kHeaderTitle)) {
    l.kind = Line::Kind::kHeader;
    text.remove_prefix(kHeaderTitle.size());
    while (!text.empty()) {
      const std::size_t sp = text.find(' ');
      const std::string_view word = text.substr(0, sp);
      const std::size_t eq = word.find('=');
      if (eq != std::string_view::npos)
        l.header.emplace(std::string(word.substr(0, eq)), std::string(word.substr(eq + 1)));
      if (sp == std::string_view::npos) break;
      text.remove_prefix(sp + 1);
    }
    return l;
  }
  if (text.size() < kTimestampSize + 2 || text[kTimestampSize] != ' ') return std::nullopt;
  l.timestamp = text.substr(0, kTimestampSize);
  const auto ns = parse_timestamp(l.timestamp);
  if (!ns) return std::nullopt;
  l.utc_ns = *ns;
  std::string_view rest = text.substr(kTimestampSize + 1);
  if (rest.starts_with("in ")) {
    l.inbound = true;
    l.message = rest.substr(3);
  } else if (rest.starts_with("out ")) {
    l.message = rest.substr(4);
  } else if (rest.starts_with("GAP ")) {
    l.kind = Line::Kind::kGap;
    rest.remove_prefix(4);
    const auto r = std::from_chars(rest.data(), rest.data() + rest.size(), l.gap);
    if (r.ec != std::errc{}) return std::nullopt;
    return l;
  } else {
    return std::nullopt;
  }
  if (!l.message.starts_with("8=")) return std::nullopt;
  return l;
}

std::string_view field(std::string_view message, std::string_view tag) noexcept {
  std::size_t pos = 0;
  while (pos < message.size()) {
    // The next '|' that is not escaped ("\\|" is a bar inside a value).
    std::size_t end = pos;
    while (end < message.size() && message[end] != '|') end += message[end] == '\\' ? 2 : 1;
    end = std::min(end, message.size());
    const std::string_view f = message.substr(pos, end - pos);
    if (f.size() > tag.size() && f[tag.size()] == '=' && f.starts_with(tag))
      return f.substr(tag.size() + 1);
    pos = end + 1;
  }
  return {};
}

}  // namespace riskgate::msglog
