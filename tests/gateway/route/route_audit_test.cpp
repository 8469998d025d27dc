// What the route group audits when the risk engine's flow envelope or an
// execution throttle acts on a session (gateway/route/route_audit.cpp): the
// record names the rule that acted with its numbers, in the reject-text style,
// and the kill's cancels name it too. Real sessions and the real risk engine,
// no sockets (tests/support/route_harness.hpp).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "gateway/codec/tags.hpp"
#include "tests/support/route_harness.hpp"

namespace {

namespace tag = riskgate::codec::tag;
using riskgate::audit::AuditEvent;
using riskgate::audit::AuditRecord;
using riskgate::risk::FlowAction;
using riskgate::risk::FlowMetric;
using riskgate::risk::FlowRule;
using riskgate::testing::Parsed;
using riskgate::testing::RouteHarness;

FlowRule rule(FlowMetric metric, std::int64_t limit, FlowAction action) {
  FlowRule r;
  r.metric = metric;
  r.window_ms = 5000;
  r.limit = limit;
  r.action = action;
  r.name = "test rule";
  return r;
}

// The shipped config with these flow rules instead of the shipped ones.
riskgate::config::Config with_flow_rules(std::vector<FlowRule> rules) {
  riskgate::config::Config cfg = RouteHarness::default_config();
  cfg.risk.flow.rules = std::move(rules);
  return cfg;
}

class RouteAuditTest : public ::testing::Test {
 protected:
  void start(const riskgate::config::Config& cfg) {
    h = std::make_unique<RouteHarness>(cfg);
    h->log_on_all();
  }
  void send(int i, const std::string& bytes) { ASSERT_EQ(h->from_client(i, bytes), bytes.size()); }
  void from_exchange(const std::string& bytes) { ASSERT_EQ(h->from_exchange(bytes), bytes.size()); }
  // Ack then fill all of `qty` for exchange ClOrdID `id`.
  void ack_and_fill(const std::string& id, std::int64_t qty) {
    from_exchange(h->report(id, '0', '0', qty, 0, 0));
    from_exchange(h->report(id, 'F', '2', qty, qty, qty));
  }
  std::vector<AuditRecord> records(AuditEvent ev) const {
    std::vector<AuditRecord> out;
    for (const auto& r : h->audit.records)
      if (r.event == ev) out.push_back(r);
    return out;
  }
  // OrigClOrdIDs of the cancels riskgate sent the exchange.
  std::vector<std::string> cancels_sent() const {
    std::vector<std::string> out;
    for (const auto& m : h->exchange_wire.sent) {
      const Parsed p(m);
      if (p.type() == "F") out.push_back(std::string(p.get(tag::kOrigClOrdID)));
    }
    return out;
  }
  std::string last_text_to(int client) const {
    std::string text;
    for (const auto& m : h->client_wire[client].sent) {
      const Parsed p(m);
      if (p.type() == "8" && p.has(tag::kText)) text = std::string(p.get(tag::kText));
    }
    return text;
  }

