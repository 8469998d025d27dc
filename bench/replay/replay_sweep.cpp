#include "bench/replay/replay_sweep.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/replay/replay_format.hpp"
#include "tests/support/flow_replay.hpp"
#include "tests/support/flow_scenarios.hpp"

namespace riskgate::replay {

namespace {

// Runs one scenario, timing it on stderr.
ReplayResult timed(const risk::RiskConfig& config, const Scenario& sc) {
  const auto t0 = std::chrono::steady_clock::now();
  ReplayResult r = run_replay(config, sc.flows);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "%s: %lld steps, %.2f s simulated, %.2f s wall\n", sc.name.c_str(),
               static_cast<long long>(r.steps), static_cast<double>(r.sim_end_ns) / 1e9, wall);
  return r;
}

// Kill reason and the tripping rule's numbers.
std::string kill_by(const SessionResult& s) {
  if (!s.killed) return "-";
  return s.kill_detail.empty() ? s.kill_reason : s.kill_reason + " (" + s.kill_detail + ")";
}

void runaway_table(const risk::RiskConfig& config, const SweepOptions& opt) {
  const auto bound_ns = static_cast<std::int64_t>(opt.runaway_minutes * 60e9);
  std::printf(
      "\n(i) untagged runaway over 150 symbols (212 parents of 1,000-10,000 shares), "
      "unstopped runs cut at %g min\n",
      opt.runaway_minutes);
  std::printf("%9s %6s %8s  %10s  %-24s %-26s %12s %12s %9s  %-60s %s\n", "children/s", "qty",
              "shares/s", "1st past", "killed at", "kill after 1st past-filled", "shares@kill",
              "since 1st", "$M@kill", "by", "refusals");
  for (const std::int64_t qty : {100, 500}) {
    for (const double rate : {100.0, 300.0, 750.0, 1500.0, 3000.0}) {
      const ReplayResult r = timed(config, runaway_untagged_at(rate, qty, bound_ns));
      const SessionResult& s = r.sessions.at(0);
      const std::string past =
          s.first_past_filled_ns < 0 ? "none" : seconds(s.first_past_filled_ns);
      std::string killed, after;
      std::int64_t shares = s.executed_qty;
      double notional = static_cast<double>(s.executed_notional) / 1e12;
      if (s.killed) {
        killed = seconds(s.kill_ns);
        after = s.first_past_filled_ns < 0 || s.kill_ns < s.first_past_filled_ns
                    ? "before 1st"
                    : seconds(*s.kill_after_past_filled_ns());
        shares = s.executed_qty_at_kill;
        notional = static_cast<double>(s.executed_notional_at_kill) / 1e12;
      } else {
        killed = "not stopped in " + std::to_string(std::llround(opt.runaway_minutes)) + " min";
        after = "-";
      }
      char refused[96];
      std::snprintf(refused, sizeof refused, "%.2f%% %s", 100.0 * s.refused_ratio(),
                    top_rules(s).c_str());
      std::printf("%9.0f %6lld %8.0f  %10s  %-24s %-26s %12lld %12lld %9.1f  %-60s %s\n", rate,
                  static_cast<long long>(qty), rate * static_cast<double>(qty), past.c_str(),
                  killed.c_str(), after.c_str(), static_cast<long long>(shares),
                  static_cast<long long>(s.executed_qty_since_past_filled), notional,
                  kill_by(s).c_str(), refused);
      std::fflush(stdout);
    }
  }
}

void normal_row(const SessionResult& s, const char* label, double multiple, std::int64_t sim_ns) {
  std::printf("%-26s %4gx %9lld %9.1f %9.3f%% %5d  %-62s %12lld %10.1f  %s\n", label, multiple,
              static_cast<long long>(s.orders), static_cast<double>(sim_ns) / 60e9,
              100.0 * s.refused_ratio(), s.killed ? 1 : 0,
              s.killed ? (seconds(s.kill_ns) + " " + kill_by(s)).c_str() : "-",
              static_cast<long long>(s.executed_qty),
              static_cast<double>(s.executed_notional) / 1e12, top_rules(s).c_str());
  std::fflush(stdout);
}

void normal_table(const risk::RiskConfig& config, const SweepOptions& opt) {
  ScenarioScale scale;
  scale.normal_orders = opt.normal_orders;
  std::printf(
      "\n(ii) normal flows at 1x, 2x, 5x their default rate, %lld orders each "
      "(market_maker_trending: 12 minutes, two trends)\n",
      static_cast<long long>(opt.normal_orders));
  std::printf("%-26s %5s %9s %9s %10s %5s  %-62s %12s %10s  %s\n", "flow", "rate", "orders",
              "sim min", "refused", "kills", "killed at", "shares exec", "notional$M",
              "top refusals");
  for (const FlowKind kind : normal_kinds()) {
    for (const double m : {1.0, 2.0, 5.0}) {
      const ReplayResult r = timed(config, normal_alone(kind, scale, m));
      normal_row(r.sessions.at(0), std::string(flow_kind_name(kind)).c_str(), m, r.sim_end_ns);
    }
  }
  for (const double m : {1.0, 2.0, 5.0}) {
    const ReplayResult r = timed(config, program_trade_large(scale, m));
    normal_row(r.sessions.at(0), "program_trade_500M_30min", m, r.sim_end_ns);
  }
}

void lopsided_table(const risk::RiskConfig& config, const SweepOptions& opt) {
  std::printf(
      "\n(iii) market_maker_trending through its first trend (5 minutes of a falling market: "
      "the bids hit), by the share of fills on the bids, at 1x and 2x its rate\n");
  std::printf("%-9s %5s %9s %10s %5s  %-62s %12s %9s  %s\n", "lopsided", "rate", "orders",
              "refused", "kills", "killed at", "shares exec", "buy share", "top refusals");
  ScenarioScale scale;
  scale.normal_orders = opt.normal_orders;
  for (const double lop : {0.6, 0.7, 0.8, 0.9}) {
    for (const double m : {1.0, 2.0}) {
      Scenario sc = normal_alone(FlowKind::kMarketMakerTrending, scale, m);
      sc.flows.at(0).duration_ns = 5 * 60 * kNsPerSec;
      sc.flows.at(0).lopsided = lop;
      sc.name += " lopsided " + multiple_name(lop);
      const ReplayResult r = timed(config, sc);
      const SessionResult& s = r.sessions.at(0);
      const double buy = s.executed_qty == 0 ? 0.0
                                             : 100.0 * static_cast<double>(s.executed_buy_qty) /
                                                   static_cast<double>(s.executed_qty);
      std::printf("%-9g %4gx %9lld %9.3f%% %5d  %-62s %12lld %8.1f%%  %s\n", lop, m,
                  static_cast<long long>(s.orders), 100.0 * s.refused_ratio(), s.killed ? 1 : 0,
                  s.killed ? (seconds(s.kill_ns) + " " + kill_by(s)).c_str() : "-",
                  static_cast<long long>(s.executed_qty), buy, top_rules(s).c_str());
      std::fflush(stdout);
    }
  }
}

}  // namespace

void print_sweep(const risk::RiskConfig& config, const SweepOptions& options) {
  runaway_table(config, options);
  normal_table(config, options);
  lopsided_table(config, options);
}

}  // namespace riskgate::replay
