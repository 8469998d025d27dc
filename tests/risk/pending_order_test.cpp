// One transactional order step (issue 11): check() leaves an order pending,
// holding only its reservations of the shared limits; commit() records the
// rest once the gateway tracked and forwarded it, and rollback() leaves the
// engine as if the order never arrived.
#include <gtest/gtest.h>

#include <vector>

#include "risk/engine.hpp"
#include "tests/risk/risk_fixture.hpp"

namespace riskgate::risk::test {
namespace {

// Everything an order can leave behind that status, metrics or a later
// decision can see.
struct Footprint {
  std::uint32_t cl_ord_ids = 0;
  AccountUsage account;
  PairUsage pair;
  ParentUsage parent;
  SessionSymbolUsage typical;
  std::vector<double> flow_values;
  std::vector<double> flow_baselines;
  std::vector<bool> flow_breached;
  bool throttled = false;
  Micros flow_gross_day = 0;
};

void expect_same(const Footprint& a, const Footprint& b) {
  EXPECT_EQ(a.cl_ord_ids, b.cl_ord_ids);
  EXPECT_EQ(a.account.open_orders, b.account.open_orders);
  EXPECT_EQ(a.account.open_notional, b.account.open_notional);
  EXPECT_EQ(a.account.gross_notional_day, b.account.gross_notional_day);
  EXPECT_EQ(a.pair.position, b.pair.position);
  EXPECT_EQ(a.pair.open_buy_qty, b.pair.open_buy_qty);
  EXPECT_EQ(a.pair.open_sell_qty, b.pair.open_sell_qty);
  EXPECT_EQ(a.parent.parent_qty, b.parent.parent_qty);
  EXPECT_EQ(a.parent.children_sent, b.parent.children_sent);
  EXPECT_EQ(a.parent.children_filled, b.parent.children_filled);
  EXPECT_EQ(a.typical.typical_size, b.typical.typical_size);
  EXPECT_EQ(a.typical.accepted_count, b.typical.accepted_count);
  EXPECT_EQ(a.flow_values, b.flow_values);
  EXPECT_EQ(a.flow_baselines, b.flow_baselines);
  EXPECT_EQ(a.flow_breached, b.flow_breached);
  EXPECT_EQ(a.throttled, b.throttled);
  EXPECT_EQ(a.flow_gross_day, b.flow_gross_day);
}

class PendingOrderTest : public RiskTest {
 protected:
  Footprint footprint() {
    Footprint f;
    f.cl_ord_ids = session->cl_ord_ids_remembered();
    f.account = engine->account_usage("ACC1");
    f.pair = engine->pair_usage("ACC1", "AAPL");
    f.parent = engine->parent_usage("ACC1", "P1");
    f.typical = engine->session_symbol_usage(0, "AAPL");
    const FlowUsage u = engine->flow_usage(0, now);
    for (const auto& r : u.rules) {
      f.flow_values.push_back(r.value);
      f.flow_baselines.push_back(r.baseline);
      f.flow_breached.push_back(r.breached);
    }
    f.throttled = u.throttled;
    f.flow_gross_day = u.gross_day;
    return f;
  }

  OrderView child(std::int64_t qty, std::int64_t parent_qty = 1000) {
    OrderView o = order(qty);
    o.parent_id = "P1";
    o.parent_quantity = parent_qty;
    return o;
  }

