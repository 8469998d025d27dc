// What one ExecutionReport does to the order it names, decided from the FIX
// state model: ExecType(150) says what happened, OrdStatus(39) what the order
// is now, and CumQty(14), LeavesQty(151) and LastQty(32) are checked against
// each other and against the order's quantity.
//
// One truth: the route group acts on this verdict and nothing else, so the
// 4.2 / 4.4 differences live here only:
//   - 4.2 reports a trade with ExecType 1 (partial) or 2 (fill) and
//     ExecTransType(20) 0; 20=1/2 (trade cancel / correct) and 20=3 (status)
//     are not new executions;
//   - 4.4 reports a trade with ExecType F and says partial or filled in
//     OrdStatus 1 / 2; trade cancel / correct are ExecType H / G.
// A trade cancel or correct (a bust) is read by its CumQty, the venue's new
// total: above what was counted, the difference is counted as a trade; below
// it, the difference is un-executed (kTradeBust), so the position follows the
// venue and later fills are not taken for replays of the busted ones.
// An order ends on a trade only when OrdStatus says it is done (2 filled; 4,
// C, 3 when the venue cancels the rest with the last fill), or, with no usable
// OrdStatus, when CumQty reaches the order quantity. A missing or unusable
// LeavesQty never ends an order: that was how a half-working order left the
// table with its exposure released (issue 11).
//
// Pure functions over a scanned message: no allocation, no I/O, any thread.
#pragma once

#include <cstdint>

#include "gateway/codec/codec.hpp"

namespace riskgate::route {

// The fields of a report the lifecycle reads, each with whether it was
// present and usable (a whole, non-negative number for quantities).
struct ExecFields {
  char exec_type = 0;        // 150; 0 when absent or not one character.
  char ord_status = 0;       // 39; the same.
  char exec_trans_type = 0;  // 20 (FIX 4.2); 0 when absent.
  bool has_last = false, has_cum = false, has_leaves = false;
  std::int64_t last_qty = 0;
  std::int64_t cum_qty = 0;
  std::int64_t leaves_qty = 0;
  std::int64_t last_px = 0;  // Micros; 0 when absent.
};
[[nodiscard]] ExecFields read_exec_fields(const codec::Message& msg) noexcept;

enum class ExecAction : std::uint8_t {
  kNone,      // No change to the order: pending states, restatements and
              // status that say nothing new, a trade cancel / correct without
              // a usable CumQty, unknown ExecTypes.
  kNewAck,    // 150=0.
  kTrade,     // A new execution (see counted_qty and done).
  kCanceled,  // 150=4 / C / 3: the rest is gone.
  kReplaced,  // 150=5.
  kRejected,  // 150=8.
  // A trade cancel / correct that lowers CumQty: counted_qty is the quantity
  // no longer executed (> 0), cum_qty and leaves_qty the order after it.
  kTradeBust,
};

struct ExecVerdict {
  ExecAction action = ExecAction::kNone;
  // kTrade: executed quantity this report adds to what was counted before
  // (0 for a duplicate); the order's executed quantity after it; what stays
  // open; whether the order is finished at the exchange.
  std::int64_t counted_qty = 0;
  std::int64_t cum_qty = 0;
  std::int64_t leaves_qty = 0;
  bool done = false;
  // The rest of the order was cancelled in the same report (OrdStatus 4, C
  // or 3 on a trade): what never traded goes back as for a cancel.
  bool rest_canceled = false;
  // CumQty beyond the order quantity, or LastQty beyond what was open.
  bool overfill = false;
  // A trade that adds nothing (LastQty > 0 but CumQty did not move): a
  // duplicate or replay, counted once already.
  bool duplicate = false;
  // The quantities disagree (LastQty != CumQty delta, CumQty going back,
  // LeavesQty + CumQty != OrderQty on a live order, OrdStatus "filled"
  // short of the quantity): acted on as described, and worth an audit line.
  bool inconsistent = false;
  // The report is a trade cancel or correct (150=H / G, or 4.2's 20=1 / 2),
  // whatever action it led to: worth an audit line of its own.
  bool adjustment = false;
};

// Whether a report is a trade cancel or correct (see ExecVerdict::adjustment).
[[nodiscard]] bool is_trade_adjustment(const ExecFields& f) noexcept;
// A trade cancel or correct that leaves nothing open (no LeavesQty > 0):
// what a bust of an order that has ended looks like. One that says
// something is open speaks of a working order.
[[nodiscard]] bool is_ended_order_correction(const ExecFields& f) noexcept;

// `order_qty` is the order's quantity as riskgate forwarded it, `cum_before`
// the executed quantity counted for it so far; `outlives_day`: its
// TimeInForce rests past the trading day (route::outlives_day), so "done for
// day" (ExecType or OrdStatus 3) does not end it.
[[nodiscard]] ExecVerdict decide_exec(const ExecFields& f, std::int64_t order_qty,
                                      std::int64_t cum_before, bool outlives_day = false) noexcept;

}  // namespace riskgate::route
