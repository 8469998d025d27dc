// The FIX state model of one execution report (gateway/route/exec_state.hpp),
// FIX 4.2 and 4.4, on plain fields.
#include "gateway/route/exec_state.hpp"

#include <gtest/gtest.h>

#include "gateway/route/order_table.hpp"

namespace {

using riskgate::route::decide_exec;
using riskgate::route::ExecAction;
using riskgate::route::ExecFields;

ExecFields trade(char exec_type, char ord_status, std::int64_t last, std::int64_t cum) {
  ExecFields f;
  f.exec_type = exec_type;
  f.ord_status = ord_status;
  f.has_last = f.has_cum = true;
  f.last_qty = last;
  f.cum_qty = cum;
  return f;
}

TEST(ExecState, AFix44PartialTradeWithoutLeavesQtyLeavesTheRestOpen) {
  const auto v = decide_exec(trade('F', '1', 40, 40), 100, 0);
  EXPECT_EQ(v.action, ExecAction::kTrade);
  EXPECT_FALSE(v.done);
  EXPECT_EQ(v.counted_qty, 40);
  EXPECT_EQ(v.leaves_qty, 60);
}

TEST(ExecState, AFix42PartialFillWithExecTransTypeNewIsATrade) {
  auto f = trade('1', '1', 40, 40);
  f.exec_trans_type = '0';
  const auto v = decide_exec(f, 100, 0);
  EXPECT_EQ(v.action, ExecAction::kTrade);
  EXPECT_FALSE(v.done);
  f = trade('2', '2', 60, 100);
  f.exec_trans_type = '0';
  EXPECT_TRUE(decide_exec(f, 100, 40).done);
}

TEST(ExecState, AFix42TradeCancelLowersTheExecutedQuantityToTheVenuesCumQty) {
  auto f = trade('2', '1', 60, 40);
  f.exec_trans_type = '1';
  const auto v = decide_exec(f, 100, 100);
  EXPECT_TRUE(v.adjustment);
  EXPECT_EQ(v.action, ExecAction::kTradeBust);
  EXPECT_EQ(v.counted_qty, 60) << "no longer executed";
  EXPECT_EQ(v.cum_qty, 40);
  EXPECT_EQ(v.leaves_qty, 60) << "without LeavesQty the busted quantity is open again";
  EXPECT_FALSE(v.done);
  // A correct that leaves CumQty where it was (a price correction) changes
  // nothing, and is still a correction.
  f = trade('2', '2', 100, 100);
  f.exec_trans_type = '2';
  const auto same = decide_exec(f, 100, 100);
  EXPECT_EQ(same.action, ExecAction::kNone);
  EXPECT_TRUE(same.adjustment);
}

// ExecTransType 3 (status, the 4.2 answer to 35=H) is read as 4.4's
// ExecType I: the venue's word on the order now.
TEST(ExecState, AFix42StatusReportCountsWhatWasMissedAndEndsAnOrderTheVenueEnded) {
  auto filled = trade('2', '2', 0, 100);
  filled.exec_trans_type = '3';
  filled.has_last = false;
  const auto v = decide_exec(filled, 100, 40);
  EXPECT_EQ(v.action, ExecAction::kTrade);
  EXPECT_EQ(v.counted_qty, 60);
  EXPECT_TRUE(v.done);
  auto same = trade('1', '1', 0, 40);
  same.exec_trans_type = '3';
  same.has_last = false;
  EXPECT_EQ(decide_exec(same, 100, 40).action, ExecAction::kNewAck) << "nothing new: live";
  EXPECT_EQ(decide_exec(same, 100, 40).counted_qty, 0);
  auto gone = trade('8', '8', 0, 0);
  gone.exec_trans_type = '3';
  gone.has_last = false;
  const auto g = decide_exec(gone, 100, 0);
  EXPECT_TRUE(g.done);
  EXPECT_EQ(g.action, ExecAction::kCanceled);
}

TEST(ExecState, AFix44TradeCancelOrCorrectIsReadByItsCumQtyAloneNeverByItsLastQty) {
  // Bust of the whole 100 on a filled order the venue reopens.
  auto bust = trade('H', '0', 100, 0);
  bust.has_leaves = true;
  bust.leaves_qty = 100;
  const auto v = decide_exec(bust, 100, 100);
  EXPECT_EQ(v.action, ExecAction::kTradeBust);
  EXPECT_EQ(v.counted_qty, 100);
  EXPECT_EQ(v.leaves_qty, 100);
  // A LeavesQty beyond what the order has left reserves only what it has.
  bust.leaves_qty = 1'000'000;
  EXPECT_EQ(decide_exec(bust, 100, 100).leaves_qty, 100);
  EXPECT_TRUE(decide_exec(bust, 100, 100).inconsistent);
  // The venue says the order is over after the bust: nothing stays open.
  const auto over = decide_exec(trade('H', '4', 100, 0), 100, 100);
  EXPECT_EQ(over.action, ExecAction::kTradeBust);
  EXPECT_TRUE(over.done);
  EXPECT_EQ(over.leaves_qty, 0);
  // A correction upwards counts the difference, with no overfill read into
  // its LastQty (the corrected trade's, 50, against 40 open).
  const auto up = decide_exec(trade('G', '1', 50, 70), 100, 60);
  EXPECT_EQ(up.action, ExecAction::kTrade);
  EXPECT_EQ(up.counted_qty, 10);
  EXPECT_FALSE(up.overfill);
  EXPECT_FALSE(up.inconsistent);
  // Unchanged, or without a usable CumQty: nothing to act on.
  EXPECT_EQ(decide_exec(trade('G', '2', 100, 100), 100, 100).action, ExecAction::kNone);
  auto blind = trade('H', '1', 60, 0);
  blind.has_cum = false;
  EXPECT_EQ(decide_exec(blind, 100, 60).action, ExecAction::kNone);
  EXPECT_TRUE(decide_exec(blind, 100, 60).adjustment);
}

TEST(ExecState, LeavesQtyZeroDoesNotEndAnOrderOrdStatusSaysIsPartiallyFilled) {
  auto f = trade('F', '1', 50, 50);
  f.has_leaves = true;
  f.leaves_qty = 0;
  const auto v = decide_exec(f, 100, 0);
  EXPECT_FALSE(v.done);
  EXPECT_EQ(v.leaves_qty, 50);
  EXPECT_TRUE(v.inconsistent);
}

TEST(ExecState, WithoutOrdStatusCumQtyReachingTheOrderQtyEndsIt) {
  EXPECT_FALSE(decide_exec(trade('F', 0, 70, 70), 100, 0).done);
  EXPECT_TRUE(decide_exec(trade('F', 0, 30, 100), 100, 70).done);
}

TEST(ExecState, ATradeThatCancelsTheRestEndsTheOrderAndSaysSo) {
  const auto v = decide_exec(trade('F', '4', 30, 30), 100, 0);
  EXPECT_TRUE(v.done);
  EXPECT_TRUE(v.rest_canceled);
  EXPECT_EQ(v.counted_qty, 30);
}

TEST(ExecState, OnlyTheCumQtyIncreaseIsCounted) {
  const auto dup = decide_exec(trade('F', '1', 40, 40), 100, 40);
  EXPECT_EQ(dup.counted_qty, 0);
  EXPECT_TRUE(dup.duplicate);
  const auto missed = decide_exec(trade('F', '1', 10, 60), 100, 40);
  EXPECT_EQ(missed.counted_qty, 20) << "a report was missed: CumQty is the running truth";
  EXPECT_TRUE(missed.inconsistent);
  const auto back = decide_exec(trade('F', '1', 10, 30), 100, 40);
  EXPECT_EQ(back.counted_qty, 0);
  EXPECT_EQ(back.cum_qty, 40);
  EXPECT_TRUE(back.inconsistent);
}

TEST(ExecState, WithoutCumQtyLastQtyIsCounted) {
  ExecFields f;
  f.exec_type = 'F';
  f.ord_status = '1';
  f.has_last = true;
  f.last_qty = 25;
  const auto v = decide_exec(f, 100, 50);
  EXPECT_EQ(v.counted_qty, 25);
  EXPECT_EQ(v.cum_qty, 75);
  EXPECT_EQ(v.leaves_qty, 25);
}

TEST(ExecState, OverfillsAreFlaggedByCumQtyOrByLastQtyBeyondWhatWasOpen) {
  EXPECT_TRUE(decide_exec(trade('F', '2', 150, 150), 100, 0).overfill);
  EXPECT_TRUE(decide_exec(trade('F', '1', 50, 80), 100, 80).overfill);
  EXPECT_FALSE(decide_exec(trade('F', '2', 20, 100), 100, 80).overfill);
}

TEST(ExecState, CancelExpireAndDoneForDayEndTheOrder) {
  for (char et : {'4', 'C', '3'}) {
    ExecFields f;
    f.exec_type = et;
    const auto v = decide_exec(f, 100, 30);
    EXPECT_EQ(v.action, ExecAction::kCanceled) << et;
    EXPECT_TRUE(v.done);
  }
}

TEST(ExecState, DoneForDayLeavesAnOrderThatOutlivesItsDayWorkingAndEndsAnyOther) {
  ExecFields dfd;
  dfd.exec_type = '3';
  dfd.ord_status = '3';
  EXPECT_EQ(decide_exec(dfd, 100, 30, true).action, ExecAction::kNone);
  EXPECT_FALSE(decide_exec(dfd, 100, 30, true).done);
  EXPECT_EQ(decide_exec(dfd, 100, 30, false).action, ExecAction::kCanceled);
  // A last partial fill of the day, reported with OrdStatus 3.
  const auto fill = trade('F', '3', 20, 50);
  EXPECT_EQ(decide_exec(fill, 100, 30, true).action, ExecAction::kTrade);
  EXPECT_FALSE(decide_exec(fill, 100, 30, true).done);
  EXPECT_TRUE(decide_exec(fill, 100, 30, false).done);
  // A status answer (35=H) saying "done for day" on a GTC order: live.
  ExecFields status;
  status.exec_type = 'I';
  status.ord_status = '3';
  EXPECT_EQ(decide_exec(status, 100, 30, true).action, ExecAction::kNewAck);
  EXPECT_EQ(decide_exec(status, 100, 30, false).action, ExecAction::kCanceled);
  // Done for day whose status says the order is over ends it all the same.
  dfd.ord_status = '4';
  EXPECT_EQ(decide_exec(dfd, 100, 30, true).action, ExecAction::kCanceled);
}

TEST(ExecState, OnlyGoodTillCancelAndGoodTillDateOutliveTheirDay) {
  EXPECT_TRUE(riskgate::route::outlives_day('1'));
  EXPECT_TRUE(riskgate::route::outlives_day('6'));
  for (char tif : {'\0', '0', '2', '3', '4', '5', '7'})
    EXPECT_FALSE(riskgate::route::outlives_day(tif)) << tif;
}

TEST(ExecState, PendingReportsChangeNothingAndAStatusWithoutNewsOnlyAcknowledges) {
  for (char et : {'6', 'E', 'A'}) {
    ExecFields f;
    f.exec_type = et;
    f.ord_status = '2';
    EXPECT_EQ(decide_exec(f, 100, 0).action, ExecAction::kNone) << et;
  }
  // Live at the venue: acknowledged (a restored order may have lost its
  // ack), nothing counted, nothing ended.
  for (char et : {'D', 'I'}) {
    ExecFields f;
    f.exec_type = et;
    f.ord_status = '1';
    const auto v = decide_exec(f, 100, 0);
    EXPECT_EQ(v.action, ExecAction::kNewAck) << et;
    EXPECT_EQ(v.counted_qty, 0) << et;
    EXPECT_FALSE(v.done) << et;
  }
  ExecFields pending;
  pending.exec_type = 'I';
  pending.ord_status = 'A';  // Pending new: not acknowledged yet.
  EXPECT_EQ(decide_exec(pending, 100, 0).action, ExecAction::kNone);
}

TEST(ExecState, ARestatementOrStatusSayingTheOrderIsOverEndsIt) {
  for (char et : {'D', 'I'}) {
    for (char st : {'4', 'C', '3', '8'}) {
      ExecFields f;
      f.exec_type = et;
      f.ord_status = st;
      const auto v = decide_exec(f, 100, 30);
      EXPECT_EQ(v.action, ExecAction::kCanceled) << et << " " << st;
      EXPECT_TRUE(v.done);
      EXPECT_EQ(v.leaves_qty, 0);
    }
  }
}

TEST(ExecState, AStatusReportWithAHigherCumQtyCountsTheMissedExecution) {
  ExecFields f;
  f.exec_type = 'I';
  f.ord_status = '1';
  f.has_cum = true;
  f.cum_qty = 70;
  const auto v = decide_exec(f, 100, 30);
  EXPECT_EQ(v.action, ExecAction::kTrade);
  EXPECT_EQ(v.counted_qty, 40);
  EXPECT_FALSE(v.done);
  EXPECT_EQ(v.leaves_qty, 30);
}

// A fill riskgate never counted (its report refused for a missing tag or an
// oversize id) shows in the CumQty of the cancel, expiry or done-for-day that
// ends the order: counted, then the order ends, on record as inconsistent.
TEST(ExecState, AReportThatEndsTheOrderCountsAnExecutionItsCumQtyShowsWasMissed) {
  for (char et : {'4', 'C', '3'}) {
    SCOPED_TRACE(et);
    ExecFields f;
    f.exec_type = et;
    f.ord_status = et == '3' ? '3' : et;
    f.has_cum = true;
    f.cum_qty = 30;
    const auto v = decide_exec(f, 100, 0);
    EXPECT_EQ(v.action, ExecAction::kTrade);
    EXPECT_EQ(v.counted_qty, 30);
    EXPECT_EQ(v.cum_qty, 30);
    EXPECT_TRUE(v.done);
    EXPECT_TRUE(v.rest_canceled);
    EXPECT_EQ(v.leaves_qty, 0);
    EXPECT_TRUE(v.inconsistent);
  }
  // Done for day on a GTC order: counted, and it keeps working.
  ExecFields dfd;
  dfd.exec_type = '3';
  dfd.ord_status = '3';
  dfd.has_cum = true;
  dfd.cum_qty = 40;
  const auto gtc = decide_exec(dfd, 100, 10, true);
  EXPECT_EQ(gtc.action, ExecAction::kTrade);
  EXPECT_EQ(gtc.counted_qty, 30);
  EXPECT_FALSE(gtc.done);
  EXPECT_EQ(gtc.leaves_qty, 60);
  // Nothing missed: a plain cancel, as before.
  ExecFields plain;
  plain.exec_type = '4';
  plain.ord_status = '4';
  plain.has_cum = true;
  plain.cum_qty = 30;
  EXPECT_EQ(decide_exec(plain, 100, 30).action, ExecAction::kCanceled);
}

// An ack that says the order already executed (150=0 39=2 14=100): the
// execution is counted and the order ends, as a status report's would.
TEST(ExecState, AnAckWhoseCumQtySaysTheOrderExecutedCountsIt) {
  ExecFields f;
  f.exec_type = '0';
  f.ord_status = '2';
  f.has_cum = true;
  f.cum_qty = 100;
  const auto v = decide_exec(f, 100, 0);
  EXPECT_EQ(v.action, ExecAction::kTrade);
  EXPECT_EQ(v.counted_qty, 100);
  EXPECT_TRUE(v.done);
  EXPECT_TRUE(v.inconsistent);
  f.ord_status = '0';
  f.cum_qty = 0;
  EXPECT_EQ(decide_exec(f, 100, 0).action, ExecAction::kNewAck);
}

}  // namespace
