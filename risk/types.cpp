#include "risk/types.hpp"

#include <charconv>
#include <cstring>

#include "risk/kill_switch.hpp"

namespace riskgate::risk {

std::string_view rule_name(RuleId r) noexcept {
  switch (r) {
    case RuleId::kNone:
      return "none";
    case RuleId::kKillSwitch:
      return "kill_switch";
    case RuleId::kRetiredFeature:
      return "retired_feature";
    case RuleId::kMissingField:
      return "missing_field";
    case RuleId::kBadQuantity:
      return "bad_quantity";
    case RuleId::kUnknownSide:
      return "unknown_side";
    case RuleId::kUnknownOrdType:
      return "unknown_ord_type";
    case RuleId::kMissingPrice:
      return "missing_price";
    case RuleId::kUnknownSymbol:
      return "unknown_symbol";
    case RuleId::kUnknownAccount:
      return "unknown_account";
    case RuleId::kLotSize:
      return "lot_size";
    case RuleId::kMaxOrderQty:
      return "max_order_qty";
    case RuleId::kMaxOrderNotional:
      return "max_order_notional";
    case RuleId::kPriceCollar:
      return "price_collar";
    case RuleId::kTypicalSizeMultiple:
      return "typical_size_multiple";
    case RuleId::kParentChildSent:
      return "parent_child_sent";
    case RuleId::kParentChildFilled:
      return "parent_child_filled";
    case RuleId::kCumulativeQtyWindow:
      return "cumulative_qty_window";
    case RuleId::kCumulativeQtyDay:
      return "cumulative_qty_day";
    case RuleId::kRepeatedExecutionThrottle:
      return "repeated_execution_throttle";
    case RuleId::kDuplicateClOrdID:
      return "duplicate_cl_ord_id";
    case RuleId::kDuplicateOrder:
      return "duplicate_order";
    case RuleId::kSessionOrderRate:
      return "session_order_rate";
    case RuleId::kAccountOrderRate:
      return "account_order_rate";
    case RuleId::kSessionMessageRate:
      return "session_message_rate";
    case RuleId::kCancelRate:
      return "cancel_rate";
    case RuleId::kMaxOpenOrders:
      return "max_open_orders";
    case RuleId::kMaxOpenNotional:
      return "max_open_notional";
    case RuleId::kMaxNetPosition:
      return "max_net_position";
    case RuleId::kMaxGrossNotionalDay:
      return "max_gross_notional_day";
    case RuleId::kRestrictedSymbol:
      return "restricted_symbol";
    case RuleId::kInstrumentNotPermitted:
      return "instrument_not_permitted";
    case RuleId::kRiskStateFull:
      return "risk_state_full";
    case RuleId::kAuditUnavailable:
      return "audit_unavailable";
    case RuleId::kExchangeUnavailable:
      return "exchange_unavailable";
    case RuleId::kOutsideTradingHours:
      return "outside_trading_hours";
    case RuleId::kJournalUnavailable:
      return "journal_unavailable";
    case RuleId::kReconciling:
      return "reconciling";
    case RuleId::kFlowExecQty:
      return "flow_exec_qty";
    case RuleId::kFlowExecNotional:
      return "flow_exec_notional";
    case RuleId::kFlowNetQty:
      return "flow_net_qty";
    case RuleId::kFlowSymbolNetQty:
      return "flow_symbol_net_qty";
    case RuleId::kFlowOrders:
      return "flow_orders";
    case RuleId::kFlowFills:
      return "flow_fills";
    case RuleId::kFlowThrottle:
      return "flow_throttle";
    case RuleId::kCount:
      break;
  }
  return "unknown_rule";
}

int ord_rej_reason(RuleId r) noexcept {
  // FIX 4.4 OrdRejReason (103): 0 broker/exchange option, 1 unknown symbol,
  // 2 exchange closed, 3 order exceeds limit, 6 duplicate order,
  // 11 unsupported order characteristic, 13 incorrect quantity,
  // 15 unknown account, 16 price exceeds current price band, 99 other.
  switch (r) {
    case RuleId::kNone:
      return 0;
    case RuleId::kKillSwitch:
      return 0;
    case RuleId::kRetiredFeature:
      return 11;
    case RuleId::kMissingField:
      return 99;
    case RuleId::kBadQuantity:
      return 13;
    case RuleId::kUnknownSide:
      return 11;
    case RuleId::kUnknownOrdType:
      return 11;
    case RuleId::kMissingPrice:
      return 99;
    case RuleId::kUnknownSymbol:
      return 1;
    case RuleId::kUnknownAccount:
      return 15;
    case RuleId::kLotSize:
      return 13;
    case RuleId::kPriceCollar:
      return 16;
    case RuleId::kDuplicateClOrdID:
    case RuleId::kDuplicateOrder:
      return 6;
    case RuleId::kRestrictedSymbol:
    case RuleId::kInstrumentNotPermitted:
      return 0;
    case RuleId::kExchangeUnavailable:
    case RuleId::kOutsideTradingHours:
      return 2;  // Exchange closed.
    case RuleId::kRiskStateFull:
    case RuleId::kAuditUnavailable:
    case RuleId::kJournalUnavailable:
    case RuleId::kReconciling:
      return 99;
    case RuleId::kMaxOrderQty:
    case RuleId::kMaxOrderNotional:
    case RuleId::kTypicalSizeMultiple:
    case RuleId::kParentChildSent:
    case RuleId::kParentChildFilled:
    case RuleId::kCumulativeQtyWindow:
    case RuleId::kCumulativeQtyDay:
    case RuleId::kRepeatedExecutionThrottle:
    case RuleId::kSessionOrderRate:
    case RuleId::kAccountOrderRate:
    case RuleId::kSessionMessageRate:
    case RuleId::kCancelRate:
    case RuleId::kMaxOpenOrders:
    case RuleId::kMaxOpenNotional:
    case RuleId::kMaxNetPosition:
    case RuleId::kMaxGrossNotionalDay:
    case RuleId::kFlowExecQty:
    case RuleId::kFlowExecNotional:
    case RuleId::kFlowNetQty:
    case RuleId::kFlowSymbolNetQty:
    case RuleId::kFlowOrders:
    case RuleId::kFlowFills:
    case RuleId::kFlowThrottle:
      return 3;
    case RuleId::kCount:
      break;
  }
  return 99;
}

namespace {

// Appends into a fixed buffer, silently truncating: a reject text must never
// fail or allocate.
class Writer {
 public:
  Writer(char* out, std::size_t cap) noexcept : out_(out), cap_(cap) {}
  void put(std::string_view s) noexcept {
    const std::size_t n = s.size() < cap_ - len_ ? s.size() : cap_ - len_;
    if (n != 0) std::memcpy(out_ + len_, s.data(), n);
    len_ += n;
  }
  void put_int(std::int64_t v) noexcept {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    put(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
  }
  // Micro-units as a decimal: at least two decimals, trailing zeros trimmed
  // beyond that (190.00, 190.125, 0.000001).
  void put_micros(std::int64_t v) noexcept {
    std::uint64_t mag = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
    if (v < 0) put("-");
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, mag / 1'000'000);
    put(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
    char frac[7];
    std::uint64_t f = mag % 1'000'000;
    for (int i = 5; i >= 0; --i) {
      frac[i] = static_cast<char>('0' + f % 10);
      f /= 10;
    }
    std::size_t n = 6;
    while (n > 2 && frac[n - 1] == '0') --n;
    put(".");
    put(std::string_view(frac, n));
  }
  [[nodiscard]] std::size_t size() const noexcept { return len_; }

 private:
  char* out_;
  std::size_t cap_;
  std::size_t len_ = 0;
};

}  // namespace

std::size_t format_reject_text(const Decision& d, const OrderView& o, char* out,
                               std::size_t cap) noexcept {
  if (out == nullptr || cap == 0) return 0;
  Writer w(out, cap);
  w.put(rule_name(d.rule));
  switch (d.rule) {
    case RuleId::kKillSwitch:
      w.put(": ");
      w.put(kill_scope_name(static_cast<KillScope>(d.actual)));
      w.put(" engaged (");
      w.put(kill_reason_name(static_cast<KillReason>(d.limit)));
      w.put(")");
      break;
    case RuleId::kRetiredFeature:
    case RuleId::kMissingField:
      w.put(": tag ");
      w.put_int(d.actual);
      break;
    case RuleId::kBadQuantity:
      w.put(": ");
      w.put_int(d.actual);
      break;
    case RuleId::kLotSize:
      w.put(": ");
      w.put_int(d.actual);
      w.put(" not a multiple of ");
      w.put_int(d.limit);
      break;
    case RuleId::kSessionOrderRate:
    case RuleId::kAccountOrderRate:
    case RuleId::kSessionMessageRate:
    case RuleId::kCancelRate:
      w.put(": over ");
      w.put_int(d.limit);
      w.put("/s");
      break;
    // Rules without numbers still read "rule: what is wrong (ACCOUNT SYMBOL)",
    // so a parser can take the rule id as everything before the first ':'.
    case RuleId::kNone:
      break;
    case RuleId::kUnknownSide:
      w.put(": side not supported");
      break;
    case RuleId::kUnknownOrdType:
      w.put(": order type not supported");
      break;
    case RuleId::kMissingPrice:
      w.put(": limit order without a price");
      break;
    case RuleId::kUnknownSymbol:
      w.put(": symbol not in the reference data");
      break;
    case RuleId::kUnknownAccount:
      w.put(": account not configured");
      break;
    case RuleId::kDuplicateClOrdID:
      w.put(": ClOrdID already used in this session");
      break;
    case RuleId::kRestrictedSymbol:
      w.put(": symbol is restricted");
      break;
    case RuleId::kInstrumentNotPermitted:
      w.put(": symbol not permitted for this account");
      break;
    case RuleId::kRiskStateFull:
      w.put(": a state table is full (raise [risk.capacities] or [gateway] MaxWorkingOrders)");
      break;
    case RuleId::kAuditUnavailable:
      w.put(": the audit log cannot be written");
      break;
    case RuleId::kExchangeUnavailable:
      w.put(": the exchange session cannot take orders");
      break;
    case RuleId::kOutsideTradingHours:
      w.put(": new orders are refused outside the session's StartTime..EndTime (cancels pass)");
      break;
    case RuleId::kJournalUnavailable:
      w.put(": the durable journal cannot record the order (cancels pass)");
      break;
    case RuleId::kReconciling:
      w.put(
          ": riskgate restarted and is catching up with the exchange; new orders wait "
          "(cancels pass)");
      break;
    default: {
      w.put(": ");
      if (d.values_are_micros) {
        w.put_micros(d.actual);
      } else {
        w.put_int(d.actual);
      }
      switch (d.relation) {
        case Relation::kAbove:
          w.put(" > ");
          break;
        case Relation::kBelow:
          w.put(" < ");
          break;
        case Relation::kReached:
          w.put(" >= ");
          break;
      }
      if (d.values_are_micros) {
        w.put_micros(d.limit);
      } else {
        w.put_int(d.limit);
      }
      break;
    }
  }
  w.put(" (");
  w.put(o.account);
  w.put(" ");
  w.put(o.symbol);
  w.put(")");
  return w.size();
}

}  // namespace riskgate::risk
