// Flow envelope: per-session limits on what a session's flow does over time.
// Internal to risk/ (the public configuration is risk::FlowEnvelope in
// risk/config.hpp; the public view is risk::FlowUsage in engine.hpp).
//
// Why: a runaway like Knight's is not one big order. It is a stream of normal
// looking orders (100 shares, marketable, spread over 150 symbols) that keeps
// accumulating on one side far beyond the session's own normal. Per-order
// limits cannot see it; per-account day limits see it after minutes. These
// rules watch each client session's executions and orders over windows of
// seconds to minutes, and act on that session only.
//
// Windows are exponentially decaying sums: value(t) = sum of x_i e^-(t-t_i)/W.
// A steady flow of r per second reads r x W, a burst is forgotten smoothly,
// and the state is one number and one time stamp (no buckets to roll, no edge
// to time a burst against). Time is quantised to ticks of 2^24 ns (16.8 ms):
// the decay over k ticks is one table lookup (two past 256 ticks), so an
// update costs a few nanoseconds and no exp() call.
//
// One-sided accumulation (kNetQty) is the sum over symbols of |v_s|, where
// v_s is the decayed net quantity (bought minus sold) of the session in
// symbol s. Decay multiplies every v_s by the same factor, so the sum decays
// by that factor too and is kept exactly, in O(1) per fill: on a fill in s,
// sum += |v_s + q| - |v_s|. A market maker or a retail book nets out per
// symbol; a runaway that keeps buying grows the sum at its fill rate.
//
// Threads: a session's flow state and its symbol rows are written only by the
// I/O thread that serves that session (its route group handles the session's
// orders and their execution reports), so plain loads and stores suffice.
// They are atomics, relaxed, only so that the control thread may read them
// for status while the I/O thread writes (each value is read whole; a status
// line that mixes two updates is harmless). Two control-thread writers are
// the exceptions: the operator's reenable_flow() resets a row's execution
// count, which count_fill() therefore updates by CAS. reset_day() rewrites
// the shares too, but runs on the I/O thread itself (route::TradingDay, at
// the trading-day boundary), so it is no second writer.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "common/cacheline.hpp"
#include "risk/config.hpp"
#include "risk/detail.hpp"
#include "risk/types.hpp"

namespace riskgate::risk::flow {

inline constexpr int kTickShift = 24;  // 2^24 ns = 16.8 ms per tick.
[[nodiscard]] inline std::int64_t tick_of(std::int64_t now_ns) noexcept {
  return now_ns >> kTickShift;
}

// exp(-k x tick / W) for k ticks, by table. Past 65,535 steps (18 minutes at
// the finest step) the factor is 0: rule windows are at most 80 s
// (compile() enforces it); baselines use a coarser step.
class Decay {
 public:
  Decay() = default;
  // `shift` coarsens the table's step to 2^shift ticks, so a long window
  // (the baselines' half hour) spans days before its factor reaches 0.
  explicit Decay(std::int64_t window_ns, int shift = 0) noexcept;
  [[nodiscard]] double operator()(std::int64_t k) const noexcept {
    k >>= shift_;
    if (k <= 0) return 1.0;
    if (k < 256) return lo_[static_cast<std::size_t>(k)];
    if (k < 65536)
      return lo_[static_cast<std::size_t>(k & 255)] * hi_[static_cast<std::size_t>(k >> 8)];
    return 0.0;
  }

 private:
  std::array<double, 256> lo_{};
  std::array<double, 256> hi_{};
  int shift_ = 0;

 public:
  [[nodiscard]] int shift() const noexcept { return shift_; }
};
// The baselines' table steps by 2^8 ticks (4.3 s): 65,536 steps are 78 hours,
// so a quiet night decays a learned baseline instead of erasing it.
inline constexpr int kBaselineShift = 8;

// Longest window accepted: the decay tables end at 65,536 ticks, which must
// be many time constants (here 13.7: a factor below 1e-6).
inline constexpr std::int64_t kMaxWindowMs = 80'000;

// A decayed sum. Single writer (see the header); relaxed atomics for readers.
struct Counter {
  std::atomic<double> value{0.0};
  std::atomic<std::int64_t> tick{0};

