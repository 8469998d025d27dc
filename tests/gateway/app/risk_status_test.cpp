// Status views of the risk engine (gateway/app/risk_status.hpp): the flow
// envelope per session as JSON, and the table capacity warning that status
// shows while it holds and the audit gets once per crossing.
#include "gateway/app/risk_status.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <vector>

namespace {

using riskgate::app::account_limits_json;
using riskgate::app::flow_json;
using riskgate::app::TableLevel;
using riskgate::app::tables_json;
using riskgate::app::TableWatch;
using riskgate::risk::FlowUsage;
using riskgate::risk::RuleId;
using riskgate::risk::TableUsage;

constexpr std::int64_t kSec = 1'000'000'000;

TableUsage tables(std::uint32_t pairs, std::uint32_t parents, std::uint32_t session_symbols) {
  TableUsage u;
  u.pairs = pairs;
  u.pairs_capacity = 1000;
  u.parents = parents;
  u.parents_capacity = 1000;
  u.session_symbols = session_symbols;
  u.session_symbols_capacity = 1000;
  return u;
}

std::vector<std::string> names(const std::vector<TableLevel>& v) {
  std::vector<std::string> out;
  for (const auto& t : v) out.emplace_back(t.table);
  return out;
}

TEST(TableWatch, ATableReachingEightyPercentIsReportedOnceHoweverOftenItIsPolled) {
  TableWatch w;
  EXPECT_TRUE(w.poll(tables(799, 0, 0), 1 * kSec).empty());
  EXPECT_EQ(names(w.poll(tables(800, 0, 0), 2 * kSec)), std::vector<std::string>{"pairs"});
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(w.poll(tables(900, 0, 0), (3 + i) * kSec).empty());
  // Status shows it every time while it holds.
  EXPECT_EQ(names(TableWatch::alerts(tables(900, 0, 0))), std::vector<std::string>{"pairs"});
  EXPECT_TRUE(TableWatch::alerts(tables(799, 0, 0)).empty());
}

TEST(TableWatch, EachTableIsReportedOnItsOwnCrossing) {
  TableWatch w;
  EXPECT_EQ(names(w.poll(tables(0, 850, 0), kSec)), std::vector<std::string>{"parents"});
  EXPECT_EQ(names(w.poll(tables(0, 850, 990), 2 * kSec)),
            std::vector<std::string>{"session_symbols"});
  EXPECT_EQ(names(TableWatch::alerts(tables(0, 850, 990))),
            (std::vector<std::string>{"parents", "session_symbols"}));
}

TEST(TableWatch, ATableReArmsOnlyBelowSeventyFivePercentAndAtMostOncePerInterval) {
  TableWatch w(std::chrono::seconds(60));
  ASSERT_EQ(w.poll(tables(0, 800, 0), kSec).size(), 1u);
  // Hovering at the line does not re-arm it.
  EXPECT_TRUE(w.poll(tables(0, 790, 0), 2 * kSec).empty());
  EXPECT_TRUE(w.poll(tables(0, 810, 0), 3 * kSec).empty());
  // The day's reset clears the parent table: re-armed, but a new crossing
  // within the minute waits for the minute to pass.
  EXPECT_TRUE(w.poll(tables(0, 0, 0), 4 * kSec).empty());
  EXPECT_TRUE(w.poll(tables(0, 820, 0), 30 * kSec).empty());
  EXPECT_EQ(names(w.poll(tables(0, 820, 0), 61 * kSec)), std::vector<std::string>{"parents"});
}

TEST(TableWatch, TheWarningNamesTheTableItsLevelAndTheCapacityToRaise) {
  const auto alerts = TableWatch::alerts(tables(850, 0, 0));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].warning(),
            "risk table pairs is 85.0% full (850 of 1000): raise [risk.capacities] "
            "max_account_symbols before it fills; a full table refuses new orders");
  const auto j = tables_json(tables(850, 1, 0));
  EXPECT_EQ(j["pairs"]["used"], 850);
  EXPECT_EQ(j["pairs"]["capacity"], 1000);
  EXPECT_DOUBLE_EQ(j["pairs"]["pct"].get<double>(), 85.0);
  EXPECT_DOUBLE_EQ(j["parents"]["pct"].get<double>(), 0.1);
  EXPECT_EQ(j["session_symbols"]["used"], 0);
}

