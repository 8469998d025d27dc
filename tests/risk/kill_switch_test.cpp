#include "risk/kill_switch.hpp"

#include <gtest/gtest.h>

namespace riskgate::risk {
namespace {

TEST(KillSwitchBoard, StartsWithNothingEngaged) {
  KillSwitchBoard b(4, 4, 4);
  EXPECT_EQ(b.is_killed({0, 0, 0, 0}), KillScope::kNone);
  EXPECT_EQ(b.generation(), 0u);
}

TEST(KillSwitchBoard, ReportsTheBroadestEngagedScope) {
  KillSwitchBoard b(4, 4, 4);
  const KillKey key{1, 2, 3, 0};
  ASSERT_TRUE(b.engage(KillScope::kSymbol, 0, KillReason::kOperator));
  EXPECT_EQ(b.is_killed(key), KillScope::kSymbol);
  ASSERT_TRUE(b.engage(KillScope::kAccount, 3, KillReason::kOperator));
  EXPECT_EQ(b.is_killed(key), KillScope::kAccount);
  ASSERT_TRUE(b.engage(KillScope::kClientSession, 2, KillReason::kAutoRefusals));
  EXPECT_EQ(b.is_killed(key), KillScope::kClientSession);
  ASSERT_TRUE(b.engage(KillScope::kExchangeSession, 1, KillReason::kOperator));
  EXPECT_EQ(b.is_killed(key), KillScope::kExchangeSession);
  ASSERT_TRUE(b.engage(KillScope::kGlobal, 0, KillReason::kVersionMismatch));
  EXPECT_EQ(b.is_killed(key), KillScope::kGlobal);
  EXPECT_EQ(b.is_killed({0, 0, 0, 1}), KillScope::kGlobal);
}

TEST(KillSwitchBoard, OtherEntitiesAreNotAffected) {
  KillSwitchBoard b(4, 4, 4);
  ASSERT_TRUE(b.engage(KillScope::kClientSession, 2, KillReason::kOperator));
  EXPECT_EQ(b.is_killed({1, 3, 3, 0}), KillScope::kNone);
  EXPECT_EQ(b.is_killed({kNoIdx, kNoIdx, kNoIdx, kNoIdx}), KillScope::kNone);
}

TEST(KillSwitchBoard, KeepsTheFirstReasonAndCountsGenerations) {
  KillSwitchBoard b(4, 4, 4);
  EXPECT_TRUE(b.engage(KillScope::kAccount, 1, KillReason::kRetiredFeature));
  EXPECT_FALSE(b.engage(KillScope::kAccount, 1, KillReason::kOperator));
  EXPECT_EQ(b.reason(KillScope::kAccount, 1), KillReason::kRetiredFeature);
  EXPECT_EQ(b.generation(), 1u);
  EXPECT_TRUE(b.release(KillScope::kAccount, 1));
  EXPECT_FALSE(b.release(KillScope::kAccount, 1));
  EXPECT_EQ(b.generation(), 2u);
  EXPECT_FALSE(b.engaged(KillScope::kAccount, 1));
}

TEST(KillSwitchBoard, OutOfRangeIndicesAreIgnored) {
  KillSwitchBoard b(4, 4, 4);
  EXPECT_FALSE(b.engage(KillScope::kSymbol, 4, KillReason::kOperator));
  EXPECT_FALSE(b.engage(KillScope::kNone, 0, KillReason::kOperator));
  EXPECT_FALSE(b.engage(KillScope::kSymbol, 0, KillReason::kNone));
  EXPECT_EQ(b.generation(), 0u);
}

TEST(KillSwitchBoard, ScopeAndReasonNamesAreStable) {
  EXPECT_EQ(kill_scope_name(KillScope::kClientSession), "client_session");
  EXPECT_EQ(kill_reason_name(KillReason::kAutoRepeatedExecution), "auto_repeated_execution");
  EXPECT_EQ(static_cast<int>(KillReason::kLocalEmergency), 7);
}

TEST(RuleNames, EveryRuleHasADistinctSnakeCaseName) {
  for (int i = 0; i < static_cast<int>(RuleId::kCount); ++i) {
    const std::string_view n = rule_name(static_cast<RuleId>(i));
    EXPECT_NE(n, "unknown_rule") << i;
    for (int j = 0; j < i; ++j) EXPECT_NE(n, rule_name(static_cast<RuleId>(j))) << i << " " << j;
  }
  EXPECT_EQ(rule_name(RuleId::kMaxOrderQty), "max_order_qty");
}

TEST(RejectText, IsTruncatedToTheBufferAndNeverOverruns) {
  Decision d;
  d.rule = RuleId::kMaxOrderQty;
  d.actual = 120000;
  d.limit = 100000;
  OrderView o;
  o.account = "ACC1";
  o.symbol = "AAPL";
  char buf[16];
  buf[10] = '#';
  EXPECT_EQ(format_reject_text(d, o, buf, 10), 10u);
  EXPECT_EQ(std::string_view(buf, 10), "max_order_");
  EXPECT_EQ(buf[10], '#');
  char full[64];
  const std::size_t n = format_reject_text(d, o, full, sizeof full);
  EXPECT_EQ(std::string_view(full, n), "max_order_qty: 120000 > 100000 (ACC1 AAPL)");
}

}  // namespace
}  // namespace riskgate::risk