  // Every rule that keeps state on: rates, identical orders, typical size,
  // flow envelope (orders and executions), parent/child, exposure, auto-kill.
  static RiskConfig everything_on() {
    RiskConfig c = small_config();
    c.session_rates.max_orders_per_sec = 1000;
    c.session_rates.max_messages_per_sec = 1000;
    c.session_rates.max_cancels_per_sec = 1000;
    c.defaults.max_account_orders_per_sec = 1000;
    c.throttles.duplicate_max_identical = 3;
    c.throttles.typical_size_min_history = 1;
    c.defaults.typical_size_multiple = 50.0;
    c.defaults.typical_size_seed = 100;
    c.defaults.max_cum_qty_window = 1'000'000;
    c.defaults.max_cum_qty_day = 1'000'000;
    c.defaults.max_open_orders = 100;
    c.defaults.max_open_notional = 1'000'000'000 * kMicro;
    c.defaults.max_net_position = 1'000'000;
    c.defaults.max_gross_notional_day = 1'000'000'000 * kMicro;
    c.parent_child.parent_id_tag = 7001;
    c.auto_kill.session_refusals = 100;
    FlowRule orders;
    orders.metric = FlowMetric::kOrders;
    orders.limit = 1000;
    orders.window_ms = 1000;
    orders.name = "orders";
    FlowRule exec;
    exec.metric = FlowMetric::kExecQty;
    exec.limit = 1'000'000;
    exec.window_ms = 1000;
    exec.name = "exec";
    c.flow.rules = {orders, exec};
    return c;
  }
};

TEST_P(PendingOrderTest, APendingOrderHoldsItsReservationsAndARollbackGivesBackEverything) {
  make(everything_on());
  // Some history first, so every row exists and every statistic has a value.
  ASSERT_TRUE(send(child(100)).accepted());
  ASSERT_TRUE(send(order(200)).accepted());
  now += 1'000'000;
  const Footprint before = footprint();

  PendingOrder p;
  ASSERT_TRUE(engine->check(child(300), *session, p).accepted());
  ASSERT_TRUE(p.pending());
  // Reserve-then-commit: the shared limits are taken while pending ...
  EXPECT_EQ(engine->account_usage("ACC1").open_orders, before.account.open_orders + 1);
  EXPECT_EQ(engine->parent_usage("ACC1", "P1").children_sent, before.parent.children_sent + 300);
  EXPECT_EQ(engine->pair_usage("ACC1", "AAPL").open_buy_qty, before.pair.open_buy_qty + 300);
  // ... and nothing else is recorded.
  EXPECT_EQ(session->cl_ord_ids_remembered(), before.cl_ord_ids);
  EXPECT_EQ(engine->session_symbol_usage(0, "AAPL").accepted_count, before.typical.accepted_count);

  engine->rollback(p, *session);
  EXPECT_FALSE(p.pending());
  EXPECT_FALSE(p.ticket.active);
  expect_same(footprint(), before);
}

TEST_P(PendingOrderTest, ARolledBackClOrdIdIsAcceptedWhenRetriedNotRefusedAsADuplicate) {
  make(everything_on());
  const OrderView o = order(100);
  PendingOrder p;
  ASSERT_TRUE(engine->check(o, *session, p).accepted());
  engine->rollback(p, *session);
  ASSERT_TRUE(engine->check(o, *session, p).accepted());
  engine->commit(p, *session);
  EXPECT_TRUE(p.committed());
  EXPECT_EQ(session->cl_ord_ids_remembered(), 1u);
  // Committed: now it is remembered.
  PendingOrder again;
  EXPECT_EQ(engine->check(o, *session, again).rule, RuleId::kDuplicateClOrdID);
}

TEST_P(PendingOrderTest, ACommitRecordsWhatCheckAndCommitRecords) {
  make(everything_on());
  PendingOrder p;
  ASSERT_TRUE(engine->check(child(100), *session, p).accepted());
  engine->commit(p, *session);
  const Footprint two_step = footprint();
  make(everything_on());
  ids.clear();
  ASSERT_TRUE(send(child(100)).accepted());
  expect_same(footprint(), two_step);
}

TEST_P(PendingOrderTest, RolledBackOrdersGiveBackExactlyTheirSessionRateBudget) {
  auto c = small_config();
  c.session_rates.max_orders_per_sec = 2;  // A burst of 2 at one instant.
  make(c);
  ASSERT_TRUE(send(order()).accepted());
  for (int i = 0; i < 5; ++i) {
    PendingOrder p;
    ASSERT_TRUE(engine->check(order(), *session, p).accepted()) << i;
    engine->rollback(p, *session);
  }
  ASSERT_TRUE(send(order()).accepted());
  EXPECT_EQ(send(order()).rule, RuleId::kSessionOrderRate);  // Not one more than 2.
}

TEST_P(PendingOrderTest, RolledBackOrdersGiveBackExactlyTheirAccountRateBudget) {
  auto c = small_config();
  c.defaults.max_account_orders_per_sec = 2;
  make(c);
  ASSERT_TRUE(send(order()).accepted());
  for (int i = 0; i < 5; ++i) {
    PendingOrder p;
    ASSERT_TRUE(engine->check(order(), *session, p).accepted()) << i;
    engine->rollback(p, *session);
  }
  ASSERT_TRUE(send(order()).accepted());
  EXPECT_EQ(send(order()).rule, RuleId::kAccountOrderRate);
}

TEST_P(PendingOrderTest, RolledBackOrdersCountNoIdenticalOrders) {
  auto c = small_config();
  c.throttles.duplicate_max_identical = 1;
  make(c);
  PendingOrder p;
  ASSERT_TRUE(engine->check(order(100), *session, p).accepted());
  engine->rollback(p, *session);
  ASSERT_TRUE(send(order(100)).accepted());
  EXPECT_EQ(send(order(100)).rule, RuleId::kDuplicateOrder);
}

TEST_P(PendingOrderTest, WhileAnOrderIsPendingAnotherSessionCannotTakeTheLimitItReserved) {
  auto c = small_config();
  c.defaults.max_open_orders = 1;
  make(c);
  SessionState other = engine->make_session(1);
  PendingOrder p;
  ASSERT_TRUE(engine->check(order(), *session, p).accepted());
  EXPECT_EQ(send(order(), other).rule, RuleId::kMaxOpenOrders);
  engine->rollback(p, *session);
  EXPECT_TRUE(send(order(), other).accepted());
}

TEST_P(PendingOrderTest, ARolledBackFirstChildDeclaresNoParentQuantity) {
  auto c = small_config();
  c.parent_child.parent_id_tag = 7001;
  make(c);
  PendingOrder p;
  ASSERT_TRUE(engine->check(child(100, 100), *session, p).accepted());
  engine->rollback(p, *session);
  EXPECT_EQ(engine->parent_usage("ACC1", "P1").parent_qty, 0);
  EXPECT_EQ(engine->parent_usage("ACC1", "P1").children_sent, 0);
  // The next first child declares its own parent quantity.
  ASSERT_TRUE(send(child(500, 1000)).accepted());
  EXPECT_EQ(engine->parent_usage("ACC1", "P1").parent_qty, 1000);
  EXPECT_EQ(engine->parent_usage("ACC1", "P1").children_sent, 500);
}

TEST_P(PendingOrderTest, ARolledBackReplaceLeavesTheOriginalOrderAsItWas) {
  auto c = everything_on();
  c.defaults.max_open_orders = 1;
  make(c);
  ASSERT_TRUE(send(child(600)).accepted());
  const Reservation original = tickets.back();
  const Footprint before = footprint();
  OrderView rep = child(1000);
  rep.action = Action::kReplace;
  rep.orig_cl_ord_id = "ID0";
  PendingOrder p;
  ASSERT_TRUE(engine->check(rep, *session, p, &original).accepted());
  EXPECT_EQ(engine->parent_usage("ACC1", "P1").children_sent, 1000);  // 600 + the 400 it adds.
  engine->rollback(p, *session);
  expect_same(footprint(), before);
  // Retried, it is accepted and, once acked, replaces the original.
  ASSERT_TRUE(engine->check(rep, *session, p, &original).accepted());
  engine->commit(p, *session);
  Reservation orig = original;
  engine->on_replaced(orig, p.ticket);
  EXPECT_EQ(engine->account_usage("ACC1").open_orders, 1);
  EXPECT_EQ(engine->pair_usage("ACC1", "AAPL").open_buy_qty, 1000);
  EXPECT_EQ(engine->parent_usage("ACC1", "P1").children_sent, 1000);
}

TEST_P(PendingOrderTest, ARolledBackCancelTakesNoCancelOrMessageBudget) {
  auto c = small_config();
  c.session_rates.max_cancels_per_sec = 1;
  make(c);
  OrderView cancel = order();
  cancel.action = Action::kCancel;
  for (int i = 0; i < 3; ++i) {
    PendingCancel p;
    ASSERT_TRUE(engine->check_cancel(cancel, *session, p).accepted()) << i;
    EXPECT_TRUE(p.pending());
    engine->rollback(p);
    EXPECT_FALSE(p.pending());
  }
  PendingCancel p;
  ASSERT_TRUE(engine->check_cancel(cancel, *session, p).accepted());
  engine->commit(p, *session);
  EXPECT_EQ(engine->check_cancel_and_commit(cancel, *session).rule, RuleId::kCancelRate);
}

TEST_P(PendingOrderTest, AnOrderThatWouldStartAThrottleStartsItOnlyWhenCommitted) {
  auto c = small_config();
  FlowRule orders;
  orders.metric = FlowMetric::kOrders;
  orders.limit = 1;
  orders.window_ms = 1000;
  orders.action = FlowAction::kThrottle;
  orders.name = "orders";
  c.flow.rules = {orders};
  make(c);
  ASSERT_TRUE(send(order()).accepted());  // The window reads 1: at the limit.
  const Footprint before = footprint();
  PendingOrder p;
  // The second crosses it: the throttle would start, and this order is the
  // first one it lets through.
  ASSERT_TRUE(engine->check(order(), *session, p).accepted());
  EXPECT_FALSE(engine->flow_usage(0, now).throttled);
  engine->rollback(p, *session);
  expect_same(footprint(), before);
  ASSERT_TRUE(engine->check(order(), *session, p).accepted());
  engine->commit(p, *session);
  EXPECT_TRUE(engine->flow_usage(0, now).throttled);
  EXPECT_EQ(send(order()).rule, RuleId::kFlowThrottle);
}

TEST_P(PendingOrderTest, AnOrderRefusedAfterTheFlowChecksStillCountsAsFlow) {
  auto c = small_config();
  c.defaults.max_order_qty = 100;
  FlowRule orders;
  orders.metric = FlowMetric::kOrders;
  orders.limit = 1000;
  orders.window_ms = 1000;
  orders.name = "orders";
  c.flow.rules = {orders};
  make(c);
  ASSERT_EQ(send(order(101)).rule, RuleId::kMaxOrderQty);
  EXPECT_GT(engine->flow_usage(0, now).rules.at(0).value, 0.0);
}

TEST_P(PendingOrderTest, CommitAndRollbackOfAnOrderThatIsNotPendingDoNothing) {
  make(everything_on());
  PendingOrder refused;
  ASSERT_FALSE(engine->check(order(0), *session, refused).accepted());
  EXPECT_FALSE(refused.pending());
  const Footprint before = footprint();
  engine->commit(refused, *session);
  engine->rollback(refused, *session);
  expect_same(footprint(), before);
  PendingOrder p;
  ASSERT_TRUE(engine->check(order(), *session, p).accepted());
  engine->commit(p, *session);
  const Footprint after = footprint();
  engine->rollback(p, *session);  // Too late: it is an open order now.
  engine->commit(p, *session);    // Once only.
  expect_same(footprint(), after);
}

RISK_TEST_BOTH_WRITER_MODES(PendingOrderTest);

}  // namespace
}  // namespace riskgate::risk::test
