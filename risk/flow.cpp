#include "risk/flow.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace riskgate::risk::flow {

Decay::Decay(std::int64_t window_ns, int shift) noexcept : shift_(shift) {
  const double tick_ns = static_cast<double>(std::int64_t{1} << (kTickShift + shift));
  const double per_tick = tick_ns / static_cast<double>(window_ns);
  for (std::size_t k = 0; k < 256; ++k) {
    lo_[k] = std::exp(-per_tick * static_cast<double>(k));
    hi_[k] = std::exp(-per_tick * static_cast<double>(k * 256));
  }
}

namespace {

RuleId rule_id(FlowMetric m) noexcept {
  switch (m) {
    case FlowMetric::kExecQty:
      return RuleId::kFlowExecQty;
    case FlowMetric::kExecNotional:
      return RuleId::kFlowExecNotional;
    case FlowMetric::kNetQty:
      return RuleId::kFlowNetQty;
    case FlowMetric::kSymbolNetQty:
      return RuleId::kFlowSymbolNetQty;
    case FlowMetric::kOrders:
      return RuleId::kFlowOrders;
    case FlowMetric::kFills:
      return RuleId::kFlowFills;
  }
  return RuleId::kNone;
}

bool is_net(FlowMetric m) noexcept {
  return m == FlowMetric::kNetQty || m == FlowMetric::kSymbolNetQty;
}

[[noreturn]] void bad(const FlowRule& r, const std::string& what) {
  throw std::invalid_argument(
      "risk config: " + (r.name.empty() ? std::string("risk.flow.rule") : r.name) + ": " + what);
}

constexpr double kInf = std::numeric_limits<double>::infinity();

int severity(FlowAction a) noexcept {
  switch (a) {
    case FlowAction::kRefuse:
      return 1;
    case FlowAction::kThrottle:
      return 2;
    case FlowAction::kKill:
      return 3;
  }
  return 0;
}

std::int64_t to_i64(double v) noexcept {
  if (!(v < 9.2e18)) return INT64_MAX;
  if (v < 0) return 0;
  return static_cast<std::int64_t>(v);
}

// Keeps the most severe of two breaches (kill > throttle > refuse).
void worst(Verdict& out, const Rule& r, double level, double thr) noexcept {
  if (out.rule != RuleId::kNone && severity(out.action) >= severity(r.action)) return;
  out.rule = r.rule;
  out.action = r.action;
  out.actual = to_i64(level);
  out.limit = to_i64(thr);
  out.micros = r.metric == FlowMetric::kExecNotional;
}

// Current level of a session-wide rule (not kSymbolNetQty), decayed to now.
double level_at(const Compiled& c, const Rule& r, const SessionFlow& sf, std::uint32_t i,
                std::int64_t tick) noexcept {
  if (r.metric == FlowMetric::kNetQty) return sf.net_abs[r.net].at(tick, c.decays[r.decay]);
  return sf.value[i].at(tick, c.decays[r.decay]);
}

// kNetQty's one-sidedness gate: the accumulation counts only while at least
// min_one_sided of the window's executed shares went one way.
bool one_sided(const Compiled& c, const Rule& r, const SessionFlow& sf, double net,
               std::int64_t tick) noexcept {
  if (r.metric != FlowMetric::kNetQty || r.min_one_sided <= 0) return true;
  const double g = sf.gross[r.net].at(tick, c.decays[r.decay]);
  return g > 0 && net >= r.min_one_sided * g;
}

// The baseline learn() would leave after a sample `level` at `tick`.
double learned(const Compiled& c, const Counter& b, double level, std::int64_t tick) noexcept {
  const std::int64_t last = b.tick.load(std::memory_order_relaxed);
  if (last == 0) return level;
  const double f = c.decays[c.baseline_decay](tick - last);
  const double cur = b.value.load(std::memory_order_relaxed);
  if (f >= 1.0) return cur;
  return cur * f + level * (1.0 - f);
}

void learn(const Compiled& c, SessionFlow& sf, std::uint32_t i, double level,
           std::int64_t tick) noexcept {
  // Time-weighted average of the level: b += (level - b) x (1 - e^-dt/B).
  Counter& b = sf.baseline[i];
  const std::int64_t last = b.tick.load(std::memory_order_relaxed);
  if (last == 0) {  // First sample: the baseline starts at the level.
    b.value.store(level, std::memory_order_relaxed);
    b.tick.store(tick, std::memory_order_relaxed);
    return;
  }
  const double f = c.decays[c.baseline_decay](tick - last);
  if (f >= 1.0) return;  // Within one step of the last sample.
  const double cur = b.value.load(std::memory_order_relaxed);
  b.value.store(cur * f + level * (1.0 - f), std::memory_order_relaxed);
  // Advance by the whole steps the factor covered, keeping the remainder, so
  // a coarse step never slows learning down.
  const int shift = c.decays[c.baseline_decay].shift();
  b.tick.store(last + (((tick - last) >> shift) << shift), std::memory_order_relaxed);
}

// The warm-up start start() would leave.
std::int64_t first_after_start(const SessionFlow& sf, std::int64_t now_ns) noexcept {
  const std::int64_t first = sf.first_ns.load(std::memory_order_relaxed);
  if (first != 0) return first;
  return now_ns == 0 ? 1 : now_ns;
}

// threshold() with the warm-up start and the rule's baseline given.
double threshold_with(const Compiled& c, const Rule& r, std::int64_t first, double baseline,
                      std::int64_t now_ns) noexcept {
  double t = r.limit > 0 ? r.limit : kInf;
  if (r.multiple > 0) {
    double base = r.seed;
    if (first != 0 && now_ns - first >= c.warmup_ns) base = std::max(base, baseline);
    if (base > 0) t = std::min(t, r.multiple * base);
  }
  return t;
}

void start(SessionFlow& sf, std::int64_t now_ns) noexcept {
  if (sf.first_ns.load(std::memory_order_relaxed) == 0) {
    sf.first_ns.store(now_ns == 0 ? 1 : now_ns, std::memory_order_relaxed);
  }
}

}  // namespace

