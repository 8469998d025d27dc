// Every rule at its boundary: exactly at the limit passes, one unit over is
// refused, and the reject text names the rule and the numbers.
#include <gtest/gtest.h>

#include <limits>

#include "tests/risk/risk_fixture.hpp"
#include "tests/support/alloc_counter.hpp"

namespace riskgate::risk::test {
namespace {

using EngineLimits = RiskTest;

// ---------------------------------------------------------------- size/value

TEST_P(EngineLimits, MaxOrderQtyPassesAtTheLimitAndRefusesOneOver) {
  auto c = small_config();
  c.defaults.max_order_qty = 100000;
  make(c);
  EXPECT_TRUE(send(order(100000, 1 * kMicro)).accepted());
  const OrderView o = order(100001, 1 * kMicro);
  const Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kMaxOrderQty);
  EXPECT_EQ(text(d, o), "max_order_qty: 100001 > 100000 (ACC1 AAPL)");
  EXPECT_EQ(ord_rej_reason(d.rule), 3);
}

TEST_P(EngineLimits, MaxOrderNotionalPassesAtTheLimitAndRefusesOneMicroOver) {
  auto c = small_config();
  c.defaults.max_order_notional = 190'000 * kMicro;
  make(c);
  EXPECT_TRUE(send(order(1000, 190 * kMicro)).accepted());
  // 1000 x 190.000001 = 190000.001: one thousandth over.
  const OrderView o = order(1000, 190 * kMicro + 1);
  const Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kMaxOrderNotional);
  EXPECT_EQ(text(d, o), "max_order_notional: 190000.001 > 190000.00 (ACC1 AAPL)");
}

TEST_P(EngineLimits, MarketOrderNotionalUsesTheReferenceWidenedByTheCollarOnBothSides) {
  auto c = small_config();
  c.defaults.price_collar_bps = 100;                 // 190 -> 191.90
  c.defaults.max_order_notional = 191'900 * kMicro;  // 1000 x 191.90
  make(c);
  for (Side side : {Side::kBuy, Side::kSell}) {
    OrderView ok = order(1000, 0, side);
    ok.ord_type = OrdType::kMarket;
    ok.has_price = false;
    EXPECT_TRUE(send(ok).accepted());
    OrderView over = order(1001, 0, side);
    over.ord_type = OrdType::kMarket;
    over.has_price = false;
    const Decision d = send(over);
    EXPECT_EQ(d.rule, RuleId::kMaxOrderNotional);
    EXPECT_EQ(d.actual, std::int64_t{1001} * 191'900'000);
  }
}

// -------------------------------------------------------------------- collar

TEST_P(EngineLimits, PriceCollarPassesAtTheBandEdgeAndRefusesOneMicroOutside) {
  auto c = small_config();
  c.defaults.price_collar_bps = 100;  // 190 +/- 1% = [188.10, 191.90]
  make(c);
  EXPECT_TRUE(send(order(1, 191'900'000)).accepted());
  EXPECT_TRUE(send(order(1, 188'100'000)).accepted());
  const OrderView hi = order(1, 191'900'001);
  const Decision dh = send(hi);
  EXPECT_EQ(dh.rule, RuleId::kPriceCollar);
  EXPECT_EQ(text(dh, hi), "price_collar: 191.900001 > 191.90 (ACC1 AAPL)");
  const OrderView lo = order(1, 188'099'999);
  const Decision dl = send(lo);
  EXPECT_EQ(dl.rule, RuleId::kPriceCollar);
  EXPECT_EQ(text(dl, lo), "price_collar: 188.099999 < 188.10 (ACC1 AAPL)");
  EXPECT_EQ(ord_rej_reason(dl.rule), 16);
}

TEST_P(EngineLimits, PriceCollarFollowsTheLastFillWhenConfigured) {
  auto c = small_config();
  c.defaults.price_collar_bps = 100;
  c.collar_follows_last_fill = true;
  make(c);
  ASSERT_TRUE(send(order(10, 190 * kMicro)).accepted());
  fill_last(10, 200 * kMicro, true);
  // The band is now 200 +/- 1% = [198, 202].
  EXPECT_TRUE(send(order(1, 202 * kMicro)).accepted());
  EXPECT_EQ(send(order(1, 191 * kMicro)).rule, RuleId::kPriceCollar);
}

TEST_P(EngineLimits, PriceCollarIgnoresFillsWhenNotFollowing) {
  auto c = small_config();
  c.defaults.price_collar_bps = 100;
  make(c);
  ASSERT_TRUE(send(order(10, 190 * kMicro)).accepted());
  fill_last(10, 200 * kMicro, true);
  EXPECT_EQ(send(order(1, 202 * kMicro)).rule, RuleId::kPriceCollar);
}

// --------------------------------------------------------- quantity multipliers

TEST_P(EngineLimits, TypicalSizeGuardUsesTheSeedUntilThereIsHistory) {
  auto c = small_config();
  c.defaults.typical_size_multiple = 10.0;
  c.defaults.typical_size_seed = 100;
  make(c);
  EXPECT_TRUE(send(order(1000)).accepted());
  const OrderView o = order(1001);
  const Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kTypicalSizeMultiple);
  EXPECT_EQ(text(d, o), "typical_size_multiple: 1001 > 1000 (ACC1 AAPL)");
}