TEST(FlowJson, ShowsEachRuleWithItsValueThresholdBaselineAndBreach) {
  FlowUsage u;
  u.throttled = true;
  u.rules.push_back({RuleId::kFlowNetQty, 1234.5, 250000, 0, false});
  u.rules.push_back({RuleId::kFlowExecNotional, 3.5e12, 2e15, 1e14, true});
  u.rules.push_back({RuleId::kFlowSymbolNetQty, 0, 100000, 0, false});
  u.rules.push_back({RuleId::kFlowFills, 12, std::numeric_limits<double>::infinity(), 0, false});
  std::vector<riskgate::risk::FlowRule> cfg(4);
  cfg[0].window_ms = 5000;
  cfg[1].window_ms = 60000;
  cfg[2].window_ms = 5000;
  cfg[3].window_ms = 1000;

  const auto j = flow_json(u, cfg);
  EXPECT_EQ(j["throttled"], true);
  ASSERT_EQ(j["rules"].size(), 4u);
  EXPECT_EQ(j["rules"][0]["rule"], "flow_net_qty");
  EXPECT_EQ(j["rules"][0]["window_ms"], 5000);
  EXPECT_DOUBLE_EQ(j["rules"][0]["value"].get<double>(), 1234.5);
  EXPECT_DOUBLE_EQ(j["rules"][0]["threshold"].get<double>(), 250000);
  EXPECT_EQ(j["rules"][0]["breached"], false);
  // Notionals in currency units, as the config writes them.
  EXPECT_EQ(j["rules"][1]["rule"], "flow_exec_notional");
  EXPECT_DOUBLE_EQ(j["rules"][1]["value"].get<double>(), 3.5e6);
  EXPECT_DOUBLE_EQ(j["rules"][1]["threshold"].get<double>(), 2e9);
  EXPECT_DOUBLE_EQ(j["rules"][1]["baseline"].get<double>(), 1e8);
  EXPECT_EQ(j["rules"][1]["breached"], true);
  // Per symbol: no session-wide value to show.
  EXPECT_EQ(j["rules"][2]["per_symbol"], true);
  EXPECT_FALSE(j["rules"][2].contains("value"));
  // No limit yet (a relative rule before its baseline): null, not a number.
  EXPECT_TRUE(j["rules"][3]["threshold"].is_null());
}

TEST(AccountLimitsJson, TheAccountsOverrideWinsOverTheDefaultsAndASymbolOverrideDoesNot) {
  riskgate::risk::RiskConfig cfg;
  cfg.defaults.max_open_orders = 5000;
  cfg.defaults.max_open_notional = 250'000'000 * riskgate::risk::kMicro;
  riskgate::risk::LimitOverride acc2;
  acc2.account = "ACC2";
  acc2.limits.max_open_notional = 20'000'000 * riskgate::risk::kMicro;
  riskgate::risk::LimitOverride pair;  // One symbol of ACC2: not the account's own limit.
  pair.account = "ACC2";
  pair.symbol = "AAPL";
  pair.limits.max_open_orders = 7;
  cfg.overrides = {acc2, pair};

  const auto acc1 = account_limits_json(cfg, "ACC1");
  EXPECT_EQ(acc1["max_open_orders"], 5000);
  EXPECT_DOUBLE_EQ(acc1["max_open_notional"].get<double>(), 250e6);  // Currency units.
  EXPECT_TRUE(acc1["max_gross_notional_day"].is_null());             // Unset: the check is off.
  const auto j2 = account_limits_json(cfg, "ACC2");
  EXPECT_EQ(j2["max_open_orders"], 5000);
  EXPECT_DOUBLE_EQ(j2["max_open_notional"].get<double>(), 20e6);
}

}  // namespace
