// The flow envelope (risk/flow.hpp) rule by rule at its boundary, each action,
// the learned baseline, the scoping of per-session state, the sustained
// refusal-rate auto-kill and reloads.
//
// Time starts on a tick boundary (a multiple of 2^24 ns), so events at one
// instant share a tick and read as their plain sum, and the decay over an
// interval is e^-(whole ticks x tick / window): `decay()` below is the same
// arithmetic, so expected values are derived, not measured.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>

#include "tests/risk/risk_fixture.hpp"

namespace riskgate::risk::test {
namespace {

constexpr std::int64_t kTick = std::int64_t{1} << flow::kTickShift;
constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kT0 = 60'000 * kTick;  // Tick-aligned start.
constexpr std::int64_t kWindowMs = 1'000;

// The factor a windowed value keeps from `from` to `to`: whole ticks only.
double decay(std::int64_t from, std::int64_t to, std::int64_t window_ms = kWindowMs) {
  const auto ticks = static_cast<double>(flow::tick_of(to) - flow::tick_of(from));
  return std::exp(-ticks * static_cast<double>(kTick) / static_cast<double>(window_ms * kMs));
}

// After exactly one window the value is e^-1 of what it was, give or take the
// part of a tick that the quantisation drops.
void expect_one_window_later(double value, double was, std::int64_t from, std::int64_t to) {
  EXPECT_NEAR(value, was * decay(from, to), 1e-9 * was);
  EXPECT_GE(value, was * std::exp(-1.0));
  EXPECT_LE(value, was * std::exp(-1.0 + static_cast<double>(kTick) /
                                             static_cast<double>(kWindowMs * kMs)));
}

FlowRule rule(FlowMetric metric, std::int64_t limit, FlowAction action = FlowAction::kRefuse,
              std::int64_t window_ms = kWindowMs) {
  FlowRule r;
  r.metric = metric;
  r.limit = limit;
  r.action = action;
  r.window_ms = window_ms;
  r.name = "risk.flow.rule[test]";
  return r;
}

FlowRule relative(FlowMetric metric, double multiple, std::int64_t seed) {
  FlowRule r = rule(metric, 0);
  r.multiple = multiple;
  r.seed = seed;
  return r;
}

RiskConfig with_rules(std::initializer_list<FlowRule> rules) {
  RiskConfig c = small_config();
  c.flow.rules = rules;
  return c;
}

Micros price_of(std::string_view symbol) {
  if (symbol == "MSFT") return 400 * kMicro;
  if (symbol == "LOT") return 10 * kMicro;
  return 190 * kMicro;
}

class Flow : public RiskTest {
 protected:
  Flow() { now = kT0; }

  // A working order big enough for every fill a test makes, accepted before
  // any breach so that fills can keep coming while orders are refused.
  Reservation& working(Side side = Side::kBuy, std::string_view symbol = "AAPL",
                       SessionState* s = nullptr, std::string_view account = "ACC1") {
    const Decision d =
        send(order(1'000'000, price_of(symbol), side, account, symbol), s ? *s : *session);
    if (!d.accepted()) {
      ADD_FAILURE() << "working order refused: " << rule_name(d.rule);
      tickets.emplace_back();  // Inactive: fills on it are no-ops.
    }
    return tickets.back();
  }

  ExecOutcome fill(Reservation& t, std::int64_t qty, Micros px = 0) {
    ExecEvent e;
    e.kind = ExecKind::kPartialFill;
    e.last_qty = qty;
    e.last_px = px != 0 ? px : t.reserved_px;
    e.now_ns = now;
    return engine->on_execution(t, e);
  }

  Decision send_as(SessionState& s, std::int64_t qty, Side side = Side::kBuy,
                   std::string_view symbol = "AAPL", std::string_view account = "ACC1") {
    return send(order(qty, price_of(symbol), side, account, symbol), s);
  }
  Decision buy(std::int64_t qty = 1, std::string_view symbol = "AAPL") {
    return send_as(*session, qty, Side::kBuy, symbol);
  }
  Decision sell(std::int64_t qty = 1, std::string_view symbol = "AAPL") {
    return send_as(*session, qty, Side::kSell, symbol);
  }