TEST_P(EngineLimits, TypicalSizeLearnsFromAcceptedOrdersAndCatchesAThousandfoldError) {
  auto c = small_config();
  c.defaults.typical_size_multiple = 10.0;
  c.defaults.typical_size_seed = 100;
  c.throttles.typical_size_min_history = 20;
  make(c);
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(send(order(200)).accepted()) << i;
  const SessionSymbolUsage u = engine->session_symbol_usage(0, "AAPL");
  EXPECT_GT(u.typical_size, 150);
  EXPECT_LT(u.typical_size, 260);
  EXPECT_TRUE(send(order(1000)).accepted());  // x5: fine
  EXPECT_EQ(send(order(200'000)).rule, RuleId::kTypicalSizeMultiple);
}

TEST_P(EngineLimits, TypicalSizeIsRobustToOneLargeAcceptedOrder) {
  auto c = small_config();
  c.defaults.typical_size_multiple = 1000.0;  // Let the outlier through.
  c.defaults.typical_size_seed = 100;
  c.throttles.typical_size_min_history = 1;
  make(c);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(send(order(100)).accepted());
  ASSERT_TRUE(send(order(90'000)).accepted());
  const SessionSymbolUsage u = engine->session_symbol_usage(0, "AAPL");
  EXPECT_LT(u.typical_size, 110);  // Moved by < 10 %.
}

TEST_P(EngineLimits, ChildrenSentMayReachTheParentQuantityTimesTheMultipleButNotExceedIt) {
  auto c = small_config();
  c.parent_child.parent_id_tag = 7001;
  c.parent_child.parent_qty_tag = 7002;
  c.parent_child.max_sent_multiple = 1.5;  // cap 1500
  make(c);
  OrderView a = order(1000);
  a.parent_id = "P1";
  a.parent_quantity = 1000;
  ASSERT_TRUE(send(a).accepted());
  OrderView b = order(500);
  b.parent_id = "P1";
  b.parent_quantity = 1000;
  EXPECT_TRUE(send(b).accepted());
  OrderView over = order(1);
  over.parent_id = "P1";
  over.parent_quantity = 1000;
  const Decision d = send(over);
  EXPECT_EQ(d.rule, RuleId::kParentChildSent);
  EXPECT_EQ(text(d, over), "parent_child_sent: 1501 > 1500 (ACC1 AAPL)");
  // Another parent is independent; so is the same parent id for another account.
  OrderView other = order(1);
  other.parent_id = "P2";
  other.parent_quantity = 10;
  EXPECT_TRUE(send(other).accepted());
}

TEST_P(EngineLimits, ChildrenOfAFilledParentAreRefused) {
  auto c = small_config();
  c.parent_child.parent_id_tag = 7001;
  c.parent_child.max_sent_multiple = 10.0;
  make(c);
  auto child = [&](std::int64_t q) {
    OrderView o = order(q);
    o.parent_id = "P1";
    o.parent_quantity = 1000;
    return o;
  };
  ASSERT_TRUE(send(child(999)).accepted());
  fill_last(999, 190 * kMicro, true);
  EXPECT_TRUE(send(child(1)).accepted());  // filled 999 + 1 == parent
  fill_last(1, 190 * kMicro, true);
  const OrderView o = child(1);
  const Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kParentChildFilled);
  EXPECT_EQ(text(d, o), "parent_child_filled: 1001 > 1000 (ACC1 AAPL)");
  EXPECT_EQ(engine->parent_usage("ACC1", "P1").children_filled, 1000);
}

TEST_P(EngineLimits, CumulativeQtyPerWindowPassesAtTheLimitAndResetsInTheNextWindow) {
  auto c = small_config();
  c.defaults.max_cum_qty_window = 500;
  c.throttles.cum_qty_window_ms = 1000;
  make(c);
  now = 10'000'000'000;  // Start of a window.
  EXPECT_TRUE(send(order(300)).accepted());
  EXPECT_TRUE(send(order(200)).accepted());
  const OrderView o = order(1);
  const Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kCumulativeQtyWindow);
  EXPECT_EQ(text(d, o), "cumulative_qty_window: 501 > 500 (ACC1 AAPL)");
  EXPECT_TRUE(send(order(500, 190 * kMicro, Side::kSell)).accepted());  // Other side.
  now += 1'000'000'000;
  EXPECT_TRUE(send(order(500)).accepted());
}

TEST_P(EngineLimits, CumulativeQtyPerDayPassesAtTheLimitAndResetsWithTheDay) {
  auto c = small_config();
  c.defaults.max_cum_qty_day = 1000;
  make(c);
  EXPECT_TRUE(send(order(1000)).accepted());
  const OrderView o = order(1);
  const Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kCumulativeQtyDay);
  EXPECT_EQ(text(d, o), "cumulative_qty_day: 1001 > 1000 (ACC1 AAPL)");
  engine->reset_day();
  EXPECT_TRUE(send(order(1000)).accepted());
}

TEST_P(EngineLimits, AnAbsurdFillPriceSaturatesTheDaysGrossInsteadOfWrappingIt) {
  auto c = small_config();
  c.defaults.max_gross_notional_day = 1'000'000 * kMicro;
  make(c);
  ASSERT_TRUE(send(order(100)).accepted());
  fill_last(50, 190 * kMicro, false);
  // A venue's LastPx near the int64 limit: qty x px saturates, and the day's
  // gross must stay at its maximum, not wrap below zero.
  fill_last(50, std::numeric_limits<std::int64_t>::max() / 2, true);
  EXPECT_EQ(engine->account_usage("ACC1").gross_notional_day,
            std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(send(order(1)).rule, RuleId::kMaxGrossNotionalDay);
}

TEST_P(EngineLimits, RepeatedExecutionsDisableTheFlowUntilReenabled) {
  auto c = small_config();
  c.throttles.repeated_exec_max_fills = 3;
  c.throttles.repeated_exec_window_ms = 1000;
  make(c);
  ASSERT_TRUE(send(order(1000)).accepted());
  fill_last(1, 190 * kMicro, false);
  fill_last(1, 190 * kMicro, false);
  EXPECT_TRUE(send(order(10)).accepted());  // Two fills: still trading.
  ExecEvent e;
  e.kind = ExecKind::kPartialFill;
  e.last_qty = 1;
  e.last_px = 190 * kMicro;
  e.now_ns = now;
  const ExecOutcome out = engine->on_execution(tickets.front(), e);  // The third.
  EXPECT_TRUE(out.flow_disabled);
  EXPECT_FALSE(out.session_killed);
  const OrderView o = order(10);
  const Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kRepeatedExecutionThrottle);
  EXPECT_EQ(text(d, o), "repeated_execution_throttle: 3 >= 3 (ACC1 AAPL)");
  EXPECT_TRUE(send(order(10, 190 * kMicro, Side::kSell)).accepted());  // Other flow.
  EXPECT_TRUE(engine->reenable_flow("ACC1", "AAPL", Side::kBuy));
  EXPECT_TRUE(send(order(10)).accepted());
}

TEST_P(EngineLimits, ATrippedFlowStaysDisabledInLaterWindowsAndTripsOnceUntilReenabled) {
  auto c = small_config();
  c.throttles.repeated_exec_max_fills = 2;
  c.throttles.repeated_exec_window_ms = 1000;
  make(c);
  ASSERT_TRUE(send(order(1000)).accepted());
  const auto one = [&] { return fill_last(1, 190 * kMicro, false).flow_disabled; };
  EXPECT_FALSE(one());
  EXPECT_TRUE(one());   // Trips here.
  EXPECT_FALSE(one());  // Reported once.
  // Two windows later the count starts again; the flow is still disabled,
  // and reaching the count again does not report a second trip.
  now += 2'000'000'000;
  EXPECT_FALSE(one());
  EXPECT_FALSE(one());
  EXPECT_EQ(send(order(10)).rule, RuleId::kRepeatedExecutionThrottle);
  EXPECT_TRUE(engine->session_symbol_usage(0, "AAPL").buy_disabled);
  EXPECT_FALSE(engine->session_symbol_usage(0, "AAPL").sell_disabled);
  EXPECT_TRUE(engine->reenable_flow("ACC1", "AAPL", Side::kBuy));
  EXPECT_TRUE(send(order(10)).accepted());
  // Re-enabled: the count starts from zero and can trip the flow again.
  EXPECT_FALSE(one());
  EXPECT_TRUE(one());
}

TEST_P(EngineLimits, RepeatedExecutionsWithinSeparateWindowsDoNotAccumulate) {
  auto c = small_config();
  c.throttles.repeated_exec_max_fills = 2;
  c.throttles.repeated_exec_window_ms = 1000;
  make(c);
  now = 5'000'000'000;
  ASSERT_TRUE(send(order(1000)).accepted());
  fill_last(1, 190 * kMicro, false);
  now += 1'000'000'000;
  fill_last(1, 190 * kMicro, false);
  EXPECT_TRUE(send(order(10)).accepted());
}

// ------------------------------------------------------------------ duplicates

TEST_P(EngineLimits, AReusedClOrdIdIsRefused) {
  make(small_config());
  OrderView o = order();
  EXPECT_TRUE(send(o).accepted());
  const Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kDuplicateClOrdID);
  EXPECT_EQ(text(d, o), "duplicate_cl_ord_id: ClOrdID already used in this session (ACC1 AAPL)");
  EXPECT_EQ(ord_rej_reason(d.rule), 6);
}

TEST_P(EngineLimits, APossDupReplayIsNotCountedTwice) {
  auto c = small_config();
  c.defaults.max_open_orders = 1;
  c.auto_kill.session_refusals = 1;  // Any counted refusal would trip the session.
  make(c);
  OrderView o = order();
  ASSERT_TRUE(send(o).accepted());
  o.poss_dup = true;
  const Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kDuplicateClOrdID);
  EXPECT_FALSE(d.session_killed);
  EXPECT_EQ(engine->account_usage("ACC1").open_orders, 1);
  EXPECT_FALSE(engine->kills().engaged(KillScope::kClientSession, 0));
}

TEST_P(EngineLimits, APossDupOrderNotSeenBeforeIsCheckedNormally) {
  make(small_config());
  OrderView o = order();
  o.poss_dup = true;
  EXPECT_TRUE(send(o).accepted());
}

TEST_P(EngineLimits, KIdenticalOrdersWithinTheWindowPassAndTheNextIsRefused) {
  auto c = small_config();
  c.throttles.duplicate_max_identical = 2;
  c.throttles.duplicate_window_ms = 1000;
  make(c);
  EXPECT_TRUE(send(order(100)).accepted());
  EXPECT_TRUE(send(order(100)).accepted());
  const OrderView o = order(100);
  const Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kDuplicateOrder);
  EXPECT_EQ(text(d, o), "duplicate_order: 3 > 2 (ACC1 AAPL)");
  EXPECT_TRUE(send(order(101)).accepted());                    // Different qty.
  EXPECT_TRUE(send(order(100, 190 * kMicro + 1)).accepted());  // Different price.
  now += 1'000'000'001;
  EXPECT_TRUE(send(order(100)).accepted());
}

