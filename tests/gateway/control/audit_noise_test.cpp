#include "gateway/control/audit_noise.hpp"

#include <gtest/gtest.h>

namespace riskgate::control {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

TEST(NoiseLimiter, TheFirstEventOfACauseIsWrittenInFullAndTheRestOfTheSecondCounted) {
  NoiseLimiter n(kSecond);
  const auto first = n.admit("admin_401", 0);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, 0u);
  for (int i = 1; i < 1000; ++i) EXPECT_FALSE(n.admit("admin_401", i * 1000));
  EXPECT_EQ(n.suppressed_total(), 999u);
  EXPECT_TRUE(n.due(kSecond - 1).empty());  // The window is still open.
}

TEST(NoiseLimiter, TheNextRecordOfACauseCarriesTheCountOfTheSuppressedOnes) {
  NoiseLimiter n(kSecond);
  (void)n.admit("c", 0);
  (void)n.admit("c", 1);
  (void)n.admit("c", 2);
  const auto next = n.admit("c", kSecond);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, 2u);
  EXPECT_TRUE(n.due(3 * kSecond).empty());  // Nothing left uncounted.
}

TEST(NoiseLimiter, AQuietCauseGetsOneSummaryOnceItsWindowHasPassed) {
  NoiseLimiter n(kSecond);
  (void)n.admit("c", 0);
  (void)n.admit("c", 10);
  const auto due = n.due(kSecond);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].cause, "c");
  EXPECT_EQ(due[0].suppressed, 1u);
  EXPECT_TRUE(n.due(2 * kSecond).empty());
  // The summary was that window's record: the next event waits a window.
  EXPECT_FALSE(n.admit("c", kSecond + 1));
}

TEST(NoiseLimiter, CausesAreLimitedIndependently) {
  NoiseLimiter n(kSecond);
  EXPECT_TRUE(n.admit("a", 0));
  EXPECT_TRUE(n.admit("b", 0));
  EXPECT_FALSE(n.admit("a", 1));
  EXPECT_FALSE(n.admit("b", 1));
}

TEST(NoiseLimiter, CausesBeyondTheTableShareTheCauseOther) {
  NoiseLimiter n(kSecond, 3);
  EXPECT_TRUE(n.admit("a", 0));
  EXPECT_TRUE(n.admit("b", 0));
  EXPECT_TRUE(n.admit("c", 0));   // Third cause: "other".
  EXPECT_FALSE(n.admit("d", 1));  // Also "other", within its window.
  const auto due = n.due(kSecond);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].cause, "other");
}

}  // namespace
}  // namespace riskgate::control
