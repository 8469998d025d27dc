// How a FIX field value is compared with a retired value from the release
// manifest (issue 4). The one definition: config/manifest.cpp normalises and
// validates [[retired]] values with it at load, Manifest::find_retired and
// route::RetiredValues::find (the order path) compare with it.
//
// The rule. A value is normalised by
//   1. deleting every ASCII whitespace byte wherever it is (leading, trailing
//      and interior): space, \t, \n, \v, \f, \r; and
//   2. folding ASCII letters to upper case (a-z -> A-Z).
// Every other byte (digits, punctuation, control bytes, bytes >= 0x80) is kept
// and compares exactly: no locale, no Unicode folding. A field matches a
// retired value when the two normalise to the same bytes, so "PWRPEG" retires
// "pwrpeg", " PwrPeg ", "PWR PEG" and "Pwr\tPeg". An empty retired value
// retires every value of its tag.
//
// Why this rule: the threat is dormant code sending an old flag in whatever
// spelling its serialiser used, and a miss lets it trade (Knight's Power
// Peg); a false hit refuses one order and trips one session. So the match
// errs wide on spelling but never guesses about bytes: a retired value must
// be printable ASCII after normalising (check_retired_value), so a pasted
// non-breaking space or look-alike letter is a load error, not a silent
// never-match.
//
// Header-only and dependency-free on purpose: config/ uses it without linking
// the order path, and the order path uses it without linking config/ (toml++).
// Thread safety: pure functions. retired_value_matches() is the order-path
// call: constexpr, noexcept, no allocation, no locale.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace riskgate::route {

// The bytes normalisation deletes: the "C" locale's isspace set, spelled out
// so no locale is consulted.
[[nodiscard]] constexpr bool is_retired_value_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

[[nodiscard]] constexpr char fold_retired_value_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

// Why `raw` cannot be a retired value, or "" if it can. Setup only.
[[nodiscard]] constexpr std::string_view check_retired_value(std::string_view raw) noexcept {
  bool any = false;
  for (const char c : raw) {
    if (is_retired_value_space(c)) continue;
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e) {
      return "must be printable ASCII apart from whitespace (FIX values are ASCII; a control or "
             "non-ASCII byte, such as a pasted non-breaking space, would never match)";
    }
    any = true;
  }
  if (!any) return "is empty after removing whitespace (omit value to retire every value)";
  return {};
}

// `raw` normalised (see the rule above). Setup only: allocates.
[[nodiscard]] inline std::string normalise_retired_value(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (const char c : raw)
    if (!is_retired_value_space(c)) out.push_back(fold_retired_value_char(c));
  return out;
}

// True if `value` (a field value as received) is retired by `retired`, an
// already normalised retired value; an empty `retired` retires every value.
// Normalises `value` on the fly: one pass, no allocation.
[[nodiscard]] constexpr bool retired_value_matches(std::string_view retired,
                                                   std::string_view value) noexcept {
  if (retired.empty()) return true;
  if (value.size() < retired.size()) return false;  // Normalising only deletes.
  std::size_t i = 0;
  for (const char c : value) {
    if (is_retired_value_space(c)) continue;
    if (i == retired.size() || retired[i] != fold_retired_value_char(c)) return false;
    ++i;
  }
  return i == retired.size();
}

}  // namespace riskgate::route
