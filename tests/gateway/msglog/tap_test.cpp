// The sessions' taps on the order path: what the route harness's sessions
// receive and send reaches the ring, with the clock's time, allocation-free.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/msglog/ring.hpp"
#include "tests/support/alloc_counter.hpp"
#include "tests/support/route_harness.hpp"

namespace riskgate::msglog {
namespace {

using riskgate::testing::RouteHarness;

struct Logged {
  std::uint16_t session;
  bool in;
  std::int64_t utc_ns;
  std::string type, cl_ord_id;
};

std::string tag(std::string_view m, std::string_view t) {
  const std::string key = "\x01" + std::string(t) + "=";
  const auto at = m.find(key);
  if (at == std::string_view::npos) return {};
  const auto b = at + key.size();
  return std::string(m.substr(b, m.find('\x01', b) - b));
}

std::vector<Logged> drain(MessageRing& r) {
  std::vector<Logged> out;
  r.drain([&](const RecordView& v) {
    out.push_back(
        {v.session, v.kind == RecordKind::kIn, v.utc_ns, tag(v.bytes, "35"), tag(v.bytes, "11")});
  });
  return out;
}

// The harness with ENGINE1 (session 0) and EXCH (session 1) tapped, logged on.
struct Tapped {
  RouteHarness h;
  MessageRing ring{"io-0", 1 << 20, 2};
  SessionTap engine{ring, 0}, exchange{ring, 1};
  Tapped() {
    h.client(0).set_wire_tap(&engine);
    h.exchange().set_wire_tap(&exchange);
    h.log_on_all();
    (void)drain(ring);  // The Logons.
  }
};

TEST(SessionTap, AnOrderItsRefusalAndItsReportsAreLoggedOnBothLegsInOrder) {
  Tapped t;
  RouteHarness& h = t.h;
  MessageRing& ring = t.ring;

  const std::int64_t t0 = h.clock.utc;
  ASSERT_GT(h.from_client(0, h.order(0, "A1")), 0u);
  h.clock.advance_ms(1);
  ASSERT_GT(h.from_exchange(h.report("E1-A1", '0', '0', 100, 0, 0)), 0u);
  h.clock.advance_ms(1);
  // A fat finger: refused by risk, answered on the engine leg only.
  ASSERT_GT(h.from_client(0, h.order(0, "A2", 10'000'000)), 0u);
  const auto got = drain(ring);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_TRUE(got[0].in && got[0].session == 0 && got[0].type == "D" && got[0].cl_ord_id == "A1");
  EXPECT_EQ(got[0].utc_ns, t0);
  EXPECT_TRUE(!got[1].in && got[1].session == 1 && got[1].type == "D" &&
              got[1].cl_ord_id == "E1-A1");
  EXPECT_TRUE(got[2].in && got[2].session == 1 && got[2].type == "8");
  EXPECT_EQ(got[2].utc_ns, t0 + 1'000'000);
  EXPECT_TRUE(!got[3].in && got[3].session == 0 && got[3].type == "8" && got[3].cl_ord_id == "A1");
  EXPECT_TRUE(got[4].in && got[4].session == 0 && got[4].cl_ord_id == "A2");
  EXPECT_TRUE(!got[5].in && got[5].session == 0 && got[5].type == "8" &&
              got[5].cl_ord_id == "A2");  // The refusal.
}

TEST(SessionTap, TheOrderStepWithTheLogOnAllocatesNothing) {
  Tapped t;
  RouteHarness& h = t.h;
  MessageRing& ring = t.ring;
  h.audit.record = false;
  h.exchange_wire.record = false;
  h.client_wire[0].record = false;
  std::vector<std::string> orders;
  for (int i = 0; i < 50; ++i) orders.push_back(h.order(0, "Z" + std::to_string(i)));
  (void)h.from_client(0, orders[0]);  // Warm-up.
  (void)drain(ring);                  // The Logons and the warm-up order.
  riskgate::testing::AllocationScope scope;
  for (int i = 1; i < 50; ++i) {
    h.clock.advance_ms(2);
    (void)h.from_client(0, orders[static_cast<std::size_t>(i)]);
  }
  EXPECT_EQ(scope.count(), 0u);
  EXPECT_EQ(ring.dropped(), 0u);
  EXPECT_EQ(drain(ring).size(), 98u);  // Each order in, and out to the exchange.
}

}  // namespace
}  // namespace riskgate::msglog