  [[nodiscard]] double at(std::int64_t now_tick, const Decay& d) const noexcept {
    return value.load(std::memory_order_relaxed) *
           d(now_tick - tick.load(std::memory_order_relaxed));
  }
  // Decays to now and adds x; returns the new value.
  double add(std::int64_t now_tick, const Decay& d, double x) noexcept {
    const double v = at(now_tick, d) + x;
    value.store(v, std::memory_order_relaxed);
    if (now_tick > tick.load(std::memory_order_relaxed)) {
      tick.store(now_tick, std::memory_order_relaxed);
    }
    return v;
  }
  void reset() noexcept {
    value.store(0.0, std::memory_order_relaxed);
    tick.store(0, std::memory_order_relaxed);
  }
};

// One rule, compiled into the limits snapshot.
struct Rule {
  FlowMetric metric = FlowMetric::kExecQty;
  FlowAction action = FlowAction::kRefuse;
  RuleId rule = RuleId::kNone;  // Rule id in reject texts and the audit.
  std::uint8_t decay = 0;       // Index into Compiled::decays.
  std::uint8_t net = 0;         // kNetQty / kSymbolNetQty: net window index.
  double limit = 0.0;           // 0: no absolute limit.
  double multiple = 0.0;        // 0: no relative limit.
  double seed = 0.0;
  double min_one_sided = 0.0;
};

struct Compiled {
  // What every order reads first, together; the rules and the decay tables
  // (36 KiB) after them, read on fills and breaches.
  std::uint32_t count = 0;
  std::uint32_t fill_mask = 0;   // Rules updated by fills.
  std::uint32_t order_mask = 0;  // kOrders rules.
  std::uint32_t net_windows = 0;
  bool symbol_refuse = false;  // A symbol_net_qty rule refuses: checked per order.
  std::uint8_t baseline_decay = 0;
  std::array<std::uint8_t, kMaxNetWindows> net_decay{};  // Decay index per net window.
  // The smallest limit among refusing symbol_net_qty rules: an order whose
  // symbol's stored |net| (an upper bound of the decayed one) is within it
  // cannot be refused by them, which spares the order path the decay.
  double symbol_refuse_floor = 0.0;
  std::int64_t throttle_interval_ns = 0;  // 1 s / throttle rate.
  std::int64_t throttle_ns = 0;
  std::int64_t warmup_ns = 0;
  std::array<Rule, kMaxFlowRules> rules{};
  std::int64_t window_ms[kMaxFlowRules] = {};  // For the reload shape check.
  // Decay tables: one per distinct window, plus the baseline's (last).
  std::array<Decay, kMaxFlowRules + 1> decays{};
};

// Compiles the config's rules; throws std::invalid_argument naming the rule.
[[nodiscard]] Compiled compile(const FlowEnvelope& cfg);
// True when `a` and `b` measure the same things over the same windows, so
// the running counters stay meaningful across a reload.
[[nodiscard]] bool same_shape(const Compiled& a, const Compiled& b) noexcept;

// Per client session. One block per session; see the header for threads.
// The fields every order reads come first, on one line.
struct alignas(kCacheLine) SessionFlow {
  // Rules with action refuse that are in breach; cleared when the value falls
  // back below the limit.
  std::atomic<std::uint32_t> breached{0};
  std::atomic<std::int64_t> throttle_until_ns{0};
  std::int64_t throttle_tat = INT64_MIN / 2;  // GCRA at the throttle rate.
  std::atomic<std::int64_t> first_ns{0};      // First event: warm-up start.
  // This session's use of up to kShareSlots accounts (day gross notional,
  // working included, and open notional), for scoping account-level
  // refusals (AutoKill::account_breach_min_share). A session that trades
  // more accounts than that is never counted a consumer of the others: the
  // flow envelope still bounds it.
  struct AccountShare {
    std::atomic<std::uint32_t> account{kNoIdx};
    std::atomic<std::int64_t> gross{0};
    std::atomic<std::int64_t> open{0};
  };
  static constexpr std::size_t kShareSlots = 4;
  std::array<AccountShare, kShareSlots> shares{};
  alignas(kCacheLine) std::array<Counter, kMaxFlowRules> value{};  // Windowed value per rule.
  std::array<Counter, kMaxFlowRules> baseline{};                   // Slow average of value.
  std::array<Counter, kMaxNetWindows> net_abs{};                   // Sum over symbols of |v_s|.
  std::array<Counter, kMaxNetWindows> gross{};                     // Shares executed, same window.
};

// The session's slot for `account`, claiming a free one when `claim`; nullptr
// when there is none. Single writer (the session's thread).
[[nodiscard]] inline SessionFlow::AccountShare* share_of(SessionFlow& sf, std::uint32_t account,
                                                         bool claim) noexcept {
  for (auto& sh : sf.shares) {
    const std::uint32_t a = sh.account.load(std::memory_order_relaxed);
    if (a == account) return &sh;
    if (a == kNoIdx) {
      if (!claim) return nullptr;
      sh.account.store(account, std::memory_order_relaxed);
      return &sh;
    }
  }
  return nullptr;
}
[[nodiscard]] inline const SessionFlow::AccountShare* find_share(const SessionFlow& sf,
                                                                 std::uint32_t account) noexcept {
  for (const auto& sh : sf.shares) {
    if (sh.account.load(std::memory_order_relaxed) == account) return &sh;
  }
  return nullptr;
}
// Adds to a slot's gross and open notional (relaxed load + store: one writer).
// Saturating, as the account's own day gross: a fill at an absurd LastPx
// saturates its traded value, and a wrapped share would read as nothing.
inline void add_share(SessionFlow::AccountShare* sh, std::int64_t gross,
                      std::int64_t open) noexcept {
  if (sh == nullptr) return;
  sh->gross.store(detail::sat_add(sh->gross.load(std::memory_order_relaxed), gross),
                  std::memory_order_relaxed);
  sh->open.store(detail::sat_add(sh->open.load(std::memory_order_relaxed), open),
                 std::memory_order_relaxed);
}

// Per (session, symbol) row fields the flow envelope uses.
struct SymbolNet {
  std::array<Counter, kMaxNetWindows> net{};  // Decayed net shares (buy > 0).
};

// What a rule found; rule == kNone: nothing to do.
struct Verdict {
  RuleId rule = RuleId::kNone;
  FlowAction action = FlowAction::kRefuse;
  std::int64_t actual = 0;
  std::int64_t limit = 0;
  bool micros = false;
};

// The threshold a rule's value is held to now, or +inf when it has none.
[[nodiscard]] double threshold(const Compiled& c, const Rule& r, const SessionFlow& sf,
                               std::uint32_t index, std::int64_t now_ns) noexcept;

// A fill of `signed_qty` (buy > 0) at `notional` (micros) for the session
// in the symbol whose row is `sym`. Updates every fill rule and returns the
// most severe breach (kill > throttle > refuse), marking refuse breaches.
Verdict on_fill(const Compiled& c, SessionFlow& sf, SymbolNet& sym, std::int64_t signed_qty,
                double notional, std::int64_t now_ns) noexcept;

// A new order or replace of the session (accepted or not: a runaway's refused
// orders are still flow). Returns the most severe breach of a kOrders rule.
Verdict on_order(const Compiled& c, SessionFlow& sf, std::int64_t now_ns) noexcept;

// What on_order() would return at `now_ns`, and in `breached` the breach
// mask it would leave, without writing anything: check() decides with it and
// the order is counted (on_order) only once it is committed or refused, so an
// order the gateway could not forward leaves the windows as they were.
// Exactly on_order()'s arithmetic, so the two agree bit for bit.
[[nodiscard]] Verdict peek_order(const Compiled& c, const SessionFlow& sf, std::int64_t now_ns,
                                 std::uint32_t& breached) noexcept;

// An order on `side` (+1 buy, -1 sell) in the symbol of `sym` while some
// refuse rule is in breach: the breach that refuses it, if any. Rules whose
// value fell back below their threshold are cleared. Net rules refuse only
// orders that would add to the one-sided accumulation.
Verdict refusing(const Compiled& c, SessionFlow& sf, const SymbolNet* sym, int side,
                 std::int64_t now_ns) noexcept;

}  // namespace riskgate::risk::flow
