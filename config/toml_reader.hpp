// Internal to config/: typed, validating access to a parsed TOML document.
//
// Every accessor records its key as allowed; finish() then reports every key
// of the table that nobody asked for, so an unknown (misspelt) key is always
// an error. Errors are collected, not thrown one by one, so an operator sees
// every problem of a file in one go; Reader::throw_if_errors() throws them.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace riskgate::config::detail {

class Reader {
 public:
  Reader(std::string source_name, const std::string& text);

  // Parses the text; a syntax error throws ConfigError at once.
  [[nodiscard]] toml::table parse();

  // line 0: the message carries no line number.
  void error(int line, std::string_view where, std::string_view key, std::string_view reason);
  [[nodiscard]] bool has_errors() const noexcept { return !errors_.empty(); }
  void throw_if_errors() const;

  // The literal text of the number starting at (line, column), e.g. "190.1",
  // or empty if it cannot be located.
  [[nodiscard]] std::string_view number_text(int line, int column) const;

  // Every key any Table of this document looked up (present or not), as
  // "<table path>.<key>": the loader's own list of the keys it accepts, which
  // the printer's tests check the printer and its test file against.
  void note_key(std::string_view table_path, std::string_view key);
  [[nodiscard]] const std::set<std::string, std::less<>>& keys_read() const noexcept {
    return keys_read_;
  }

 private:
  std::string name_;
  const std::string& text_;
  std::vector<std::string_view> lines_;
  std::vector<std::string> errors_;
  std::set<std::string, std::less<>> keys_read_;
};

// Parses a decimal literal ("190.1", "-1_000.25", "1.5e3") into
// value * 10^decimals exactly. Returns nullopt if the text is not a decimal
// number, has more precision than 10^-decimals, or overflows int64.
[[nodiscard]] std::optional<std::int64_t> decimal_to_scaled(std::string_view text, int decimals);

class Table {
 public:
  // `path`: where the table sits in the document, arrays of tables without
  // an index ("", "gateway", "session", "risk.flow.rule"); unlike `where` it
  // never changes.
  Table(Reader& r, const toml::table& t, std::string where, std::string path = {});

  [[nodiscard]] const std::string& where() const noexcept { return where_; }
  void set_where(std::string w) { where_ = std::move(w); }
  [[nodiscard]] int line() const noexcept;                // Line of the table's header.
  [[nodiscard]] int line_of(std::string_view key) const;  // Of the key, else of the table.
  [[nodiscard]] bool has(std::string_view key);           // Also marks the key as allowed.
  void error(std::string_view key, std::string_view reason);

  // Each returns nullopt when the key is absent or invalid (the error is
  // recorded). req_* also record "required key missing".
  std::optional<std::string> str(std::string_view key);
  std::string req_str(std::string_view key);
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
  std::optional<std::int64_t> req_integer(std::string_view key, std::int64_t min, std::int64_t max);
  std::optional<bool> boolean(std::string_view key);
  // A point in time as unix seconds: a non-negative integer, a string
  // "2025-11-30T03:00:00Z" (RFC 3339, UTC) or a TOML offset date-time.
  std::optional<std::int64_t> unix_time(std::string_view key);
  // An int or a float, finite, > min_exclusive.
  std::optional<double> real(std::string_view key, double min_exclusive);
  // An int or a decimal written with at most `decimals` fractional digits,
  // converted exactly to value * 10^decimals; must be >= min_scaled.
  std::optional<std::int64_t> scaled(std::string_view key, int decimals, std::int64_t min_scaled,
                                     std::string_view unit_hint);
  std::optional<std::vector<std::string>> str_array(std::string_view key);
  std::optional<Table> table(std::string_view key);
  // [[key]] entries; `label` names each, e.g. "session" -> "session #2".
  std::vector<Table> table_array(std::string_view key, std::string_view label);

  // Reports every key that no accessor asked for.
  void finish();

 private:
  const toml::node* get(std::string_view key);
  [[nodiscard]] std::string child_path(std::string_view key) const;

  Reader* r_;
  const toml::table* t_;
  std::string where_;
  std::string path_;
  std::vector<std::string> allowed_;
};

}  // namespace riskgate::config::detail
