#include "tests/support/flow_scenarios.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace riskgate::replay {

namespace {

FlowSpec spec(FlowKind kind, std::string name, std::uint64_t seed) {
  FlowSpec f;
  f.kind = kind;
  f.name = std::move(name);
  f.account = kScenarioAccount;
  f.seed = seed;
  return f;
}

}  // namespace

Scenario runaway_alone(FlowKind kind, const ScenarioScale& scale) {
  if (!is_runaway(kind)) throw std::invalid_argument("runaway_alone: not a runaway kind");
  FlowSpec f = spec(kind, std::string(flow_kind_name(kind)), 2012);
  f.duration_ns = scale.runaway_duration_ns;
  return {std::string(flow_kind_name(kind)), {f}};
}

std::string multiple_name(double m) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", m);
  return buf;
}

Scenario normal_alone(FlowKind kind, const ScenarioScale& scale, double rate_multiple) {
  if (is_runaway(kind)) throw std::invalid_argument("normal_alone: a runaway kind");
  if (!(rate_multiple > 0)) throw std::invalid_argument("normal_alone: rate multiple <= 0");
  std::string name(flow_kind_name(kind));
  if (rate_multiple != 1.0) name += " x" + multiple_name(rate_multiple);
  FlowSpec f = spec(kind, name, 7);
  if (kind == FlowKind::kMarketMakerTrending) {
    f.duration_ns = scale.trending_duration_ns;
  } else {
    f.max_orders = scale.normal_orders;
  }
  FlowSpec defaults;
  defaults.kind = kind;
  f.rate_per_sec = with_defaults(defaults).rate_per_sec * rate_multiple;
  return {name, {f}};
}

std::vector<FlowKind> normal_kinds() {
  return {FlowKind::kRetail,
          FlowKind::kMarketMaker,
          FlowKind::kAlgoReplace,
          FlowKind::kAlgoCancelNew,
          FlowKind::kProgramTrade,
          FlowKind::kRetailBurst,
          FlowKind::kMarketMakerTrending};
}

Scenario program_trade_large(const ScenarioScale& scale, double rate_multiple) {
  if (!(rate_multiple > 0)) throw std::invalid_argument("program_trade_large: rate multiple <= 0");
  std::string name = "program_trade_500M_30min";
  if (rate_multiple != 1.0) name += " x" + multiple_name(rate_multiple);
  FlowSpec f = spec(FlowKind::kProgramTrade, name, 7);
  f.max_orders = scale.normal_orders;
  f.rate_per_sec = 150 * rate_multiple;
  f.parents = 500;
  f.symbols = 800;
  f.program_notional = 500e6;
  f.program_ns = std::llround(30 * 60 * kNsPerSec / rate_multiple);
  return {name, {f}};
}

Scenario runaway_untagged_at(double children_per_sec, std::int64_t child_qty,
                             std::int64_t duration_ns) {
  const std::string name =
      "runaway_untagged " + multiple_name(children_per_sec) + "/s x" + std::to_string(child_qty);
  FlowSpec f = spec(FlowKind::kRunawayUntagged, name, 2012);
  f.rate_per_sec = children_per_sec;
  f.child_qty = child_qty;
  f.duration_ns = duration_ns;
  return {name, {f}};
}

Scenario seven_engines(const ScenarioScale& scale) {
  // Each engine is a share of one account's business, sized so that the
  // seven together stay well inside the account's shipped limits: about 900
  // orders/s (45 % of max_account_orders_per_sec) and about 700 M of the
  // 2,000 M max_gross_notional_day over two minutes. Symbol ranges overlap
  // each other and the runaway's (S0000..S0149).
  struct Row {
    FlowKind kind;
    const char* name;
    double rate;
    std::uint32_t first_symbol;
  };
  const Row rows[] = {
      {FlowKind::kRetail, "retail_1", 60, 0},
      {FlowKind::kRetail, "retail_2", 60, 150},
      {FlowKind::kMarketMaker, "market_maker_1", 300, 0},
      {FlowKind::kMarketMaker, "market_maker_2", 300, 100},
      {FlowKind::kAlgoReplace, "algo_replace_1", 100, 0},
      {FlowKind::kAlgoReplace, "algo_replace_2", 100, 300},
      {FlowKind::kAlgoCancelNew, "algo_cancel_new", 100, 100},
  };
  Scenario s{"seven_engines", {}};
  std::uint64_t seed = 100;
  for (const Row& r : rows) {
    FlowSpec f = spec(r.kind, r.name, ++seed);
    f.rate_per_sec = r.rate;
    f.first_symbol = r.first_symbol;
    if (r.kind == FlowKind::kAlgoReplace || r.kind == FlowKind::kAlgoCancelNew) f.parents = 25;
    f.duration_ns = scale.mixed_duration_ns;
    s.flows.push_back(f);
  }
  return s;
}

Scenario seven_engines_plus(FlowKind runaway, const ScenarioScale& scale) {
  if (!is_runaway(runaway)) throw std::invalid_argument("seven_engines_plus: not a runaway kind");
  Scenario s = seven_engines(scale);
  s.name = "seven_engines+" + std::string(flow_kind_name(runaway));
  FlowSpec f = spec(runaway, std::string(flow_kind_name(runaway)), 2012);
  f.start_ns = scale.mixed_runaway_start_ns;
  f.duration_ns = scale.mixed_duration_ns - scale.mixed_runaway_start_ns;
  s.flows.push_back(f);
  return s;
}

std::vector<Scenario> all_scenarios(const ScenarioScale& scale) {
  return {
      runaway_alone(FlowKind::kRunawayUntagged, scale),
      runaway_alone(FlowKind::kRunawayTagged, scale),
      runaway_alone(FlowKind::kRunawaySpread, scale),
      normal_alone(FlowKind::kRetail, scale),
      normal_alone(FlowKind::kMarketMaker, scale),
      normal_alone(FlowKind::kAlgoReplace, scale),
      normal_alone(FlowKind::kAlgoCancelNew, scale),
      normal_alone(FlowKind::kProgramTrade, scale),
      program_trade_large(scale),
      normal_alone(FlowKind::kRetailBurst, scale),
      normal_alone(FlowKind::kMarketMakerTrending, scale),
      seven_engines(scale),
      seven_engines_plus(FlowKind::kRunawayUntagged, scale),
      seven_engines_plus(FlowKind::kRunawaySpread, scale),
  };
}

}  // namespace riskgate::replay