// ----------------------------------------------------------------------- rates

TEST_P(EngineLimits, SessionOrderRateAllowsRPerSecondAndRefusesTheNext) {
  auto c = small_config();
  c.session_rates.max_orders_per_sec = 5;
  make(c);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(send(order()).accepted()) << i;
  const OrderView o = order();
  const Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kSessionOrderRate);
  EXPECT_EQ(text(d, o), "session_order_rate: over 5/s (ACC1 AAPL)");
  now += 200'000'000;  // One interval refills one order.
  EXPECT_TRUE(send(order()).accepted());
  EXPECT_EQ(send(order()).rule, RuleId::kSessionOrderRate);
}

TEST_P(EngineLimits, RefusedOrdersDoNotConsumeTheRateBudget) {
  auto c = small_config();
  c.session_rates.max_orders_per_sec = 2;
  c.defaults.max_order_qty = 10;
  make(c);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(send(order(11)).rule, RuleId::kMaxOrderQty);
  EXPECT_TRUE(send(order(10)).accepted());
  EXPECT_TRUE(send(order(10)).accepted());
}

TEST_P(EngineLimits, AccountOrderRateIsSharedAcrossSessions) {
  auto c = small_config();
  c.defaults.max_account_orders_per_sec = 4;
  make(c);
  SessionState other = engine->make_session(1);
  EXPECT_TRUE(send(order()).accepted());
  EXPECT_TRUE(send(order(), other).accepted());
  EXPECT_TRUE(send(order()).accepted());
  EXPECT_TRUE(send(order(), other).accepted());
  const OrderView o = order();
  const Decision d = send(o, other);
  EXPECT_EQ(d.rule, RuleId::kAccountOrderRate);
  EXPECT_EQ(text(d, o), "account_order_rate: over 4/s (ACC1 AAPL)");
  EXPECT_TRUE(send(order(100, 190 * kMicro, Side::kBuy, "ACC2")).accepted());
}

TEST_P(EngineLimits, SessionMessageRateCountsCancelsButNeverRefusesThem) {
  auto c = small_config();
  c.session_rates.max_messages_per_sec = 3;
  make(c);
  OrderView cancel = order();
  cancel.action = Action::kCancel;
  EXPECT_TRUE(send(order()).accepted());
  EXPECT_TRUE(engine->check_cancel_and_commit(cancel, *session).accepted());
  EXPECT_TRUE(engine->check_cancel_and_commit(cancel, *session).accepted());
  const OrderView o = order();
  const Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kSessionMessageRate);
  EXPECT_EQ(text(d, o), "session_message_rate: over 3/s (ACC1 AAPL)");
  EXPECT_TRUE(engine->check_cancel_and_commit(cancel, *session).accepted());
}

TEST_P(EngineLimits, CancelsAreRefusedOnlyByTheirOwnBudget) {
  auto c = small_config();
  c.session_rates.max_cancels_per_sec = 3;
  c.session_rates.max_orders_per_sec = 1;
  make(c);
  ASSERT_TRUE(send(order()).accepted());
  ASSERT_EQ(send(order()).rule, RuleId::kSessionOrderRate);  // Orders exhausted.
  ASSERT_TRUE(engine->kills().engage(KillScope::kGlobal, 0, KillReason::kOperator));
  OrderView cancel = order(0);  // Even a malformed cancel is not risk's business.
  cancel.action = Action::kCancel;
  cancel.symbol = "NOPE";
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(engine->check_cancel_and_commit(cancel, *session).accepted());
  const Decision d = engine->check_cancel_and_commit(cancel, *session);
  EXPECT_EQ(d.rule, RuleId::kCancelRate);
  cancel.now_ns += 1'000'000'000;
  EXPECT_TRUE(engine->check_cancel_and_commit(cancel, *session).accepted());
}

// -------------------------------------------------------------------- exposure

TEST_P(EngineLimits, MaxOpenOrdersPassesAtTheLimitAndACancelFreesASlot) {
  auto c = small_config();
  c.defaults.max_open_orders = 2;
  make(c);
  EXPECT_TRUE(send(order()).accepted());
  EXPECT_TRUE(send(order()).accepted());
  const OrderView o = order();
  const Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kMaxOpenOrders);
  EXPECT_EQ(text(d, o), "max_open_orders: 3 > 2 (ACC1 AAPL)");
  event_last(ExecKind::kCanceled);
  EXPECT_TRUE(send(order()).accepted());
}

TEST_P(EngineLimits, MaxOpenNotionalPassesAtTheLimitAndRefusesOneMicroOver) {
  auto c = small_config();
  c.defaults.max_open_notional = 19'000 * kMicro;
  make(c);
  EXPECT_TRUE(send(order(50)).accepted());
  EXPECT_TRUE(send(order(50)).accepted());  // 100 x 190 = 19000
  const OrderView o = order(1, 1);          // One micro more.
  const Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kMaxOpenNotional);
  EXPECT_EQ(text(d, o), "max_open_notional: 19000.000001 > 19000.00 (ACC1 AAPL)");
}

