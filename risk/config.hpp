// Risk limits as plain data. config/ parses the TOML file into RiskConfig;
// risk/ validates and compiles it into an immutable snapshot that the I/O
// threads read lock-free (see engine.hpp). Nothing here is read on the order
// path directly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "risk/types.hpp"

namespace riskgate::risk {

// Per-order limits. Every field is optional so that layers can override each
// other: defaults < symbol < account < account+symbol (the most specific set
// value wins). An unset value after layering means the rule is off.
struct Limits {
  std::optional<std::int64_t> max_order_qty;
  std::optional<Micros> max_order_notional;
  // Limit price within +/- this many basis points of the reference price.
  std::optional<std::int64_t> price_collar_bps;
  // Unit-error guard: refuse qty > multiple x the typical size of this client
  // session's orders in this symbol (each session learns its own).
  std::optional<double> typical_size_multiple;
  std::optional<std::int64_t> typical_size_seed;  // Typical size until enough history.
  // Cumulative quantity sent per (account, symbol, side) for orders without a
  // parent reference.
  std::optional<std::int64_t> max_cum_qty_window;
  std::optional<std::int64_t> max_cum_qty_day;
  // Exposure.
  std::optional<std::int64_t> max_open_orders;
  std::optional<Micros> max_open_notional;
  std::optional<std::int64_t> max_net_position;  // |net| per (account, symbol)
  std::optional<Micros> max_gross_notional_day;
  // Rates (orders per second per account).
  std::optional<std::int64_t> max_account_orders_per_sec;
};

struct LimitOverride {
  std::string account;  // Empty: any account.
  std::string symbol;   // Empty: any symbol.
  Limits limits;
};

struct SymbolRef {
  std::string symbol;
  Micros reference_price = 0;
  std::int64_t lot_size = 1;
  bool restricted = false;
};

struct AccountDef {
  std::string name;
  std::vector<std::string> permitted_symbols;  // Empty: all known symbols.
};

struct SessionRates {
  std::int64_t max_orders_per_sec = 0;    // New + replace; 0 = off.
  std::int64_t max_messages_per_sec = 0;  // Every inbound app message; 0 = off.
  // Cancels have their own, generous budget so a flood of new orders cannot
  // starve them. Risk never refuses a cancel for any other reason.
  std::int64_t max_cancels_per_sec = 0;
};

struct ParentChild {
  std::uint32_t parent_id_tag = 0;  // 0: feature off. Often a user tag (e.g. 7001).
  std::uint32_t parent_qty_tag = 0;
  double max_sent_multiple = 1.0;  // children sent <= parent qty x this
};

struct Throttles {
  std::int64_t cum_qty_window_ms = 1'000;
  // Repeated execution throttle (MiFID II RTS 6 art. 15(3)): after this many
  // fills of one (client session, symbol, side) within the window, that flow
  // is disabled until an operator re-enables it. 0 = off. Scoped to the
  // session whose orders filled: another session on the same account and
  // symbol is never charged for them.
  std::int64_t repeated_exec_max_fills = 0;
  std::int64_t repeated_exec_window_ms = 1'000;
  // More than this many identical orders (account, symbol, side, qty, price)
  // within the window are refused. 0 = off.
  std::int64_t duplicate_max_identical = 0;
  std::int64_t duplicate_window_ms = 1'000;
  // Unit-error guard: history needed before the running statistic replaces
  // the seed.
  std::int64_t typical_size_min_history = 20;
};

// Automatic kill-switch trips. 0 = off.
//
// A trip is for flow that is broken, not for one order a limit refused: the
// refusal rule looks at a sustained refusal RATE of one session (at least
// session_refusals refusals within the window AND at least
// session_refusal_ratio of that session's orders in the window refused), so
// a desk that sends one oversized order among thousands is refused, never
// killed. Refusals by account-level limits count toward a session only while
// that session holds at least account_breach_min_share of the account's
// consumption (open notional + day's gross), so one session's runaway never
// trips the other sessions that share its account.
struct AutoKill {
  std::int64_t session_refusals = 0;                // N refusals from one session...
  std::int64_t session_refusals_window_ms = 1'000;  // ...within T...
  double session_refusal_ratio = 0.0;               // ...and >= this share of its orders.
  double account_breach_min_share = 0.5;
  // Hard safety rule: a child past its parent trips at once.
  bool on_parent_child_breach = false;
  // Unit-error guard breach. Off by default: a refusal is the right answer to
  // one big order; a runaway is caught by the flow envelope.
  bool on_typical_size_breach = false;
  bool on_repeated_execution_throttle = false;
};

// ---------------------------------------------------------------------------
// Flow envelope: per-session limits on what a session's flow does over time,
// on fills as well as orders (see risk/flow.hpp for the arithmetic).
// ---------------------------------------------------------------------------

// What a flow rule measures, over its window, per client session.
enum class FlowMetric : std::uint8_t {
  kExecQty,       // Shares executed (both sides).
  kExecNotional,  // Notional executed (both sides), micros.
  kNetQty,        // One-sided accumulation: sum over symbols of |net shares
                  // bought minus sold|. A two-sided flow nets out; a runaway
                  // that keeps buying (or selling) grows it at its fill rate.
  kSymbolNetQty,  // |net shares| in one symbol.
  kOrders,        // New orders and replaces sent (accepted or not).
  kFills,         // Executions (partial or full).
};

// What a breach does. Graduated, as venues do them.
enum class FlowAction : std::uint8_t {
  kRefuse,    // Refuse the orders that would add to the breached measure.
  kThrottle,  // Hold the session to FlowEnvelope::throttle_orders_per_sec for
              // throttle_ms (every new order and replace).
  kKill,      // Trip the session's kill switch.
};

struct FlowRule {
  FlowMetric metric = FlowMetric::kExecQty;
  // The window: an exponentially decaying sum with this time constant, so a
  // steady flow of r per second reads r x window, and a burst is forgotten
  // smoothly rather than all at once when a bucket rolls (no edge to game).
  std::int64_t window_ms = 10'000;
  // Absolute limit on the windowed value (shares, micros or a count); 0: none.
  std::int64_t limit = 0;
  // Relative limit: value > multiple x baseline, where baseline = max(seed,
  // learned). learned is a slow average of this session's own windowed value
  // (FlowEnvelope::baseline_window_ms), trusted after warmup_ms of trading.
  // 0: none. A session's normal flow is the yardstick: a runaway is many
  // times its own normal.
  double multiple = 0.0;
  std::int64_t seed = 0;
  // kNetQty only: breach only while at least this share of the window's
  // executed quantity went one way (net / gross). A market maker or a retail
  // book nets out (low share); a runaway is one-sided (share near 1). 0: off.
  double min_one_sided = 0.0;
  FlowAction action = FlowAction::kRefuse;
  std::string name;  // For errors and status ("risk.flow.rule[2]").
};

struct FlowEnvelope {
  std::vector<FlowRule> rules;                    // At most kMaxFlowRules.
  std::int64_t warmup_ms = 30 * 60'000;           // Before learned baselines count.
  std::int64_t baseline_window_ms = 30 * 60'000;  // Time constant of the baseline.
  std::int64_t throttle_orders_per_sec = 10;      // Rate while throttled.
  std::int64_t throttle_ms = 10'000;              // Cooling-off period.
};
inline constexpr std::size_t kMaxFlowRules = 8;
// Distinct windows among kNetQty / kSymbolNetQty rules (each needs a per
// symbol accumulator in every session's symbol rows).
inline constexpr std::size_t kMaxNetWindows = 2;

// Fixed capacities: every table the order path touches is allocated once, at
// start. When one is full the order is refused (risk_state_full): fail closed.
struct Capacities {
  std::uint32_t max_accounts = 1024;
  std::uint32_t max_symbols = 4096;
  std::uint32_t max_sessions = 256;
  std::uint32_t max_parents = 65536;
  std::uint32_t max_open_orders = 1 << 20;
  std::uint32_t max_cl_ord_ids = 1 << 20;  // ClOrdIDs remembered for duplicate checks.
  // (account, symbol) pairs that ever trade: positions, typical sizes,
  // cumulative quantities and execution throttles live in a table this big.
  std::uint32_t max_account_symbols = 1 << 16;
  // (session, symbol) pairs that trade: per-session typical sizes, one-sided
  // accumulation per symbol and execution throttles.
  std::uint32_t max_session_symbols = 1 << 16;
};

struct RiskConfig {
  Capacities capacities;
  std::vector<SymbolRef> symbols;
  std::vector<AccountDef> accounts;  // Orders for other accounts are refused.
  std::vector<std::string> restricted_symbols;
  Limits defaults;
  std::vector<LimitOverride> overrides;
  SessionRates session_rates;
  ParentChild parent_child;
  Throttles throttles;
  AutoKill auto_kill;
  FlowEnvelope flow;
  bool collar_follows_last_fill = false;
};

}  // namespace riskgate::risk
