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
// One normal flow alone, scale.normal_orders orders.
[[nodiscard]] Scenario normal_alone(FlowKind kind, const ScenarioScale& scale);
// Seven normal engines (two retail, two market makers, two replace algos, one
// cancel/new algo) on one account for scale.mixed_duration_ns, each its own
// session; _plus adds a runaway of `runaway` kind as the eighth session.
[[nodiscard]] Scenario seven_engines(const ScenarioScale& scale);
[[nodiscard]] Scenario seven_engines_plus(FlowKind runaway, const ScenarioScale& scale);

// Every scenario above, in the README's order.
[[nodiscard]] std::vector<Scenario> all_scenarios(const ScenarioScale& scale);

}  // namespace riskgate::replay