TEST_P(EngineLimits, MaxNetPositionCountsPositionPlusOpenOrdersOnTheOrdersSide) {
  auto c = small_config();
  c.defaults.max_net_position = 1000;
  make(c);
  ASSERT_TRUE(send(order(600)).accepted());
  fill_last(600, 190 * kMicro, true);  // position 600
  EXPECT_TRUE(send(order(300)).accepted());
  EXPECT_TRUE(send(order(100)).accepted());  // 600 + 400 open == 1000
  const OrderView o = order(1);
  const Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kMaxNetPosition);
  EXPECT_EQ(text(d, o), "max_net_position: 1001 > 1000 (ACC1 AAPL)");
  // Sells reduce a long position: worst case is open_sell + qty - pos.
  EXPECT_TRUE(send(order(1600, 190 * kMicro, Side::kSell)).accepted());
  EXPECT_EQ(send(order(1, 190 * kMicro, Side::kSellShort)).rule, RuleId::kMaxNetPosition);
}

TEST_P(EngineLimits, MaxGrossNotionalPerDayCountsFillsAtTheirPriceAndWorkingOrders) {
  auto c = small_config();
  c.defaults.max_gross_notional_day = 20'000 * kMicro;
  make(c);
  ASSERT_TRUE(send(order(100)).accepted());  // 19000 working
  fill_last(100, 195 * kMicro, true);        // 19500 traded
  EXPECT_EQ(engine->account_usage("ACC1").gross_notional_day, 19'500 * kMicro);
  EXPECT_TRUE(send(order(1, 500 * kMicro)).accepted());  // == 20000
  const OrderView o = order(1, 1);
  const Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kMaxGrossNotionalDay);
  EXPECT_EQ(text(d, o), "max_gross_notional_day: 20000.000001 > 20000.00 (ACC1 AAPL)");
  event_last(ExecKind::kCanceled);  // Working order leaves gross.
  EXPECT_EQ(engine->account_usage("ACC1").gross_notional_day, 19'500 * kMicro);
  engine->reset_day();
  EXPECT_EQ(engine->account_usage("ACC1").gross_notional_day, 0);
}

TEST_P(EngineLimits, ARefusalByALaterRuleReleasesEarlierReservations) {
  auto c = small_config();
  c.defaults.max_net_position = 100;
  c.defaults.max_cum_qty_day = 1000;
  c.defaults.max_account_orders_per_sec = 1;
  make(c);
  ASSERT_EQ(send(order(101)).rule, RuleId::kMaxNetPosition);
  const AccountUsage u = engine->account_usage("ACC1");
  EXPECT_EQ(u.open_orders, 0);
  EXPECT_EQ(u.open_notional, 0);
  EXPECT_TRUE(send(order(100)).accepted());  // Rate token was given back.
  EXPECT_EQ(engine->pair_usage("ACC1", "AAPL").open_buy_qty, 100);
}

// --------------------------------------------------- exposure release/commit

TEST_P(EngineLimits, PositionsListEveryPairThatTradedWithItsNames) {
  make(small_config());
  EXPECT_TRUE(engine->positions().empty());
  ASSERT_TRUE(send(order(100)).accepted());
  fill_last(40, 190 * kMicro, false);
  const std::vector<PositionRow> rows = engine->positions();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].account, "ACC1");
  EXPECT_EQ(rows[0].symbol, "AAPL");
  EXPECT_EQ(rows[0].usage.position, 40);
  EXPECT_EQ(rows[0].usage.open_buy_qty, 60);
}

TEST_P(EngineLimits, FillsCommitPositionAndReleaseOpenExposure) {
  make(small_config());
  ASSERT_TRUE(send(order(100)).accepted());
  fill_last(40, 190 * kMicro, false);
  PairUsage p = engine->pair_usage("ACC1", "AAPL");
  EXPECT_EQ(p.position, 40);
  EXPECT_EQ(p.open_buy_qty, 60);
  EXPECT_EQ(engine->account_usage("ACC1").open_notional, 60 * 190 * kMicro);
  EXPECT_EQ(engine->account_usage("ACC1").open_orders, 1);
  fill_last(60, 190 * kMicro, true);
  p = engine->pair_usage("ACC1", "AAPL");
  EXPECT_EQ(p.position, 100);
  EXPECT_EQ(p.open_buy_qty, 0);
  EXPECT_EQ(engine->account_usage("ACC1").open_notional, 0);
  EXPECT_EQ(engine->account_usage("ACC1").open_orders, 0);
  EXPECT_EQ(engine->account_usage("ACC1").gross_notional_day, 100 * 190 * kMicro);
}

TEST_P(EngineLimits, CancelRejectAndExpireEachReleaseTheLeaves) {
  make(small_config());
  for (ExecKind k : {ExecKind::kCanceled, ExecKind::kRejected, ExecKind::kExpired}) {
    ASSERT_TRUE(send(order(100, 190 * kMicro, Side::kSell)).accepted());
    fill_last(30, 190 * kMicro, false);
    event_last(k);
    EXPECT_FALSE(tickets.back().active);
    const AccountUsage u = engine->account_usage("ACC1");
    EXPECT_EQ(u.open_orders, 0);
    EXPECT_EQ(u.open_notional, 0);
    EXPECT_EQ(engine->pair_usage("ACC1", "AAPL").open_sell_qty, 0);
  }
  EXPECT_EQ(engine->pair_usage("ACC1", "AAPL").position, -90);
  EXPECT_EQ(engine->account_usage("ACC1").gross_notional_day, 90 * 190 * kMicro);
}

TEST_P(EngineLimits, AFailedForwardReleasesEverythingIncludingParentAndCumulativeQty) {
  auto c = small_config();
  c.parent_child.parent_id_tag = 7001;
  c.defaults.max_cum_qty_day = 100;
  make(c);
  OrderView child = order(100);
  child.parent_id = "P1";
  child.parent_quantity = 100;
  ASSERT_TRUE(send(child).accepted());
  engine->on_sent_failed(tickets.back());
  ASSERT_TRUE(send(order(100)).accepted());
  engine->on_sent_failed(tickets.back());
  EXPECT_EQ(engine->parent_usage("ACC1", "P1").children_sent, 0);
  EXPECT_EQ(engine->account_usage("ACC1").open_orders, 0);
  EXPECT_EQ(engine->account_usage("ACC1").gross_notional_day, 0);
  EXPECT_TRUE(send(order(100)).accepted());  // Day qty was given back.
}

TEST_P(EngineLimits, AReplaceKeepsOneOpenOrderAndSwapsTheExposureOnAck) {
  auto c = small_config();
  c.defaults.max_open_orders = 1;
  make(c);
  ASSERT_TRUE(send(order(100)).accepted());
  Reservation original = tickets.back();
  OrderView rep = order(150);
  rep.action = Action::kReplace;
  rep.orig_cl_ord_id = "ID0";
  Reservation replacement;
  ASSERT_TRUE(engine->check_and_commit(rep, *session, replacement, &original).accepted());
  EXPECT_EQ(engine->account_usage("ACC1").open_orders, 1);
  EXPECT_EQ(engine->pair_usage("ACC1", "AAPL").open_buy_qty, 250);  // Both, until the ack.
  engine->on_replaced(original, replacement);
  EXPECT_EQ(engine->pair_usage("ACC1", "AAPL").open_buy_qty, 150);
  EXPECT_EQ(engine->account_usage("ACC1").open_orders, 1);
  ExecEvent e;
  e.kind = ExecKind::kCanceled;
  (void)engine->on_execution(replacement, e);
  EXPECT_EQ(engine->account_usage("ACC1").open_orders, 0);
  EXPECT_EQ(engine->account_usage("ACC1").open_notional, 0);
}

