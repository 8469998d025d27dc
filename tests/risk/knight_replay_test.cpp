// The Knight Capital replay and realistic normal flows against the limits
// shipped in config/riskgate.toml (tests/support/flow_replay.hpp): missed
// breaches and false refusals, measured on a simulated clock.
//
// The assertions are the targets, not today's behaviour:
//   * an untagged runaway (100-share children over 150 symbols at 1,500/s)
//     trips its session's kill switch within 5 s of its first child past a
//     filled parent, with at most 1,000,000 shares executed; a tagged one
//     stops within every parent's quantity;
//   * each normal flow shape, 200,000 orders (the trending market maker: 12
//     minutes, two trends), gets no kill and at most 0.1 % refusals: retail,
//     retail with bursts, a market maker (also while the market trends), algos
//     repricing by replace or by cancel/new, a one-sided program trade (also
//     the top of its range, $500M in 30 minutes);
//   * seven normal engines and a runaway on one account, each its own
//     session: only the runaway's session is refused or tripped;
//   * the margin we claim: each normal shape at twice its default rate is
//     still never killed (refusals may rise), and an untagged runaway of
//     100-share children at 750/s (half Knight's pace) is tripped within 10 s
//     of its first child past a filled parent. rg-replay --sweep prints the
//     margins in full.
// The instrument's own checks (first group) run with no limits at all, so a
// failure there is the replay's, not the engine's.
#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "tests/support/flow_replay.hpp"
#include "tests/support/flow_scenarios.hpp"

