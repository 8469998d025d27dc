// Snapshot building: validates a RiskConfig and compiles it into the immutable
// Snapshot that check() reads (see snapshot.hpp and the design notes in
// engine.hpp). Control thread only; allocates and throws.
#include "risk/snapshot.hpp"

#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "risk/engine.hpp"

namespace riskgate::risk::detail {

namespace {
constexpr std::int64_t kNsPerMs = 1'000'000;
}  // namespace

// ---------------------------------------------------------------------------
// Compiled snapshot.
// ---------------------------------------------------------------------------

void NameIndex::build(const std::vector<std::string>& names) {
  mask_ = pow2_at_least(names.size() * 2) - 1;
  slots_.assign(mask_ + 1, Slot{});
  for (std::uint32_t i = 0; i < names.size(); ++i) {
    std::uint64_t h = hash_bytes(names[i]);
    for (std::uint64_t p = h & mask_;; p = (p + 1) & mask_) {
      if (slots_[p].idx == kNoIdx) {
        slots_[p] = Slot{h, i};
        break;
      }
    }
  }
}

[[noreturn]] void bad(const std::string& what) {
  throw std::invalid_argument("risk config: " + what);
}

namespace {

Layer compile_limits(const Limits& l, const std::string& where) {
  Layer out;
  auto put = [&](Lf f, const std::optional<std::int64_t>& v, const char* key) {
    if (!v) return;
    if (*v < 0) bad(where + " " + key + " must be >= 0 (got " + std::to_string(*v) + ")");
    out.v[f] = *v;
    out.mask |= 1u << f;
  };
  put(kQty, l.max_order_qty, "max_order_qty");
  put(kNotional, l.max_order_notional, "max_order_notional");
  put(kCollarBps, l.price_collar_bps, "price_collar_bps");
  if (l.price_collar_bps && *l.price_collar_bps >= 10'000) {
    bad(where + " price_collar_bps must be < 10000 (got " + std::to_string(*l.price_collar_bps) +
        ")");
  }
  if (l.typical_size_multiple) {
    const double m = *l.typical_size_multiple;
    if (!std::isfinite(m) || m <= 0 || m > 1e9) {
      bad(where + " typical_size_multiple must be > 0 (got " + std::to_string(m) + ")");
    }
    out.v[kTypicalMultipleMicro] = std::llround(m * 1e6);
    out.mask |= 1u << kTypicalMultipleMicro;
  }
  if (l.typical_size_seed && *l.typical_size_seed <= 0) {
    bad(where + " typical_size_seed must be > 0 (got " + std::to_string(*l.typical_size_seed) +
        ")");
  }
  put(kTypicalSeed, l.typical_size_seed, "typical_size_seed");
  put(kCumWindow, l.max_cum_qty_window, "max_cum_qty_window");
  put(kCumDay, l.max_cum_qty_day, "max_cum_qty_day");
  put(kOpenOrders, l.max_open_orders, "max_open_orders");
  put(kOpenNotional, l.max_open_notional, "max_open_notional");
  put(kNetPosition, l.max_net_position, "max_net_position");
  put(kGrossDay, l.max_gross_notional_day, "max_gross_notional_day");
  put(kAccountRate, l.max_account_orders_per_sec, "max_account_orders_per_sec");
  if (l.max_account_orders_per_sec) {
    out.v[kAccountRateInterval] = Gcra::of(*l.max_account_orders_per_sec).interval;
    out.mask |= 1u << kAccountRateInterval;
  }
  return out;
}

Resolved over(const Layer& top, const Resolved& below) {
  Resolved r = below;
  for (int i = 0; i < kLfCount; ++i) {
    if ((top.mask >> i) & 1u) r[i] = top.v[i];
  }
  return r;
}

void check_positive_ms(std::int64_t v, const char* key) {
  if (v <= 0) bad(std::string(key) + " must be > 0 ms (got " + std::to_string(v) + ")");
}
void check_non_negative(std::int64_t v, const char* key) {
  if (v < 0) bad(std::string(key) + " must be >= 0 (got " + std::to_string(v) + ")");
}

}  // namespace

std::unique_ptr<Snapshot> compile(const RiskConfig& c, const Snapshot* prev,
                                  std::uint64_t version) {
  const Capacities& caps = c.capacities;
  if (caps.max_accounts == 0 || caps.max_symbols == 0 || caps.max_sessions == 0 ||
      caps.max_parents == 0 || caps.max_open_orders == 0 || caps.max_cl_ord_ids == 0 ||
      caps.max_account_symbols == 0) {
    bad("every [risk.capacities] value must be > 0");
  }
  auto s = std::make_unique<Snapshot>();
  s->version = version;

  // Names keep the index they had in the previous snapshot; new ones append.
  auto assign = [&](const std::vector<std::string>& wanted, const std::vector<std::string>* old,
                    const char* kind, std::uint32_t cap) {
    std::vector<std::string> names;
    std::unordered_map<std::string, std::uint32_t> seen;
    for (const auto& n : wanted) {
      if (n.empty()) bad(std::string("a ") + kind + " has an empty name");
      if (!seen.emplace(n, 0).second) bad(std::string("duplicate ") + kind + " '" + n + "'");
    }
    if (old != nullptr) {
      for (const auto& n : *old) {
        if (seen.count(n) == 0) {
          bad(std::string(kind) + " '" + n + "' was removed; names cannot be removed by a " +
              "reload (restart to remove them)");
        }
        names.push_back(n);
      }
    }
    std::unordered_set<std::string> have(names.begin(), names.end());
    for (const auto& n : wanted) {
      if (have.insert(n).second) names.push_back(n);
    }
    if (names.size() > cap) {
      bad(std::to_string(names.size()) + " " + kind + "s exceed the capacity of " +
          std::to_string(cap));
    }
    return names;
  };
  std::vector<std::string> wanted_symbols;
  for (const auto& sym : c.symbols) wanted_symbols.push_back(sym.symbol);
  std::vector<std::string> wanted_accounts;
  for (const auto& acc : c.accounts) wanted_accounts.push_back(acc.name);
  s->symbol_names =
      assign(wanted_symbols, prev ? &prev->symbol_names : nullptr, "symbol", caps.max_symbols);
  s->account_names =
      assign(wanted_accounts, prev ? &prev->account_names : nullptr, "account", caps.max_accounts);
  s->symbol_index.build(s->symbol_names);
  s->account_index.build(s->account_names);

  const Layer defaults = compile_limits(c.defaults, "[risk.defaults]");
  Resolved base{};
  base.fill(kOff);
  base = over(defaults, base);

  s->symbols.resize(s->symbol_names.size());
  for (const auto& sym : c.symbols) {
    const std::uint32_t i = s->find_symbol(sym.symbol);
    const std::string where = "[[risk.symbol]] '" + sym.symbol + "'";
    if (sym.reference_price <= 0) bad(where + " reference_price must be > 0");
    if (sym.lot_size <= 0) bad(where + " lot_size must be > 0");
    s->symbols[i].reference_price = sym.reference_price;
    s->symbols[i].lot_size = sym.lot_size;
    s->symbols[i].restricted = sym.restricted;
    s->symbols[i].limits = base;
  }
  for (const auto& r : c.restricted_symbols) {
    const std::uint32_t i = s->find_symbol(r);
    if (i == kNoIdx) bad("restricted_symbols names unknown symbol '" + r + "'");
    s->symbols[i].restricted = true;
  }

  const std::size_t n_acc = s->account_names.size();
  s->account_layers.assign(n_acc, Layer{});
  s->all_permitted.assign(n_acc, 1);
  s->permitted_words = (s->symbol_names.size() + 63) / 64;
  s->permitted_bits.assign(n_acc * s->permitted_words, 0);
  for (const auto& acc : c.accounts) {
    const std::uint32_t a = s->find_account(acc.name);
    if (acc.permitted_symbols.empty()) continue;
    s->all_permitted[a] = 0;
    for (const auto& p : acc.permitted_symbols) {
      const std::uint32_t sym = s->find_symbol(p);
      if (sym == kNoIdx) {
        bad("[[risk.account]] '" + acc.name + "' permits unknown symbol '" + p + "'");
      }
      s->permitted_bits[a * s->permitted_words + sym / 64] |= std::uint64_t{1} << (sym % 64);
    }
  }

  // Overrides: classify by layer; each key at most once.
  std::unordered_set<std::string> override_keys;
  std::vector<std::pair<std::uint64_t, Layer>> pair_layers;
  for (std::size_t k = 0; k < c.overrides.size(); ++k) {
    const LimitOverride& o = c.overrides[k];
    const std::string where = "[[risk.override]] #" + std::to_string(k + 1) + " (account='" +
                              o.account + "', symbol='" + o.symbol + "')";
    if (!override_keys.insert(o.account + '\x1f' + o.symbol).second) {
      bad(where + " duplicates an earlier override for the same account and symbol");
    }
    const std::uint32_t a = o.account.empty() ? kNoIdx : s->find_account(o.account);
    const std::uint32_t sym = o.symbol.empty() ? kNoIdx : s->find_symbol(o.symbol);
    if (!o.account.empty() && a == kNoIdx) bad(where + ": unknown account '" + o.account + "'");
    if (!o.symbol.empty() && sym == kNoIdx) bad(where + ": unknown symbol '" + o.symbol + "'");
    const Layer layer = compile_limits(o.limits, where);
    if (a == kNoIdx && sym == kNoIdx) {
      bad(where + " names neither an account nor a symbol; use [risk.defaults]");
    } else if (a == kNoIdx) {
      s->symbols[sym].limits = over(layer, base);
    } else if (sym == kNoIdx) {
      s->account_layers[a] = layer;
    } else {
      pair_layers.emplace_back((static_cast<std::uint64_t>(a) << 32 | sym) + 1, layer);
    }
  }
  if (!pair_layers.empty()) {
    s->pair_mask = pow2_at_least(pair_layers.size() * 2) - 1;
    s->pair_keys.assign(s->pair_mask + 1, 0);
    s->pair_rows.assign(s->pair_mask + 1, kNoIdx);
    for (const auto& [key, layer] : pair_layers) {
      const auto a = static_cast<AccountIdx>((key - 1) >> 32);
      const auto sym = static_cast<SymbolIdx>((key - 1) & 0xFFFF'FFFFu);
      // defaults < symbol < account < account+symbol
      const Resolved r = over(layer, over(s->account_layers[a], s->symbols[sym].limits));
      const auto row = static_cast<std::uint32_t>(s->pair_resolved.size());
      s->pair_resolved.push_back(r);
      for (std::uint64_t p = mix64(key) & s->pair_mask;; p = (p + 1) & s->pair_mask) {
        if (s->pair_keys[p] == 0) {
          s->pair_keys[p] = key;
          s->pair_rows[p] = row;
          break;
        }
      }
    }
  }

  check_non_negative(c.session_rates.max_orders_per_sec, "session max_orders_per_sec");
  check_non_negative(c.session_rates.max_messages_per_sec, "session max_messages_per_sec");
  check_non_negative(c.session_rates.max_cancels_per_sec, "session max_cancels_per_sec");
  if (!(c.parent_child.max_sent_multiple > 0) || !std::isfinite(c.parent_child.max_sent_multiple)) {
    bad("parent_child max_sent_multiple must be > 0");
  }
  check_positive_ms(c.throttles.cum_qty_window_ms, "cum_qty_window_ms");
  check_positive_ms(c.throttles.repeated_exec_window_ms, "repeated_exec_window_ms");
  check_positive_ms(c.throttles.duplicate_window_ms, "duplicate_window_ms");
  check_non_negative(c.throttles.repeated_exec_max_fills, "repeated_exec_max_fills");
  // The count shares a word with the window id and the tripped bit
  // (Engine::SessionSymbolState::fill_window): 31 bits. A larger limit
  // could never trip, which would switch the throttle off unnoticed.
  if (c.throttles.repeated_exec_max_fills > static_cast<std::int64_t>(Engine::kFillsMask))
    bad("repeated_exec_max_fills must be <= " + std::to_string(Engine::kFillsMask) + " (got " +
        std::to_string(c.throttles.repeated_exec_max_fills) + ")");
  check_non_negative(c.throttles.duplicate_max_identical, "duplicate_max_identical");
  check_non_negative(c.throttles.typical_size_min_history, "typical_size_min_history");
  check_non_negative(c.auto_kill.session_refusals, "auto_kill session_refusals");
  check_positive_ms(c.auto_kill.session_refusals_window_ms, "auto_kill session_refusals_window_ms");

  s->rates = c.session_rates;
  s->parent_child = c.parent_child;
  s->throttles = c.throttles;
  s->auto_kill = c.auto_kill;
  if (!(c.auto_kill.session_refusal_ratio >= 0 && c.auto_kill.session_refusal_ratio <= 1)) {
    bad("auto_kill session_refusal_ratio must be 0..1");
  }
  if (!(c.auto_kill.account_breach_min_share >= 0 && c.auto_kill.account_breach_min_share <= 1)) {
    bad("auto_kill account_breach_min_share must be 0..1");
  }
  s->flow = flow::compile(c.flow);
  // The windows' running counters are kept across a reload, so what they
  // measure and over which window may change only at a restart.
  if (prev != nullptr && !flow::same_shape(prev->flow, s->flow)) {
    bad("risk.flow rules may change their limits, multiples, seeds and actions on reload, "
        "not their number, metrics or windows (restart to change those)");
  }
  s->collar_follows_last_fill = c.collar_follows_last_fill;
  s->cum_window_ns = c.throttles.cum_qty_window_ms * kNsPerMs;
  s->exec_window_ns = c.throttles.repeated_exec_window_ms * kNsPerMs;
  s->dup_window_ns = c.throttles.duplicate_window_ms * kNsPerMs;
  s->refusal_window_ns = c.auto_kill.session_refusals_window_ms * kNsPerMs;
  s->session_orders = Gcra::of(c.session_rates.max_orders_per_sec);
  s->session_messages = Gcra::of(c.session_rates.max_messages_per_sec);
  s->session_cancels = Gcra::of(c.session_rates.max_cancels_per_sec);
  return s;
}

bool same_capacities(const Capacities& a, const Capacities& b) {
  return a.max_accounts == b.max_accounts && a.max_symbols == b.max_symbols &&
         a.max_sessions == b.max_sessions && a.max_parents == b.max_parents &&
         a.max_open_orders == b.max_open_orders && a.max_cl_ord_ids == b.max_cl_ord_ids &&
         a.max_account_symbols == b.max_account_symbols &&
         a.max_session_symbols == b.max_session_symbols;
}

}  // namespace riskgate::risk::detail
