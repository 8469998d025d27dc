// Cell formatting shared by rg-replay's table and its sweep.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "tests/support/flow_replay.hpp"

namespace riskgate::replay {

inline std::string seconds(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", static_cast<double>(ns) / 1e9);
  return buf;
}

inline std::string kill_cell(const SessionResult& s) {
  if (!s.killed) return "-";
  return seconds(s.kill_ns) + " " + s.kill_reason;
}

// The three most frequent refusal rules with their counts; "-" if none.
inline std::string top_rules(const SessionResult& s) {
  std::string out;
  int n = 0;
  for (const auto& [rule, count] : s.refusals_by_rule()) {
    if (n++ == 3) break;
    if (!out.empty()) out += ", ";
    out += std::string(rule) + " " + std::to_string(count);
  }
  return out.empty() ? "-" : out;
}

}  // namespace riskgate::replay