namespace riskgate::replay {

// gtest names a parameter by this (found by ADL: not in the unnamed namespace).
void PrintTo(FlowKind k, std::ostream* os) {
  *os << flow_kind_name(k);
}

namespace {

constexpr std::int64_t kNormalOrders = 200'000;
constexpr double kMaxRefusedRatio = 0.001;
constexpr std::int64_t kMaxKillAfterPastFilledNs = 5 * kNsPerSec;
constexpr std::int64_t kMaxRunawayShares = 1'000'000;

// A runaway nothing stops is cut at 10 simulated minutes (over 900,000
// children): enough to see whether and when it is tripped, and fast.
ScenarioScale test_scale() {
  ScenarioScale s;
  s.normal_orders = kNormalOrders;
  s.runaway_duration_ns = 10 * 60 * kNsPerSec;
  return s;
}

const risk::RiskConfig& shipped() {
  static const risk::RiskConfig c = shipped_risk_config();
  return c;
}

ReplayResult run(const Scenario& s) {
  return run_replay(shipped(), s.flows);
}

void expect_tripped_in_time(const SessionResult& s) {
  ASSERT_TRUE(s.killed) << describe(s);
  const auto after = s.kill_after_past_filled_ns();
  ASSERT_TRUE(after.has_value());
  EXPECT_LE(*after, kMaxKillAfterPastFilledNs) << describe(s);
  EXPECT_LE(s.executed_qty, kMaxRunawayShares) << describe(s);
}

void expect_normal(const SessionResult& s, std::int64_t min_orders) {
  EXPECT_FALSE(s.killed) << describe(s);
  EXPECT_GE(s.orders, min_orders) << describe(s);
  EXPECT_LE(s.refused_ratio(), kMaxRefusedRatio) << describe(s);
}

// ----------------------------------------------------------- the instrument

FlowSpec alone(FlowKind kind, std::int64_t orders, std::int64_t duration_ns = 0) {
  FlowSpec f;
  f.kind = kind;
  f.account = kScenarioAccount;
  f.seed = 3;
  f.max_orders = orders;
  f.duration_ns = duration_ns;
  return f;
}

TEST(FlowReplayInstrument,
     WithoutLimitsAnUntaggedRunawayTradesAtKnightsPaceAndPassesFilledParents) {
  const ReplayResult r =
      run_replay(risk::RiskConfig{}, {alone(FlowKind::kRunawayUntagged, 0, 20 * kNsPerSec)});
  const SessionResult& s = r.sessions.at(0);
  EXPECT_FALSE(s.killed) << describe(s);
  EXPECT_EQ(s.refused, 0) << describe(s);
  // 1,500 children/s x 100 shares for 20 s.
  EXPECT_NEAR(static_cast<double>(s.executed_qty), 3'000'000.0, 200.0);
  // The smallest parents (>= 1,000 shares) are filled within ~2 s; past that
  // every parent is overfilled.
  EXPECT_GT(s.first_past_filled_ns, 0);
  EXPECT_LT(s.first_past_filled_ns, 3 * kNsPerSec);
  EXPECT_EQ(s.parents_seen, 212);
  EXPECT_EQ(s.parents_overfilled, 212);
}

TEST(FlowReplayInstrument, NormalFlowsNeverSendAChildPastTheirParentAndReachTheirOrderCount) {
  const ReplayResult r =
      run_replay(risk::RiskConfig{},
                 {alone(FlowKind::kRetail, 20'000), alone(FlowKind::kMarketMaker, 20'000),
                  alone(FlowKind::kAlgoReplace, 20'000), alone(FlowKind::kAlgoCancelNew, 20'000)});
  for (const SessionResult& s : r.sessions) {
    EXPECT_EQ(s.orders, 20'000) << describe(s);
    EXPECT_EQ(s.refused + s.cancels_refused, 0) << describe(s);
    EXPECT_EQ(s.parents_overfilled, 0) << describe(s);
    EXPECT_LT(s.first_past_filled_ns, 0) << describe(s);
    EXPECT_GT(s.executed_qty, 0) << describe(s);
  }
  const SessionResult& mm = r.sessions.at(1);
  const SessionResult& algo_replace = r.sessions.at(2);
  const SessionResult& algo_cancel_new = r.sessions.at(3);
  EXPECT_GT(mm.cancels, 1000) << describe(mm);
  EXPECT_GT(mm.hits, 100) << describe(mm);
  EXPECT_GT(algo_replace.parents_seen, 35) << describe(algo_replace);
  EXPECT_EQ(algo_replace.cancels, 0) << describe(algo_replace);
  EXPECT_GT(algo_cancel_new.cancels, 5000) << describe(algo_cancel_new);
}

TEST(FlowReplayInstrument, TheSameFlowsReplayToTheSameResults) {
  const Scenario s = seven_engines_plus(FlowKind::kRunawayUntagged, [] {
    ScenarioScale sc;
    sc.mixed_duration_ns = 30 * kNsPerSec;
    sc.mixed_runaway_start_ns = 10 * kNsPerSec;
    return sc;
  }());
  const ReplayResult a = run(s);
  const ReplayResult b = run(s);
  ASSERT_EQ(a.sessions.size(), b.sessions.size());
  EXPECT_EQ(a.steps, b.steps);
  for (std::size_t i = 0; i < a.sessions.size(); ++i) {
    EXPECT_EQ(describe(a.sessions[i]), describe(b.sessions[i]));
  }
}

TEST(FlowReplayInstrument, AProgramTradeBuysItsWholeBasketOnScheduleTaggedRepricedAndPartlyFilled) {
  // $250M in 300 names on a 45-minute schedule: 40 minutes in, the algo (which
  // may run a slice ahead) has bought most of it, and only bought.
  const ReplayResult r =
      run_replay(risk::RiskConfig{}, {alone(FlowKind::kProgramTrade, 0, 40 * 60 * kNsPerSec)});
  const SessionResult& s = r.sessions.at(0);
  EXPECT_EQ(s.refused + s.cancels_refused, 0) << describe(s);
  EXPECT_EQ(s.executed_buy_qty, s.executed_qty) << describe(s);
  const double notional_m = static_cast<double>(s.executed_notional) / 1e12;
  EXPECT_GT(notional_m, 0.85 * 250 * 40 / 45) << describe(s);
  EXPECT_LT(notional_m, 250.0) << describe(s);
  EXPECT_EQ(s.parents_seen, 300) << describe(s);
  EXPECT_EQ(s.parents_overfilled, 0) << describe(s);
  EXPECT_LT(s.first_past_filled_ns, 0) << describe(s);
  EXPECT_GT(s.replaces, s.orders / 2) << describe(s);
  EXPECT_GT(s.hits, 5'000) << describe(s);
  // Once the basket is done, the next program sells.
  const ReplayResult later =
      run_replay(risk::RiskConfig{}, {alone(FlowKind::kProgramTrade, 0, 55 * 60 * kNsPerSec)});
  const SessionResult& l = later.sessions.at(0);
  EXPECT_GT(l.parents_seen, 300) << describe(l);
  EXPECT_LT(l.executed_buy_qty, l.executed_qty) << describe(l);
  EXPECT_EQ(l.parents_overfilled, 0) << describe(l);
}

TEST(FlowReplayInstrument, RetailBurstsAtFiveTimesItsRateAtTheOpenAndThreeTimesOnNews) {
  const auto orders_in = [](std::int64_t seconds) {
    return run_replay(risk::RiskConfig{}, {alone(FlowKind::kRetailBurst, 0, seconds * kNsPerSec)})
        .sessions.at(0)
        .orders;
  };
  // 200 orders/s: the open's 60 s at 1,000/s, then 200/s, then news at 600/s.
  EXPECT_NEAR(static_cast<double>(orders_in(60)), 60'000.0, 1'500.0);
  EXPECT_NEAR(static_cast<double>(orders_in(300)), 60'000.0 + 240 * 200, 2'000.0);
  EXPECT_NEAR(static_cast<double>(orders_in(330)), 60'000.0 + 240 * 200 + 30 * 600, 2'000.0);
}

TEST(FlowReplayInstrument, ATrendingMarketMakerIsFilledSeventyThirtyWhileTheMarketFalls) {
  // The first 5 minutes are a falling market: the bids are hit 70 % of the time.
  const ReplayResult r = run_replay(risk::RiskConfig{},
                                    {alone(FlowKind::kMarketMakerTrending, 0, 5 * 60 * kNsPerSec)});
  const SessionResult& s = r.sessions.at(0);
  EXPECT_EQ(s.refused + s.cancels_refused, 0) << describe(s);
  const double buy = static_cast<double>(s.executed_buy_qty) / static_cast<double>(s.executed_qty);
  EXPECT_GT(buy, 0.66) << describe(s);
  EXPECT_LT(buy, 0.74) << describe(s);
  EXPECT_GT(s.replaces, 100'000) << describe(s);
}

// ------------------------------------------------------ runaways (breaches)

TEST(KnightReplay, UntaggedRunawayIsTrippedWithinFiveSecondsAndAMillionShares) {
  const ReplayResult r = run(runaway_alone(FlowKind::kRunawayUntagged, test_scale()));
  expect_tripped_in_time(r.sessions.at(0));
}

TEST(KnightReplay, TaggedRunawayIsStoppedWithinTheParentQuantity) {
  const ReplayResult r = run(runaway_alone(FlowKind::kRunawayTagged, test_scale()));
  const SessionResult& s = r.sessions.at(0);
  ASSERT_TRUE(s.killed) << describe(s);
  EXPECT_EQ(s.parents_overfilled, 0) << describe(s);
  EXPECT_EQ(s.max_parent_overfill, 0) << describe(s);
  EXPECT_EQ(s.executed_qty_since_past_filled, 0) << describe(s);
}

TEST(KnightReplay,
     RunawaySpreadOverFifteenHundredSymbolsIsTrippedWithinFiveSecondsAndAMillionShares) {
  const ReplayResult r = run(runaway_alone(FlowKind::kRunawaySpread, test_scale()));
  expect_tripped_in_time(r.sessions.at(0));
}

// ------------------------------------------------ normal flows (false refusals)

TEST(KnightReplay, RetailFlowOfTwoHundredThousandOrdersIsNeverKilledAndAlmostNeverRefused) {
  expect_normal(run(normal_alone(FlowKind::kRetail, test_scale())).sessions.at(0), kNormalOrders);
}

TEST(KnightReplay, MarketMakerFlowOfTwoHundredThousandOrdersIsNeverKilledAndAlmostNeverRefused) {
  expect_normal(run(normal_alone(FlowKind::kMarketMaker, test_scale())).sessions.at(0),
                kNormalOrders);
}

TEST(KnightReplay, AlgoRepricingByReplaceForTwoHundredThousandOrdersIsNeverKilledNorRefused) {
  expect_normal(run(normal_alone(FlowKind::kAlgoReplace, test_scale())).sessions.at(0),
                kNormalOrders);
}

TEST(KnightReplay, AlgoRepricingByCancelAndNewForTwoHundredThousandOrdersIsNeverKilledNorRefused) {
  expect_normal(run(normal_alone(FlowKind::kAlgoCancelNew, test_scale())).sessions.at(0),
                kNormalOrders);
}

TEST(KnightReplay, AOneSidedProgramTradeOfTwoHundredThousandOrdersIsNeverKilledNorRefused) {
  expect_normal(run(normal_alone(FlowKind::kProgramTrade, test_scale())).sessions.at(0),
                kNormalOrders);
}

TEST(KnightReplay, AFiveHundredMillionProgramInThirtyMinutesIsNeverKilledNorRefused) {
  expect_normal(run(program_trade_large(test_scale())).sessions.at(0), kNormalOrders);
}

TEST(KnightReplay, RetailWithBurstsAtTheOpenAndOnNewsIsNeverKilledAndAlmostNeverRefused) {
  expect_normal(run(normal_alone(FlowKind::kRetailBurst, test_scale())).sessions.at(0),
                kNormalOrders);
}

TEST(KnightReplay, AMarketMakerFilledSeventyThirtyThroughTwoTrendsIsNeverKilledNorRefused) {
  expect_normal(run(normal_alone(FlowKind::kMarketMakerTrending, test_scale())).sessions.at(0),
                kNormalOrders);
}

// ------------------------------------------ seven engines on one account

TEST(KnightReplay, SevenNormalEnginesOnOneAccountAreNeitherKilledNorRefused) {
  const ReplayResult r = run(seven_engines(test_scale()));
  ASSERT_EQ(r.sessions.size(), 7u);
  // Each engine's share of two minutes of the account's business (the
  // smallest, a retail engine at 60 orders/s, sends about 7,200).
  for (const SessionResult& s : r.sessions) expect_normal(s, 5'000);
}

// Only the runaway's session is refused or tripped: it is tripped in time, and
// no other session is killed or refused more than in the same run without it.
void expect_only_the_runaway_stopped(FlowKind runaway) {
  const ReplayResult without = run(seven_engines(test_scale()));
  const ReplayResult with = run(seven_engines_plus(runaway, test_scale()));
  ASSERT_EQ(with.sessions.size(), without.sessions.size() + 1);
  for (std::size_t i = 0; i < without.sessions.size(); ++i) {
    const SessionResult& s = with.sessions[i];
    EXPECT_FALSE(s.killed) << describe(s);
    EXPECT_LE(s.refused + s.cancels_refused,
              without.sessions[i].refused + without.sessions[i].cancels_refused)
        << "with the runaway: " << describe(s) << "\nwithout: " << describe(without.sessions[i]);
  }
  expect_tripped_in_time(with.sessions.back());
}

TEST(KnightReplay, WithSevenNormalEnginesOnTheAccountOnlyTheUntaggedRunawayIsRefusedOrTripped) {
  expect_only_the_runaway_stopped(FlowKind::kRunawayUntagged);
}

TEST(KnightReplay, WithSevenNormalEnginesOnTheAccountOnlyTheSpreadRunawayIsRefusedOrTripped) {
  expect_only_the_runaway_stopped(FlowKind::kRunawaySpread);
}

// ----------------------------------------------------- the margin we claim

// Twice the business of each normal shape: refusals may rise, kills may not.
class TwiceTheDefaultRate : public ::testing::TestWithParam<FlowKind> {};

TEST_P(TwiceTheDefaultRate, IsNeverKilled) {
  const ReplayResult r = run(normal_alone(GetParam(), test_scale(), 2.0));
  const SessionResult& s = r.sessions.at(0);
  EXPECT_FALSE(s.killed) << describe(s);
}

INSTANTIATE_TEST_SUITE_P(KnightReplayMargin, TwiceTheDefaultRate,
                         ::testing::ValuesIn(normal_kinds()),
                         [](const ::testing::TestParamInfo<FlowKind>& p) {
                           return std::string(flow_kind_name(p.param));
                         });

TEST(KnightReplayMargin,
     UntaggedRunawayOfHundredShareChildrenAt750ASecondIsTrippedWithinTenSeconds) {
  const ReplayResult r = run(runaway_untagged_at(750, 100, 10 * 60 * kNsPerSec));
  const SessionResult& s = r.sessions.at(0);
  ASSERT_TRUE(s.killed) << describe(s);
  const auto after = s.kill_after_past_filled_ns();
  ASSERT_TRUE(after.has_value());
  EXPECT_LE(*after, 10 * kNsPerSec) << describe(s);
}

}  // namespace
}  // namespace riskgate::replay
