#include "risk/engine.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace riskgate::risk {

namespace {

__extension__ typedef __int128 i128;

constexpr std::int64_t kOff = INT64_MAX;  // A limit that is not set.
constexpr std::int64_t kNsPerMs = 1'000'000;

// Fields of a resolved limit set; the order is internal (not persisted).
enum Lf : int {
  kQty,
  kNotional,
  kCollarBps,
  kTypicalMultipleMicro,  // typical_size_multiple x 1e6
  kTypicalSeed,
  kCumWindow,
  kCumDay,
  kOpenOrders,
  kOpenNotional,
  kNetPosition,
  kGrossDay,
  kAccountRate,
  kAccountRateInterval,  // Derived: 1e9 / rate, set with kAccountRate.
  kLfCount
};

struct Layer {
  std::array<std::int64_t, kLfCount> v;
  std::uint32_t mask = 0;  // Bit i: field i is set in this layer.
  Layer() { v.fill(kOff); }
};

using Resolved = std::array<std::int64_t, kLfCount>;

std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ull;
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ull;
  x ^= x >> 32;
  return x;
}

// The last 1..8 bytes as one word, without reading past the end: two
// overlapping 4-byte loads for 4..8 bytes, three single bytes below that.
// (The length is mixed into the seed, so the encodings cannot collide.)
std::uint64_t load_tail(const char* p, std::size_t n) noexcept {
  if (n >= 4) {
    std::uint32_t a;
    std::uint32_t b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    return static_cast<std::uint64_t>(a) << 32 | b;
  }
  return static_cast<std::uint64_t>(static_cast<unsigned char>(p[0])) << 16 |
         static_cast<std::uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8 |
         static_cast<unsigned char>(p[n - 1]);
}

// Equality of short identifiers without a call to memcmp: up to 16 bytes are
// compared as two overlapping words (load_tail for the short end).
bool same_name(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  if (n == 0) return true;
  if (n <= 8) return load_tail(a.data(), n) == load_tail(b.data(), n);
  if (n <= 16) {
    std::uint64_t a0, a1, b0, b1;
    std::memcpy(&a0, a.data(), 8);
    std::memcpy(&b0, b.data(), 8);
    std::memcpy(&a1, a.data() + n - 8, 8);
    std::memcpy(&b1, b.data() + n - 8, 8);
    return a0 == b0 && a1 == b1;
  }
  return std::memcmp(a.data(), b.data(), n) == 0;
}

// Hash of short identifiers (ClOrdIDs, accounts, symbols): one multiply per
// 8 bytes. Not for adversarial input beyond what a fixed-capacity table that
// refuses when full can absorb.
std::uint64_t hash_bytes(std::string_view s) noexcept {
  constexpr std::uint64_t k1 = 0x9E3779B97F4A7C15ull;
  constexpr std::uint64_t k2 = 0xd6e8feb86659fd93ull;
  const char* p = s.data();
  std::size_t n = s.size();
  std::uint64_t h = 0x243F6A8885A308D3ull ^ (n * k2);
  while (n > 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * k1;
    h ^= h >> 32;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    h = (h ^ load_tail(p, n)) * k1;
    h ^= h >> 32;
  }
  h *= k2;
  h ^= h >> 29;
  return h;
}

std::int64_t sat_mul(std::int64_t a, std::int64_t b) noexcept {
  const i128 p = static_cast<i128>(a) * b;
  if (p > INT64_MAX) return INT64_MAX;
  if (p < INT64_MIN) return INT64_MIN;
  return static_cast<std::int64_t>(p);
}

std::uint64_t pow2_at_least(std::uint64_t n) noexcept {
  return std::bit_ceil(n < 2 ? 2 : n);
}

// GCRA (virtual scheduling): rate R/s with a burst of R. Returns whether an
// arrival at `now` conforms and, if so, the next theoretical arrival time.
struct Gcra {
  std::int64_t interval = 0;  // ns between orders at the sustained rate
  std::int64_t tau = 0;       // burst tolerance: (R - 1) intervals
  static Gcra of(std::int64_t rate) noexcept {
    Gcra g;
    if (rate > 0) {
      g.interval = 1'000'000'000 / rate;
      g.tau = (rate - 1) * g.interval;
    }
    return g;
  }
};

bool gcra(std::int64_t tat, std::int64_t now, const Gcra& g, std::int64_t& next) noexcept {
  const std::int64_t interval = g.interval;
  const std::int64_t tau = g.tau;
  const std::int64_t t = tat > now ? tat : now;
  if (t - now > tau) return false;
  next = t + interval;
  return true;
}

// log2 in 16.16 fixed point, linear between powers of two (error < 0.09):
// cheap, monotonic, and exactly inverted by exp2_fixed on its own outputs.
std::int64_t log2_fixed(std::int64_t x) noexcept {
  if (x < 1) x = 1;
  if (x > (std::int64_t{1} << 46)) x = std::int64_t{1} << 46;
  const int e = 63 - std::countl_zero(static_cast<std::uint64_t>(x));
  const std::int64_t frac = ((x - (std::int64_t{1} << e)) << 16) >> e;
  return (static_cast<std::int64_t>(e) << 16) + frac;
}

std::int64_t exp2_fixed(std::int64_t l) noexcept {
  if (l < 0) l = 0;
  const int e = static_cast<int>(l >> 16);
  const std::int64_t frac = l & 0xFFFF;
  return (std::int64_t{1} << e) + (((frac << e) + 0x8000) >> 16);
}

int side_index(Side s) noexcept {
  return s == Side::kBuy ? 0 : 1;
}

// Reserve `add` on a counter if the result stays <= limit. Relaxed: each such
// counter guards only itself, and read-modify-writes on one atomic are totally
// ordered, so two threads can never both take the last unit.
std::int64_t sat_add(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
  return r;
}

bool reserve_bounded(std::atomic<std::int64_t>& c, std::int64_t add, std::int64_t limit,
                     std::int64_t& seen) noexcept {
  std::int64_t cur = c.load(std::memory_order_relaxed);
  for (;;) {
    const std::int64_t next = sat_add(cur, add);
    if (limit != kOff && next > limit) {
      seen = next;
      return false;
    }
    if (c.compare_exchange_weak(cur, next, std::memory_order_relaxed, std::memory_order_relaxed)) {
      return true;
    }
  }
}

constexpr std::uint64_t kQty40 = (std::uint64_t{1} << 40) - 1;

}  // namespace

// ---------------------------------------------------------------------------
// Compiled snapshot.
// ---------------------------------------------------------------------------

