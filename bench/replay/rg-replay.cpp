// rg-replay: runs every replay scenario (tests/support/flow_scenarios.hpp)
// against the limits in config/riskgate.toml and prints one table: missed
// breaches (how long a runaway trades after its first child past a filled
// parent, and how much it executes) and false refusals (normal flows refused
// or killed), then the sensitivity sweep (bench/replay/replay_sweep.hpp): the
// margins on both sides. Deterministic: the same build and config give the
// same tables.
//
//   rg-replay                       # full scale: 200,000 orders per normal flow,
//                                   # runaways up to 45 minutes; table + sweep
//   rg-replay --sweep               # the sweep alone
//   rg-replay --no-sweep --orders 20000 --runaway-minutes 10 --scenario retail
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/replay/replay_format.hpp"
#include "bench/replay/replay_sweep.hpp"
#include "config/config.hpp"
#include "tests/support/flow_replay.hpp"
#include "tests/support/flow_scenarios.hpp"

namespace rp = riskgate::replay;

namespace {

using rp::kill_cell;
using rp::seconds;
using rp::top_rules;

std::string after_past_filled(const rp::SessionResult& s) {
  if (!rp::is_runaway(s.kind)) return "";
  if (s.first_past_filled_ns < 0) return s.killed ? "before 1st" : "no past-filled child";
  if (!s.killed) return "not killed (" + seconds(s.last_step_ns - s.first_past_filled_ns) + " run)";
  return s.kill_ns < s.first_past_filled_ns ? "before 1st"
                                            : seconds(*s.kill_after_past_filled_ns());
}

void row(const char* scenario, const char* session, std::int64_t sessions, std::int64_t orders,
         std::int64_t accepted, double refused_pct, std::int64_t kills, const std::string& killed,
         const std::string& after, std::int64_t shares, double notional_m,
         const std::string& rules) {
  std::printf("%-32s %-16s %3lld %10lld %10lld %8.3f%% %5lld  %-34s %-24s %12lld %10.1f  %s\n",
              scenario, session, static_cast<long long>(sessions), static_cast<long long>(orders),
              static_cast<long long>(accepted), refused_pct, static_cast<long long>(kills),
              killed.c_str(), after.c_str(), static_cast<long long>(shares), notional_m,
              rules.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rg-replay: Knight replay and normal flows against the shipped risk limits"};
  rp::ScenarioScale scale;
  std::int64_t orders = scale.normal_orders;
  double runaway_minutes = 45;
  double mixed_seconds = static_cast<double>(scale.mixed_duration_ns) / 1e9;
  std::string only;
  bool sweep_only = false;
  bool no_sweep = false;
  std::string config_path;
  app.add_option("--config", config_path,
                 "A riskgate config whose [risk] limits to replay (default: the shipped one)")
      ->check(CLI::ExistingFile);
  app.add_option("--orders", orders, "Orders per normal flow in the one-flow scenarios");
  app.add_option("--runaway-minutes", runaway_minutes, "Bound on an unstopped runaway");
  app.add_option("--mixed-seconds", mixed_seconds, "Length of the seven-engine scenarios");
  app.add_option("--scenario", only, "Run only scenarios whose name contains this");
  app.add_flag("--sweep", sweep_only, "Print only the sensitivity sweep");
  app.add_flag("--no-sweep", no_sweep, "Print only the scenario table");
  CLI11_PARSE(app, argc, argv);
  scale.normal_orders = orders;
  scale.runaway_duration_ns = static_cast<std::int64_t>(runaway_minutes * 60e9);
  scale.mixed_duration_ns = static_cast<std::int64_t>(mixed_seconds * 1e9);

  riskgate::risk::RiskConfig config;
  try {
    config = config_path.empty() ? rp::shipped_risk_config()
                                 : riskgate::config::load_config(config_path).risk;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rg-replay: %s\n", e.what());
    return 2;
  }
  std::printf("limits: %s; reference data: S0000..S%04u (10..500), lot 1\n",
              config_path.empty() ? "config/riskgate.toml" : config_path.c_str(),
              rp::kSyntheticSymbols - 1);
  rp::SweepOptions sweep;
  sweep.normal_orders = orders;
  sweep.runaway_minutes = runaway_minutes;
  if (sweep_only) {
    rp::print_sweep(config, sweep);
    return 0;
  }
  std::printf("%-32s %-16s %3s %10s %10s %9s %5s  %-34s %-24s %12s %10s  %s\n", "scenario",
              "session", "ses", "orders", "accepted", "refused", "kills", "killed at",
              "kill after past-filled", "shares exec", "notional$M", "top refusals");
  for (const rp::Scenario& sc : rp::all_scenarios(scale)) {
    if (!only.empty() && sc.name.find(only) == std::string::npos) continue;
    const auto t0 = std::chrono::steady_clock::now();
    const rp::ReplayResult r = rp::run_replay(config, sc.flows);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::int64_t o = 0, a = 0, ref = 0, sent = 0, kills = 0, shares = 0;
    double notional = 0;
    std::string killed, after, rules;
    for (const auto& s : r.sessions) {
      o += s.orders;
      a += s.accepted;
      ref += s.refused + s.cancels_refused;
      sent += s.orders + s.cancels;
      kills += s.killed ? 1 : 0;
      shares += s.executed_qty;
      notional += static_cast<double>(s.executed_notional) / 1e12;
    }
    if (r.sessions.size() == 1) {
      const auto& s = r.sessions.front();
      killed = kill_cell(s);
      after = after_past_filled(s);
      rules = top_rules(s);
    }
    row(sc.name.c_str(), r.sessions.size() == 1 ? "" : "(all)",
        static_cast<std::int64_t>(r.sessions.size()), o, a,
        sent == 0 ? 0.0 : 100.0 * static_cast<double>(ref) / static_cast<double>(sent), kills,
        killed, after, shares, notional, rules);
    if (r.sessions.size() > 1) {
      for (const auto& s : r.sessions) {
        row("", s.name.c_str(), 1, s.orders, s.accepted, 100.0 * s.refused_ratio(),
            s.killed ? 1 : 0, kill_cell(s), after_past_filled(s), s.executed_qty,
            static_cast<double>(s.executed_notional) / 1e12, top_rules(s));
      }
    }
    for (const auto& n : r.notes) std::printf("  note: %s\n", n.c_str());
    std::fflush(stdout);
    std::fprintf(stderr, "%s: %lld steps, %.2f s simulated, %.2f s wall\n", sc.name.c_str(),
                 static_cast<long long>(r.steps), static_cast<double>(r.sim_end_ns) / 1e9, wall);
  }
  if (!no_sweep) rp::print_sweep(config, sweep);
  return 0;
}
