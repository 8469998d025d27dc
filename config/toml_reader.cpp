#include "config/toml_reader.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <utility>

#include "config/attestation.hpp"
#include "config/config.hpp"

namespace riskgate::config::detail {
namespace {

std::string_view type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date/time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

int line_of_node(const toml::node& n) {
  return static_cast<int>(n.source().begin.line);
}

// Levenshtein distance, for "did you mean" hints on unknown keys.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const char ca = static_cast<char>(std::tolower(static_cast<unsigned char>(a[i - 1])));
      const char cb = static_cast<char>(std::tolower(static_cast<unsigned char>(b[j - 1])));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca == cb ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

bool mul_overflows(std::int64_t a, std::int64_t b, std::int64_t* out) {
  return __builtin_mul_overflow(a, b, out);
}

std::string format_int(std::int64_t v) {
  return std::to_string(v);
}

std::string format_real(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

Reader::Reader(std::string source_name, const std::string& text)
    : name_(std::move(source_name)), text_(text) {
  std::size_t start = 0;
  while (start <= text_.size()) {
    std::size_t end = text_.find('\n', start);
    if (end == std::string::npos) end = text_.size();
    std::string_view line(text_.data() + start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines_.push_back(line);
    start = end + 1;
  }
}

toml::table Reader::parse() {
  try {
    return toml::parse(std::string_view(text_), name_);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    throw ConfigError({name_ + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) +
                       ": TOML syntax error: " + std::string(e.description())});
  }
}

void Reader::error(int line, std::string_view where, std::string_view key,
                   std::string_view reason) {
  std::string m = name_;
  if (line > 0) m += ":" + std::to_string(line);
  m += ": ";
  if (!where.empty()) {
    m += where;
    m += ": ";
  }
  if (!key.empty()) {
    m += key;
    m += ": ";
  }
  m += reason;
  errors_.push_back(std::move(m));
}

void Reader::throw_if_errors() const {
  if (!errors_.empty()) throw ConfigError(errors_);
}

std::string_view Reader::number_text(int line, int column) const {
  if (line < 1 || column < 1 || static_cast<std::size_t>(line) > lines_.size()) return {};
  const std::string_view l = lines_[static_cast<std::size_t>(line) - 1];
  // toml++ counts columns in code points; walk UTF-8 to find the byte offset.
  std::size_t pos = 0;
  for (int cp = 1; cp < column && pos < l.size(); ++cp) {
    ++pos;
    while (pos < l.size() && (static_cast<unsigned char>(l[pos]) & 0xC0) == 0x80) ++pos;
  }
  std::size_t end = pos;
  while (end < l.size()) {
    const char c = l[end];
    if ((c >= '0' && c <= '9') || c == '.' || c == '_' || c == '+' || c == '-' || c == 'e' ||
        c == 'E') {
      ++end;
    } else {
      break;
    }
  }
  return l.substr(pos, end - pos);
}

std::optional<std::int64_t> decimal_to_scaled(std::string_view s, int decimals) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  std::string digits;  // Significant digits, without the point.
  int exp10 = 0;       // value = digits * 10^exp10
  bool seen_point = false, any_digit = false;
  std::size_t i = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      any_digit = true;
      if (!(digits.empty() && c == '0')) digits.push_back(c);
      if (seen_point) --exp10;
    } else if (c == '_') {
      continue;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!any_digit) return std::nullopt;
  if (i < s.size()) {
    if (s[i] != 'e' && s[i] != 'E') return std::nullopt;
    ++i;
    bool eneg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
    if (i >= s.size()) return std::nullopt;
    int e = 0;
    for (; i < s.size(); ++i) {
      if (s[i] == '_') continue;
      if (s[i] < '0' || s[i] > '9' || e > 10000) return std::nullopt;
      e = e * 10 + (s[i] - '0');
    }
    exp10 += eneg ? -e : e;
  }
  exp10 += decimals;
  // Trailing zeros absorb a negative exponent exactly.
  while (exp10 < 0 && !digits.empty() && digits.back() == '0') {
    digits.pop_back();
    ++exp10;
  }
  if (digits.empty()) return 0;
  if (exp10 < 0) return std::nullopt;  // Finer than the unit.
  std::int64_t v = 0;
  for (char c : digits) {
    if (mul_overflows(v, 10, &v) || __builtin_add_overflow(v, c - '0', &v)) return std::nullopt;
  }
  for (int k = 0; k < exp10; ++k) {
    if (mul_overflows(v, 10, &v)) return std::nullopt;
  }
  return neg ? -v : v;
}

void Reader::note_key(std::string_view table_path, std::string_view key) {
  std::string k(table_path);
  if (!k.empty()) k += '.';
  k += key;
  keys_read_.insert(std::move(k));
}

Table::Table(Reader& r, const toml::table& t, std::string where, std::string path)
    : r_(&r), t_(&t), where_(std::move(where)), path_(std::move(path)) {}

int Table::line() const noexcept {
  return line_of_node(*t_);
}

int Table::line_of(std::string_view key) const {
  if (const toml::node* n = t_->get(key)) {
    const int l = line_of_node(*n);
    if (l > 0) return l;
  }
  return line();
}

bool Table::has(std::string_view key) {
  return get(key) != nullptr;
}

void Table::error(std::string_view key, std::string_view reason) {
  r_->error(line_of(key), where_, key, reason);
}

const toml::node* Table::get(std::string_view key) {
  if (std::find(allowed_.begin(), allowed_.end(), key) == allowed_.end()) {
    allowed_.emplace_back(key);
    r_->note_key(path_, key);
  }
  return t_->get(key);
}

std::optional<std::string> Table::str(std::string_view key) {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  if (const auto* v = n->as_string()) return v->get();
  error(key, "expected a string, got " + std::string(type_name(*n)));
  return std::nullopt;
}

std::string Table::req_str(std::string_view key) {
  if (!has(key)) {
    error(key, "required key missing");
    return {};
  }
  auto v = str(key);
  if (v && v->empty()) error(key, "must not be empty");
  return v.value_or(std::string{});
}

std::optional<std::int64_t> Table::integer(std::string_view key, std::int64_t min,
                                           std::int64_t max) {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  const auto* v = n->as_integer();
  if (v == nullptr) {
    error(key, "expected an integer, got " + std::string(type_name(*n)));
    return std::nullopt;
  }
  const std::int64_t x = v->get();
  if (x < min || x > max) {
    std::string range = max == std::numeric_limits<std::int64_t>::max()
                            ? ">= " + format_int(min)
                            : format_int(min) + ".." + format_int(max);
    error(key, "must be " + range + ", got " + format_int(x));
    return std::nullopt;
  }
  return x;
}

std::optional<std::int64_t> Table::req_integer(std::string_view key, std::int64_t min,
                                               std::int64_t max) {
  if (!has(key)) {
    error(key, "required key missing");
    return std::nullopt;
  }
  return integer(key, min, max);
}

std::optional<bool> Table::boolean(std::string_view key) {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  if (const auto* v = n->as_boolean()) return v->get();
  error(key, "expected true or false, got " + std::string(type_name(*n)));
  return std::nullopt;
}

std::optional<std::int64_t> Table::unix_time(std::string_view key) {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  if (const auto* i = n->as_integer()) {
    if (i->get() >= 0) return i->get();
  } else if (const auto* s = n->as_string()) {
    if (auto t = parse_utc_time(s->get())) return t;
  } else if (const auto* dt = n->as_date_time()) {
    const toml::date_time& v = dt->get();
    if (v.offset) {
      std::tm tm{};
      tm.tm_year = v.date.year - 1900;
      tm.tm_mon = v.date.month - 1;
      tm.tm_mday = v.date.day;
      tm.tm_hour = v.time.hour;
      tm.tm_min = v.time.minute;
      tm.tm_sec = v.time.second;
      const std::int64_t local = ::timegm(&tm);
      const std::int64_t t = local - std::int64_t{v.offset->minutes} * 60;
      if (t >= 0) return t;
    }
  }
  error(key,
        "expected unix seconds (an integer >= 0), \"YYYY-MM-DDTHH:MM:SSZ\" or a date-time with "
        "an offset; got " +
            std::string(type_name(*n)));
  return std::nullopt;
}

std::optional<double> Table::real(std::string_view key, double min_exclusive) {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  double x = 0;
  if (const auto* i = n->as_integer()) {
    x = static_cast<double>(i->get());
  } else if (const auto* f = n->as_floating_point()) {
    x = f->get();
  } else {
    error(key, "expected a number, got " + std::string(type_name(*n)));
    return std::nullopt;
  }
  if (!std::isfinite(x) || !(x > min_exclusive)) {
    std::string got = std::isfinite(x) ? format_real(x) : "a non-finite value";
    error(key, "must be > " + format_real(min_exclusive) + ", got " + got);
    return std::nullopt;
  }
  return x;
}

std::optional<std::int64_t> Table::scaled(std::string_view key, int decimals,
                                          std::int64_t min_scaled, std::string_view unit_hint) {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  std::int64_t scale = 1;
  for (int k = 0; k < decimals; ++k) scale *= 10;
  std::optional<std::int64_t> v;
  std::string shown;
  if (const auto* i = n->as_integer()) {
    std::int64_t out = 0;
    if (mul_overflows(i->get(), scale, &out)) {
      error(key, "too large, got " + format_int(i->get()));
      return std::nullopt;
    }
    v = out;
    shown = format_int(i->get());
  } else if (const auto* f = n->as_floating_point()) {
    const double x = f->get();
    if (!std::isfinite(x)) {
      error(key, "must be a finite number");
      return std::nullopt;
    }
    // The exact decimal the operator wrote, not the nearest double. Check that
    // the located text really is this value (it always is for ASCII files) and
    // otherwise fall back to rounding the double.
    const auto& b = n->source().begin;
    std::string text(r_->number_text(static_cast<int>(b.line), static_cast<int>(b.column)));
    const std::string plain = [&] {
      std::string p;
      for (char c : text)
        if (c != '_') p.push_back(c);
      return p;
    }();
    shown = plain.empty() ? format_real(x) : plain;
    if (!plain.empty() && std::strtod(plain.c_str(), nullptr) == x) {
      v = decimal_to_scaled(plain, decimals);
      if (!v) {
        error(key, "at most " + std::to_string(decimals) + " decimal places " +
                       std::string(unit_hint) + ", got " + plain);
        return std::nullopt;
      }
    } else {
      const double s = std::round(x * static_cast<double>(scale));
      if (std::fabs(s) >= 9.2e18) {
        error(key, "too large, got " + shown);
        return std::nullopt;
      }
      v = static_cast<std::int64_t>(s);
    }
  } else {
    error(key, "expected a number, got " + std::string(type_name(*n)));
    return std::nullopt;
  }
  if (*v < min_scaled) {
    error(key, std::string(min_scaled > 0 ? "must be > 0" : "must be >= 0") + ", got " + shown);
    return std::nullopt;
  }
  return v;
}

std::optional<std::vector<std::string>> Table::str_array(std::string_view key) {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  const auto* a = n->as_array();
  if (a == nullptr) {
    error(key, "expected an array of strings, got " + std::string(type_name(*n)));
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& e : *a) {
    if (const auto* s = e.as_string()) {
      out.push_back(s->get());
    } else {
      error(key, "expected an array of strings, found " + std::string(type_name(e)));
      return std::nullopt;
    }
  }
  return out;
}

std::optional<Table> Table::table(std::string_view key) {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  if (const auto* t = n->as_table()) {
    std::string w = where_.empty() ? std::string(key) : where_ + "." + std::string(key);
    return Table(*r_, *t, std::move(w), child_path(key));
  }
  error(key, "expected a table ([" + std::string(key) + "]), got " + std::string(type_name(*n)));
  return std::nullopt;
}

std::vector<Table> Table::table_array(std::string_view key, std::string_view label) {
  std::vector<Table> out;
  const toml::node* n = get(key);
  if (n == nullptr) return out;
  const auto* a = n->as_array();
  if (a == nullptr || !a->is_array_of_tables()) {
    error(key, "expected an array of tables ([[" + std::string(key) + "]]), got " +
                   std::string(type_name(*n)));
    return out;
  }
  int idx = 0;
  for (const auto& e : *a) {
    ++idx;
    out.emplace_back(*r_, *e.as_table(), std::string(label) + " #" + std::to_string(idx),
                     child_path(key));
  }
  return out;
}

std::string Table::child_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void Table::finish() {
  for (const auto& [k, v] : *t_) {
    const std::string_view key = k.str();
    if (std::find(allowed_.begin(), allowed_.end(), key) != allowed_.end()) continue;
    std::string reason = "unknown key";
    std::size_t best = 3;
    std::string_view hint;
    for (const auto& a : allowed_) {
      const std::size_t d = edit_distance(key, a);
      if (d < best) {
        best = d;
        hint = a;
      }
    }
    if (!hint.empty()) reason += " (did you mean " + std::string(hint) + "?)";
    int l = static_cast<int>(k.source().begin.line);
    if (l <= 0) l = line_of_node(v);
    r_->error(l > 0 ? l : line(), where_, key, reason);
  }
}

}  // namespace riskgate::config::detail