namespace {
class NameIndex {
 public:
  void build(const std::vector<std::string>& names) {
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
  [[nodiscard]] std::uint32_t find(std::string_view name,
                                   const std::vector<std::string>& names) const noexcept {
    if (name.empty()) return kNoIdx;
    const std::uint64_t h = hash_bytes(name);
    for (std::uint64_t p = h & mask_;; p = (p + 1) & mask_) {
      const Slot& s = slots_[p];
      if (s.idx == kNoIdx) return kNoIdx;
      if (s.hash == h && same_name(names[s.idx], name)) return s.idx;
    }
  }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t idx = kNoIdx;
  };
  std::vector<Slot> slots_;
  std::uint64_t mask_ = 0;
};
}  // namespace

struct SymbolData {
  Micros reference_price = 0;
  std::int64_t lot_size = 1;
  bool restricted = false;
  Resolved limits{};  // Symbol layer over defaults.
};

struct Snapshot {
  std::uint64_t version = 0;
  std::vector<std::string> symbol_names;
  std::vector<std::string> account_names;
  NameIndex symbol_index;
  NameIndex account_index;
  std::vector<SymbolData> symbols;
  std::vector<Layer> account_layers;
  std::vector<std::uint8_t> all_permitted;
  std::vector<std::uint64_t> permitted_bits;
  std::size_t permitted_words = 0;
  // Account+symbol overrides, fully resolved: open addressing on the pair key.
  std::vector<std::uint64_t> pair_keys;  // 0 empty
  std::vector<std::uint32_t> pair_rows;
  std::uint64_t pair_mask = 0;
  std::vector<Resolved> pair_resolved;

  SessionRates rates;
  ParentChild parent_child;
  Throttles throttles;
  AutoKill auto_kill;
  bool collar_follows_last_fill = false;
  std::int64_t cum_window_ns = 0;
  std::int64_t exec_window_ns = 0;
  std::int64_t dup_window_ns = 0;
  std::int64_t refusal_window_ns = 0;
  Gcra session_orders;
  Gcra session_messages;
  Gcra session_cancels;

  [[nodiscard]] std::uint32_t find_symbol(std::string_view n) const noexcept {
    return symbol_index.find(n, symbol_names);
  }
  [[nodiscard]] std::uint32_t find_account(std::string_view n) const noexcept {
    return account_index.find(n, account_names);
  }
  [[nodiscard]] bool permitted(AccountIdx a, SymbolIdx s) const noexcept {
    if (all_permitted[a] != 0) return true;
    return (permitted_bits[a * permitted_words + s / 64] >> (s % 64)) & 1u;
  }
  void resolve(AccountIdx a, SymbolIdx s, Resolved& out) const noexcept {
    if (!pair_resolved.empty()) {
      const std::uint64_t key = (static_cast<std::uint64_t>(a) << 32 | s) + 1;
      for (std::uint64_t p = mix64(key) & pair_mask;; p = (p + 1) & pair_mask) {
        if (pair_keys[p] == key) {
          out = pair_resolved[pair_rows[p]];
          return;
        }
        if (pair_keys[p] == 0) break;
      }
    }
    const Layer& al = account_layers[a];
    const Resolved& sl = symbols[s].limits;
    for (int i = 0; i < kLfCount; ++i) out[i] = ((al.mask >> i) & 1u) ? al.v[i] : sl[i];
  }
};

namespace {

[[noreturn]] void bad(const std::string& what) {
  throw std::invalid_argument("risk config: " + what);
}

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
  check_non_negative(c.throttles.duplicate_max_identical, "duplicate_max_identical");
  check_non_negative(c.throttles.typical_size_min_history, "typical_size_min_history");
  check_non_negative(c.auto_kill.session_refusals, "auto_kill session_refusals");
  check_positive_ms(c.auto_kill.session_refusals_window_ms, "auto_kill session_refusals_window_ms");

  s->rates = c.session_rates;
  s->parent_child = c.parent_child;
  s->throttles = c.throttles;
  s->auto_kill = c.auto_kill;
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
         a.max_account_symbols == b.max_account_symbols;
}

}  // namespace

// ---------------------------------------------------------------------------
// SessionState
// ---------------------------------------------------------------------------

SessionState::SessionState(SessionIdx index, std::uint32_t cl_ord_id_capacity)
    : index_(index), ids_capacity_(cl_ord_id_capacity) {
  if (cl_ord_id_capacity == 0) throw std::invalid_argument("session state: capacity must be > 0");
  ids_mask_ = pow2_at_least(std::uint64_t{cl_ord_id_capacity} * 2) - 1;
  ids_.assign(ids_mask_ + 1, 0);
  dups_.assign(kDupSlots, DupSlot{});
}

// ---------------------------------------------------------------------------
// Engine: construction and control plane
// ---------------------------------------------------------------------------

Engine::Engine(const RiskConfig& config)
    : caps_(config.capacities),
      kills_(std::max(config.capacities.max_sessions, 1u),
             std::max(config.capacities.max_accounts, 1u),
             std::max(config.capacities.max_symbols, 1u)) {
  auto first = compile(config, nullptr, 1);
  accounts_ = std::make_unique<AccountState[]>(caps_.max_accounts);
  pair_mask_ = pow2_at_least(std::uint64_t{caps_.max_account_symbols} * 2) - 1;
  pairs_ = std::make_unique<PairState[]>(pair_mask_ + 1);
  parent_mask_ = pow2_at_least(std::uint64_t{caps_.max_parents} * 2) - 1;
  parents_ = std::make_unique<ParentState[]>(parent_mask_ + 1);
  last_fill_px_ = std::make_unique<std::atomic<Micros>[]>(caps_.max_symbols);
  exchange_available_ = std::make_unique<std::atomic<std::uint32_t>[]>(caps_.max_sessions);
  for (std::uint32_t i = 0; i < caps_.max_sessions; ++i) {
    exchange_available_[i].store(1, std::memory_order_relaxed);
  }
  snapshots_.reserve(kMaxSnapshots);
  // Release pairs with snap()'s acquire (threads started later would also be
  // ordered by the thread start, but keep one rule for every publication).
  current_.store(first.get(), std::memory_order_release);
  snapshots_.push_back(std::move(first));
}

Engine::~Engine() = default;

void Engine::reload(const RiskConfig& config) {
  if (!same_capacities(config.capacities, caps_)) {
    bad("capacities cannot change on reload (restart to resize)");
  }
  if (snapshots_.size() >= kMaxSnapshots) {
    throw std::length_error("risk config: too many reloads in one process (" +
                            std::to_string(kMaxSnapshots) + "); restart to reclaim snapshots");
  }
  const Snapshot* prev = current_.load(std::memory_order_relaxed);  // Only writer: us.
  auto next = compile(config, prev, prev->version + 1);
  // Release: the compiled contents happen-before any reader that acquires the
  // pointer (snap()). The previous snapshot stays alive (retained).
  current_.store(next.get(), std::memory_order_release);
  snapshots_.push_back(std::move(next));
}

