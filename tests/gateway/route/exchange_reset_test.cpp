// A reset of the exchange leg's sequence numbers (ResetOnLogon, the venue's
// 141=Y, a SequenceReset-Reset, a new FIX session day) while orders are
// working: what the venue sent on the old numbering that riskgate did not
// read (a fill, an expiry, an unsolicited cancel) can never be resent, so
// riskgate's belief about those orders is reconciled, as after a restart.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/route_harness.hpp"

namespace {

using riskgate::testing::app_sent;
using riskgate::testing::Parsed;
using riskgate::testing::RouteHarness;

riskgate::config::Config with_order_status(bool on) {
  auto cfg = RouteHarness::default_config();
  for (auto& s : cfg.sessions)
    if (s.name == "EXCH") s.supports_order_status = on;
  return cfg;
}

class ExchangeResetTest : public ::testing::Test {
 protected:
  explicit ExchangeResetTest(bool order_status = true) : h(with_order_status(order_status)) {
    h.log_on_all();
    send(h.order(0, "W1", 100));
    send(h.order(0, "W2", 100));
    exch(h.report("E1-W1", '0', '0', 100, 0, 0));
    exch(h.report("E1-W2", '0', '0', 100, 0, 0));
    h.exchange_wire.sent.clear();
  }

  void send(const std::string& bytes) { ASSERT_EQ(h.from_client(0, bytes), bytes.size()); }
  void exch(const std::string& bytes) { ASSERT_EQ(h.from_exchange(bytes), bytes.size()); }

  // The connection drops; the venue comes back having started its
  // numbering again, and says so with 141=Y on its Logon.
  void reconnect_with_reset() {
    h.exchange().on_disconnected();
    h.exchange().on_connected();
    h.exchange_peer.next_seq = 1;
    exch(h.exchange_peer.logon(30, "141=Y|"));
    ASSERT_EQ(h.exchange().state(), riskgate::session::State::kActive);
    h.group().on_tick();
  }
  std::vector<Parsed> status_requests() {
    std::vector<Parsed> out;
    for (auto& m : app_sent(h.exchange_wire))
      if (m.type() == "H") out.push_back(std::move(m));
    return out;
  }
  bool audited(const std::string& text) {
    for (const auto& r : h.audit.records)
      if (std::string(r.text).find(text) != std::string::npos) return true;
    return false;
  }
  std::string last_reply_text() {
    const auto to_engine = app_sent(h.client_wire[0]);
    return to_engine.empty() ? std::string() : to_engine.back().get(58);
  }

  RouteHarness h;
};

TEST_F(ExchangeResetTest, AVenueThatResetsItsNumberingIsAskedForEveryWorkingOrder) {
  reconnect_with_reset();
  const auto asked = status_requests();
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_TRUE(h.group().reconciling());
  EXPECT_TRUE(
      audited("exchange numbering reset with 2 orders working: any report not yet read is lost"));

  // New orders wait for the answers; cancels do not.
  send(h.order(0, "N1", 100));
  EXPECT_NE(last_reply_text().find("reconciling"), std::string::npos) << last_reply_text();
  EXPECT_EQ(status_requests().size(), app_sent(h.exchange_wire).size()) << "no order went";

  // While the link was down W1 was partly filled and W2 expired: the
  // reports were sent on the old numbering and are lost for good.
  exch(h.report("E1-W1", 'I', '1', 100, 40, 0));
  exch(h.report("E1-W2", 'I', 'C', 100, 0, 0));
  h.group().on_tick();
  EXPECT_FALSE(h.group().reconciling());
  ASSERT_NE(h.group().orders().find("E1-W1"), nullptr);
  EXPECT_EQ(h.group().orders().find("E1-W1")->cum_qty, 40);
  EXPECT_EQ(h.group().orders().find("E1-W2"), nullptr);
  EXPECT_EQ(h.group().working_orders(), 1u);
  EXPECT_TRUE(
      audited("every working order asked for after the exchange's numbering reset has answered"));

  const std::size_t before = app_sent(h.exchange_wire).size();
  send(h.order(0, "N2", 100));
  EXPECT_EQ(app_sent(h.exchange_wire).size(), before + 1) << last_reply_text();
}

TEST_F(ExchangeResetTest, AReconnectThatResumesTheNumberingAsksNothing) {
  h.exchange().on_disconnected();
  h.exchange().on_connected();
  exch(h.exchange_peer.logon(30));
  h.group().on_tick();
  EXPECT_TRUE(status_requests().empty());
  EXPECT_FALSE(h.group().reconciling());
  send(h.order(0, "N1", 100));
  EXPECT_EQ(app_sent(h.exchange_wire).size(), 1u) << last_reply_text();
}

TEST_F(ExchangeResetTest, ASequenceResetResetThatSkipsMessagesAlsoAsks) {
  // 123=N: the venue moves its numbering forward; what lay between is never
  // resent. New orders wait from that message on, not from the next tick.
  const std::uint64_t new_seq = h.exchange_peer.next_seq + 10;
  exch(h.exchange_peer.make("4", "36=" + std::to_string(new_seq) + "|"));
  h.exchange_peer.next_seq = new_seq;
  EXPECT_TRUE(h.group().reconciling());
  send(h.order(0, "N1", 100));
  EXPECT_NE(last_reply_text().find("reconciling"), std::string::npos) << last_reply_text();
  h.group().on_tick();
  EXPECT_EQ(status_requests().size(), 2u);
  EXPECT_EQ(app_sent(h.exchange_wire).size(), 2u) << "N1 never went";
}

TEST_F(ExchangeResetTest, AResetWithNoOrderWorkingChangesNothing) {
  exch(h.report("E1-W1", '4', '4', 100, 0, 0));
  exch(h.report("E1-W2", '4', '4', 100, 0, 0));
  ASSERT_EQ(h.group().working_orders(), 0u);
  reconnect_with_reset();
  EXPECT_TRUE(status_requests().empty());
  EXPECT_FALSE(h.group().reconciling());
  // A later reset of an already-seen count is not taken for a new one.
  send(h.order(0, "N1", 100));
  h.group().on_tick();
  EXPECT_FALSE(h.group().reconciling());
}

class ExchangeResetWithoutStatusTest : public ExchangeResetTest {
 protected:
  ExchangeResetWithoutStatusTest() : ExchangeResetTest(false) {}
};

TEST_F(ExchangeResetWithoutStatusTest, AVenueWithoutOrderStatusGetsAnAuditedAnomalyAndOrdersFlow) {
  reconnect_with_reset();
  EXPECT_TRUE(status_requests().empty());
  EXPECT_FALSE(h.group().reconciling());
  EXPECT_TRUE(audited("any report not yet read is lost; kept (no SupportsOrderStatus)"));
  EXPECT_EQ(h.group().working_orders(), 2u);
  send(h.order(0, "N1", 100));
  EXPECT_EQ(app_sent(h.exchange_wire).size(), 1u) << last_reply_text();
}

}  // namespace
