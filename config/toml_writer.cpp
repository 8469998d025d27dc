#include "config/toml_writer.hpp"

#include <charconv>
#include <cstdio>
#include <system_error>

namespace riskgate::config::detail {

std::string toml_basic_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        // TOML forbids the other control characters (and DEL) unescaped.
        // Bytes >= 0x80 pass as they are: the loader only accepted UTF-8.
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string decimal_text(std::int64_t scaled, int decimals) {
  // Unsigned arithmetic so that INT64_MIN has a magnitude too.
  const bool neg = scaled < 0;
  const std::uint64_t mag =
      neg ? ~static_cast<std::uint64_t>(scaled) + 1 : static_cast<std::uint64_t>(scaled);
  std::uint64_t scale = 1;
  for (int k = 0; k < decimals; ++k) scale *= 10;
  std::string out = neg ? "-" : "";
  out += std::to_string(mag / scale);
  std::uint64_t frac = mag % scale;
  if (frac != 0) {
    std::string digits = std::to_string(frac);
    digits.insert(0, static_cast<std::size_t>(decimals) - digits.size(), '0');
    while (digits.back() == '0') digits.pop_back();
    out += '.';
    out += digits;
  }
  return out;
}

std::string real_text(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);  // Shortest round trip.
  std::string out(buf, r.ec == std::errc{} ? r.ptr : buf);
  // "2" or "1e+20" would read back as an integer or be fine; make every value
  // a float so a key's type never depends on its value.
  if (out.find_first_of(".eEn") == std::string::npos) out += ".0";
  return out;
}

void TomlWriter::comment(std::string_view text) {
  out_ += "# ";
  for (const char c : text) {
    out_ += (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) ? '?' : c;
  }
  out_ += '\n';
}

void TomlWriter::blank() {
  out_ += '\n';
}

void TomlWriter::table(std::string_view name) {
  out_ += "\n[";
  out_ += name;
  out_ += "]\n";
}

void TomlWriter::array_table(std::string_view name) {
  out_ += "\n[[";
  out_ += name;
  out_ += "]]\n";
}

void TomlWriter::line(std::string_view key, std::string_view value) {
  out_ += key;
  out_ += " = ";
  out_ += value;
  out_ += '\n';
}

void TomlWriter::str(std::string_view key, std::string_view value) {
  line(key, toml_basic_string(value));
}

void TomlWriter::integer(std::string_view key, std::int64_t value) {
  line(key, std::to_string(value));
}

void TomlWriter::boolean(std::string_view key, bool value) {
  line(key, value ? "true" : "false");
}

void TomlWriter::real(std::string_view key, double value) {
  line(key, real_text(value));
}

void TomlWriter::decimal(std::string_view key, std::int64_t scaled, int decimals) {
  line(key, decimal_text(scaled, decimals));
}

void TomlWriter::strings(std::string_view key, const std::vector<std::string>& values) {
  std::string v = "[";
  for (const auto& s : values) {
    if (v.size() > 1) v += ", ";
    v += toml_basic_string(s);
  }
  v += ']';
  line(key, v);
}

void TomlWriter::off(std::string_view key, std::string_view reason) {
  std::string c(key);
  c += ": ";
  c += reason;
  comment(c);
}

void TomlWriter::integer(std::string_view key, const std::optional<std::int64_t>& value) {
  if (value)
    integer(key, *value);
  else if (unset_ == Unset::kOff)
    off(key);
}

void TomlWriter::real(std::string_view key, const std::optional<double>& value) {
  if (value)
    real(key, *value);
  else if (unset_ == Unset::kOff)
    off(key);
}

void TomlWriter::decimal(std::string_view key, const std::optional<std::int64_t>& scaled,
                         int decimals) {
  if (scaled)
    decimal(key, *scaled, decimals);
  else if (unset_ == Unset::kOff)
    off(key);
}

}  // namespace riskgate::config::detail