TEST_P(EngineLimits, AReplaceOfAChildCountsOnlyItsIncreaseAgainstTheParent) {
  auto c = small_config();
  c.parent_child.parent_id_tag = 7001;
  make(c);
  OrderView child = order(600);
  child.parent_id = "P1";
  child.parent_quantity = 1000;
  ASSERT_TRUE(send(child).accepted());
  const Reservation original = tickets.back();
  OrderView rep = order(1000);
  rep.action = Action::kReplace;
  rep.orig_cl_ord_id = child.cl_ord_id;
  rep.parent_id = "P1";
  rep.parent_quantity = 1000;
  Reservation replacement;
  ASSERT_TRUE(engine->check_and_commit(rep, *session, replacement, &original).accepted());
  EXPECT_EQ(engine->parent_usage("ACC1", "P1").children_sent, 1000);  // 600 + 400
  rep = order(1001);
  rep.action = Action::kReplace;
  rep.orig_cl_ord_id = child.cl_ord_id;
  rep.parent_id = "P1";
  rep.parent_quantity = 1000;
  EXPECT_EQ(engine->check_and_commit(rep, *session, replacement, &original).rule,
            RuleId::kParentChildFilled);
}

namespace {
OrderView as_child(OrderView o, std::string_view parent = "P1", std::int64_t parent_qty = 100) {
  o.parent_id = parent;
  o.parent_quantity = parent_qty;
  return o;
}
}  // namespace

TEST_P(EngineLimits, RejectedAndCancelledChildrenGiveTheirQuantityBackToTheParent) {
  auto c = small_config();
  c.parent_child.parent_id_tag = 7001;
  make(c);
  ASSERT_TRUE(send(as_child(order(100))).accepted());
  event_last(ExecKind::kRejected);
  EXPECT_EQ(engine->parent_usage("ACC1", "P1").children_sent, 0);
  ASSERT_TRUE(send(as_child(order(100))).accepted());
  event_last(ExecKind::kCanceled);
  EXPECT_EQ(engine->parent_usage("ACC1", "P1").children_sent, 0);
  ASSERT_TRUE(send(as_child(order(100))).accepted());
  EXPECT_EQ(send(as_child(order(1))).rule, RuleId::kParentChildSent);
}

TEST_P(EngineLimits, RepricingByCancelAndNewNeverExceedsTheParentAndIsNeverRefused) {
  auto c = small_config();
  c.parent_child.parent_id_tag = 7001;
  make(c);
  // A 1,000-share parent worked by 100-share children, each cancelled and
  // re-sent many times at a new price, with some fills along the way.
  std::int64_t filled = 0;
  for (int i = 0; i < 500 && filled < 1000; ++i) {
    const std::int64_t q = std::min<std::int64_t>(100, 1000 - filled);
    ASSERT_TRUE(send(as_child(order(q, (190 + i % 3) * kMicro), "P1", 1000)).accepted()) << i;
    if (i % 5 == 0) {
      const std::int64_t f = std::min<std::int64_t>(40, q);
      fill_last(f, 190 * kMicro, false);
      filled += f;
    }
    event_last(ExecKind::kCanceled);
  }
  const ParentUsage u = engine->parent_usage("ACC1", "P1");
  EXPECT_EQ(u.children_filled, filled);
  EXPECT_EQ(u.children_sent, filled);  // Open + executed: nothing open now.
}

TEST_P(EngineLimits, APartlyFilledChildThatIsCancelledKeepsOnlyItsExecutedQuantity) {
  auto c = small_config();
  c.parent_child.parent_id_tag = 7001;
  make(c);
  ASSERT_TRUE(send(as_child(order(100))).accepted());
  fill_last(30, 190 * kMicro, false);
  event_last(ExecKind::kCanceled);
  EXPECT_EQ(engine->parent_usage("ACC1", "P1").children_sent, 30);
  EXPECT_TRUE(send(as_child(order(70))).accepted());
  EXPECT_EQ(send(as_child(order(1))).rule, RuleId::kParentChildSent);
}

TEST_P(EngineLimits, AReplaceCountsTheChildsNewQuantityOnceAcked) {
  auto c = small_config();
  c.parent_child.parent_id_tag = 7001;
  make(c);
  ASSERT_TRUE(send(as_child(order(60))).accepted());
  Reservation original = tickets.back();
  // Up from 60 to 80: only the increase is reserved while pending.
  OrderView up = as_child(order(80));
  up.action = Action::kReplace;
  up.orig_cl_ord_id = "ID0";
  Reservation replacement;
  ASSERT_TRUE(engine->check_and_commit(up, *session, replacement, &original).accepted());
  EXPECT_EQ(engine->parent_usage("ACC1", "P1").children_sent, 80);
  engine->on_replaced(original, replacement);
  EXPECT_EQ(engine->parent_usage("ACC1", "P1").children_sent, 80);
  // Down from 80 to 50: the acked replace gives 30 back.
  OrderView down = as_child(order(50));
  down.action = Action::kReplace;
  down.orig_cl_ord_id = up.cl_ord_id;
  Reservation smaller;
  ASSERT_TRUE(engine->check_and_commit(down, *session, smaller, &replacement).accepted());
  engine->on_replaced(replacement, smaller);
  EXPECT_EQ(engine->parent_usage("ACC1", "P1").children_sent, 50);
  ExecEvent e;
  e.kind = ExecKind::kCanceled;
  e.now_ns = now;
  (void)engine->on_execution(smaller, e);
  EXPECT_EQ(engine->parent_usage("ACC1", "P1").children_sent, 0);
}

TEST_P(EngineLimits, FillsWhileAReplaceIsPendingAreKeptByTheReplacement) {
  auto c = small_config();
  c.parent_child.parent_id_tag = 7001;
  c.auto_kill.on_parent_child_breach = true;
  make(c);
  // Parent 1,000 worked by one child of 1,000, replaced at a new price; 300
  // fill on the original before the replace is acked.
  ASSERT_TRUE(send(as_child(order(1000), "P1", 1000)).accepted());
  Reservation a = tickets.back();
  OrderView r1 = as_child(order(1000, 191 * kMicro), "P1", 1000);
  r1.action = Action::kReplace;
  r1.orig_cl_ord_id = "ID0";
  Reservation b;
  ASSERT_TRUE(engine->check_and_commit(r1, *session, b, &a).accepted());
  ExecEvent f;
  f.kind = ExecKind::kPartialFill;
  f.last_qty = 300;
  f.last_px = 190 * kMicro;
  f.now_ns = now;
  (void)engine->on_execution(a, f);
  engine->on_replaced(a, b);
  EXPECT_EQ(b.leaves_qty, 700);
  // Replacing again at the same total is 300 executed + 700 open: no breach.
  OrderView r2 = as_child(order(1000, 192 * kMicro), "P1", 1000);
  r2.action = Action::kReplace;
  r2.orig_cl_ord_id = r1.cl_ord_id;
  Reservation d;
  const Decision dd = engine->check_and_commit(r2, *session, d, &b);
  EXPECT_TRUE(dd.accepted()) << rule_name(dd.rule);
  EXPECT_FALSE(dd.session_killed);
  engine->on_sent_failed(d);
  // Cancelling the replacement gives back only what did not trade.
  ExecEvent cxl;
  cxl.kind = ExecKind::kCanceled;
  cxl.now_ns = now;
  (void)engine->on_execution(b, cxl);
  EXPECT_EQ(engine->parent_usage("ACC1", "P1").children_sent, 300);
  EXPECT_EQ(engine->account_usage("ACC1").open_orders, 0);
  EXPECT_EQ(engine->account_usage("ACC1").open_notional, 0);
}