SessionState Engine::make_session(SessionIdx index) const {
  return SessionState(index, caps_.max_cl_ord_ids);
}

std::uint64_t Engine::snapshot_version() const noexcept {
  return snap()->version;
}

std::optional<AccountIdx> Engine::account_index(std::string_view name) const noexcept {
  const std::uint32_t i = snap()->find_account(name);
  if (i == kNoIdx) return std::nullopt;
  return i;
}
std::optional<SymbolIdx> Engine::symbol_index(std::string_view name) const noexcept {
  const std::uint32_t i = snap()->find_symbol(name);
  if (i == kNoIdx) return std::nullopt;
  return i;
}

void Engine::set_audit_available(bool available) noexcept {
  // Release/acquire: pairs with the load in check(); the flag carries no data.
  flags_.audit_available.store(available ? 1 : 0, std::memory_order_release);
}
void Engine::set_exchange_available(std::uint32_t exchange_session, bool available) noexcept {
  if (exchange_session >= caps_.max_sessions) return;
  exchange_available_[exchange_session].store(available ? 1 : 0, std::memory_order_release);
}

// ---------------------------------------------------------------------------
// Lock-free insert-only tables
// ---------------------------------------------------------------------------

std::uint32_t Engine::find_pair(AccountIdx a, SymbolIdx s) const noexcept {
  const std::uint64_t key = (static_cast<std::uint64_t>(a) << 32 | s) + 1;
  for (std::uint64_t p = mix64(key) & pair_mask_, n = 0; n <= pair_mask_;
       p = (p + 1) & pair_mask_, ++n) {
    // Acquire pairs with the inserting CAS (rows are zero from construction,
    // so only the key itself is published).
    const std::uint64_t k = pairs_[p].key.load(std::memory_order_acquire);
    if (k == key) return static_cast<std::uint32_t>(p);
    if (k == 0) return kNoIdx;
  }
  return kNoIdx;
}

std::uint32_t Engine::find_or_insert_pair(AccountIdx a, SymbolIdx s) noexcept {
  const std::uint64_t key = (static_cast<std::uint64_t>(a) << 32 | s) + 1;
  for (std::uint64_t p = mix64(key) & pair_mask_, n = 0; n <= pair_mask_;
       p = (p + 1) & pair_mask_, ++n) {
    std::uint64_t k = pairs_[p].key.load(std::memory_order_acquire);
    if (k == key) return static_cast<std::uint32_t>(p);
    if (k != 0) continue;
    // Bound the fill level before claiming (relaxed: a plain counter).
    if (pairs_used_.fetch_add(1, std::memory_order_relaxed) >= caps_.max_account_symbols) {
      pairs_used_.fetch_sub(1, std::memory_order_relaxed);
      return kNoIdx;
    }
    // acq_rel: publishes the key (pairs with the acquire loads above); on
    // failure, acquire to read the winner's key.
    if (pairs_[p].key.compare_exchange_strong(k, key, std::memory_order_acq_rel,
                                              std::memory_order_acquire)) {
      return static_cast<std::uint32_t>(p);
    }
    pairs_used_.fetch_sub(1, std::memory_order_relaxed);
    if (k == key) return static_cast<std::uint32_t>(p);
  }
  return kNoIdx;
}

std::uint32_t Engine::find_parent(std::uint64_t key) const noexcept {
  for (std::uint64_t p = mix64(key) & parent_mask_, n = 0; n <= parent_mask_;
       p = (p + 1) & parent_mask_, ++n) {
    const std::uint64_t k = parents_[p].key.load(std::memory_order_acquire);
    if (k == key) return static_cast<std::uint32_t>(p);
    if (k == 0) return kNoIdx;
  }
  return kNoIdx;
}

std::uint32_t Engine::find_or_insert_parent(std::uint64_t key) noexcept {
  for (std::uint64_t p = mix64(key) & parent_mask_, n = 0; n <= parent_mask_;
       p = (p + 1) & parent_mask_, ++n) {
    std::uint64_t k = parents_[p].key.load(std::memory_order_acquire);
    if (k == key) return static_cast<std::uint32_t>(p);
    if (k != 0) continue;
    if (parents_used_.fetch_add(1, std::memory_order_relaxed) >= caps_.max_parents) {
      parents_used_.fetch_sub(1, std::memory_order_relaxed);
      return kNoIdx;
    }
    if (parents_[p].key.compare_exchange_strong(k, key, std::memory_order_acq_rel,
                                                std::memory_order_acquire)) {
      return static_cast<std::uint32_t>(p);
    }
    parents_used_.fetch_sub(1, std::memory_order_relaxed);
    if (k == key) return static_cast<std::uint32_t>(p);
  }
  return kNoIdx;
}

namespace {
std::uint64_t parent_key(AccountIdx a, std::string_view parent_id) noexcept {
  return mix64(hash_bytes(parent_id) ^ (static_cast<std::uint64_t>(a) * 0x9E3779B97F4A7C15ull)) |
         1u;
}
}  // namespace

// ---------------------------------------------------------------------------
// The check chain
// ---------------------------------------------------------------------------

// What this check has reserved so far, to give back if a later rule refuses.
struct Engine::Undo {
  // A bit per reservation taken; a value is read only when its bit is set, so
  // the values need no zeroing (this runs on every check).
  enum : std::uint32_t {
    kRate = 1,
    kParent = 2,
    kCumWindow = 4,
    kCumDay = 8,
    kOpenOrder = 16,
    kNotional = 32,
    kOpenQty = 64,
  };
  Undo(Engine& en, AccountIdx acc, int sd) noexcept : e(en), account(acc), side(sd) {}
  Engine& e;
  AccountIdx account;
  int side;
  std::uint32_t taken = 0;
  std::uint32_t pair;
  std::uint32_t parent;
  std::uint32_t cum_window_id;
  std::int64_t rate_interval;
  std::int64_t sent;  // Parent sent or cumulative qty, whichever was counted.
  std::int64_t notional;
  std::int64_t open_qty;

  void unwind() noexcept {
    // Relaxed throughout: each counter guards only itself (see reserve_bounded).
    if (taken & kRate) {
      e.accounts_[account].rate_tat.fetch_sub(rate_interval, std::memory_order_relaxed);
    }
    if (taken & kParent) e.parents_[parent].sent.fetch_sub(sent, std::memory_order_relaxed);
    if (taken & (kCumWindow | kCumDay | kOpenQty)) {
      SideState& ss = e.pairs_[pair].sides[side];
      if (taken & kCumWindow) release_window(ss, cum_window_id, sent);
      if (taken & kCumDay) ss.cum_day.fetch_sub(sent, std::memory_order_relaxed);
      if (taken & kOpenQty) ss.open_qty.fetch_sub(open_qty, std::memory_order_relaxed);
    }
    if (taken & kOpenOrder) {
      e.accounts_[account].open_orders.fetch_sub(1, std::memory_order_relaxed);
    }
    if (taken & kNotional) {
      e.accounts_[account].open_notional.fetch_sub(notional, std::memory_order_relaxed);
    }
    // Gross notional is the last reservation: nothing after it can refuse.
  }

