#include "gateway/route/exec_state.hpp"

#include <algorithm>

#include "gateway/codec/tags.hpp"
#include "risk/types.hpp"

namespace riskgate::route {

namespace tag = codec::tag;

namespace {

char one_char(std::string_view v) noexcept {
  return v.size() == 1 ? v[0] : 0;
}

// A quantity riskgate can act on: present, a number, whole, not negative.
// "100.0" is 100; "100.5" or "-5" are unusable (riskgate trades whole units).
bool read_qty(const codec::Message& m, std::uint32_t t, std::int64_t& out) noexcept {
  std::int64_t micros = 0;
  if (!codec::parse_fixed6(m.get(t), micros) || micros < 0 || micros % risk::kMicro != 0)
    return false;
  out = micros / risk::kMicro;
  return true;
}

bool is_done_status(char s) noexcept {
  return s == '2' || s == '4' || s == 'C' || s == '3' || s == '8';
}

bool is_live_status(char s) noexcept {
  // New, partially filled, pending cancel / replace / new, accepted for
  // bidding, stopped, suspended, calculated, replaced (4.2).
  return s == '0' || s == '1' || s == '6' || s == 'E' || s == 'A' || s == 'D' || s == '7' ||
         s == '9' || s == 'B' || s == '5';
}

}  // namespace

ExecFields read_exec_fields(const codec::Message& msg) noexcept {
  ExecFields f;
  f.exec_type = one_char(msg.get(tag::kExecType));
  f.ord_status = one_char(msg.get(tag::kOrdStatus));
  f.exec_trans_type = one_char(msg.get(tag::kExecTransType));
  f.has_last = read_qty(msg, tag::kLastQty, f.last_qty);
  f.has_cum = read_qty(msg, tag::kCumQty, f.cum_qty);
  f.has_leaves = read_qty(msg, tag::kLeavesQty, f.leaves_qty);
  std::int64_t px = 0;
  if (codec::parse_fixed6(msg.get(tag::kLastPx), px)) f.last_px = px;
  return f;
}

bool is_trade_adjustment(const ExecFields& f) noexcept {
  return f.exec_trans_type == '1' || f.exec_trans_type == '2' || f.exec_type == 'H' ||
         f.exec_type == 'G';
}

bool is_ended_order_correction(const ExecFields& f) noexcept {
  return is_trade_adjustment(f) && !(f.has_leaves && f.leaves_qty > 0);
}

ExecVerdict decide_exec(const ExecFields& f, std::int64_t order_qty, std::int64_t cum_before,
                        bool outlives_day) noexcept {
  ExecVerdict v;
  // Done for day (3) ends a Day order; one that outlives its day rests
  // until the venue works it again.
  const auto ends = [outlives_day](char s) noexcept {
    return is_done_status(s) && !(outlives_day && s == '3');
  };
  v.cum_qty = cum_before;
  v.leaves_qty = std::max<std::int64_t>(0, order_qty - cum_before);
  // 4.2 ExecTransType: 0 (new) is an execution; 3 (status) states the
  // order's current state, as 4.4's ExecType I does (an answer to 35=H);
  // 1 cancel and 2 correct restate one already reported, as 4.4's H and G.
  const bool fix42_status = f.exec_trans_type == '3';
  v.adjustment = is_trade_adjustment(f);
  if (v.adjustment) {
    // Only CumQty says what the order has executed now. Without it nothing
    // is changed (the audit line says so): guessing the busted quantity from
    // LastQty could un-count a trade twice when the venue repeats the report.
    if (!f.has_cum || f.cum_qty == cum_before) return v;
    // Higher: a correction upwards, counted below as a trade. Lower: a bust.
    if (f.cum_qty < cum_before) {
      v.action = ExecAction::kTradeBust;
      v.counted_qty = cum_before - f.cum_qty;
      v.cum_qty = f.cum_qty;
      v.done = ends(f.ord_status);
      // Still live: the venue's LeavesQty, or, without one, the busted
      // quantity taken as open again (the larger exposure: fail safe).
      // Never more than the order has left: a venue's absurd LeavesQty must
      // not reserve exposure that blocks every other order.
      const std::int64_t open = std::max<std::int64_t>(0, order_qty - f.cum_qty);
      v.leaves_qty = v.done                             ? 0
                     : f.has_leaves && f.leaves_qty > 0 ? std::min(f.leaves_qty, open)
                                                        : open;
      v.inconsistent = f.has_leaves && f.leaves_qty > open;
      return v;
    }
  } else if (!fix42_status && f.exec_trans_type != 0 && f.exec_trans_type != '0') {
    return v;
  }
  // A report that ends the order (canceled, expired, done for day) whose
  // CumQty is above what was counted: an execution riskgate never counted
  // (its report was refused or lost) is counted first, as a restatement's
  // would be, then the order ends. Left uncounted, the position and the
  // day's gross notional would stay short of what the venue executed.
  bool ends_after_missed = false;
  switch (v.adjustment ? 'F' : fix42_status ? 'I' : f.exec_type) {
    case '0':
      // An ack whose CumQty says the order already executed (39=2 on a
      // 150=0, a venue that folds the ack into the fill): counted, as a
      // status report's would be, instead of an order kept working in full.
      if (f.has_cum && f.cum_qty > cum_before) {
        v.inconsistent = true;
        break;
      }
      v.action = ExecAction::kNewAck;
      return v;
    case '3':
    case '4':
    case 'C': {
      // Done for day leaves an order that outlives its day working, unless
      // the status says the order itself is over.
      const bool ending = f.exec_type != '3' || !outlives_day || f.ord_status == '4' ||
                          f.ord_status == 'C' || f.ord_status == '8';
      if (f.has_cum && f.cum_qty > cum_before) {
        ends_after_missed = ending;
        v.inconsistent = true;  // An execution with no report of its own: on record.
        break;
      }
      if (!ending) return v;
      v.action = ExecAction::kCanceled;
      v.done = true;
      v.leaves_qty = 0;
      return v;
    }
    case '5':
      v.action = ExecAction::kReplaced;
      return v;
    case '8':
      v.action = ExecAction::kRejected;
      v.done = true;
      v.leaves_qty = 0;
      return v;
    case '1':  // 4.2 partial fill
    case '2':  // 4.2 fill
    case 'F':  // 4.4 trade
      break;
    case 'D':  // Restated (the venue changed the order on its own).
    case 'I':  // Order status (an answer to 35=H, or unsolicited).
      // They execute nothing themselves, but their numbers and status are
      // the venue's word: an execution we missed (CumQty above what was
      // counted) is counted, and an order they say is over ends here, or it
      // would stay "working" with its exposure for good.
      if (f.has_cum && f.cum_qty > cum_before) break;
      if (ends(f.ord_status) && f.ord_status != '2') {
        v.action = ExecAction::kCanceled;
        v.done = true;
        v.leaves_qty = 0;
      } else if (f.ord_status != 'A' && (is_live_status(f.ord_status) || f.ord_status == '3')) {
        // Live at the venue and past PendingNew: it was acknowledged, even
        // if the ack itself was lost (a restored order starts PendingNew).
        v.action = ExecAction::kNewAck;
      }
      return v;
    default:  // Pending states, unknown types.
      return v;
  }

  v.action = ExecAction::kTrade;
  const std::int64_t open_before = std::max<std::int64_t>(0, order_qty - cum_before);
  // A correction's LastQty is the corrected trade's quantity, not what it
  // adds: only CumQty is compared.
  const bool last_is_new = f.has_last && !v.adjustment;
  // CumQty is the venue's running total, so the difference from what was
  // counted is the new execution, whatever LastQty says; without a usable
  // CumQty, LastQty is all there is.
  if (f.has_cum) {
    v.counted_qty = std::max<std::int64_t>(0, f.cum_qty - cum_before);
    v.cum_qty = std::max(cum_before, f.cum_qty);
    if (f.cum_qty < cum_before) v.inconsistent = true;
    if (last_is_new && f.last_qty != v.counted_qty && v.counted_qty > 0) v.inconsistent = true;
  } else {
    v.counted_qty = f.has_last ? f.last_qty : 0;
    v.cum_qty = cum_before + v.counted_qty;
  }
  v.duplicate = v.counted_qty == 0 && f.has_last && f.last_qty > 0;
  v.overfill = v.cum_qty > order_qty || (last_is_new && f.last_qty > open_before);
  const std::int64_t open = std::max<std::int64_t>(0, order_qty - v.cum_qty);

  if (ends(f.ord_status)) {
    v.done = true;
    v.rest_canceled = f.ord_status != '2';
    // "Filled" short of the quantity: the venue's word ends the order, but
    // the numbers do not agree with it.
    if (f.ord_status == '2' && v.cum_qty < order_qty) v.inconsistent = true;
  } else if (is_live_status(f.ord_status)) {
    v.done = false;
  } else {
    // No usable OrdStatus: the quantities decide, never LeavesQty alone.
    v.done = v.cum_qty >= order_qty;
  }
  if (ends_after_missed) {
    v.done = true;
    v.rest_canceled = v.cum_qty < order_qty;
  }
  if (v.done) {
    v.leaves_qty = 0;
  } else if (f.has_leaves && f.leaves_qty > 0) {
    // The venue's open quantity, when it says something is open.
    v.leaves_qty = f.leaves_qty;
    if (f.leaves_qty + v.cum_qty != order_qty) v.inconsistent = true;
  } else {
    // LeavesQty missing, unusable, or 0 on a live order: derived.
    v.leaves_qty = open;
    if (f.has_leaves && open > 0) v.inconsistent = true;
  }
  return v;
}

}  // namespace riskgate::route