TEST_P(EngineLimits, FillsWhileAReplaceIsPendingAcrossTheDayRollAreKeptByTheReplacementToo) {
  make(small_config());
  ASSERT_TRUE(send(order(1000)).accepted());
  Reservation a = tickets.back();
  engine->reset_day();  // The original was sent yesterday.
  OrderView r1 = order(1000, 191 * kMicro);
  r1.action = Action::kReplace;
  r1.orig_cl_ord_id = "ID0";
  Reservation b;
  ASSERT_TRUE(engine->check_and_commit(r1, *session, b, &a).accepted());
  ExecEvent f;
  f.kind = ExecKind::kPartialFill;
  f.last_qty = 300;
  f.last_px = 190 * kMicro;
  f.now_ns = now;
  (void)engine->on_execution(a, f);
  engine->on_replaced(a, b);
  EXPECT_EQ(b.leaves_qty, 700);
  EXPECT_EQ(engine->pair_usage("ACC1", "AAPL").open_buy_qty, 700);
  EXPECT_EQ(engine->account_usage("ACC1").open_notional, 700 * 191 * kMicro);
}

TEST_P(EngineLimits, TheParentTableStartsEmptyEachTradingDay) {
  auto c = small_config();
  c.parent_child.parent_id_tag = 7001;
  c.capacities.max_parents = 2;
  make(c);
  ASSERT_TRUE(send(as_child(order(10), "P1")).accepted());
  const Reservation yesterday = tickets.back();
  ASSERT_TRUE(send(as_child(order(10), "P2")).accepted());
  EXPECT_EQ(send(as_child(order(10), "P3")).rule, RuleId::kRiskStateFull);
  EXPECT_EQ(engine->table_usage().parents, 2u);
  engine->reset_day();
  EXPECT_EQ(engine->table_usage().parents, 0u);
  ASSERT_TRUE(send(as_child(order(10), "P3")).accepted());
  // Yesterday's child fills late: it must not charge today's parent.
  Reservation late = yesterday;
  ExecEvent e;
  e.kind = ExecKind::kFill;
  e.last_qty = 10;
  e.last_px = 190 * kMicro;
  e.now_ns = now;
  (void)engine->on_execution(late, e);
  EXPECT_EQ(engine->parent_usage("ACC1", "P3").children_filled, 0);
}

// ----------------------------------------------------------------- validity

TEST_P(EngineLimits, ValidityRulesRefuseMalformedOrders) {
  make(small_config());
  OrderView o = order();
  o.missing_required = true;
  o.missing_tag = 38;
  Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kMissingField);
  EXPECT_EQ(text(d, o), "missing_field: tag 38 (ACC1 AAPL)");

  o = order(0);
  d = send(o);
  EXPECT_EQ(d.rule, RuleId::kBadQuantity);
  EXPECT_EQ(text(d, o), "bad_quantity: 0 (ACC1 AAPL)");
  EXPECT_TRUE(send(order(1)).accepted());  // The smallest valid quantity.

  o = order();
  o.side = Side::kUnknown;
  EXPECT_EQ(send(o).rule, RuleId::kUnknownSide);
  o = order();
  o.ord_type = OrdType::kUnknown;
  EXPECT_EQ(send(o).rule, RuleId::kUnknownOrdType);
  o = order();
  o.has_price = false;
  EXPECT_EQ(send(o).rule, RuleId::kMissingPrice);
  o = order(100, 190 * kMicro, Side::kBuy, "ACC1", "ZZZZ");
  d = send(o);
  EXPECT_EQ(d.rule, RuleId::kUnknownSymbol);
  EXPECT_EQ(text(d, o), "unknown_symbol: symbol not in the reference data (ACC1 ZZZZ)");
  EXPECT_EQ(ord_rej_reason(d.rule), 1);
  o = order(100, 190 * kMicro, Side::kBuy, "NOBODY");
  EXPECT_EQ(send(o).rule, RuleId::kUnknownAccount);
  o = order();
  o.cl_ord_id = "";
  EXPECT_EQ(send(o).rule, RuleId::kMissingField);
}

TEST_P(EngineLimits, LotSizeAcceptsMultiplesAndRefusesOneUnitOff) {
  make(small_config());
  EXPECT_TRUE(send(order(200, 10 * kMicro, Side::kBuy, "ACC1", "LOT")).accepted());
  const OrderView o = order(201, 10 * kMicro, Side::kBuy, "ACC1", "LOT");
  const Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kLotSize);
  EXPECT_EQ(text(d, o), "lot_size: 201 not a multiple of 100 (ACC1 LOT)");
}

TEST_P(EngineLimits, RestrictedAndNotPermittedSymbolsAreRefused) {
  auto c = small_config();
  c.restricted_symbols = {"MSFT"};
  make(c);
  OrderView o = order(1, 5 * kMicro, Side::kBuy, "ACC1", "BANNED");
  EXPECT_EQ(send(o).rule, RuleId::kRestrictedSymbol);
  o = order(1, 400 * kMicro, Side::kBuy, "ACC1", "MSFT");
  Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kRestrictedSymbol);
  EXPECT_EQ(text(d, o), "restricted_symbol: symbol is restricted (ACC1 MSFT)");
  // ACC2 may trade AAPL only.
  EXPECT_TRUE(send(order(1, 190 * kMicro, Side::kBuy, "ACC2", "AAPL")).accepted());
  o = order(1, 10 * kMicro, Side::kBuy, "ACC2", "LOT");
  EXPECT_EQ(send(o).rule, RuleId::kLotSize);  // Validity first...
  o = order(100, 10 * kMicro, Side::kBuy, "ACC2", "LOT");
  d = send(o);
  EXPECT_EQ(d.rule, RuleId::kInstrumentNotPermitted);  // ...then permissions.
}

// ----------------------------------------------------------------- layering