  // Takes qty back out of the tumbling window it was counted in; nothing to do
  // once that window has rolled over.
  static void release_window(SideState& ss, std::uint32_t id, std::int64_t qty) noexcept {
    std::uint64_t cur = ss.cum_window.load(std::memory_order_relaxed);
    for (;;) {
      if ((cur >> 40) != id) return;
      const std::uint64_t have = cur & kQty40;
      const std::uint64_t take =
          static_cast<std::uint64_t>(qty) < have ? static_cast<std::uint64_t>(qty) : have;
      const std::uint64_t next = (cur & ~kQty40) | (have - take);
      if (ss.cum_window.compare_exchange_weak(cur, next, std::memory_order_relaxed,
                                              std::memory_order_relaxed)) {
        return;
      }
    }
  }
};

Decision Engine::refuse(Decision d, const OrderView& o, SessionState& ss) noexcept {
  // Refused PossDup replays, and refusals the client did not cause (a kill
  // already engaged, audit or exchange down), do not count toward auto-kill:
  // otherwise releasing a global kill would leave every session tripped.
  if ((o.poss_dup && d.rule == RuleId::kDuplicateClOrdID) || d.rule == RuleId::kKillSwitch ||
      d.rule == RuleId::kAuditUnavailable || d.rule == RuleId::kExchangeUnavailable) {
    return d;
  }
  const Snapshot& sn = *snap();
  const std::int64_t n = sn.auto_kill.session_refusals;
  if (n > 0) {
    if (ss.refusal_count_ == 0 || o.now_ns - ss.refusal_window_start_ > sn.refusal_window_ns) {
      ss.refusal_window_start_ = o.now_ns;
      ss.refusal_count_ = 0;
    }
    if (++ss.refusal_count_ >= n &&
        kills_.engage(KillScope::kClientSession, ss.index(), KillReason::kAutoRefusals)) {
      d.session_killed = true;
    }
  }
  return d;
}

void Engine::prefetch(const SessionState& ss, std::string_view cl_ord_id) const noexcept {
  const std::uint64_t slot = (hash_bytes(cl_ord_id) | 1u) & ss.ids_mask_;
  __builtin_prefetch(ss.ids_.data() + slot);
}

