// PendingLimiter: the caps on connections that have not logged on, overall
// and per source address, and that slots come back when connections leave.
#include "gateway/net/pending_limit.hpp"

#include <gtest/gtest.h>

namespace {

using riskgate::net::PendingLimiter;
using Verdict = PendingLimiter::Verdict;
namespace ip = boost::asio::ip;

const ip::address kA = ip::make_address("10.0.0.1");
const ip::address kB = ip::make_address("10.0.0.2");
const ip::address kV6 = ip::make_address("::1");

TEST(PendingLimiter, OneAddressIsStoppedAtItsOwnCapAndOthersStillGetIn) {
  PendingLimiter l(64, 8);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(l.try_admit(kA), Verdict::kAdmitted) << i;
  EXPECT_EQ(l.try_admit(kA), Verdict::kOverAddress);
  EXPECT_EQ(l.try_admit(kA), Verdict::kOverAddress);
  EXPECT_EQ(l.pending_from(kA), 8u);
  EXPECT_EQ(l.try_admit(kB), Verdict::kAdmitted);
  EXPECT_EQ(l.try_admit(kV6), Verdict::kAdmitted);
  EXPECT_EQ(l.pending(), 10u);
}

TEST(PendingLimiter, TheOverallCapHoldsAcrossAddresses) {
  PendingLimiter l(5, 2);
  int admitted = 0;
  for (int i = 0; i < 20; ++i) {
    const auto a = ip::make_address_v4(0x0a000001u + static_cast<unsigned>(i));
    admitted += l.try_admit(a) == Verdict::kAdmitted ? 1 : 0;
  }
  EXPECT_EQ(admitted, 5);
  EXPECT_EQ(l.pending(), 5u);
  EXPECT_EQ(l.try_admit(kA), Verdict::kOverTotal);
}

TEST(PendingLimiter, ReleasingASlotLetsTheNextConnectionInAndForgetsIdleAddresses) {
  PendingLimiter l(2, 2);
  ASSERT_EQ(l.try_admit(kA), Verdict::kAdmitted);
  ASSERT_EQ(l.try_admit(kB), Verdict::kAdmitted);
  EXPECT_EQ(l.try_admit(kA), Verdict::kOverTotal);
  l.release(kB);
  EXPECT_EQ(l.addresses(), 1u);  // kB has nothing pending: no entry kept.
  EXPECT_EQ(l.try_admit(kA), Verdict::kAdmitted);
  l.release(kA);
  l.release(kA);
  EXPECT_EQ(l.pending(), 0u);
  EXPECT_EQ(l.addresses(), 0u);
}

TEST(PendingLimiter, ReleasingAnAddressThatWasNeverAdmittedChangesNothing) {
  PendingLimiter l(4, 1);
  ASSERT_EQ(l.try_admit(kA), Verdict::kAdmitted);
  ASSERT_EQ(l.try_admit(kA), Verdict::kOverAddress);  // Refused: must not be released.
  l.release(kB);
  EXPECT_EQ(l.pending(), 1u);
  EXPECT_EQ(l.pending_from(kA), 1u);
}

TEST(PendingLimiter, APerAddressCapAboveTheOverallCapIsClampedToIt) {
  PendingLimiter l(3, 100);
  EXPECT_EQ(l.max_per_address(), 3u);
  PendingLimiter zero(0, 0);  // Never below one: a gateway that admits nobody is useless.
  EXPECT_EQ(zero.max_total(), 1u);
  EXPECT_EQ(zero.max_per_address(), 1u);
}

}  // namespace