TEST_P(EngineLimits, LimitsLayerDefaultsThenSymbolThenAccountThenAccountAndSymbol) {
  auto c = small_config();
  c.defaults.max_order_qty = 1000;
  c.overrides = {{"", "AAPL", {}}, {"ACC2", "", {}}, {"ACC1", "MSFT", {}}};
  c.overrides[0].limits.max_order_qty = 500;  // symbol AAPL
  c.overrides[1].limits.max_order_qty = 300;  // account ACC2 (beats symbol)
  c.overrides[2].limits.max_order_qty = 50;   // ACC1+MSFT (beats all)
  c.accounts[1].permitted_symbols.clear();
  make(c);
  auto limit_of = [&](std::string_view acc, std::string_view sym) {
    // The largest accepted quantity, found at the boundary.
    const Decision d = send(order(1'000'000, 1, Side::kBuy, acc, sym));
    EXPECT_EQ(d.rule, RuleId::kMaxOrderQty);
    return d.limit;
  };
  EXPECT_EQ(limit_of("ACC1", "LOT"), 1000);  // defaults
  EXPECT_EQ(limit_of("ACC1", "AAPL"), 500);  // symbol
  EXPECT_EQ(limit_of("ACC2", "AAPL"), 300);  // account
  EXPECT_EQ(limit_of("ACC2", "MSFT"), 300);  // account
  EXPECT_EQ(limit_of("ACC1", "MSFT"), 50);   // account + symbol
}

TEST_P(EngineLimits, AnUnsetFieldInAMoreSpecificLayerFallsThroughToTheNext) {
  auto c = small_config();
  c.defaults.max_order_qty = 1000;
  c.defaults.max_open_orders = 1;
  c.overrides = {{"ACC1", "AAPL", {}}};
  c.overrides[0].limits.max_order_qty = 10;
  make(c);
  EXPECT_TRUE(send(order(10)).accepted());
  EXPECT_EQ(send(order(5)).rule, RuleId::kMaxOpenOrders);  // From defaults.
}

// --------------------------------------------------------- kill and availability

TEST_P(EngineLimits, EachKillScopeRefusesNewOrdersInScopeAndNamesTheKill) {
  make(small_config());
  KillSwitchBoard& k = engine->kills();
  const AccountIdx acc1 = *engine->account_index("ACC1");
  const SymbolIdx aapl = *engine->symbol_index("AAPL");
  struct Case {
    KillScope scope;
    std::uint32_t idx;
  };
  for (Case cs : {Case{KillScope::kGlobal, 0}, Case{KillScope::kExchangeSession, 1},
                  Case{KillScope::kClientSession, 0}, Case{KillScope::kAccount, acc1},
                  Case{KillScope::kSymbol, aapl}}) {
    ASSERT_TRUE(k.engage(cs.scope, cs.idx, KillReason::kOperator));
    const OrderView o = order();
    const Decision d = send(o);
    EXPECT_EQ(d.rule, RuleId::kKillSwitch);
    EXPECT_EQ(d.actual, static_cast<std::int64_t>(cs.scope));
    EXPECT_EQ(text(d, o), "kill_switch: " + std::string(kill_scope_name(cs.scope)) +
                              " engaged (operator) (ACC1 AAPL)");
    ASSERT_TRUE(k.release(cs.scope, cs.idx));
    EXPECT_TRUE(send(order()).accepted());
  }
  ASSERT_TRUE(k.engage(KillScope::kSymbol, aapl, KillReason::kOperator));
  EXPECT_TRUE(send(order(1, 400 * kMicro, Side::kBuy, "ACC1", "MSFT")).accepted());
}

TEST_P(EngineLimits, ARetiredTagValueIsRefusedAndTripsItsSession) {
  make(small_config());
  OrderView o = order();
  o.carries_retired_value = true;
  o.retired_tag = 9001;
  const Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kRetiredFeature);
  EXPECT_TRUE(d.session_killed);
  EXPECT_EQ(text(d, o), "retired_feature: tag 9001 (ACC1 AAPL)");
  EXPECT_EQ(engine->kills().reason(KillScope::kClientSession, 0), KillReason::kRetiredFeature);
  EXPECT_EQ(send(order()).rule, RuleId::kKillSwitch);
}

TEST_P(EngineLimits, NRefusalsWithinTheWindowTripTheSessionAndNMinusOneDoNot) {
  auto c = small_config();
  c.defaults.max_order_qty = 10;
  c.auto_kill.session_refusals = 3;
  c.auto_kill.session_refusals_window_ms = 1000;
  make(c);
  EXPECT_FALSE(send(order(11)).session_killed);
  EXPECT_FALSE(send(order(11)).session_killed);
  EXPECT_TRUE(send(order(10)).accepted());
  now += 1'000'000'001;  // The window starts again.
  EXPECT_FALSE(send(order(11)).session_killed);
  EXPECT_FALSE(send(order(11)).session_killed);
  const Decision d = send(order(11));
  EXPECT_EQ(d.rule, RuleId::kMaxOrderQty);
  EXPECT_TRUE(d.session_killed);
  EXPECT_EQ(engine->kills().reason(KillScope::kClientSession, 0), KillReason::kAutoRefusals);
}

TEST_P(EngineLimits, ATypicalSizeBreachOnlyRefusesByDefault) {
  auto c = small_config();
  c.defaults.typical_size_multiple = 10.0;
  c.defaults.typical_size_seed = 100;
  c.auto_kill.on_parent_child_breach = true;  // Not this rule's switch.
  make(c);
  const Decision d = send(order(1001));
  EXPECT_EQ(d.rule, RuleId::kTypicalSizeMultiple);
  EXPECT_FALSE(d.session_killed);
  EXPECT_TRUE(send(order(100)).accepted());
}

TEST_P(EngineLimits, ATypicalSizeBreachTripsTheSessionWhenConfigured) {
  auto c = small_config();
  c.defaults.typical_size_multiple = 10.0;
  c.defaults.typical_size_seed = 100;
  c.auto_kill.on_typical_size_breach = true;
  make(c);
  const Decision d = send(order(1001));
  EXPECT_EQ(d.rule, RuleId::kTypicalSizeMultiple);
  EXPECT_TRUE(d.session_killed);
  EXPECT_EQ(engine->kills().reason(KillScope::kClientSession, 0),
            KillReason::kAutoQuantityMultiplier);
}

TEST_P(EngineLimits, TheRepeatedExecutionThrottleTripsTheSessionWhenConfigured) {
  auto c = small_config();
  c.throttles.repeated_exec_max_fills = 2;
  c.auto_kill.on_repeated_execution_throttle = true;
  make(c);
  ASSERT_TRUE(send(order(100)).accepted());
  ExecEvent e;
  e.kind = ExecKind::kPartialFill;
  e.last_qty = 1;
  e.last_px = 190 * kMicro;
  e.now_ns = now;
  EXPECT_FALSE(engine->on_execution(tickets.back(), e).session_killed);
  const ExecOutcome out = engine->on_execution(tickets.back(), e);
  EXPECT_TRUE(out.flow_disabled);
  EXPECT_TRUE(out.session_killed);
}

TEST_P(EngineLimits, OrdersAreRefusedWhileTheAuditOrTheExchangeIsUnavailable) {
  make(small_config());
  engine->set_audit_available(false);
  EXPECT_EQ(send(order()).rule, RuleId::kAuditUnavailable);
  engine->set_audit_available(true);
  engine->set_exchange_available(1, false);
  EXPECT_EQ(send(order()).rule, RuleId::kExchangeUnavailable);
  engine->set_exchange_available(1, true);
  EXPECT_TRUE(send(order()).accepted());
}

TEST_P(EngineLimits, AFullClOrdIdTableRefusesNewOrders) {
  make(small_config());
  SessionState tiny(3, 2);
  EXPECT_TRUE(send(order(), tiny).accepted());
  EXPECT_TRUE(send(order(), tiny).accepted());
  EXPECT_EQ(send(order(), tiny).rule, RuleId::kRiskStateFull);
}