  FlowUsage::Rule usage(std::size_t rule_index = 0, SessionIdx s = 0) {
    const FlowUsage u = engine->flow_usage(s, now);
    if (rule_index >= u.rules.size()) {
      ADD_FAILURE() << "no flow rule " << rule_index;
      return {};
    }
    return u.rules[rule_index];
  }
};

using FlowRules = Flow;
using FlowActions = Flow;
using FlowBaseline = Flow;
using FlowScoping = Flow;
using SustainedRefusals = Flow;
using FlowReload = Flow;

// ------------------------------------------------------------ each metric

TEST_P(FlowRules, ExecutedQuantityAtTheLimitPassesAndOneShareOverRefuses) {
  make(with_rules({rule(FlowMetric::kExecQty, 1000)}));
  Reservation& b = working(Side::kBuy);
  Reservation& s = working(Side::kSell);
  (void)fill(b, 400);
  (void)fill(s, 599);
  EXPECT_EQ(usage().value, 999.0);  // One instant: the plain sum, both sides.
  EXPECT_TRUE(buy().accepted());
  (void)fill(b, 1);
  EXPECT_EQ(usage().value, 1000.0);
  EXPECT_FALSE(usage().breached);
  EXPECT_TRUE(buy().accepted());  // At the limit.
  (void)fill(s, 1);
  EXPECT_TRUE(usage().breached);
  const OrderView o = order(1);
  const Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kFlowExecQty);
  EXPECT_EQ(d.actual, 1001);
  EXPECT_EQ(d.limit, 1000);
  EXPECT_EQ(text(d, o), "flow_exec_qty: 1001 > 1000 (ACC1 AAPL)");
  EXPECT_EQ(sell().rule, RuleId::kFlowExecQty);  // Any execution adds to it.

