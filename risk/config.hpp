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
  // Unit-error guard: refuse qty > multiple x typical size.
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
  // fills of one (account, symbol, side) within the window, that flow is
  // disabled until an operator re-enables it. 0 = off.
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

// Automatic kill-switch trips (issue 4). 0 = off.
struct AutoKill {
  std::int64_t session_refusals = 0;                // N refusals from one session...
  std::int64_t session_refusals_window_ms = 1'000;  // ...within T.
  bool on_quantity_multiplier_breach = false;       // typical-size or parent/child breach.
  bool on_repeated_execution_throttle = false;
};

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
  bool collar_follows_last_fill = false;
};

}  // namespace riskgate::risk
