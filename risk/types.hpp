// Plain types at the boundary of the risk core.
//
// risk/ is pure: it takes a plain order view and returns a decision. It does
// no I/O, starts no threads and knows nothing of FIX, Asio or QuickFIX.
// gateway/route translates FIX into these types.
#pragma once

#include <cstdint>
#include <string_view>

namespace riskgate::risk {

// Prices and notionals are fixed-point micro-units (value * 1e6) so that
// limits compare exactly at their boundary. Quantities are whole units.
using Micros = std::int64_t;
inline constexpr Micros kMicro = 1'000'000;

enum class Side : std::uint8_t { kUnknown = 0, kBuy = 1, kSell = 2, kSellShort = 5 };
enum class OrdType : std::uint8_t { kUnknown = 0, kMarket = 1, kLimit = 2 };
enum class Action : std::uint8_t { kNew, kReplace, kCancel };

// Stable identifiers of riskgate's entities, assigned when config is loaded.
// Indices are dense, < the capacities in RiskConfig, and never reused for
// another name while the process runs (a reload may add names, never move them).
using AccountIdx = std::uint32_t;
using SymbolIdx = std::uint32_t;
using SessionIdx = std::uint32_t;
inline constexpr std::uint32_t kNoIdx = 0xFFFF'FFFFu;

// One order as the risk core sees it. Views point into the caller's receive
// buffer and are valid only during the call.
struct OrderView {
  Action action = Action::kNew;
  SessionIdx session = kNoIdx;  // Client session that sent it.
  std::uint32_t exchange_session = kNoIdx;
  std::string_view cl_ord_id;
  std::string_view orig_cl_ord_id;  // Replace/cancel only.
  std::string_view account;         // Tag 1.
  std::string_view symbol;          // Tag 55.
  Side side = Side::kUnknown;
  OrdType ord_type = OrdType::kUnknown;
  // TimeInForce(59) as sent, 0 when absent (Day). Not a risk input: the
  // route keeps it to know whether an order outlives its trading day.
  char time_in_force = 0;
  std::int64_t quantity = 0;  // Tag 38; <= 0 is refused by validity.
  Micros price = 0;           // Tag 44.
  bool has_price = false;
  // Parent reference for child orders (tags chosen in config; empty if none).
  std::string_view parent_id;
  std::int64_t parent_quantity = 0;
  bool poss_dup = false;          // 43=Y or 97=Y: a replay, never counted twice.
  bool missing_required = false;  // Set by the translator: a required tag absent.
  std::uint32_t missing_tag = 0;
  // Values of tags the manifest lists as retired (issue 4); the translator
  // sets this when one is present.
  bool carries_retired_value = false;
  std::uint32_t retired_tag = 0;
  std::int64_t now_ns = 0;  // Steady clock, from the I/O loop.
};

// Stable rule ids. The name (rule_name) appears in reject texts, the audit and
// metrics, so a name, once released, never changes meaning. Append only.
enum class RuleId : std::uint16_t {
  kNone = 0,
  // Kill switch and deployment (issue 4).
  kKillSwitch,
  kRetiredFeature,
  // Validity.
  kMissingField,
  kBadQuantity,
  kUnknownSide,
  kUnknownOrdType,
  kMissingPrice,
  kUnknownSymbol,
  kUnknownAccount,
  kLotSize,
  // Size and value.
  kMaxOrderQty,
  kMaxOrderNotional,
  // Price collar.
  kPriceCollar,
  // Quantity multipliers.
  kTypicalSizeMultiple,
  kParentChildSent,
  kParentChildFilled,
  kCumulativeQtyWindow,
  kCumulativeQtyDay,
  kRepeatedExecutionThrottle,
  // Duplicates.
  kDuplicateClOrdID,
  kDuplicateOrder,
  // Rates.
  kSessionOrderRate,
  kAccountOrderRate,
  kSessionMessageRate,
  kCancelRate,
  // Exposure.
  kMaxOpenOrders,
  kMaxOpenNotional,
  kMaxNetPosition,
  kMaxGrossNotionalDay,
  // Restrictions.
  kRestrictedSymbol,
  kInstrumentNotPermitted,
  // State the core cannot vouch for: a table is full, the audit is down.
  kRiskStateFull,
  kAuditUnavailable,
  kExchangeUnavailable,
  // Flow envelope (risk.flow rules): what a session's flow does over time.
  kFlowExecQty,
  kFlowExecNotional,
  kFlowNetQty,
  kFlowSymbolNetQty,
  kFlowOrders,
  kFlowFills,
  kFlowThrottle,  // The session is held to the throttle rate after a breach.
  // Schedule (issue 11): a new order or replace outside the session's
  // StartTime..EndTime window (decided by the route, not by check()).
  kOutsideTradingHours,
  // Restart (issue 11), decided by the route: the durable journal cannot take
  // the order's record, or riskgate restarted and has not yet caught up with
  // what the exchange sent while it was down.
  kJournalUnavailable,
  kReconciling,
  kCount
};

[[nodiscard]] std::string_view rule_name(RuleId r) noexcept;

// FIX OrdRejReason (103) for a refusal: 1 unknown symbol, 3 order exceeds
// limit, 6 duplicate order, 99 other, etc.
[[nodiscard]] int ord_rej_reason(RuleId r) noexcept;

// The outcome of a check. When refused, `actual` and `limit` are the numbers
// the reject text shows ("max_order_qty: 120000 > 100000 (ACC1 AAPL)").
//
// How `actual` relates to `limit` in the reject text: "120000 > 100000" for
// most limits, "170.00 < 171.00" for a price below the collar, "5 >= 5" for a
// count whose reaching the limit trips the rule (repeated executions).
enum class Relation : std::uint8_t { kAbove, kBelow, kReached };

struct [[nodiscard]] Decision {
  RuleId rule = RuleId::kNone;
  std::int64_t actual = 0;
  std::int64_t limit = 0;
  bool values_are_micros = false;  // Format actual/limit as prices/notionals.
  Relation relation = Relation::kAbove;
  // Set when this check engaged the sending session's kill switch (auto-kill
  // rule or retired feature): the gateway audits it and acts per config
  // (mass cancel, logout). Set once, on the check that tripped it.
  bool session_killed = false;
  [[nodiscard]] bool accepted() const noexcept { return rule == RuleId::kNone; }
};

// Writes the reject Text for a refused decision into `out` (no allocation) and
// returns the number of chars written (truncated to out.size()).
std::size_t format_reject_text(const Decision& d, const OrderView& o, char* out,
                               std::size_t cap) noexcept;

}  // namespace riskgate::risk