// ---------------------------------------------------------------------- reload

TEST_P(EngineLimits, ReloadChangesLimitsAndKeepsCountersAndPositions) {
  auto c = small_config();
  c.defaults.max_open_orders = 1;
  make(c);
  ASSERT_TRUE(send(order(10)).accepted());
  fill_last(4, 190 * kMicro, false);
  c.defaults.max_open_orders = 2;
  c.symbols.push_back({"NEW", 1 * kMicro, 1, false});
  engine->reload(c);
  EXPECT_EQ(engine->snapshot_version(), 2u);
  EXPECT_EQ(engine->account_usage("ACC1").open_orders, 1);
  EXPECT_EQ(engine->pair_usage("ACC1", "AAPL").position, 4);
  EXPECT_TRUE(send(order(1)).accepted());
  EXPECT_EQ(send(order(1)).rule, RuleId::kMaxOpenOrders);
  EXPECT_TRUE(send(order(1, 190 * kMicro, Side::kBuy, "ACC2", "AAPL")).accepted());
  EXPECT_TRUE(engine->symbol_index("NEW").has_value());
}

TEST_P(EngineLimits, ABadReloadIsRefusedAndTheRunningLimitsStay) {
  auto c = small_config();
  c.defaults.max_order_qty = 100;
  make(c);
  auto bad = c;
  bad.defaults.max_order_qty = -1;
  EXPECT_THROW(engine->reload(bad), std::invalid_argument);
  auto lost = c;
  lost.symbols.pop_back();
  lost.defaults.max_order_qty = 5;
  try {
    engine->reload(lost);
    ADD_FAILURE() << "a reload that drops a symbol must be refused";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'BANNED' was removed"), std::string::npos) << e.what();
  }
  auto resized = c;
  resized.capacities.max_accounts = 9;
  EXPECT_THROW(engine->reload(resized), std::invalid_argument);
  EXPECT_EQ(engine->snapshot_version(), 1u);
  EXPECT_TRUE(send(order(100)).accepted());
  EXPECT_EQ(send(order(101)).rule, RuleId::kMaxOrderQty);
}

TEST_P(EngineLimits, NamesKeepTheirIndexAcrossAReloadThatReordersThem) {
  auto c = small_config();
  make(c);
  const SymbolIdx msft = *engine->symbol_index("MSFT");
  std::reverse(c.symbols.begin(), c.symbols.end());
  engine->reload(c);
  EXPECT_EQ(*engine->symbol_index("MSFT"), msft);
}

// ------------------------------------------------------------- config errors

void expect_config_error(const RiskConfig& c, const std::string& fragment) {
  try {
    Engine e(c);
    ADD_FAILURE() << "expected a config error containing: " << fragment;
  } catch (const std::invalid_argument& ex) {
    EXPECT_NE(std::string(ex.what()).find(fragment), std::string::npos) << ex.what();
  }
}

TEST(EngineConfig, BadConfigsAreRefusedWithAClearMessage) {
  auto c = small_config();
  c.defaults.max_order_qty = -5;
  expect_config_error(c, "[risk.defaults] max_order_qty must be >= 0 (got -5)");
  c = small_config();
  c.symbols.push_back({"AAPL", 1, 1, false});
  expect_config_error(c, "duplicate symbol 'AAPL'");
  c = small_config();
  c.throttles.repeated_exec_max_fills = std::int64_t{1} << 31;  // Could never trip.
  expect_config_error(c, "repeated_exec_max_fills must be <= 2147483647 (got 2147483648)");
  c = small_config();
  c.accounts.push_back({"ACC1", {}});
  expect_config_error(c, "duplicate account 'ACC1'");
  c = small_config();
  c.overrides = {{"ACC9", "AAPL", {}}};
  expect_config_error(c, "unknown account 'ACC9'");
  c = small_config();
  c.overrides = {{"ACC1", "ZZZ", {}}};
  expect_config_error(c, "unknown symbol 'ZZZ'");
  c = small_config();
  c.overrides = {{"ACC1", "AAPL", {}}, {"ACC1", "AAPL", {}}};
  expect_config_error(c, "duplicates an earlier override");
  c = small_config();
  c.symbols[0].reference_price = 0;
  expect_config_error(c, "reference_price must be > 0");
  c = small_config();
  c.restricted_symbols = {"NOPE"};
  expect_config_error(c, "unknown symbol 'NOPE'");
  c = small_config();
  c.accounts[1].permitted_symbols = {"NOPE"};
  expect_config_error(c, "permits unknown symbol 'NOPE'");
  c = small_config();
  c.capacities.max_symbols = 3;
  expect_config_error(c, "4 symbols exceed the capacity of 3");
  c = small_config();
  c.defaults.typical_size_multiple = 0.0;
  expect_config_error(c, "typical_size_multiple must be > 0");
}

// ------------------------------------------------------------------ allocation

TEST_P(EngineLimits, TheCheckChainAllocatesNothingAfterWarmUp) {
  auto c = small_config();
  c.defaults.max_order_qty = 100000;
  c.defaults.max_order_notional = 1'000'000 * kMicro;
  c.defaults.price_collar_bps = 500;
  c.defaults.typical_size_multiple = 50;
  c.defaults.typical_size_seed = 100;
  c.defaults.max_open_orders = 100;
  c.defaults.max_open_notional = 10'000'000 * kMicro;
  c.defaults.max_net_position = 1'000'000;
  c.defaults.max_gross_notional_day = 1'000'000'000 * kMicro;
  c.defaults.max_cum_qty_window = 1'000'000;
  c.defaults.max_account_orders_per_sec = 1'000'000;
  c.session_rates = {1'000'000, 1'000'000, 1'000'000};
  c.throttles.duplicate_max_identical = 1'000'000;
  c.parent_child.parent_id_tag = 7001;
  make(c);
  std::vector<std::string> id_pool;
  for (int i = 0; i < 300; ++i) id_pool.push_back("A" + std::to_string(i));
  OrderView o = order(100);
  o.parent_id = "P";
  o.parent_quantity = 1'000'000;
  Reservation r;
  // Warm-up: tables touched once.
  o.cl_ord_id = id_pool[0];
  ASSERT_TRUE(engine->check_and_commit(o, *session, r).accepted());
  engine->on_sent_failed(r);
  testing::AllocationScope scope;
  for (int i = 1; i < 300; ++i) {
    o.cl_ord_id = id_pool[i];
    o.now_ns += 1000;
    ASSERT_TRUE(engine->check_and_commit(o, *session, r).accepted());
    ExecEvent e;
    e.kind = i % 2 ? ExecKind::kCanceled : ExecKind::kFill;
    e.last_qty = 100;
    e.last_px = o.price;
    (void)engine->on_execution(r, e);
    char buf[128];
    (void)format_reject_text(Decision{RuleId::kMaxOrderQty, 1, 2}, o, buf, sizeof buf);
  }
  EXPECT_EQ(scope.count(), 0u);
}

RISK_TEST_BOTH_WRITER_MODES(EngineLimits);

}  // namespace
}  // namespace riskgate::risk::test