Decision Engine::check(const OrderView& o, SessionState& ss, Reservation& out,
                       const Reservation* original) noexcept {
  // The ClOrdID table is the one structure too big to stay in cache (8 bytes
  // x 2 x capacity, random by hash): start loading its line now, so that the
  // name lookups, kill switch and validity below overlap the miss.
  const std::uint64_t id_hash = hash_bytes(o.cl_ord_id) | 1u;
  std::uint64_t id_slot = id_hash & ss.ids_mask_;
  __builtin_prefetch(ss.ids_.data() + id_slot);
  out = Reservation{};
  const Snapshot& sn = *snap();
  const std::uint32_t a = sn.find_account(o.account);
  const std::uint32_t s = sn.find_symbol(o.symbol);
  auto fail = [&](RuleId r, std::int64_t actual = 0, std::int64_t limit = 0, bool micros = false,
                  Relation rel = Relation::kAbove) {
    Decision d;
    d.rule = r;
    d.actual = actual;
    d.limit = limit;
    d.values_are_micros = micros;
    d.relation = rel;
    return refuse(d, o, ss);
  };

  // 1 Kill switch.
  const KillScope ks = kills_.is_killed({o.exchange_session, ss.index(), a, s});
  if (ks != KillScope::kNone) {
    std::uint32_t idx = 0;
    switch (ks) {
      case KillScope::kExchangeSession:
        idx = o.exchange_session;
        break;
      case KillScope::kClientSession:
        idx = ss.index();
        break;
      case KillScope::kAccount:
        idx = a;
        break;
      case KillScope::kSymbol:
        idx = s;
        break;
      default:
        break;
    }
    return fail(RuleId::kKillSwitch, static_cast<std::int64_t>(ks),
                static_cast<std::int64_t>(kills_.reason(ks, idx)));
  }
  // 2 Retired feature: dormant code woke up; stop the session at its first order.
  if (o.carries_retired_value) {
    const bool tripped =
        kills_.engage(KillScope::kClientSession, ss.index(), KillReason::kRetiredFeature);
    Decision d = fail(RuleId::kRetiredFeature, o.retired_tag);
    d.session_killed = d.session_killed || tripped;
    return d;
  }
  // 3 Fail closed when what we depend on is down. Acquire pairs with the
  // gateway's release stores in set_*_available().
  if (flags_.audit_available.load(std::memory_order_acquire) == 0) {
    return fail(RuleId::kAuditUnavailable);
  }
  if (o.exchange_session < caps_.max_sessions &&
      exchange_available_[o.exchange_session].load(std::memory_order_acquire) == 0) {
    return fail(RuleId::kExchangeUnavailable);
  }
  // 4 Validity.
  if (o.missing_required) return fail(RuleId::kMissingField, o.missing_tag);
  if (o.cl_ord_id.empty()) return fail(RuleId::kMissingField, 11);
  if (o.action == Action::kReplace && o.orig_cl_ord_id.empty()) {
    return fail(RuleId::kMissingField, 41);
  }
  if (o.quantity <= 0) return fail(RuleId::kBadQuantity, o.quantity);
  if (o.side != Side::kBuy && o.side != Side::kSell && o.side != Side::kSellShort) {
    return fail(RuleId::kUnknownSide);
  }
  if (o.ord_type != OrdType::kMarket && o.ord_type != OrdType::kLimit) {
    return fail(RuleId::kUnknownOrdType);
  }
  if (o.ord_type == OrdType::kLimit && (!o.has_price || o.price <= 0)) {
    return fail(RuleId::kMissingPrice);
  }
  if (s == kNoIdx) return fail(RuleId::kUnknownSymbol);
  if (a == kNoIdx) return fail(RuleId::kUnknownAccount);
  const SymbolData& sym = sn.symbols[s];
  if (sym.lot_size != 1 && o.quantity % sym.lot_size != 0) {
    return fail(RuleId::kLotSize, o.quantity, sym.lot_size);
  }
  const bool has_parent = sn.parent_child.parent_id_tag != 0 && !o.parent_id.empty();
  if (has_parent && o.parent_quantity <= 0) {
    return fail(RuleId::kMissingField, sn.parent_child.parent_qty_tag);
  }
  // 5 Restrictions.
  if (sym.restricted) return fail(RuleId::kRestrictedSymbol);
  if (!sn.permitted(a, s)) return fail(RuleId::kInstrumentNotPermitted);

  // 6 Duplicates.
  while (ss.ids_[id_slot] != 0) {
    if (ss.ids_[id_slot] == id_hash) return fail(RuleId::kDuplicateClOrdID);
    id_slot = (id_slot + 1) & ss.ids_mask_;
  }
  if (ss.ids_count_ >= ss.ids_capacity_) return fail(RuleId::kRiskStateFull);
  const int side = side_index(o.side);
  const std::int64_t K = sn.throttles.duplicate_max_identical;
  std::uint64_t order_hash = 0;
  std::int64_t dup_count = 0;
  if (K > 0) {
    const std::int64_t px = o.ord_type == OrdType::kLimit ? o.price : 0;
    order_hash = mix64((static_cast<std::uint64_t>(a) << 32 | s) ^
                       mix64(static_cast<std::uint64_t>(o.quantity) * 3 + side) ^
                       mix64(static_cast<std::uint64_t>(px) ^ 0x5bd1e995u)) |
                 1u;
    const SessionState::DupSlot& ds = ss.dups_[order_hash & (SessionState::kDupSlots - 1)];
    if (ds.hash == order_hash && o.now_ns - ds.start_ns <= sn.dup_window_ns) dup_count = ds.count;
    if (dup_count + 1 > K) return fail(RuleId::kDuplicateOrder, dup_count + 1, K);
  }

  // 7 Rates. Session budgets are committed only on acceptance.
  std::int64_t next_msg_tat = ss.message_tat_;
  std::int64_t next_order_tat = ss.order_tat_;
  if (sn.rates.max_messages_per_sec > 0 &&
      !gcra(ss.message_tat_, o.now_ns, sn.session_messages, next_msg_tat)) {
    return fail(RuleId::kSessionMessageRate, 0, sn.rates.max_messages_per_sec);
  }
  if (sn.rates.max_orders_per_sec > 0 &&
      !gcra(ss.order_tat_, o.now_ns, sn.session_orders, next_order_tat)) {
    return fail(RuleId::kSessionOrderRate, 0, sn.rates.max_orders_per_sec);
  }
  Resolved lim;
  sn.resolve(a, s, lim);
  Undo undo(*this, a, side);
  AccountState& acc = accounts_[a];
  if (lim[kAccountRate] != kOff && lim[kAccountRate] > 0) {
    const std::int64_t rate = lim[kAccountRate];
    const Gcra g{lim[kAccountRateInterval], (rate - 1) * lim[kAccountRateInterval]};
    std::int64_t tat = acc.rate_tat.load(std::memory_order_relaxed);
    std::int64_t next = 0;
    for (;;) {
      if (!gcra(tat, o.now_ns, g, next)) {
        return fail(RuleId::kAccountOrderRate, 0, rate);
      }
      // Relaxed: the TAT guards only itself.
      if (acc.rate_tat.compare_exchange_weak(tat, next, std::memory_order_relaxed,
                                             std::memory_order_relaxed)) {
        break;
      }
    }
    undo.rate_interval = g.interval;
    undo.taken |= Undo::kRate;
  } else if (lim[kAccountRate] == 0) {
    return fail(RuleId::kAccountOrderRate, 0, 0);
  }
  auto refuse_undo = [&](RuleId r, std::int64_t actual, std::int64_t limit, bool micros = false,
                         Relation rel = Relation::kAbove) {
    undo.unwind();
    return fail(r, actual, limit, micros, rel);
  };

  // 8 Size and value.
  if (o.quantity > lim[kQty]) return refuse_undo(RuleId::kMaxOrderQty, o.quantity, lim[kQty]);
  Micros ref = sym.reference_price;
  if (sn.collar_follows_last_fill) {
    // Relaxed: a single price; nothing else is published with it.
    const Micros last = last_fill_px_[s].load(std::memory_order_relaxed);
    if (last > 0) ref = last;
  }
  const std::int64_t bps = lim[kCollarBps];
  Micros unit_px = o.price;
  if (o.ord_type == OrdType::kMarket) {
    unit_px =
        bps == kOff ? ref : static_cast<Micros>(static_cast<i128>(ref) * (10'000 + bps) / 10'000);
  }
  const Micros notional = sat_mul(o.quantity, unit_px);
  if (notional > lim[kNotional]) {
    return refuse_undo(RuleId::kMaxOrderNotional, notional, lim[kNotional], true);
  }
  // 9 Price collar (limit orders).
  if (bps != kOff && o.ord_type == OrdType::kLimit) {
    const i128 p = static_cast<i128>(o.price) * 10'000;
    const i128 hi = static_cast<i128>(ref) * (10'000 + bps);
    const i128 lo = static_cast<i128>(ref) * (10'000 - bps);
    if (p > hi) {
      return refuse_undo(RuleId::kPriceCollar, o.price, static_cast<Micros>(hi / 10'000), true);
    }
    if (p < lo) {
      return refuse_undo(RuleId::kPriceCollar, o.price, static_cast<Micros>((lo + 9'999) / 10'000),
                         true, Relation::kBelow);
    }
  }

  // 10 Quantity multipliers.
  const std::uint32_t pr = find_or_insert_pair(a, s);
  if (pr == kNoIdx) return refuse_undo(RuleId::kRiskStateFull, 0, 0);
  undo.pair = pr;
  PairState& pair = pairs_[pr];
  SideState& sside = pair.sides[side];
  auto multiplier_breach = [&](RuleId r, std::int64_t actual, std::int64_t limit) {
    Decision d = refuse_undo(r, actual, limit);
    if (sn.auto_kill.on_quantity_multiplier_breach &&
        kills_.engage(KillScope::kClientSession, ss.index(), KillReason::kAutoQuantityMultiplier)) {
      d.session_killed = true;
    }
    return d;
  };
  if (lim[kTypicalMultipleMicro] != kOff) {
    // Relaxed: a statistic; see the header.
    const std::int64_t seen = pair.accepted.load(std::memory_order_relaxed);
    std::int64_t typical = 0;
    if (seen >= sn.throttles.typical_size_min_history && seen > 0) {
      typical = pair.typical.load(std::memory_order_relaxed);
    } else if (lim[kTypicalSeed] != kOff) {
      typical = lim[kTypicalSeed];
    }
    // qty > floor(m x typical)  <=>  qty x 1e6 > m_micro x typical (qty is an
    // integer), so the division is paid only when refusing.
    if (typical > 0 && static_cast<i128>(o.quantity) * 1'000'000 >
                           static_cast<i128>(lim[kTypicalMultipleMicro]) * typical) {
      const i128 l = static_cast<i128>(lim[kTypicalMultipleMicro]) * typical / 1'000'000;
      const std::int64_t limit = l > INT64_MAX ? INT64_MAX : static_cast<std::int64_t>(l);
      { return multiplier_breach(RuleId::kTypicalSizeMultiple, o.quantity, limit); }
    }
  }
  if (sn.throttles.repeated_exec_max_fills > 0 &&
      pair.disabled[side].load(std::memory_order_acquire) !=
          0) {  // Pairs with count_fill's release.
    return refuse_undo(RuleId::kRepeatedExecutionThrottle, sn.throttles.repeated_exec_max_fills,
                       sn.throttles.repeated_exec_max_fills, false, Relation::kReached);
  }
  std::int64_t sent_delta = o.quantity;
  std::uint32_t parent_slot = kNoIdx;
  if (has_parent) {
    parent_slot = find_or_insert_parent(parent_key(a, o.parent_id));
    if (parent_slot == kNoIdx) return refuse_undo(RuleId::kRiskStateFull, 0, 0);
    ParentState& ps = parents_[parent_slot];
    std::int64_t pq = ps.parent_qty.load(std::memory_order_relaxed);
    if (pq == 0) {
      // First child declares the parent quantity; racing first children agree
      // on whichever CAS lands (relaxed: the value guards only itself).
      std::int64_t expected = 0;
      ps.parent_qty.compare_exchange_strong(expected, o.parent_quantity, std::memory_order_relaxed,
                                            std::memory_order_relaxed);
      pq = ps.parent_qty.load(std::memory_order_relaxed);
    }
    if (original != nullptr && original->parent_slot == parent_slot) {
      sent_delta = std::max<std::int64_t>(0, o.quantity - original->order_qty);
    }
    const std::int64_t filled = ps.filled.load(std::memory_order_relaxed);
    if (filled + o.quantity > pq) {
      return multiplier_breach(RuleId::kParentChildFilled, filled + o.quantity, pq);
    }
    const double cap_d = static_cast<double>(pq) * sn.parent_child.max_sent_multiple + 1e-9;
    const std::int64_t cap = cap_d >= 9.2e18 ? INT64_MAX : static_cast<std::int64_t>(cap_d);
    std::int64_t seen = 0;
    if (!reserve_bounded(ps.sent, sent_delta, cap, seen)) {
      return multiplier_breach(RuleId::kParentChildSent, seen, cap);
    }
    undo.parent = parent_slot;
    undo.sent = sent_delta;
    undo.taken |= Undo::kParent;
  } else {
    if (original != nullptr && original->pair_slot == pr && original->side == o.side &&
        original->parent_slot == kNoIdx) {
      sent_delta = std::max<std::int64_t>(0, o.quantity - original->order_qty);
    }
    undo.sent = sent_delta;
    // Counted only while the limit is set: each count is two atomic RMWs per
    // order (reserve and release), a third of the chain's budget. A limit
    // enabled by a reload therefore counts from that reload on (the window
    // from the next one; the day total misses what was sent before).
    if (lim[kCumWindow] != kOff) {
      // Tumbling window: one word holds (window id + 1) << 40 | qty.
      const auto id = static_cast<std::uint32_t>(
          (static_cast<std::uint64_t>(o.now_ns / sn.cum_window_ns) & 0xFFFFFF) + 1);
      std::uint64_t cur = sside.cum_window.load(std::memory_order_relaxed);
      for (;;) {
        const std::uint64_t have = (cur >> 40) == id ? (cur & kQty40) : 0;
        const std::uint64_t want = have + static_cast<std::uint64_t>(sent_delta);
        if (want > static_cast<std::uint64_t>(lim[kCumWindow]) || want > kQty40) {
          return refuse_undo(RuleId::kCumulativeQtyWindow, static_cast<std::int64_t>(want),
                             lim[kCumWindow]);
        }
        // Relaxed: the word guards only itself.
        if (sside.cum_window.compare_exchange_weak(cur, std::uint64_t{id} << 40 | want,
                                                   std::memory_order_relaxed,
                                                   std::memory_order_relaxed)) {
          break;
        }
      }
      undo.cum_window_id = id;
      undo.taken |= Undo::kCumWindow;
    }
    if (lim[kCumDay] != kOff) {
      std::int64_t seen = 0;
      if (!reserve_bounded(sside.cum_day, sent_delta, lim[kCumDay], seen)) {
        return refuse_undo(RuleId::kCumulativeQtyDay, seen, lim[kCumDay]);
      }
      undo.taken |= Undo::kCumDay;
    }
  }

  // 11 Exposure.
  std::int64_t seen = 0;
  const bool takes_open_order = original == nullptr || !original->counts_open_order;
  if (takes_open_order) {
    if (!reserve_bounded(acc.open_orders, 1, lim[kOpenOrders], seen)) {
      return refuse_undo(RuleId::kMaxOpenOrders, seen, lim[kOpenOrders]);
    }
    undo.taken |= Undo::kOpenOrder;
  }
  if (!reserve_bounded(acc.open_notional, notional, lim[kOpenNotional], seen)) {
    return refuse_undo(RuleId::kMaxOpenNotional, seen, lim[kOpenNotional], true);
  }
  undo.notional = notional;
  undo.taken |= Undo::kNotional;
  {
    // Worst case: buy: pos + open_buy + qty; sell: open_sell + qty - pos.
    // Acquire on open_qty pairs with the release decrement in on_execution,
    // which follows the position update: seeing the smaller open quantity
    // implies seeing the larger position, so the sum is never under-stated.
    const std::int64_t limit = lim[kNetPosition];
    std::int64_t cur = sside.open_qty.load(std::memory_order_acquire);
    for (;;) {
      const std::int64_t pos = pair.position.load(std::memory_order_relaxed);
      const std::int64_t worst = side == 0 ? pos + cur + o.quantity : cur + o.quantity - pos;
      if (limit != kOff && worst > limit) {
        return refuse_undo(RuleId::kMaxNetPosition, worst, limit);
      }
      if (sside.open_qty.compare_exchange_weak(cur, cur + o.quantity, std::memory_order_acquire,
                                               std::memory_order_acquire)) {
        break;
      }
    }
    undo.open_qty = o.quantity;
    undo.taken |= Undo::kOpenQty;
  }
  if (!reserve_bounded(acc.gross_day, notional, lim[kGrossDay], seen)) {
    return refuse_undo(RuleId::kMaxGrossNotionalDay, seen, lim[kGrossDay], true);
  }

  // Accepted: commit the session-local state.
  ss.ids_[id_slot] = id_hash;
  ++ss.ids_count_;
  if (K > 0) {
    SessionState::DupSlot& ds = ss.dups_[order_hash & (SessionState::kDupSlots - 1)];
    if (dup_count == 0) {
      ds = SessionState::DupSlot{order_hash, o.now_ns, 1};
    } else {
      ++ds.count;
    }
  }
  ss.message_tat_ = next_msg_tat;
  ss.order_tat_ = next_order_tat;
  {
    // Typical size: clamped EWMA of log2(size); see the header. Relaxed
    // load/store: a lost sample under a race is acceptable for a statistic.
    const std::int64_t n = pair.accepted.load(std::memory_order_relaxed);
    std::int64_t sample = log2_fixed(o.quantity);
    std::int64_t cur;
    if (n == 0) {
      cur = lim[kTypicalSeed] != kOff ? log2_fixed(lim[kTypicalSeed]) : sample;
    } else {
      cur = pair.typical_log.load(std::memory_order_relaxed);
    }
    constexpr std::int64_t kClamp = 2 << 16;  // x4 either way
    sample = std::clamp(sample, cur - kClamp, cur + kClamp);
    const std::int64_t next = cur + (sample - cur) / 16;
    pair.typical_log.store(next, std::memory_order_relaxed);
    pair.typical.store(exp2_fixed(next), std::memory_order_relaxed);
    pair.accepted.store(n + 1, std::memory_order_relaxed);
  }

  out.account = a;
  out.symbol = s;
  out.pair_slot = pr;
  out.parent_slot = parent_slot;
  out.session = ss.index();
  out.cum_window_id = (undo.taken & Undo::kCumWindow) ? undo.cum_window_id : 0;
  out.order_qty = o.quantity;
  out.leaves_qty = o.quantity;
  out.sent_qty = sent_delta;
  out.reserved_px = unit_px;
  out.side = o.side;
  out.counts_open_order = takes_open_order;
  out.cum_day_counted = (undo.taken & Undo::kCumDay) != 0;
  out.active = true;
  return Decision{};
}

Decision Engine::check_cancel(const OrderView& o, SessionState& ss) noexcept {
  const Snapshot& sn = *snap();
  if (sn.rates.max_cancels_per_sec > 0) {
    std::int64_t next = 0;
    if (!gcra(ss.cancel_tat_, o.now_ns, sn.session_cancels, next)) {
      Decision d;
      d.rule = RuleId::kCancelRate;
      d.limit = sn.rates.max_cancels_per_sec;
      return d;  // Not counted toward auto-kill: cancels reduce risk.
    }
    ss.cancel_tat_ = next;
  }
  note_message(ss, o.now_ns);
  return Decision{};
}

void Engine::note_message(SessionState& ss, std::int64_t now_ns) noexcept {
  const Snapshot& sn = *snap();
  std::int64_t next = 0;
  // Counted when within budget; never refused, never put into debt.
  if (sn.rates.max_messages_per_sec > 0 &&
      gcra(ss.message_tat_, now_ns, sn.session_messages, next)) {
    ss.message_tat_ = next;
  }
}

// ---------------------------------------------------------------------------
// Order lifecycle
// ---------------------------------------------------------------------------

void Engine::release_leaves(Reservation& t, std::int64_t qty) noexcept {
  if (qty <= 0) return;
  AccountState& acc = accounts_[t.account];
  const Micros n =
      sat_mul(t.leaves_qty, t.reserved_px) - sat_mul(t.leaves_qty - qty, t.reserved_px);
  // Relaxed: each counter guards only itself. open_qty is the exception:
  // release pairs with check()'s acquire (see the net-position comment).
  pairs_[t.pair_slot].sides[side_index(t.side)].open_qty.fetch_sub(qty, std::memory_order_release);
  acc.open_notional.fetch_sub(n, std::memory_order_relaxed);
  acc.gross_day.fetch_sub(n, std::memory_order_relaxed);
  t.leaves_qty -= qty;
}

void Engine::release_sent(Reservation& t) noexcept {
  if (t.sent_qty == 0) return;
  if (t.parent_slot != kNoIdx) {
    parents_[t.parent_slot].sent.fetch_sub(t.sent_qty, std::memory_order_relaxed);
  } else {
    SideState& ss = pairs_[t.pair_slot].sides[side_index(t.side)];
    if (t.cum_window_id != 0) Undo::release_window(ss, t.cum_window_id, t.sent_qty);
    if (t.cum_day_counted) ss.cum_day.fetch_sub(t.sent_qty, std::memory_order_relaxed);
  }
  t.sent_qty = 0;
}

void Engine::on_sent_failed(Reservation& t) noexcept {
  if (!t.active) return;
  release_leaves(t, t.leaves_qty);
  release_sent(t);
  if (t.counts_open_order) {
    accounts_[t.account].open_orders.fetch_sub(1, std::memory_order_relaxed);
    t.counts_open_order = false;
  }
  t.active = false;
}

bool Engine::count_fill(Reservation& t, std::int64_t now_ns) noexcept {
  const Snapshot& sn = *snap();
  const std::int64_t n = sn.throttles.repeated_exec_max_fills;
  if (n <= 0) return false;
  const int side = side_index(t.side);
  SideState& ss = pairs_[t.pair_slot].sides[side];
  const auto id = static_cast<std::uint32_t>(now_ns / sn.exec_window_ns) + 1;
  std::uint64_t cur = ss.fill_window.load(std::memory_order_relaxed);
  std::uint64_t next = 0;
  for (;;) {
    const std::uint64_t fills = (cur >> 32) == id ? (cur & 0xFFFF'FFFFu) + 1 : 1;
    next = std::uint64_t{id} << 32 | fills;
    // Relaxed: the word guards only itself.
    if (ss.fill_window.compare_exchange_weak(cur, next, std::memory_order_relaxed,
                                             std::memory_order_relaxed)) {
      break;
    }
  }
  if (static_cast<std::int64_t>(next & 0xFFFF'FFFFu) < n) return false;
  // Release pairs with check()'s acquire load of `disabled`.
  return pairs_[t.pair_slot].disabled[side].exchange(1, std::memory_order_release) == 0;
}

ExecOutcome Engine::on_execution(Reservation& t, const ExecEvent& ev) noexcept {
  ExecOutcome out;
  if (!t.active) return out;
  switch (ev.kind) {
    case ExecKind::kNewAck:
    case ExecKind::kReplaced:
      return out;
    case ExecKind::kPartialFill:
    case ExecKind::kFill: {
      const std::int64_t q = ev.last_qty > 0 ? ev.last_qty : 0;
      PairState& pair = pairs_[t.pair_slot];
      AccountState& acc = accounts_[t.account];
      // Position first, then open quantity (release): see check().
      pair.position.fetch_add(t.side == Side::kBuy ? q : -q, std::memory_order_relaxed);
      const std::int64_t rel = q < t.leaves_qty ? q : t.leaves_qty;
      const Micros reserved =
          sat_mul(t.leaves_qty, t.reserved_px) - sat_mul(t.leaves_qty - rel, t.reserved_px);
      pair.sides[side_index(t.side)].open_qty.fetch_sub(rel, std::memory_order_release);
      acc.open_notional.fetch_sub(reserved, std::memory_order_relaxed);
      // Gross: the working estimate becomes the traded value.
      acc.gross_day.fetch_add(sat_mul(q, ev.last_px) - reserved, std::memory_order_relaxed);
      t.leaves_qty -= rel;
      if (t.parent_slot != kNoIdx) {
        parents_[t.parent_slot].filled.fetch_add(q, std::memory_order_relaxed);
      }
      if (snap()->collar_follows_last_fill && ev.last_px > 0) {
        last_fill_px_[t.symbol].store(ev.last_px, std::memory_order_relaxed);
      }
      if (count_fill(t, ev.now_ns)) {
        out.flow_disabled = true;
        if (snap()->auto_kill.on_repeated_execution_throttle &&
            kills_.engage(KillScope::kClientSession, t.session,
                          KillReason::kAutoRepeatedExecution)) {
          out.session_killed = true;
        }
      }
      if (ev.kind == ExecKind::kFill) {
        release_leaves(t, t.leaves_qty);
        if (t.counts_open_order) {
          acc.open_orders.fetch_sub(1, std::memory_order_relaxed);
          t.counts_open_order = false;
        }
        t.active = false;
      }
      return out;
    }
    case ExecKind::kRejected:
      // Never lived at the exchange: it was not really sent either.
      release_sent(t);
      [[fallthrough]];
    case ExecKind::kCanceled:
    case ExecKind::kExpired:
      release_leaves(t, t.leaves_qty);
      if (t.counts_open_order) {
        accounts_[t.account].open_orders.fetch_sub(1, std::memory_order_relaxed);
        t.counts_open_order = false;
      }
      t.active = false;
      return out;
  }
  return out;
}

void Engine::on_replaced(Reservation& original, Reservation& replacement) noexcept {
  if (!original.active) return;
  release_leaves(original, original.leaves_qty);
  if (original.counts_open_order) {
    if (replacement.active && !replacement.counts_open_order) {
      replacement.counts_open_order = true;  // The unit moves; the counter stays.
    } else {
      accounts_[original.account].open_orders.fetch_sub(1, std::memory_order_relaxed);
    }
    original.counts_open_order = false;
  }
  original.active = false;
}

bool Engine::reenable_flow(std::string_view account, std::string_view symbol, Side side) noexcept {
  const Snapshot& sn = *snap();
  const std::uint32_t a = sn.find_account(account);
  const std::uint32_t s = sn.find_symbol(symbol);
  if (a == kNoIdx || s == kNoIdx) return false;
  const std::uint32_t p = find_pair(a, s);
  if (p == kNoIdx) return true;  // Never traded: nothing disabled.
  pairs_[p].sides[side_index(side)].fill_window.store(0, std::memory_order_relaxed);
  // Release pairs with check()'s acquire load.
  pairs_[p].disabled[side_index(side)].store(0, std::memory_order_release);
  return true;
}

void Engine::reset_day() noexcept {
  // Meant for a quiet moment (start of day). Concurrent reservations are not
  // lost: gross is reduced by what was traded, not overwritten.
  for (std::uint64_t p = 0; p <= pair_mask_; ++p) {
    if (pairs_[p].key.load(std::memory_order_acquire) == 0) continue;
    for (SideState& s : pairs_[p].sides) {
      const std::int64_t d = s.cum_day.load(std::memory_order_relaxed);
      s.cum_day.fetch_sub(d, std::memory_order_relaxed);
    }
  }
  for (std::uint32_t a = 0; a < caps_.max_accounts; ++a) {
    const std::int64_t g = accounts_[a].gross_day.load(std::memory_order_relaxed);
    const std::int64_t open = accounts_[a].open_notional.load(std::memory_order_relaxed);
    accounts_[a].gross_day.fetch_sub(g - open, std::memory_order_relaxed);
  }
}

// ---------------------------------------------------------------------------
// Introspection
// ---------------------------------------------------------------------------

AccountUsage Engine::account_usage(std::string_view account) const noexcept {
  AccountUsage u;
  const std::uint32_t a = snap()->find_account(account);
  if (a == kNoIdx) return u;
  u.open_orders = accounts_[a].open_orders.load(std::memory_order_relaxed);
  u.open_notional = accounts_[a].open_notional.load(std::memory_order_relaxed);
  u.gross_notional_day = accounts_[a].gross_day.load(std::memory_order_relaxed);
  return u;
}

PairUsage Engine::pair_usage(std::string_view account, std::string_view symbol) const noexcept {
  PairUsage u;
  const Snapshot& sn = *snap();
  const std::uint32_t a = sn.find_account(account);
  const std::uint32_t s = sn.find_symbol(symbol);
  if (a == kNoIdx || s == kNoIdx) return u;
  const std::uint32_t p = find_pair(a, s);
  if (p == kNoIdx) return u;
  const PairState& ps = pairs_[p];
  u.position = ps.position.load(std::memory_order_relaxed);
  u.open_buy_qty = ps.sides[0].open_qty.load(std::memory_order_relaxed);
  u.open_sell_qty = ps.sides[1].open_qty.load(std::memory_order_relaxed);
  u.accepted_count = ps.accepted.load(std::memory_order_relaxed);
  u.typical_size = u.accepted_count > 0 ? ps.typical.load(std::memory_order_relaxed) : 0;
  u.buy_disabled = ps.disabled[0].load(std::memory_order_acquire) != 0;
  u.sell_disabled = ps.disabled[1].load(std::memory_order_acquire) != 0;
  return u;
}

ParentUsage Engine::parent_usage(std::string_view account,
                                 std::string_view parent_id) const noexcept {
  ParentUsage u;
  const std::uint32_t a = snap()->find_account(account);
  if (a == kNoIdx) return u;
  const std::uint32_t p = find_parent(parent_key(a, parent_id));
  if (p == kNoIdx) return u;
  u.parent_qty = parents_[p].parent_qty.load(std::memory_order_relaxed);
  u.children_sent = parents_[p].sent.load(std::memory_order_relaxed);
  u.children_filled = parents_[p].filled.load(std::memory_order_relaxed);
  return u;
}

}  // namespace riskgate::risk