  now += kWindowMs * kMs;
  expect_one_window_later(usage().value, 1001.0, kT0, now);
  EXPECT_TRUE(buy().accepted());
  EXPECT_FALSE(usage().breached);
}

TEST_P(FlowRules, ExecutedNotionalAtTheLimitPassesAndOneMicroOverRefuses) {
  make(with_rules({rule(FlowMetric::kExecNotional, 190'000 * kMicro)}));
  Reservation& b = working(Side::kBuy);
  Reservation& s = working(Side::kSell);
  (void)fill(b, 500, 190 * kMicro);
  (void)fill(s, 499, 190 * kMicro);
  EXPECT_EQ(usage().value, 189'810.0 * kMicro);
  EXPECT_TRUE(buy().accepted());
  (void)fill(s, 1, 190 * kMicro);
  EXPECT_EQ(usage().value, 190'000.0 * kMicro);
  EXPECT_TRUE(buy().accepted());  // At the limit.
  (void)fill(b, 1, 1);            // One share at one micro: one micro over.
  const OrderView o = order(1);
  const Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kFlowExecNotional);
  EXPECT_EQ(d.actual, 190'000 * kMicro + 1);
  EXPECT_EQ(d.limit, 190'000 * kMicro);
  EXPECT_TRUE(d.values_are_micros);
  EXPECT_EQ(text(d, o), "flow_exec_notional: 190000.000001 > 190000.00 (ACC1 AAPL)");

  now += kWindowMs * kMs;
  expect_one_window_later(usage().value, 190'000.0 * kMicro + 1, kT0, now);
  EXPECT_TRUE(buy().accepted());
}

TEST_P(FlowRules, NetQuantityIsTheSumOverSymbolsOfEachSymbolsNetAndOneShareOverRefuses) {
  make(with_rules({rule(FlowMetric::kNetQty, 1000)}));
  Reservation& buy_aapl = working(Side::kBuy, "AAPL");
  Reservation& sell_msft = working(Side::kSell, "MSFT");
  Reservation& buy_msft = working(Side::kBuy, "MSFT");
  (void)fill(buy_aapl, 600);
  (void)fill(sell_msft, 400);
  EXPECT_EQ(usage().value, 1000.0);  // |+600| + |-400|
  EXPECT_TRUE(buy().accepted());     // At the limit.
  (void)fill(buy_msft, 1);           // Reduces MSFT's |net|.
  EXPECT_EQ(usage().value, 999.0);
  (void)fill(buy_aapl, 2);
  EXPECT_EQ(usage().value, 1001.0);
  EXPECT_TRUE(usage().breached);
  // Orders that add to the accumulation are refused...
  const Decision d = buy(1, "AAPL");
  EXPECT_EQ(d.rule, RuleId::kFlowNetQty);
  EXPECT_EQ(d.actual, 1001);
  EXPECT_EQ(d.limit, 1000);
  EXPECT_EQ(sell(1, "MSFT").rule, RuleId::kFlowNetQty);
  EXPECT_EQ(buy(100, "LOT").rule, RuleId::kFlowNetQty);  // A flat symbol: adds too.
  // ...orders on the side that reduces it pass.
  EXPECT_TRUE(sell(1, "AAPL").accepted());
  EXPECT_TRUE(buy(1, "MSFT").accepted());

  now += kWindowMs * kMs;
  expect_one_window_later(usage().value, 1001.0, kT0, now);
  EXPECT_TRUE(buy(1, "AAPL").accepted());
  EXPECT_FALSE(usage().breached);
}

TEST_P(FlowRules, SymbolNetQuantityAtTheLimitPassesAndOneShareOverRefusesThatSymbolsSide) {
  make(with_rules({rule(FlowMetric::kSymbolNetQty, 1000)}));
  Reservation& buy_aapl = working(Side::kBuy, "AAPL");
  Reservation& sell_msft = working(Side::kSell, "MSFT");
  (void)fill(buy_aapl, 999);
  (void)fill(sell_msft, 1000);
  EXPECT_EQ(engine->session_symbol_usage(0, "AAPL").net_qty, 999.0);
  EXPECT_EQ(engine->session_symbol_usage(0, "MSFT").net_qty, -1000.0);
  EXPECT_TRUE(buy(1, "AAPL").accepted());
  EXPECT_TRUE(sell(1, "MSFT").accepted());  // At the limit.
  (void)fill(buy_aapl, 1);
  EXPECT_TRUE(buy(1, "AAPL").accepted());  // At the limit.
  (void)fill(buy_aapl, 1);
  EXPECT_EQ(engine->session_symbol_usage(0, "AAPL").net_qty, 1001.0);
  const Decision d = buy(1, "AAPL");
  EXPECT_EQ(d.rule, RuleId::kFlowSymbolNetQty);
  EXPECT_EQ(d.actual, 1001);
  EXPECT_EQ(d.limit, 1000);
  EXPECT_TRUE(sell(1, "AAPL").accepted());  // Reduces it.
  EXPECT_TRUE(buy(1, "MSFT").accepted());   // Other symbols are their own.
  EXPECT_TRUE(sell(1, "MSFT").accepted());

  now += kWindowMs * kMs;
  EXPECT_TRUE(buy(1, "AAPL").accepted());
  (void)fill(buy_aapl, 1);  // Stores the decayed net: read it back.
  EXPECT_NEAR(engine->session_symbol_usage(0, "AAPL").net_qty, 1001.0 * decay(kT0, now) + 1.0,
              1e-9);
}

TEST_P(FlowRules, OrdersAtTheLimitPassAndTheOneOverIsRefusedAndStillCounted) {
  make(with_rules({rule(FlowMetric::kOrders, 5)}));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(buy().accepted()) << i;
  EXPECT_EQ(usage().value, 5.0);
  const Decision d = buy();
  EXPECT_EQ(d.rule, RuleId::kFlowOrders);
  EXPECT_EQ(d.actual, 6);
  EXPECT_EQ(d.limit, 5);
  EXPECT_EQ(usage().value, 6.0);  // A refused order is still flow.
  EXPECT_TRUE(usage().breached);

  now += kWindowMs * kMs;
  expect_one_window_later(usage().value, 6.0, kT0, now);
  EXPECT_TRUE(buy().accepted());
  EXPECT_FALSE(usage().breached);
}

TEST_P(FlowRules, FillsAtTheLimitPassAndOneFillOverRefuses) {
  make(with_rules({rule(FlowMetric::kFills, 5)}));
  Reservation& b = working();
  for (int i = 0; i < 5; ++i) (void)fill(b, 1);
  EXPECT_EQ(usage().value, 5.0);
  EXPECT_TRUE(buy().accepted());
  (void)fill(b, 1);
  const Decision d = buy();
  EXPECT_EQ(d.rule, RuleId::kFlowFills);
  EXPECT_EQ(d.actual, 6);
  EXPECT_EQ(d.limit, 5);

  now += kWindowMs * kMs;
  expect_one_window_later(usage().value, 6.0, kT0, now);
  EXPECT_TRUE(buy().accepted());
}

// ------------------------------------------------------------------ actions

TEST_P(FlowActions, ARefusalClearsOnTheFirstTickTheDecayedValueIsBackAtTheLimit) {
  make(with_rules({rule(FlowMetric::kExecQty, 1000)}));
  (void)fill(working(), 2000);
  EXPECT_EQ(buy().rule, RuleId::kFlowExecQty);
  // 2000 e^-(k x 16.777216 / 1000) falls to 1000 between k = 41 and 42.
  ASSERT_GT(2000.0 * decay(kT0, kT0 + 41 * kTick), 1000.0);
  ASSERT_LE(2000.0 * decay(kT0, kT0 + 42 * kTick), 1000.0);
  now = kT0 + 42 * kTick - 1;
  EXPECT_EQ(buy().rule, RuleId::kFlowExecQty);
  EXPECT_TRUE(usage().breached);
  now = kT0 + 42 * kTick;
  EXPECT_TRUE(buy().accepted());
  EXPECT_FALSE(usage().breached);
  EXPECT_TRUE(sell().accepted());
}

TEST_P(FlowActions, ThrottleHoldsTheSessionToTheThrottleRateForThrottleMs) {
  auto c = with_rules({rule(FlowMetric::kExecQty, 1000, FlowAction::kThrottle)});
  c.flow.throttle_orders_per_sec = 10;
  c.flow.throttle_ms = 2'000;
  c.auto_kill.session_refusals = 1;  // Throttle refusals must not count.
  make(c);
  Reservation& b = working();
  const ExecOutcome at = fill(b, 1000);
  EXPECT_FALSE(at.throttled);
  EXPECT_EQ(at.rule, RuleId::kNone);
  EXPECT_TRUE(buy().accepted());
  EXPECT_TRUE(buy().accepted());  // Not throttled: any number at one instant.
  const ExecOutcome over = fill(b, 1);
  EXPECT_TRUE(over.throttled);
  EXPECT_FALSE(over.session_killed);
  EXPECT_EQ(over.rule, RuleId::kFlowExecQty);
  EXPECT_EQ(over.actual, 1001);
  EXPECT_EQ(over.limit, 1000);
  EXPECT_TRUE(engine->flow_usage(0, now).throttled);

  // One second of orders every 10 ms: ten pass.
  const std::int64_t breach = now;
  int accepted = 0;
  for (int i = 0; i < 100; ++i) {
    now = breach + i * 10 * kMs;
    const Decision d = buy();
    if (d.accepted()) {
      ++accepted;
    } else {
      EXPECT_EQ(d.rule, RuleId::kFlowThrottle) << i;
      EXPECT_FALSE(d.session_killed) << i;
    }
  }
  EXPECT_EQ(accepted, 10);
  // Still throttled one nanosecond before throttle_ms: one order, not two.
  now = breach + 2'000 * kMs - 1;
  EXPECT_TRUE(buy().accepted());
  EXPECT_EQ(buy().rule, RuleId::kFlowThrottle);
  // Free again.
  now = breach + 2'000 * kMs;
  EXPECT_FALSE(engine->flow_usage(0, now).throttled);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(buy().accepted()) << i;
  EXPECT_FALSE(engine->kills().engaged(KillScope::kClientSession, 0));
}

TEST_P(FlowActions, KillTripsTheSessionOnTheFillThatBreachesAndNamesTheRule) {
  make(with_rules({rule(FlowMetric::kExecQty, 1000, FlowAction::kKill)}));
  Reservation& b = working();
  const ExecOutcome at = fill(b, 1000);
  EXPECT_FALSE(at.session_killed);
  EXPECT_EQ(at.rule, RuleId::kNone);
  EXPECT_TRUE(buy().accepted());
  const ExecOutcome over = fill(b, 1);
  EXPECT_TRUE(over.session_killed);
  EXPECT_FALSE(over.throttled);
  EXPECT_EQ(over.rule, RuleId::kFlowExecQty);
  EXPECT_EQ(over.actual, 1001);
  EXPECT_EQ(over.limit, 1000);
  EXPECT_FALSE(over.values_are_micros);
  EXPECT_EQ(engine->kills().reason(KillScope::kClientSession, 0), KillReason::kAutoFlowEnvelope);
  const OrderView o = order(1);
  const Decision d = send(o);
  EXPECT_EQ(d.rule, RuleId::kKillSwitch);
  EXPECT_EQ(text(d, o), "kill_switch: client_session engaged (" +
                            std::string(kill_reason_name(KillReason::kAutoFlowEnvelope)) +
                            ") (ACC1 AAPL)");
  EXPECT_FALSE(fill(b, 1).session_killed);  // Engaged once.
}

TEST_P(FlowActions, AKillOnNotionalReportsItsNumbersAsMicros) {
  make(with_rules({rule(FlowMetric::kExecNotional, 190'000 * kMicro, FlowAction::kKill)}));
  const ExecOutcome out = fill(working(), 1001, 190 * kMicro);
  EXPECT_TRUE(out.session_killed);
  EXPECT_EQ(out.rule, RuleId::kFlowExecNotional);
  EXPECT_EQ(out.actual, 190'190 * kMicro);
  EXPECT_EQ(out.limit, 190'000 * kMicro);
  EXPECT_TRUE(out.values_are_micros);
}

TEST_P(FlowActions, WhenOneFillBreachesSeveralRulesTheMostSevereActionWins) {
  make(with_rules({rule(FlowMetric::kExecQty, 100, FlowAction::kRefuse),
                   rule(FlowMetric::kFills, 1, FlowAction::kThrottle),
                   rule(FlowMetric::kSymbolNetQty, 100, FlowAction::kKill)}));
  Reservation& b = working();
  EXPECT_EQ(fill(b, 100).rule, RuleId::kNone);
  const ExecOutcome out = fill(b, 1);
  EXPECT_EQ(out.rule, RuleId::kFlowSymbolNetQty);
  EXPECT_TRUE(out.session_killed);
  EXPECT_EQ(out.actual, 101);
  EXPECT_EQ(out.limit, 100);
  EXPECT_TRUE(usage(0).breached);  // The refuse rule is still marked.
}

// ------------------------------------------------------------ min_one_sided

TEST_P(FlowRules, ATwoSidedFlowBelowMinOneSidedDoesNotBreachNetQtyAndAOneSidedOneDoes) {
  FlowRule r = rule(FlowMetric::kNetQty, 1000);
  r.min_one_sided = 0.5;
  make(with_rules({r}));
  SessionState one_sided = engine->make_session(1);
  SessionState at_share = engine->make_session(2);

  // Gross 2203, net 1101: 1101 / 2203 < 0.5.
  Reservation& s0 = working(Side::kSell);
  Reservation& b0 = working(Side::kBuy);
  (void)fill(s0, 551);
  (void)fill(b0, 1652);
  EXPECT_EQ(usage(0, 0).value, 1101.0);
  EXPECT_FALSE(usage(0, 0).breached);
  EXPECT_TRUE(buy().accepted());

  // The same gross, all bought.
  Reservation& b1 = working(Side::kBuy, "AAPL", &one_sided);
  (void)fill(b1, 2203);
  EXPECT_EQ(usage(0, 1).value, 2203.0);
  EXPECT_TRUE(usage(0, 1).breached);
  EXPECT_EQ(send_as(one_sided, 1).rule, RuleId::kFlowNetQty);

  // Exactly at the share: gross 2200, net 1100 = 0.5 x 2200.
  Reservation& s2 = working(Side::kSell, "AAPL", &at_share);
  Reservation& b2 = working(Side::kBuy, "AAPL", &at_share);
  (void)fill(s2, 550);
  (void)fill(b2, 1650);
  EXPECT_EQ(usage(0, 2).value, 1100.0);
  EXPECT_TRUE(usage(0, 2).breached);
  EXPECT_EQ(send_as(at_share, 1).rule, RuleId::kFlowNetQty);
  EXPECT_TRUE(send_as(at_share, 1, Side::kSell).accepted());
}

// ---------------------------------------------------- multiple, seed, warm-up

TEST_P(FlowBaseline, BeforeWarmUpTheThresholdIsTheMultipleOfTheSeed) {
  auto c = with_rules({relative(FlowMetric::kExecQty, 4.0, 200)});
  c.flow.warmup_ms = 60'000;
  make(c);
  Reservation& b = working();
  (void)fill(b, 800);
  EXPECT_EQ(usage().threshold, 800.0);
  EXPECT_EQ(usage().baseline, 0.0);  // Not warm: not reported.
  EXPECT_FALSE(usage().breached);
  EXPECT_TRUE(buy().accepted());
  (void)fill(b, 1);
  const Decision d = buy();
  EXPECT_EQ(d.rule, RuleId::kFlowExecQty);
  EXPECT_EQ(d.actual, 801);
  EXPECT_EQ(d.limit, 800);
}

TEST_P(FlowBaseline, AfterWarmUpALearnedBaselineAboveTheSeedRaisesTheThreshold) {
  auto c = with_rules({relative(FlowMetric::kExecQty, 4.0, 200)});
  c.flow.warmup_ms = 3'000;
  c.flow.baseline_window_ms = 1'000;
  make(c);
  SessionState fresh = engine->make_session(1);
  Reservation& b = working();
  // A steady 50 shares every 6 ticks (~100 ms): the value peaks near 522,
  // under the seed's 4 x 200.
  const std::int64_t start = now;
  for (int i = 0; i < 50; ++i) {
    now = start + i * 6 * kTick;
    EXPECT_EQ(fill(b, 50).rule, RuleId::kNone) << i;
    if (now - start < 3'000 * kMs) {
      EXPECT_EQ(usage().threshold, 800.0) << i;
      EXPECT_EQ(usage().baseline, 0.0) << i;
    }
  }
  ASSERT_GE(now - start, 3'000 * kMs);
  const FlowUsage::Rule warm = usage();
  EXPECT_GT(warm.baseline, 200.0);
  EXPECT_DOUBLE_EQ(warm.threshold, 4.0 * warm.baseline);
  EXPECT_GT(warm.threshold, 800.0);
  EXPECT_FALSE(warm.breached);

  // A burst to ~900: over the seed's threshold, inside the learned one.
  now += 6 * kTick;
  (void)fill(b, 400);
  EXPECT_GT(usage().value, 800.0);
  EXPECT_LT(usage().value, usage().threshold);
  EXPECT_FALSE(usage().breached);
  EXPECT_TRUE(buy().accepted());
  // The same value breaches a session that is not warm yet.
  (void)fill(working(Side::kBuy, "AAPL", &fresh), 900);
  EXPECT_EQ(usage(0, 1).threshold, 800.0);
  EXPECT_TRUE(usage(0, 1).breached);
  EXPECT_EQ(send_as(fresh, 1).rule, RuleId::kFlowExecQty);
}

TEST_P(FlowBaseline, AMultipleOnlyRuleWithoutASeedIsRefusedAtLoad) {
  // It would have no limit at all until the session warmed up (warmup_ms):
  // a runaway at the open would pass it. The config must say its normal.
  auto c = with_rules({relative(FlowMetric::kExecQty, 4.0, 0)});
  try {
    make(c);
    ADD_FAILURE() << "a multiple-only rule without a seed was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("needs a seed"), std::string::npos) << e.what();
  }
}

TEST_P(FlowBaseline, AQuietGapMovesTheBaselineByItsOwnTimeConstantAndNoFaster) {
  // b += (level - b) x (1 - e^-gap/B) (flow.cpp, learn()) for any gap, also
  // one longer than a rule's decay table (65,536 ticks, 18.3 min) when B is
  // the default 30 minutes: a session idle over lunch keeps part of its normal.
  auto c = with_rules({relative(FlowMetric::kExecQty, 4.0, 1)});
  c.flow.warmup_ms = 0;
  c.flow.baseline_window_ms = 30 * 60'000;
  make(c);
  Reservation& b = working();
  (void)fill(b, 1000);
  for (const std::int64_t gap_min : {10, 20}) {
    const double before = usage().baseline;
    ASSERT_GT(before, 0.0);
    const std::int64_t from = now;
    now += gap_min * 60'000 * kMs;
    (void)fill(b, 10);
    const double level = usage().value;
    // A half-hour baseline steps by 2^kBaselineShift ticks (flow.hpp).
    // A half-hour baseline steps by 2^kBaselineShift ticks (flow.hpp) and
    // keeps the remainder of a step for the next sample, so the decay covers
    // the gap's whole steps, or one more.
    const std::int64_t steps = (flow::tick_of(now) - flow::tick_of(from)) >> flow::kBaselineShift;
    auto expected = [&](std::int64_t k) {
      const double f =
          std::exp(-static_cast<double>(k << flow::kBaselineShift) * static_cast<double>(kTick) /
                   static_cast<double>(30 * 60'000 * kMs));
      return before * f + level * (1.0 - f);
    };
    const double lo = std::min(expected(steps), expected(steps + 1));
    const double hi = std::max(expected(steps), expected(steps + 1));
    EXPECT_GE(usage().baseline, lo - 1e-6 * before) << "after a gap of " << gap_min << " minutes";
    EXPECT_LE(usage().baseline, hi + 1e-6 * before) << "after a gap of " << gap_min << " minutes";
    EXPECT_GT(usage().baseline, level) << "a quiet gap decays the baseline, never erases it";
  }
}

// ------------------------------------------------------------------ scoping

TEST_P(FlowScoping, AFillOfOneSessionsOrderNeverChangesAnotherSessionsFlow) {
  make(with_rules({rule(FlowMetric::kExecQty, 1'000'000),
                   rule(FlowMetric::kExecNotional, 1'000'000 * kMicro),
                   rule(FlowMetric::kNetQty, 1'000'000), rule(FlowMetric::kSymbolNetQty, 1'000'000),
                   rule(FlowMetric::kOrders, 1'000), rule(FlowMetric::kFills, 1'000)}));
  SessionState b = engine->make_session(1);
  ASSERT_TRUE(send_as(b, 10).accepted());  // Same account, same symbol.
  Reservation& a_order = working();
  (void)fill(a_order, 500);
  (void)fill(a_order, 500);

  const FlowUsage a = engine->flow_usage(0, now);
  EXPECT_EQ(a.rules[0].value, 1000.0);
  EXPECT_EQ(a.rules[1].value, 1000.0 * 190 * kMicro);
  EXPECT_EQ(a.rules[2].value, 1000.0);
  EXPECT_EQ(a.rules[4].value, 1.0);
  EXPECT_EQ(a.rules[5].value, 2.0);
  EXPECT_EQ(engine->session_symbol_usage(0, "AAPL").net_qty, 1000.0);

  const FlowUsage bu = engine->flow_usage(1, now);
  EXPECT_EQ(bu.rules[0].value, 0.0);
  EXPECT_EQ(bu.rules[1].value, 0.0);
  EXPECT_EQ(bu.rules[2].value, 0.0);
  EXPECT_EQ(bu.rules[4].value, 1.0);  // Its own order only.
  EXPECT_EQ(bu.rules[5].value, 0.0);
  EXPECT_EQ(engine->session_symbol_usage(1, "AAPL").net_qty, 0.0);
  EXPECT_EQ(bu.gross_day, 10 * 190 * kMicro);
}

TEST_P(FlowScoping, ASessionTrippedByItsFlowEnvelopeNeverTripsAnotherOnTheSameAccount) {
  make(with_rules({rule(FlowMetric::kExecQty, 1000, FlowAction::kKill),
                   rule(FlowMetric::kNetQty, 1000, FlowAction::kRefuse),
                   rule(FlowMetric::kFills, 1, FlowAction::kThrottle)}));
  SessionState b = engine->make_session(1);
  Reservation& b_order = working(Side::kBuy, "AAPL", &b);
  Reservation& a_order = working();
  EXPECT_TRUE(fill(a_order, 1001).session_killed);
  EXPECT_TRUE(engine->kills().engaged(KillScope::kClientSession, 0));
  EXPECT_FALSE(engine->kills().engaged(KillScope::kClientSession, 1));
  EXPECT_FALSE(engine->flow_usage(1, now).throttled);
  EXPECT_FALSE(usage(1, 1).breached);
  EXPECT_TRUE(send_as(b, 1).accepted());
  EXPECT_TRUE(send_as(b, 1).accepted());             // Not throttled either.
  EXPECT_FALSE(fill(b_order, 1000).session_killed);  // B's own 1000: at its limit.
  EXPECT_FALSE(engine->kills().engaged(KillScope::kClientSession, 1));
}

TEST_P(FlowScoping, TypicalSizeIsLearnedPerSessionAndSymbol) {
  auto c = small_config();
  c.defaults.typical_size_multiple = 10.0;
  c.defaults.typical_size_seed = 100;
  c.throttles.typical_size_min_history = 2;
  make(c);
  SessionState b = engine->make_session(1);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(buy(400).accepted()) << i;
  const SessionSymbolUsage a = engine->session_symbol_usage(0, "AAPL");
  EXPECT_EQ(a.accepted_count, 20);
  ASSERT_GT(a.typical_size, 200);
  EXPECT_TRUE(buy(2000).accepted());  // A's own history allows it.

  const SessionSymbolUsage before = engine->session_symbol_usage(1, "AAPL");
  EXPECT_EQ(before.accepted_count, 0);
  EXPECT_EQ(before.typical_size, 0);
  // B is still held to the seed: 10 x 100.
  const Decision d = send_as(b, 1001);
  EXPECT_EQ(d.rule, RuleId::kTypicalSizeMultiple);
  EXPECT_EQ(d.limit, 1000);
  EXPECT_TRUE(send_as(b, 1000).accepted());
  EXPECT_EQ(engine->session_symbol_usage(1, "AAPL").accepted_count, 1);
  EXPECT_EQ(engine->session_symbol_usage(0, "AAPL").accepted_count, 21);
}

TEST_P(FlowScoping, RepeatedExecutionsDisableOnlyTheSessionWhoseOrdersFilled) {
  auto c = small_config();
  c.throttles.repeated_exec_max_fills = 3;
  c.throttles.repeated_exec_window_ms = 1'000;
  make(c);
  SessionState b = engine->make_session(1);
  Reservation& b_order = working(Side::kBuy, "AAPL", &b);
  Reservation& a_order = working();
  EXPECT_FALSE(fill(a_order, 1).flow_disabled);
  EXPECT_FALSE(fill(a_order, 1).flow_disabled);
  EXPECT_TRUE(fill(a_order, 1).flow_disabled);
  EXPECT_TRUE(engine->session_symbol_usage(0, "AAPL").buy_disabled);
  EXPECT_EQ(buy().rule, RuleId::kRepeatedExecutionThrottle);

  const SessionSymbolUsage bu = engine->session_symbol_usage(1, "AAPL");
  EXPECT_FALSE(bu.buy_disabled);
  EXPECT_FALSE(bu.sell_disabled);
  EXPECT_TRUE(send_as(b, 1).accepted());
  // B's count starts from its own fills: two more do not disable it, a third does.
  EXPECT_FALSE(fill(b_order, 1).flow_disabled);
  EXPECT_FALSE(fill(b_order, 1).flow_disabled);
  EXPECT_TRUE(send_as(b, 1).accepted());
  EXPECT_TRUE(fill(b_order, 1).flow_disabled);
  EXPECT_EQ(send_as(b, 1).rule, RuleId::kRepeatedExecutionThrottle);
}

// ---------------------------------------------------- sustained refusals

TEST_P(SustainedRefusals, NRefusalsUnderTheRatioDoNotTripAndAtTheRatioTheyDo) {
  auto c = small_config();
  c.defaults.max_order_qty = 10;
  c.auto_kill.session_refusals = 3;
  c.auto_kill.session_refusals_window_ms = 1'000;
  c.auto_kill.session_refusal_ratio = 0.5;
  make(c);
  // 3 refusals of 7 orders: under half.
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(buy(10).accepted());
  for (int i = 0; i < 3; ++i) {
    const Decision d = buy(11);
    EXPECT_EQ(d.rule, RuleId::kMaxOrderQty);
    EXPECT_FALSE(d.session_killed) << i;
  }
  EXPECT_FALSE(engine->kills().engaged(KillScope::kClientSession, 0));

  now += 1'000 * kMs + 1;  // A new window.
  // Every order refused, but fewer than N refusals.
  EXPECT_FALSE(buy(11).session_killed);
  EXPECT_FALSE(buy(11).session_killed);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(buy(10).accepted());
  // The third refusal of 6 orders: exactly half.
  const Decision d = buy(11);
  EXPECT_EQ(d.rule, RuleId::kMaxOrderQty);
  EXPECT_TRUE(d.session_killed);
  EXPECT_EQ(engine->kills().reason(KillScope::kClientSession, 0), KillReason::kAutoRefusals);
}

RiskConfig shared_account_config(std::int64_t max_open_orders) {
  auto c = small_config();
  c.defaults.max_open_orders = max_open_orders;
  c.auto_kill.session_refusals = 1;  // Every counted refusal trips: observable.
  c.auto_kill.account_breach_min_share = 0.5;
  return c;
}

TEST_P(SustainedRefusals, AnAccountLevelRefusalCountsOnlyForASessionHoldingTheMinimumShare) {
  make(shared_account_config(2));
  {
    SessionState b = engine->make_session(1);
    ASSERT_TRUE(buy(100).accepted());        // A: 19000.00
    ASSERT_TRUE(send_as(b, 99).accepted());  // B: 18810.00, under half
    const Decision d = send_as(b, 1);
    EXPECT_EQ(d.rule, RuleId::kMaxOpenOrders);
    EXPECT_FALSE(d.session_killed);
    EXPECT_FALSE(engine->kills().engaged(KillScope::kClientSession, 1));
    const Decision da = buy(1);  // A holds more than half: its refusal counts.
    EXPECT_EQ(da.rule, RuleId::kMaxOpenOrders);
    EXPECT_TRUE(da.session_killed);
  }
  make(shared_account_config(2));
  {
    SessionState b = engine->make_session(1);
    ASSERT_TRUE(buy(100).accepted());         // A: 19000.00
    ASSERT_TRUE(send_as(b, 100).accepted());  // B: 19000.00, exactly half
    EXPECT_EQ(engine->flow_usage(1, now).gross_day, 19'000 * kMicro);
    EXPECT_EQ(engine->account_usage("ACC1").gross_notional_day, 38'000 * kMicro);
    const Decision d = send_as(b, 1);
    EXPECT_EQ(d.rule, RuleId::kMaxOpenOrders);
    EXPECT_TRUE(d.session_killed);
    EXPECT_EQ(engine->kills().reason(KillScope::kClientSession, 1), KillReason::kAutoRefusals);
  }
}

TEST_P(SustainedRefusals, ASessionsTradingOnAnotherAccountIsNoShareOfThisOne) {
  make(shared_account_config(2));
  SessionState b = engine->make_session(1);
  ASSERT_TRUE(send_as(b, 1000, Side::kBuy, "AAPL", "ACC2").accepted());  // B: 190000.00 on ACC2
  ASSERT_TRUE(buy(100).accepted());                                      // A: ACC1 38000.00
  ASSERT_TRUE(buy(100).accepted());
  // B holds nothing of ACC1: ACC1's open-order limit is A's doing.
  const Decision d = send_as(b, 1);
  EXPECT_EQ(d.rule, RuleId::kMaxOpenOrders);
  EXPECT_FALSE(d.session_killed);
  EXPECT_FALSE(engine->kills().engaged(KillScope::kClientSession, 1));
}

TEST_P(SustainedRefusals, AfterANewDayASessionStillHoldsTheShareOfItsWorkingOrders) {
  make(shared_account_config(1));
  SessionState b = engine->make_session(1);
  ASSERT_TRUE(send_as(b, 100).accepted());  // B's order works overnight.
  engine->reset_day();
  // The account's gross is now B's working order alone, and so is its open
  // order limit: B's refusal is B's doing.
  EXPECT_EQ(engine->account_usage("ACC1").gross_notional_day, 19'000 * kMicro);
  const Decision d = send_as(b, 1);
  EXPECT_EQ(d.rule, RuleId::kMaxOpenOrders);
  EXPECT_TRUE(d.session_killed);
}

// ------------------------------------------------------------------- reload

TEST_P(FlowReload, ANewLimitReloadsAndANewWindowMetricOrRuleCountIsRefused) {
  auto c = with_rules({rule(FlowMetric::kExecQty, 1000)});
  make(c);
  Reservation& b = working();
  (void)fill(b, 1500);
  EXPECT_EQ(buy().rule, RuleId::kFlowExecQty);

  c.flow.rules[0].limit = 2000;
  engine->reload(c);
  EXPECT_EQ(engine->snapshot_version(), 2u);
  EXPECT_EQ(usage().threshold, 2000.0);
  EXPECT_EQ(usage().value, 1500.0);  // The running counter is kept.
  EXPECT_TRUE(buy().accepted());

  auto window = c;
  window.flow.rules[0].window_ms = 2'000;
  auto metric = c;
  metric.flow.rules[0].metric = FlowMetric::kFills;
  auto more = c;
  more.flow.rules.push_back(rule(FlowMetric::kFills, 10));
  auto none = c;
  none.flow.rules.clear();
  for (const RiskConfig* bad : {&window, &metric, &more, &none}) {
    try {
      engine->reload(*bad);
      ADD_FAILURE() << "a reload that changes the shape of risk.flow must be refused";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("risk.flow"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(engine->snapshot_version(), 2u);
  EXPECT_EQ(usage().threshold, 2000.0);
  (void)fill(b, 500);
  EXPECT_TRUE(buy().accepted());  // 2000: at the running limit.
  (void)fill(b, 1);
  const Decision d = buy();
  EXPECT_EQ(d.rule, RuleId::kFlowExecQty);
  EXPECT_EQ(d.limit, 2000);
}

RISK_TEST_BOTH_WRITER_MODES(FlowRules);
RISK_TEST_BOTH_WRITER_MODES(FlowActions);
RISK_TEST_BOTH_WRITER_MODES(FlowBaseline);
RISK_TEST_BOTH_WRITER_MODES(FlowScoping);
RISK_TEST_BOTH_WRITER_MODES(SustainedRefusals);
RISK_TEST_BOTH_WRITER_MODES(FlowReload);

}  // namespace
}  // namespace riskgate::risk::test