Compiled compile(const FlowEnvelope& cfg) {
  Compiled c;
  if (cfg.rules.size() > kMaxFlowRules) {
    throw std::invalid_argument("risk config: risk.flow: at most " + std::to_string(kMaxFlowRules) +
                                " rules, got " + std::to_string(cfg.rules.size()));
  }
  if (cfg.warmup_ms < 0) throw std::invalid_argument("risk config: risk.flow: warmup_ms < 0");
  if (cfg.baseline_window_ms < 1'000 || cfg.baseline_window_ms > 86'400'000) {
    throw std::invalid_argument(
        "risk config: risk.flow: baseline_window_ms must be 1000..86400000 (1 s to 1 day)");
  }
  if (cfg.throttle_orders_per_sec <= 0 || cfg.throttle_orders_per_sec > 1'000'000 ||
      cfg.throttle_ms <= 0 || cfg.throttle_ms > 86'400'000) {
    throw std::invalid_argument(
        "risk config: risk.flow: throttle_orders_per_sec must be 1..1000000 and throttle_ms "
        "1..86400000");
  }
  if (cfg.warmup_ms > 7 * 86'400'000LL) {
    throw std::invalid_argument("risk config: risk.flow: warmup_ms must be at most 7 days");
  }
  std::int64_t windows[kMaxFlowRules] = {};
  std::uint32_t nwindows = 0;
  auto decay_of = [&](std::int64_t ms) -> std::uint8_t {
    for (std::uint32_t k = 0; k < nwindows; ++k) {
      if (windows[k] == ms) return static_cast<std::uint8_t>(k);
    }
    windows[nwindows] = ms;
    c.decays[nwindows] = Decay(ms * 1'000'000);
    return static_cast<std::uint8_t>(nwindows++);
  };
  for (const FlowRule& fr : cfg.rules) {
    if (fr.window_ms < 100 || fr.window_ms > kMaxWindowMs) {
      bad(fr, "window_ms must be 100.." + std::to_string(kMaxWindowMs) + ", got " +
                  std::to_string(fr.window_ms));
    }
    if (fr.limit < 0 || fr.seed < 0 || fr.multiple < 0)
      bad(fr, "limit, multiple, seed must be >= 0");
    if (fr.limit == 0 && fr.multiple == 0) bad(fr, "set limit, multiple (with seed), or both");
    if (fr.limit == 0 && fr.seed == 0) {
      bad(fr,
          "a rule with only a multiple needs a seed (its baseline until the session has "
          "warmed up); otherwise it has no limit for warmup_ms");
    }
    if (fr.multiple > 0 && fr.multiple < 1) bad(fr, "multiple must be >= 1 (a multiple of normal)");
    if (fr.min_one_sided < 0 || fr.min_one_sided > 1) bad(fr, "min_one_sided must be 0..1");
    if (fr.min_one_sided > 0 && fr.metric != FlowMetric::kNetQty) {
      bad(fr, "min_one_sided applies to metric \"net_qty\" only");
    }
    if (fr.metric == FlowMetric::kSymbolNetQty && fr.multiple > 0) {
      bad(fr, "metric \"symbol_net_qty\" takes an absolute limit only");
    }
    Rule& r = c.rules[c.count];
    r.metric = fr.metric;
    r.action = fr.action;
    r.rule = rule_id(fr.metric);
    r.decay = decay_of(fr.window_ms);
    r.limit = static_cast<double>(fr.limit);
    r.multiple = fr.multiple;
    r.seed = static_cast<double>(fr.seed);
    r.min_one_sided = fr.min_one_sided;
    if (is_net(fr.metric)) {
      std::uint32_t w = 0;
      while (w < c.net_windows && c.net_decay[w] != r.decay) ++w;
      if (w == c.net_windows) {
        if (c.net_windows == kMaxNetWindows) {
          bad(fr, "at most " + std::to_string(kMaxNetWindows) +
                      " distinct windows among net_qty and symbol_net_qty rules");
        }
        c.net_decay[c.net_windows++] = r.decay;
      }
      r.net = static_cast<std::uint8_t>(w);
    }
    if (fr.metric == FlowMetric::kSymbolNetQty && fr.action == FlowAction::kRefuse) {
      c.symbol_refuse_floor = c.symbol_refuse ? std::min(c.symbol_refuse_floor, r.limit) : r.limit;
      c.symbol_refuse = true;
    }
    if (fr.metric == FlowMetric::kOrders) {
      c.order_mask |= 1u << c.count;
    } else {
      c.fill_mask |= 1u << c.count;
    }
    c.window_ms[c.count] = fr.window_ms;
    ++c.count;
  }
  c.baseline_decay = static_cast<std::uint8_t>(nwindows);
  // A baseline as short as the rules' windows keeps their fine step; a long
  // one steps by 2^kBaselineShift ticks, so its table spans days.
  c.decays[nwindows] = Decay(cfg.baseline_window_ms * 1'000'000,
                             cfg.baseline_window_ms <= kMaxWindowMs ? 0 : kBaselineShift);
  c.warmup_ns = cfg.warmup_ms * 1'000'000;
  c.throttle_interval_ns = 1'000'000'000 / cfg.throttle_orders_per_sec;
  c.throttle_ns = cfg.throttle_ms * 1'000'000;
  return c;
}

