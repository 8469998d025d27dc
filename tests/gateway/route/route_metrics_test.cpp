// What the route layer counts for /metrics (issue 13): refusals by rule,
// fills and their quantity, and the sampled order-step latency, all kept by
// the group's I/O thread.
#include <gtest/gtest.h>

#include <cstddef>
#include <string>

#include "risk/types.hpp"
#include "tests/support/route_harness.hpp"

namespace {

using riskgate::risk::RuleId;
using riskgate::testing::RouteHarness;

class RouteMetrics : public ::testing::Test {
 protected:
  RouteHarness h;
  void SetUp() override { h.log_on_all(); }
  void send(int i, const std::string& bytes) { ASSERT_EQ(h.from_client(i, bytes), bytes.size()); }
  std::uint64_t refused_by(int leg, RuleId r) {
    return h.leg(leg).counters.refused_by_rule[static_cast<std::size_t>(r)].get();
  }
};

TEST_F(RouteMetrics, ARefusalIsCountedUnderItsRuleAndNoOther) {
  send(0, h.order(0, "BIG", 10'000'000));
  EXPECT_EQ(refused_by(0, RuleId::kMaxOrderQty), 1u);
  std::uint64_t total = 0;
  for (const auto& c : h.leg(0).counters.refused_by_rule) total += c.get();
  EXPECT_EQ(total, 1u);
  EXPECT_EQ(refused_by(1, RuleId::kMaxOrderQty), 0u) << "counted on the other engine's leg";
}

TEST_F(RouteMetrics, FillsAndTheirQuantityAreCountedOnTheExchangeLeg) {
  send(0, h.order(0, "C1", 100));
  ASSERT_EQ(h.from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0)) > 0, true);
  EXPECT_EQ(h.group().counters.fills.load(), 0u) << "an ack is not a fill";
  (void)h.from_exchange(h.report("E1-C1", 'F', '1', 100, 40, 40));
  (void)h.from_exchange(h.report("E1-C1", 'F', '2', 100, 100, 60));
  EXPECT_EQ(h.group().counters.fills.load(), 2u);
  EXPECT_EQ(h.group().counters.filled_qty.load(), 100u);
}

TEST_F(RouteMetrics, NoOrderIsTimedUnlessSamplingIsOn) {
  for (int i = 0; i < 8; ++i) send(0, h.order(0, "N" + std::to_string(i)));
  EXPECT_EQ(h.group().latency.read().count(), 0u);
}

// Allocation-free with sampling on: RouteGroupTest's allocation test runs
// with the histogram sampling.
TEST_F(RouteMetrics, EveryNthOrderIsTimed) {
  h.group().latency.set_sample_every(4);
  for (int i = 0; i < 16; ++i) send(0, h.order(0, "T" + std::to_string(i)));
  const auto s = h.group().latency.read();
  EXPECT_EQ(s.count(), 4u);
  EXPECT_GT(s.sum_ns, 0u) << "timed with the real steady clock, not the harness's fake one";
}

}  // namespace