  std::unique_ptr<RouteHarness> h;
};

TEST_F(RouteAuditTest, AFillThatTripsAFlowKillRuleIsAuditedNamingTheRuleAndItsNumbers) {
  start(with_flow_rules({rule(FlowMetric::kNetQty, 1000, FlowAction::kKill)}));
  send(0, h->order(0, "C1", 600));
  send(0, h->order(0, "C2", 600));
  send(0, h->order(0, "C3", 100));  // Stays working.
  send(1, h->order(1, "D1", 100));  // Another session's working order.
  ack_and_fill("E1-C1", 600);
  EXPECT_TRUE(records(AuditEvent::kKillTripped).empty());  // 600 net: inside the envelope.
  ack_and_fill("E1-C2", 600);                              // 1200 net > 1000.

  const auto kills = records(AuditEvent::kKillTripped);
  ASSERT_EQ(kills.size(), 1u);
  EXPECT_STREQ(kills[0].session, "ENGINE1");
  EXPECT_STREQ(kills[0].rule, "flow_net_qty");
  EXPECT_EQ(kills[0].value, 1200);
  EXPECT_EQ(kills[0].limit, 1000);
  EXPECT_STREQ(kills[0].account, "ACC1");
  EXPECT_STREQ(kills[0].symbol, "AAPL");
  EXPECT_STREQ(kills[0].cl_ord_id, "C2");  // The client's id of the fill that tripped it.
  EXPECT_EQ(kills[0].quantity, 600);
  EXPECT_STREQ(kills[0].text,
               "session kill switch engaged (auto_flow_envelope): flow_net_qty: 1200 > 1000 "
               "(ACC1 AAPL)");

  // The session's working order is cancelled, naming the rule; ENGINE2's stays.
  EXPECT_EQ(cancels_sent(), std::vector<std::string>{"E1-C3"});
  const auto cancels = records(AuditEvent::kCancelSent);
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_STREQ(cancels[0].text, "auto_flow_envelope: flow_net_qty");

  // ENGINE1 is stopped, ENGINE2 trades on.
  send(0, h->order(0, "C4", 100));
  EXPECT_EQ(last_text_to(0).rfind("kill_switch: client_session engaged (auto_flow_envelope)", 0),
            0u)
      << last_text_to(0);
  const std::size_t before = h->exchange_wire.sent.size();
  send(1, h->order(1, "D2", 100));
  ASSERT_EQ(h->exchange_wire.sent.size(), before + 1);
  EXPECT_EQ(Parsed(h->exchange_wire.sent.back()).get(tag::kClOrdID), "E2-D2");
}

TEST_F(RouteAuditTest, WithLogoutOnKillAFillThatTripsTheSessionLogsItOutAfterTheFillReport) {
  riskgate::config::Config cfg =
      with_flow_rules({rule(FlowMetric::kNetQty, 1000, FlowAction::kKill)});
  for (auto& d : cfg.sessions)
    if (d.name == "ENGINE1") d.logout_on_kill = true;
  start(cfg);
  send(0, h->order(0, "C1", 1200));
  ack_and_fill("E1-C1", 1200);
  ASSERT_EQ(records(AuditEvent::kKillTripped).size(), 1u);
  std::vector<std::string> types;
  for (const auto& m : h->client_wire[0].sent) types.push_back(Parsed(m).type());
  // The ack, the fill that tripped the kill, then the Logout.
  ASSERT_GE(types.size(), 3u);
  EXPECT_EQ(types[types.size() - 2], "8");
  EXPECT_EQ(types.back(), "5");
  EXPECT_NE(h->client(0).state(), riskgate::session::State::kActive);
}

TEST_F(RouteAuditTest, AFillThatPutsTheSessionUnderTheThrottleIsAuditedAsFlowThrottled) {
  start(with_flow_rules({rule(FlowMetric::kExecQty, 1000, FlowAction::kThrottle)}));
  send(0, h->order(0, "C1", 1200));
  ack_and_fill("E1-C1", 1200);

  const auto throttled = records(AuditEvent::kFlowThrottled);
  ASSERT_EQ(throttled.size(), 1u);
  EXPECT_STREQ(throttled[0].session, "ENGINE1");
  EXPECT_STREQ(throttled[0].rule, "flow_exec_qty");
  EXPECT_EQ(throttled[0].value, 1200);
  EXPECT_EQ(throttled[0].limit, 1000);
  EXPECT_STREQ(throttled[0].text, "session throttled: flow_exec_qty: 1200 > 1000 (ACC1 AAPL)");
  EXPECT_TRUE(records(AuditEvent::kKillTripped).empty());
  EXPECT_STREQ(riskgate::audit::to_string(AuditEvent::kFlowThrottled).data(), "flow_throttled");

  // Held to the throttle rate: one order passes, the next at once is refused.
  const std::size_t before = h->exchange_wire.sent.size();
  send(0, h->order(0, "C2", 100));
  EXPECT_EQ(h->exchange_wire.sent.size(), before + 1);
  send(0, h->order(0, "C3", 100));
  EXPECT_EQ(h->exchange_wire.sent.size(), before + 1);
  EXPECT_EQ(last_text_to(0).rfind("flow_throttle:", 0), 0u) << last_text_to(0);
}

TEST_F(RouteAuditTest, AnOrderThatTripsAFlowKillRuleIsAuditedNamingTheRuleAndCancelsTheRest) {
  start(with_flow_rules({rule(FlowMetric::kOrders, 3, FlowAction::kKill)}));
  send(0, h->order(0, "C1", 100));
  send(0, h->order(0, "C2", 100));
  send(0, h->order(0, "C3", 100));
  send(0, h->order(0, "C4", 100));  // The 4th order within the window: 4 > 3.

  const auto kills = records(AuditEvent::kKillTripped);
  ASSERT_EQ(kills.size(), 1u);
  EXPECT_STREQ(kills[0].rule, "flow_orders");
  EXPECT_EQ(kills[0].value, 4);
  EXPECT_EQ(kills[0].limit, 3);
  EXPECT_STREQ(kills[0].cl_ord_id, "C4");
  EXPECT_STREQ(kills[0].text,
               "session kill switch engaged (auto_flow_envelope): flow_orders: 4 > 3 (ACC1 AAPL)");
  EXPECT_EQ(last_text_to(0), "flow_orders: 4 > 3 (ACC1 AAPL)");
  EXPECT_EQ(cancels_sent(), (std::vector<std::string>{"E1-C1", "E1-C2", "E1-C3"}));
  const auto cancels = records(AuditEvent::kCancelSent);
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_STREQ(cancels[0].text, "auto_flow_envelope: flow_orders");
}

TEST_F(RouteAuditTest, ARefusalRateTripNamesItsReasonAndTheRefusalThatReachedIt) {
  riskgate::config::Config cfg = RouteHarness::default_config();
  cfg.risk.auto_kill.session_refusals = 3;
  cfg.risk.auto_kill.session_refusal_ratio = 0.5;
  start(cfg);
  for (int i = 0; i < 3; ++i) send(0, h->order(0, "BIG" + std::to_string(i), 100'000));
  const auto kills = records(AuditEvent::kKillTripped);
  ASSERT_EQ(kills.size(), 1u);
  EXPECT_STREQ(kills[0].rule, "max_order_qty");
  EXPECT_EQ(
      std::string(kills[0].text)
          .rfind("session kill switch engaged (auto_refusals): max_order_qty: 100000 > 10000", 0),
      0u)
      << kills[0].text;
}

TEST_F(RouteAuditTest, TheRepeatedExecutionThrottleIsAuditedAsFlowDisabledWithItsCount) {
  riskgate::config::Config cfg = RouteHarness::default_config();
  cfg.risk.throttles.repeated_exec_max_fills = 2;
  cfg.risk.auto_kill.on_repeated_execution_throttle = false;
  start(cfg);
  send(0, h->order(0, "C1", 100));
  send(0, h->order(0, "C2", 100));
  ack_and_fill("E1-C1", 100);
  ack_and_fill("E1-C2", 100);  // The fill that reaches the count.

  const auto disabled = records(AuditEvent::kFlowDisabled);
  ASSERT_EQ(disabled.size(), 1u);
  EXPECT_STREQ(disabled[0].rule, "repeated_execution_throttle");
  EXPECT_STREQ(disabled[0].text, "flow disabled: repeated_execution_throttle: 2 >= 2 (ACC1 AAPL)");
  EXPECT_TRUE(records(AuditEvent::kKillTripped).empty());
  EXPECT_TRUE(cancels_sent().empty());
}

}  // namespace
