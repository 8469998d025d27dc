// The replay's standard scenarios, shared by tests/risk/knight_replay_test.cpp
// and bench/replay/rg-replay.cpp so the README table and the tests measure
// the same flows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/flow_replay.hpp"

namespace riskgate::replay {

struct ScenarioScale {
  std::int64_t normal_orders = 200'000;  // Per flow in the one-flow normal scenarios.
  // ... except the trending market maker, which runs this long instead: its
  // two trends (down, then up) and their pauses, in full.
  std::int64_t trending_duration_ns = 12 * 60 * kNsPerSec;
  // A runaway that is never stopped runs this long (Knight: about 45 minutes).
  std::int64_t runaway_duration_ns = 45 * 60 * kNsPerSec;
  // Seven normal engines on one account, each its own session; the runaway
  // joins them (on the same account) at mixed_runaway_start_ns.
  std::int64_t mixed_duration_ns = 120 * kNsPerSec;
  std::int64_t mixed_runaway_start_ns = 30 * kNsPerSec;
};

struct Scenario {
  std::string name;
  std::vector<FlowSpec> flows;
};

inline constexpr const char* kScenarioAccount = "FIRM";

// One runaway alone on its account (kRunawayTagged / Untagged / Spread).
[[nodiscard]] Scenario runaway_alone(FlowKind kind, const ScenarioScale& scale);
// One normal flow alone, scale.normal_orders orders (the trending market
// maker: scale.trending_duration_ns), at `rate_multiple` x its
// kind's default rate (named "<kind> x<multiple>" unless 1). A program trade
// at 2x works its basket in half the time.
[[nodiscard]] Scenario normal_alone(FlowKind kind, const ScenarioScale& scale,
                                    double rate_multiple = 1.0);
// The normal flow shapes, in the README's order.
[[nodiscard]] std::vector<FlowKind> normal_kinds();
// The top of the program-trade range: a $500M, 500-name basket on a
// 30-minute schedule (three times the default's pace), at 150 algo events/s;
// scale.normal_orders orders. At `rate_multiple` the events are that much
// faster and the schedule that much shorter.
[[nodiscard]] Scenario program_trade_large(const ScenarioScale& scale, double rate_multiple = 1.0);
// An untagged runaway over the default 150 symbols and 212 parents at
// `children_per_sec` children of `child_qty` shares, for at most `duration_ns`
// (named "runaway_untagged <rate>/s x<qty>").
[[nodiscard]] Scenario runaway_untagged_at(double children_per_sec, std::int64_t child_qty,
                                           std::int64_t duration_ns);
// Seven normal engines (two retail, two market makers, two replace algos, one
// cancel/new algo) on one account for scale.mixed_duration_ns, each its own
// session; _plus adds a runaway of `runaway` kind as the eighth session.
[[nodiscard]] Scenario seven_engines(const ScenarioScale& scale);
[[nodiscard]] Scenario seven_engines_plus(FlowKind runaway, const ScenarioScale& scale);

// Every scenario above, in the README's order.
[[nodiscard]] std::vector<Scenario> all_scenarios(const ScenarioScale& scale);

// A multiple as the scenarios name it: "2", "0.5".
[[nodiscard]] std::string multiple_name(double m);

}  // namespace riskgate::replay