bool same_shape(const Compiled& a, const Compiled& b) noexcept {
  if (a.count != b.count) return false;
  for (std::uint32_t i = 0; i < a.count; ++i) {
    if (a.rules[i].metric != b.rules[i].metric || a.window_ms[i] != b.window_ms[i]) return false;
  }
  return true;
}

double threshold(const Compiled& c, const Rule& r, const SessionFlow& sf, std::uint32_t i,
                 std::int64_t now_ns) noexcept {
  return threshold_with(c, r, sf.first_ns.load(std::memory_order_relaxed),
                        sf.baseline[i].value.load(std::memory_order_relaxed), now_ns);
}

Verdict on_fill(const Compiled& c, SessionFlow& sf, SymbolNet& sym, std::int64_t signed_qty,
                double notional, std::int64_t now_ns) noexcept {
  Verdict out;
  if (c.fill_mask == 0) return out;
  start(sf, now_ns);
  const std::int64_t tick = tick_of(now_ns);
  const double q = static_cast<double>(signed_qty);
  const double aq = std::fabs(q);
  double sym_abs[kMaxNetWindows] = {};
  for (std::uint32_t w = 0; w < c.net_windows; ++w) {
    const Decay& d = c.decays[c.net_decay[w]];
    const double before = sym.net[w].at(tick, d);
    const double after = sym.net[w].add(tick, d, q);
    sym_abs[w] = std::fabs(after);
    // Rounding may leave a hair below zero when every symbol nets out.
    const double sum = std::max(0.0, sf.net_abs[w].add(tick, d, sym_abs[w] - std::fabs(before)));
    sf.net_abs[w].value.store(sum, std::memory_order_relaxed);
    (void)sf.gross[w].add(tick, d, aq);
  }
  std::uint32_t breached = sf.breached.load(std::memory_order_relaxed);
  for (std::uint32_t i = 0; i < c.count; ++i) {
    if ((c.fill_mask & (1u << i)) == 0) continue;
    const Rule& r = c.rules[i];
    const Decay& d = c.decays[r.decay];
    double level = 0;
    switch (r.metric) {
      case FlowMetric::kExecQty:
        level = sf.value[i].add(tick, d, aq);
        break;
      case FlowMetric::kExecNotional:
        level = sf.value[i].add(tick, d, notional);
        break;
      case FlowMetric::kFills:
        level = sf.value[i].add(tick, d, 1.0);
        break;
      case FlowMetric::kNetQty:
        level = sf.net_abs[r.net].at(tick, d);
        break;
      case FlowMetric::kSymbolNetQty:
        level = sym_abs[r.net];
        break;
      case FlowMetric::kOrders:
        continue;
    }
    if (r.metric != FlowMetric::kSymbolNetQty) learn(c, sf, i, level, tick);
    const double thr = threshold(c, r, sf, i, now_ns);
    if (level > thr && one_sided(c, r, sf, level, tick)) {
      worst(out, r, level, thr);
      if (r.action == FlowAction::kRefuse && r.metric != FlowMetric::kSymbolNetQty) {
        breached |= 1u << i;
      }
    }
  }
  sf.breached.store(breached, std::memory_order_relaxed);
  return out;
}

