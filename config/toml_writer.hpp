// Internal to config/: writes TOML text in the form riskgate's config file
// uses (`Key = value` lines under [table] and [[array]] headers, "# ..."
// comments), for print_config(). Each call appends whole lines.
//
// Not toml++'s formatter: it picks literal or multi-line string forms and
// prints doubles with 17 significant digits, while this output is read by
// operators beside the file they wrote, and scaled prices must come out as the
// exact decimal text the loader reads (decimal()), never through a double.
//
// Pure: no I/O. Not thread-safe (one writer per call of print_config()).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace riskgate::config::detail {

class TomlWriter {
 public:
  void comment(std::string_view text);  // "# text"; control characters become '?'.
  void blank();
  void table(std::string_view name);        // "[name]", after a blank line.
  void array_table(std::string_view name);  // "[[name]]", after a blank line.

  void str(std::string_view key, std::string_view value);  // A basic string, escaped.
  void integer(std::string_view key, std::int64_t value);
  void boolean(std::string_view key, bool value);
  // The shortest text that reads back as the same double; always a TOML
  // float ("2.0", never "2").
  void real(std::string_view key, double value);
  // value / 10^decimals, exactly, in the fewest digits: (190'100'000, 6) ->
  // 190.1, (5'000'000, 6) -> 5 (an integer: the loader takes either).
  void decimal(std::string_view key, std::int64_t scaled, int decimals);
  void strings(std::string_view key, const std::vector<std::string>& values);

  // An unset value: "# key: off" (or the given reason instead of "off").
  void off(std::string_view key, std::string_view reason = "off");

  // What the optional overloads below print for an unset value: off(key)
  // (a rule that is off), or nothing (a layer that leaves the value to the
  // layer below, as a [[risk.override]] does).
  enum class Unset : std::uint8_t { kOff, kOmit };
  void unset_policy(Unset u) noexcept { unset_ = u; }
  // The value, or the unset policy's line when unset.
  void integer(std::string_view key, const std::optional<std::int64_t>& value);
  void real(std::string_view key, const std::optional<double>& value);
  void decimal(std::string_view key, const std::optional<std::int64_t>& scaled, int decimals);

  [[nodiscard]] const std::string& text() const noexcept { return out_; }

 private:
  void line(std::string_view key, std::string_view value);

  std::string out_;
  Unset unset_ = Unset::kOff;
};

// The formatting rules above, for the tests.
[[nodiscard]] std::string toml_basic_string(std::string_view s);
[[nodiscard]] std::string decimal_text(std::int64_t scaled, int decimals);
[[nodiscard]] std::string real_text(double v);

}  // namespace riskgate::config::detail
