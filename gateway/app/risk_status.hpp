// What the control plane shows of the risk engine's live state: each client
// session's flow envelope, and how full the engine's fixed tables are, with a
// warning when one nears its capacity (a full table refuses new orders with
// risk_state_full: fail closed, but an outage all the same).
//
// Threads: control thread only (these allocate). The engine's readers they
// call (flow_usage, table_usage) load relaxed atomics written by the I/O
// thread; a value may be a moment old, which a status line tolerates.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "risk/config.hpp"
#include "risk/engine.hpp"

namespace riskgate::app {

// One session's flow envelope, rule by rule in config order:
//   {"throttled": bool, "rules": [{"rule": "flow_net_qty", "window_ms": 5000,
//    "value": 1234.5, "threshold": 250000 | null (no limit yet),
//    "baseline": 0, "breached": false}, ...]}
// Notional rules are in currency units. A symbol_net_qty rule holds per
// symbol, so it shows "per_symbol": true and its threshold only. `rules` is
// the configured list (for window_ms); a usage rule without one is shown
// without it.
[[nodiscard]] nlohmann::json flow_json(const risk::FlowUsage& usage,
                                       const std::vector<risk::FlowRule>& rules);

// The account-wide limits that bound `account`'s live exposure, as the
// config sets them for the account itself: [risk.defaults] overlaid by the
// [[risk.override]] naming the account and no symbol. (An account+symbol
// override can tighten one symbol further; the console's bars show the
// account's own.) Notional limits in currency units; null when unset (the
// check is off):
//   {"max_open_orders": 5000, "max_open_notional": 250000000.0,
//    "max_gross_notional_day": null}
[[nodiscard]] nlohmann::json account_limits_json(const risk::RiskConfig& cfg,
                                                 std::string_view account);

// One fixed table of the risk engine and its fill level.
struct TableLevel {
  std::string_view table;         // "pairs", "parents", "session_symbols".
  std::string_view capacity_key;  // The [risk.capacities] key that sizes it.
  std::uint32_t used = 0;
  std::uint32_t capacity = 0;
  [[nodiscard]] double ratio() const noexcept {
    return capacity == 0 ? 0.0 : static_cast<double>(used) / static_cast<double>(capacity);
  }
  // "risk table pairs is 81% full (53084 of 65536): raise [risk.capacities]
  // max_account_symbols before it fills; a full table refuses new orders"
  [[nodiscard]] std::string warning() const;
};

[[nodiscard]] std::array<TableLevel, 3> table_levels(const risk::TableUsage& u);
// {"pairs": {"used": n, "capacity": n, "pct": 12.5}, ...}
[[nodiscard]] nlohmann::json tables_json(const risk::TableUsage& u);

// Warns when a table reaches kAlertRatio of its capacity.
//  * alerts(): the tables at or above it now (status shows them every time).
//  * poll(): the tables that crossed it since the last poll: each crossing
//    is reported once, however often status or the control tick runs. A
//    table re-arms only when it falls back below kRearmRatio (the parent
//    table is cleared each trading day; the others only grow), and a table
//    is reported at most once per min_interval, so a level hovering at the
//    line cannot flood the audit.
class TableWatch {
 public:
  // Tune: warn early enough to raise a capacity at the next restart.
  static constexpr double kAlertRatio = 0.80;
  static constexpr double kRearmRatio = 0.75;

  explicit TableWatch(std::chrono::nanoseconds min_interval = std::chrono::minutes(1))
      : min_interval_ns_(min_interval.count()) {}

  [[nodiscard]] std::vector<TableLevel> poll(const risk::TableUsage& u, std::int64_t now_ns);
  [[nodiscard]] static std::vector<TableLevel> alerts(const risk::TableUsage& u);

 private:
  struct State {
    bool armed = true;
    std::int64_t last_ns = std::numeric_limits<std::int64_t>::min();
  };
  std::int64_t min_interval_ns_;
  std::array<State, 3> state_{};
};

}  // namespace riskgate::app