Verdict on_order(const Compiled& c, SessionFlow& sf, std::int64_t now_ns) noexcept {
  Verdict out;
  if (c.order_mask == 0) return out;
  start(sf, now_ns);
  const std::int64_t tick = tick_of(now_ns);
  std::uint32_t breached = sf.breached.load(std::memory_order_relaxed);
  for (std::uint32_t i = 0; i < c.count; ++i) {
    if ((c.order_mask & (1u << i)) == 0) continue;
    const Rule& r = c.rules[i];
    const double level = sf.value[i].add(tick, c.decays[r.decay], 1.0);
    learn(c, sf, i, level, tick);
    const double thr = threshold(c, r, sf, i, now_ns);
    if (level > thr) {
      worst(out, r, level, thr);
      if (r.action == FlowAction::kRefuse) breached |= 1u << i;
    }
  }
  sf.breached.store(breached, std::memory_order_relaxed);
  return out;
}

Verdict peek_order(const Compiled& c, const SessionFlow& sf, std::int64_t now_ns,
                   std::uint32_t& breached) noexcept {
  Verdict out;
  breached = sf.breached.load(std::memory_order_relaxed);
  if (c.order_mask == 0) return out;
  const std::int64_t first = first_after_start(sf, now_ns);
  const std::int64_t tick = tick_of(now_ns);
  for (std::uint32_t i = 0; i < c.count; ++i) {
    if ((c.order_mask & (1u << i)) == 0) continue;
    const Rule& r = c.rules[i];
    // As on_order: Counter::add's level, then learn(), then threshold().
    const double level = sf.value[i].at(tick, c.decays[r.decay]) + 1.0;
    const double base = learned(c, sf.baseline[i], level, tick);
    const double thr = threshold_with(c, r, first, base, now_ns);
    if (level > thr) {
      worst(out, r, level, thr);
      if (r.action == FlowAction::kRefuse) breached |= 1u << i;
    }
  }
  return out;
}

Verdict refusing(const Compiled& c, SessionFlow& sf, const SymbolNet* sym, int side,
                 std::int64_t now_ns) noexcept {
  Verdict out;
  const std::int64_t tick = tick_of(now_ns);
  std::uint32_t breached = sf.breached.load(std::memory_order_relaxed);
  const std::uint32_t was = breached;
  for (std::uint32_t i = 0; i < c.count; ++i) {
    const Rule& r = c.rules[i];
    if (r.metric == FlowMetric::kSymbolNetQty) {
      if (r.action != FlowAction::kRefuse || sym == nullptr) continue;
      const double v = sym->net[r.net].at(tick, c.decays[r.decay]);
      if (std::fabs(v) > r.limit && v * side > 0) worst(out, r, std::fabs(v), r.limit);
      continue;
    }
    if ((breached & (1u << i)) == 0) continue;
    const double level = level_at(c, r, sf, i, tick);
    const double thr = threshold(c, r, sf, i, now_ns);
    if (level <= thr || !one_sided(c, r, sf, level, tick)) {
      breached &= ~(1u << i);  // Back inside the envelope.
      continue;
    }
    if (r.metric == FlowMetric::kNetQty && sym != nullptr &&
        sym->net[r.net].at(tick, c.decays[r.decay]) * side < 0) {
      continue;  // Reduces the accumulation: let it through.
    }
    worst(out, r, level, thr);
  }
  if (breached != was) sf.breached.store(breached, std::memory_order_relaxed);
  return out;
}

}  // namespace riskgate::risk::flow
