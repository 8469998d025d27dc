#include "gateway/app/risk_status.hpp"

#include <cmath>
#include <cstdio>

namespace riskgate::app {

namespace {

double pct(const TableLevel& t) {
  // One decimal: enough to see a table creep, short enough to read.
  return std::round(t.ratio() * 1000.0) / 10.0;
}

}  // namespace

nlohmann::json flow_json(const risk::FlowUsage& usage, const std::vector<risk::FlowRule>& rules) {
  nlohmann::json out;
  out["throttled"] = usage.throttled;
  auto& list = out["rules"] = nlohmann::json::array();
  for (std::size_t i = 0; i < usage.rules.size(); ++i) {
    const risk::FlowUsage::Rule& r = usage.rules[i];
    // Notional rules count micro-units; status shows currency units, as the
    // config writes them.
    const double scale = r.rule == risk::RuleId::kFlowExecNotional ? 1e-6 : 1.0;
    nlohmann::json j;
    j["rule"] = std::string(risk::rule_name(r.rule));
    if (i < rules.size()) j["window_ms"] = rules[i].window_ms;
    if (r.rule == risk::RuleId::kFlowSymbolNetQty) {
      j["per_symbol"] = true;
    } else {
      j["value"] = r.value * scale;
    }
    // +inf: a relative rule with no seed before its baseline is learned.
    j["threshold"] = std::isfinite(r.threshold) ? nlohmann::json(r.threshold * scale) : nullptr;
    j["baseline"] = r.baseline * scale;
    j["breached"] = r.breached;
    list.push_back(std::move(j));
  }
  return out;
}

nlohmann::json account_limits_json(const risk::RiskConfig& cfg, std::string_view account) {
  risk::Limits l = cfg.defaults;
  for (const risk::LimitOverride& o : cfg.overrides) {
    if (o.account != account || !o.symbol.empty()) continue;
    if (o.limits.max_open_orders) l.max_open_orders = o.limits.max_open_orders;
    if (o.limits.max_open_notional) l.max_open_notional = o.limits.max_open_notional;
    if (o.limits.max_gross_notional_day) l.max_gross_notional_day = o.limits.max_gross_notional_day;
  }
  auto count = [](const std::optional<std::int64_t>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  auto money = [](const std::optional<risk::Micros>& v) {
    return v ? nlohmann::json(static_cast<double>(*v) / 1e6) : nlohmann::json(nullptr);
  };
  return {{"max_open_orders", count(l.max_open_orders)},
          {"max_open_notional", money(l.max_open_notional)},
          {"max_gross_notional_day", money(l.max_gross_notional_day)}};
}

std::string TableLevel::warning() const {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "risk table %.*s is %.1f%% full (%u of %u): raise [risk.capacities] %.*s "
                "before it fills; a full table refuses new orders",
                static_cast<int>(table.size()), table.data(), pct(*this), used, capacity,
                static_cast<int>(capacity_key.size()), capacity_key.data());
  return buf;
}

std::array<TableLevel, 3> table_levels(const risk::TableUsage& u) {
  return {TableLevel{"pairs", "max_account_symbols", u.pairs, u.pairs_capacity},
          TableLevel{"parents", "max_parents", u.parents, u.parents_capacity},
          TableLevel{"session_symbols", "max_session_symbols", u.session_symbols,
                     u.session_symbols_capacity}};
}

nlohmann::json tables_json(const risk::TableUsage& u) {
  nlohmann::json j = nlohmann::json::object();
  for (const TableLevel& t : table_levels(u)) {
    j[std::string(t.table)] = {{"used", t.used}, {"capacity", t.capacity}, {"pct", pct(t)}};
  }
  return j;
}

std::vector<TableLevel> TableWatch::alerts(const risk::TableUsage& u) {
  std::vector<TableLevel> out;
  for (const TableLevel& t : table_levels(u)) {
    if (t.capacity > 0 && t.ratio() >= kAlertRatio) out.push_back(t);
  }
  return out;
}

std::vector<TableLevel> TableWatch::poll(const risk::TableUsage& u, std::int64_t now_ns) {
  std::vector<TableLevel> crossed;
  const auto levels = table_levels(u);
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const TableLevel& t = levels[i];
    State& s = state_[i];
    if (t.capacity == 0) continue;
    if (!s.armed) {
      if (t.ratio() < kRearmRatio) s.armed = true;
      continue;
    }
    if (t.ratio() < kAlertRatio) continue;
    // Overflow-safe "now - last < interval": last starts at INT64_MIN.
    if (s.last_ns != std::numeric_limits<std::int64_t>::min() &&
        now_ns - s.last_ns < min_interval_ns_) {
      continue;  // Stays armed: reported once the interval has passed.
    }
    s.armed = false;
    s.last_ns = now_ns;
    crossed.push_back(t);
  }
  return crossed;
}

}  // namespace riskgate::app
