// Parses the simulators' one-line summaries for tests:
//   "engine-sim summary: sent=10 acked=10 logout_text="a b""
// Header-only; used by tests/sim and tests/integration.
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <map>
#include <string>

namespace riskgate::testing {

using Summary = std::map<std::string, std::string>;

// "prefix summary: a=1 b=2 text="x y"" -> {a:1, b:2, text:x y}. Everything up
// to the first ':' is the prefix; quoted values may contain '\"' and '\\'.
inline Summary parse_summary(const std::string& line) {
  Summary out;
  std::size_t pos = line.find(':');
  if (pos == std::string::npos) return out;
  ++pos;
  while (pos < line.size()) {
    while (pos < line.size() && line[pos] == ' ') ++pos;
    const std::size_t eq = line.find('=', pos);
    if (eq == std::string::npos) break;
    const std::string key = line.substr(pos, eq - pos);
    std::string value;
    pos = eq + 1;
    if (pos < line.size() && line[pos] == '"') {
      ++pos;
      while (pos < line.size() && line[pos] != '"') {
        if (line[pos] == '\\' && pos + 1 < line.size()) ++pos;
        value += line[pos++];
      }
      ++pos;
    } else {
      const std::size_t sp = line.find(' ', pos);
      value = line.substr(pos, sp == std::string::npos ? std::string::npos : sp - pos);
      pos = sp == std::string::npos ? line.size() : sp;
    }
    out[key] = value;
  }
  return out;
}

// The integer value of `key`; a missing or non-numeric key fails the test
// and returns -1, so an expectation on it fails too.
inline long num(const Summary& m, const std::string& key) {
  auto it = m.find(key);
  if (it == m.end()) {
    ADD_FAILURE() << "summary has no key " << key;
    return -1;
  }
  try {
    return std::stol(it->second);
  } catch (const std::exception&) {
    ADD_FAILURE() << "summary key " << key << " is not a number: " << it->second;
    return -1;
  }
}

}  // namespace riskgate::testing
