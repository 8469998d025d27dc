// The exchange side of an order's life through a route group (issue 11, item
// 2): reports act on the order they name in the table, by the FIX state
// model; overfills, unknown and foreign reports are audited and never reach
// a wrong owner; exchange rejects (35=3, 35=j) reach the engine as rejects and
// release exposure; exchange identifiers are bounded before any copy.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "gateway/codec/tags.hpp"
#include "tests/support/route_harness.hpp"

namespace {

namespace tag = riskgate::codec::tag;
using riskgate::audit::AuditEvent;
using riskgate::testing::Parsed;
using riskgate::testing::RouteHarness;
using riskgate::testing::timestamp;

using riskgate::testing::app_sent;

class LifecycleTest : public ::testing::Test {
 protected:
  explicit LifecycleTest(bool exchange_dictionary = true, std::uint8_t kill_on_anomaly = 0,
                         bool mass_cancel = false)
      : h(config(exchange_dictionary, kill_on_anomaly, mass_cancel)) {}

  static riskgate::config::Config config(bool exchange_dictionary, std::uint8_t kill_on_anomaly,
                                         bool mass_cancel) {
    auto cfg = RouteHarness::default_config();
    cfg.gateway.kill_on_report_anomaly = kill_on_anomaly;
    for (auto& d : cfg.sessions)
      if (d.name == "EXCH") d.supports_mass_cancel = mass_cancel;
    // A venue whose reports the dictionary does not hold to LeavesQty being
    // present: the route must cope on its own.
    for (auto& d : cfg.sessions)
      if (d.name == "EXCH") d.use_data_dictionary = exchange_dictionary;
    return cfg;
  }

  void SetUp() override { h.log_on_all(); }

  void send(int i, const std::string& bytes) { ASSERT_EQ(h.from_client(i, bytes), bytes.size()); }
  void from_exchange(const std::string& bytes) { ASSERT_EQ(h.from_exchange(bytes), bytes.size()); }

  // Client i's order `id` forwarded; returns the MsgSeqNum it went out with.
  std::uint64_t place(int i, const std::string& id, std::int64_t qty = 100) {
    const std::size_t before = h.exchange_wire.sent.size();
    send(i, h.order(i, id, qty));
    EXPECT_EQ(h.exchange_wire.sent.size(), before + 1) << "order " << id << " forwarded";
    return Parsed(h.exchange_wire.sent.back()).seq();
  }

  std::uint64_t request(int i, const std::string& type, const std::string& id,
                        const std::string& orig, std::int64_t qty = 100) {
    const std::size_t before = h.exchange_wire.sent.size();
    send(i, h.client_peer[i].make(type, "11=" + id + "|41=" + orig + "|1=" + h.account[i] +
                                            "|55=AAPL|54=1|38=" + std::to_string(qty) +
                                            (type == "G" ? "|40=2|44=190.50" : "") +
                                            "|60=" + timestamp(h.clock.utc) + "|"));
    EXPECT_EQ(h.exchange_wire.sent.size(), before + 1) << type << " " << id << " forwarded";
    return Parsed(h.exchange_wire.sent.back()).seq();
  }

  // An ExecutionReport with the given fields (tag=value|...).
  std::string report(const std::string& fields) {
    ++exec_;
    return h.exchange_peer.make("8", "37=O" + std::to_string(exec_) + "|17=X" +
                                         std::to_string(exec_) + "|" + fields +
                                         "55=AAPL|54=1|6=190.50|");
  }

  std::int64_t open_orders() { return h.engine().account_usage("ACC1").open_orders; }
  std::int64_t position() { return h.engine().pair_usage("ACC1", "AAPL").position; }

  bool audited(AuditEvent ev, const std::string& text) {
    for (const auto& r : h.audit.records)
      if (r.event == ev && std::string(r.text).find(text) != std::string::npos) return true;
    return false;
  }

  // ENGINE1 with CancelOnDisconnect, its order C1 acknowledged.
  static std::unique_ptr<RouteHarness> cancel_on_disconnect_with_c1_working() {
    auto cfg = config(true, 0, false);
    for (auto& d : cfg.sessions)
      if (d.name == "ENGINE1") d.cancel_on_disconnect = true;
    auto g = std::make_unique<RouteHarness>(cfg);
    g->log_on_all();
    const std::string c1 = g->order(0, "C1");
    EXPECT_EQ(g->from_client(0, c1), c1.size());
    (void)g->from_exchange(g->report("E1-C1", '0', '0', 100, 0, 0));
    return g;
  }
  // The OrigClOrdIDs of the cancels sent to the exchange, in order.
  static std::vector<std::string> cancels_sent(const RouteHarness& g) {
    std::vector<std::string> out;
    for (const auto& m : g.exchange_wire.sent)
      if (Parsed(m).type() == "F") out.push_back(Parsed(m).get(41));
    return out;
  }

  RouteHarness h;
  int exec_ = 0;
};

class LifecycleWithoutExchangeDictionary : public LifecycleTest {
 protected:
  LifecycleWithoutExchangeDictionary() : LifecycleTest(false) {}
};

// SupportsMassCancel = true: a global kill sends one OrderMassCancelRequest.
class LifecycleMassCancel : public LifecycleTest {
 protected:
  LifecycleMassCancel() : LifecycleTest(true, 0, true) {}
  // Both engines' orders working, a global kill engaged and swept.
  void kill_with_mass_cancel() {
    place(0, "C1");
    from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
    place(1, "D1");
    from_exchange(h.report("E2-D1", '0', '0', 100, 0, 0));
    h.engine().kills().engage(riskgate::risk::KillScope::kGlobal, 0,
                              riskgate::risk::KillReason::kOperator);
    h.exchange_wire.sent.clear();
    ASSERT_EQ(h.group().cancel_working({riskgate::risk::KillScope::kGlobal, 0, {}}, "test kill"),
              1u);
    ASSERT_EQ(Parsed(h.exchange_wire.sent.back()).type(), "q");
    mass_seq_ = Parsed(h.exchange_wire.sent.back()).seq();
    h.exchange_wire.sent.clear();
  }
  std::vector<std::string> cancelled() {
    std::vector<std::string> ids;
    for (const auto& m : h.exchange_wire.sent)
      if (Parsed(m).type() == "F") ids.push_back(Parsed(m).get(41));
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  std::uint64_t mass_seq_ = 0;
};

// KillOnReportAnomaly = ["overfill", "foreign"].
class LifecycleKillOnAnomaly : public LifecycleTest {
 protected:
  LifecycleKillOnAnomaly()
      : LifecycleTest(true, riskgate::route::kKillOnOverfill | riskgate::route::kKillOnForeign) {}
  bool killed(riskgate::risk::KillScope s, std::uint32_t idx) {
    return h.engine().kills().engaged(s, idx);
  }
};

// --- Fills and the FIX state model ------------------------------------------

TEST_F(LifecycleTest, PartialFillsWithLeavesQtyKeepTheOrderUntilTheLastFillEndsIt) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  from_exchange(h.report("E1-C1", 'F', '1', 100, 30, 30));
  from_exchange(h.report("E1-C1", 'F', '1', 100, 60, 30));
  ASSERT_NE(h.group().orders().find("E1-C1"), nullptr);
  EXPECT_EQ(h.group().orders().find("E1-C1")->leaves_qty, 40);
  EXPECT_EQ(h.group().working_orders(), 1u);
  EXPECT_EQ(open_orders(), 1);
  from_exchange(h.report("E1-C1", 'F', '2', 100, 100, 40));
  EXPECT_EQ(h.group().orders().find("E1-C1"), nullptr);
  EXPECT_EQ(h.group().working_orders(), 0u);
  EXPECT_EQ(open_orders(), 0);
  EXPECT_EQ(position(), 100);
  EXPECT_EQ(app_sent(h.client_wire[0]).size(), 4u) << "every report reaches the engine";
}

// The fill's report is refused (FIX 4.4 requires LeavesQty), so riskgate
// never counts it; the venue's cancel of the rest then says CumQty 30. The
// position and the day's gross notional count those 30, and the order ends.
TEST_F(LifecycleTest, AFillMissedBeforeTheCancelThatEndsTheOrderIsCountedFromItsCumQty) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  from_exchange(report("11=E1-C1|150=F|39=1|38=100|14=30|32=30|31=190.50|"));  // No 151.
  EXPECT_EQ(position(), 0) << "the refused report is not acted on";
  // The order's 100 are reserved in the day's gross notional until it ends.
  const std::int64_t reserved = h.engine().account_usage("ACC1").gross_notional_day;
  from_exchange(report("11=E1-C1|150=4|39=4|38=100|151=0|14=30|"));
  EXPECT_EQ(h.group().orders().find("E1-C1"), nullptr);
  EXPECT_EQ(open_orders(), 0);
  EXPECT_EQ(position(), 30);
  EXPECT_EQ(h.engine().account_usage("ACC1").gross_notional_day, reserved * 30 / 100)
      << "the 30 executed stay in the day's gross, the 70 canceled are released";
  EXPECT_TRUE(audited(AuditEvent::kReportAnomaly, "quantities disagree"));
}

// The usual end of a partly filled order: the engine's cancel, answered by
// the venue's cancel report that carries the CumQty already counted, or one
// more it brings. Either way the order, its cancel request and a replace in
// flight all leave the table, and only what executed stays reserved.
TEST_F(LifecycleTest, ACancelOfAPartlyFilledOrderEndsTheOrderAndItsCancelRequest) {
  for (const char* cum : {"60", "80"}) {
    SCOPED_TRACE(cum);
    RouteHarness g(config(true, 0, false));
    g.log_on_all();
    const std::string c1 = g.order(0, "C1");
    ASSERT_EQ(g.from_client(0, c1), c1.size());
    (void)g.from_exchange(g.report("E1-C1", '0', '0', 100, 0, 0));
    (void)g.from_exchange(g.report("E1-C1", 'F', '1', 100, 60, 60));
    const std::string cancel = g.client_peer[0].make(
        "F", "11=X1|41=C1|55=AAPL|54=1|38=100|60=" + timestamp(g.clock.utc) + "|");
    ASSERT_EQ(g.from_client(0, cancel), cancel.size());
    ASSERT_EQ(g.group().orders().size(), 2u) << "the order and its cancel request";
    (void)g.from_exchange(g.exchange_peer.make(
        "8", std::string("37=O1|17=X9|11=E1-X1|41=E1-C1|150=4|39=4|38=100|151=0|14=") + cum +
                 "|55=AAPL|54=1|6=190.50|"));
    EXPECT_EQ(g.group().orders().size(), 0u);
    EXPECT_EQ(g.group().working_orders(), 0u);
    EXPECT_EQ(g.engine().pair_usage("ACC1", "AAPL").position, std::stoll(cum));
    EXPECT_EQ(g.engine().account_usage("ACC1").open_notional, 0);
  }
}

// Two replaces of one order in flight, then the venue cancels the order:
// neither replacement takes effect, so both give back what they reserved.
TEST_F(LifecycleTest, AVenueCancelReleasesEveryReplaceInFlightOnTheOrder) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  request(0, "G", "C2", "C1", 200);
  request(0, "G", "C3", "C1", 300);
  ASSERT_EQ(h.group().orders().size(), 3u);
  from_exchange(report("11=E1-C1|150=4|39=4|38=100|151=0|14=0|"));
  EXPECT_EQ(h.group().orders().size(), 0u);
  EXPECT_EQ(open_orders(), 0);
  EXPECT_EQ(h.engine().account_usage("ACC1").open_notional, 0);
}

TEST_F(LifecycleTest, AVenueCancelCountingAFillWithAReplaceInFlightReleasesTheReplacement) {
  for (const char* named : {"11=E1-C2|41=E1-C1|", "11=E1-C1|"}) {
    SCOPED_TRACE(named);
    RouteHarness g(config(true, 0, false));
    g.log_on_all();
    const std::string c1 = g.order(0, "C1");
    ASSERT_EQ(g.from_client(0, c1), c1.size());
    (void)g.from_exchange(g.report("E1-C1", '0', '0', 100, 0, 0));
    const std::string repl = g.client_peer[0].make(
        "G", "11=C2|41=C1|1=" + g.account[0] +
                 "|55=AAPL|54=1|38=200|40=2|44=190.50|60=" + timestamp(g.clock.utc) + "|");
    ASSERT_EQ(g.from_client(0, repl), repl.size());
    // 30 executed that no report of its own brought, then the cancel.
    (void)g.from_exchange(
        g.exchange_peer.make("8", std::string("37=O1|17=X9|") + named +
                                      "150=4|39=4|38=100|151=0|14=30|55=AAPL|54=1|6=190.50|"));
    EXPECT_EQ(g.group().orders().size(), 0u);
    EXPECT_EQ(g.engine().pair_usage("ACC1", "AAPL").position, 30);
    EXPECT_EQ(g.engine().account_usage("ACC1").open_notional, 0) << "nothing stays reserved";
  }
}

TEST_F(LifecycleTest, AnAckThatSaysTheOrderFilledCountsTheFillAndEndsTheOrder) {
  place(0, "C1");
  from_exchange(report("11=E1-C1|150=0|39=2|38=100|151=0|14=100|"));
  EXPECT_EQ(h.group().orders().find("E1-C1"), nullptr);
  EXPECT_EQ(open_orders(), 0);
  EXPECT_EQ(position(), 100);
  EXPECT_EQ(h.engine().account_usage("ACC1").open_notional, 0);
}

TEST_F(LifecycleTest, AFillWhoseLeavesQtyIsZeroWhileOrdStatusSaysPartialKeepsTheOrderWorking) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  // 151=0 on a partial fill: the venue's LeavesQty is unusable, OrdStatus 1
  // and CumQty 50 of 100 decide.
  from_exchange(report("11=E1-C1|150=F|39=1|38=100|151=0|14=50|32=50|31=190.50|"));
  const auto* e = h.group().orders().find("E1-C1");
  ASSERT_NE(e, nullptr) << "half the order is still working";
  EXPECT_EQ(e->leaves_qty, 50);
  EXPECT_EQ(e->cum_qty, 50);
  EXPECT_EQ(open_orders(), 1);
  EXPECT_EQ(position(), 50);
  EXPECT_TRUE(audited(AuditEvent::kReportAnomaly, "quantities disagree"));
  // A kill still finds it.
  EXPECT_EQ(h.group().cancel_working({}, "test kill"), 1u);
}

TEST_F(LifecycleTest, KillCancelIdsAreShortAndStartAboveTheWallClockSoARestartNeverRepeatsThem) {
  place(0, "C1");
  place(0, "C2");
  h.exchange_wire.sent.clear();
  ASSERT_EQ(h.group().cancel_working({}, "test kill"), 2u);
  ASSERT_EQ(h.exchange_wire.sent.size(), 2u);
  std::vector<std::string> ids;
  for (const auto& m : h.exchange_wire.sent) ids.push_back(Parsed(m).get(11));
  EXPECT_NE(ids[0], ids[1]);
  for (const std::string& id : ids) {
    ASSERT_EQ(id.rfind("RGK", 0), 0u) << id;
    EXPECT_LE(id.size(), 20u) << "within the ClOrdID length venues commonly allow";
    // Base 36 back to the counter: it started at the group's construction
    // time in ns, so a later process (a restart) starts above it.
    std::uint64_t v = 0;
    for (char c : id.substr(3))
      v = v * 36 + static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'A' + 10);
    EXPECT_GT(v, static_cast<std::uint64_t>(riskgate::testing::kUtcStart)) << id;
  }
}

TEST_F(LifecycleTest, AKillEngagedWhileTheExchangeLegIsDownCancelsWhenTheLegLogsOnAgain) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  place(1, "D1");  // Another engine's order: outside the kill's scope.
  from_exchange(h.report("E2-D1", '0', '0', 100, 0, 0));
  h.exchange().on_disconnected();
  h.engine().kills().engage(riskgate::risk::KillScope::kClientSession, h.leg(0).index(),
                            riskgate::risk::KillReason::kOperator);
  EXPECT_EQ(h.group().cancel_working(
                {riskgate::risk::KillScope::kClientSession, h.leg(0).index(), {}}, "test kill"),
            0u)
      << "nothing can be sent while the leg is down";
  h.exchange_wire.sent.clear();
  h.exchange().on_connected();
  const std::string logon = h.exchange_peer.logon(30);
  ASSERT_EQ(h.from_exchange(logon), logon.size());
  ASSERT_EQ(h.exchange().state(), riskgate::session::State::kActive);
  std::vector<std::string> cancelled;
  for (const auto& m : h.exchange_wire.sent) {
    const Parsed p(m);
    if (p.type() == "F") cancelled.push_back(p.get(41));
  }
  EXPECT_EQ(cancelled, std::vector<std::string>{"E1-C1"}) << "only the killed engine's order";
  EXPECT_TRUE(audited(AuditEvent::kCancelSent, "kill cancels sent"));
  // Once sent, a second Logon does not cancel it again.
  h.exchange().on_disconnected();
  h.exchange_wire.sent.clear();
  h.exchange().on_connected();
  const std::string again = h.exchange_peer.logon(30);
  ASSERT_EQ(h.from_exchange(again), again.size());
  for (const auto& m : h.exchange_wire.sent) EXPECT_NE(Parsed(m).type(), "F");
}

TEST_F(LifecycleWithoutExchangeDictionary, APartialFillWithoutLeavesQtyKeepsTheOrderWorking) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  from_exchange(report("11=E1-C1|150=F|39=1|38=100|14=40|32=40|31=190.50|"));
  const auto* e = h.group().orders().find("E1-C1");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->leaves_qty, 60);
  EXPECT_EQ(h.group().working_orders(), 1u);
  EXPECT_EQ(open_orders(), 1);
  EXPECT_EQ(h.group().cancel_working({}, "test kill"), 1u) << "the kill cancels the rest";
  // The last fill, again without LeavesQty: OrdStatus 2 ends it.
  from_exchange(report("11=E1-C1|150=F|39=2|38=100|14=100|32=60|31=190.50|"));
  EXPECT_EQ(h.group().orders().find("E1-C1"), nullptr);
  EXPECT_EQ(open_orders(), 0);
  EXPECT_EQ(position(), 100);
}

TEST_F(LifecycleWithoutExchangeDictionary, AFillWithNeitherLeavesQtyNorOrdStatusEndsOnlyAtFullQty) {
  place(0, "C1");
  from_exchange(report("11=E1-C1|150=F|38=100|14=70|32=70|31=190.50|"));
  ASSERT_NE(h.group().orders().find("E1-C1"), nullptr);
  from_exchange(report("11=E1-C1|150=F|38=100|14=100|32=30|31=190.50|"));
  EXPECT_EQ(h.group().orders().find("E1-C1"), nullptr);
  EXPECT_EQ(position(), 100);
}

TEST_F(LifecycleTest, AReplayedFillIsForwardedButCountedOnce) {
  place(0, "C1");
  const std::string fill = report("11=E1-C1|150=F|39=1|38=100|151=60|14=40|32=40|31=190.50|");
  from_exchange(fill);
  // The same execution again (a venue replay with a new MsgSeqNum).
  from_exchange(report("11=E1-C1|150=F|39=1|38=100|151=60|14=40|32=40|31=190.50|"));
  EXPECT_EQ(position(), 40);
  EXPECT_EQ(h.group().orders().find("E1-C1")->cum_qty, 40);
  EXPECT_EQ(app_sent(h.client_wire[0]).size(), 2u);
  EXPECT_TRUE(audited(AuditEvent::kReportAnomaly, "not counted again"));
}

TEST_F(LifecycleTest, AnOverfillIsAuditedCountedForwardedAndCountedOnce) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  from_exchange(report("11=E1-C1|150=F|39=2|38=100|151=0|14=150|32=150|31=190.50|"));
  EXPECT_EQ(h.group().counters.overfills.load(), 1u);
  EXPECT_TRUE(audited(AuditEvent::kReportAnomaly, "overfill: CumQty 150 > OrderQty 100"));
  const auto to_e1 = app_sent(h.client_wire[0]);
  ASSERT_EQ(to_e1.size(), 2u) << "the engine must know what traded";
  EXPECT_EQ(to_e1[1].get(tag::kCumQty), "150");
  EXPECT_EQ(to_e1[1].get(tag::kClOrdID), "C1");
  EXPECT_EQ(position(), 150) << "what traded, once";
  EXPECT_EQ(open_orders(), 0);
  EXPECT_EQ(h.group().working_orders(), 0u);
}

TEST_F(LifecycleTest, ALastQtyBeyondWhatWasOpenIsAnOverfill) {
  place(0, "C1");
  from_exchange(report("11=E1-C1|150=F|39=1|38=100|151=20|14=80|32=80|31=190.50|"));
  from_exchange(report("11=E1-C1|150=F|39=1|38=100|151=0|14=80|32=50|31=190.50|"));
  EXPECT_EQ(h.group().counters.overfills.load(), 1u);
  EXPECT_TRUE(audited(AuditEvent::kReportAnomaly, "overfill: LastQty 50 > open 20"));
  EXPECT_EQ(position(), 80) << "CumQty did not move: nothing new is counted";
  ASSERT_NE(h.group().orders().find("E1-C1"), nullptr);
}

// --- Replace and cancel -------------------------------------------------------

TEST_F(LifecycleTest, AReplaceThenFillsEndTheReplacementAndLeaveNothingOpen) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  from_exchange(h.report("E1-C1", 'F', '1', 100, 20, 20));
  request(0, "G", "C2", "C1", 150);
  from_exchange(report("11=E1-C2|41=E1-C1|150=5|39=1|38=150|151=130|14=20|"));
  EXPECT_EQ(h.group().orders().find("E1-C1"), nullptr) << "the original is gone";
  const auto* r = h.group().orders().find("E1-C2");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->cum_qty, 20) << "the replacement carries what the original executed";
  EXPECT_EQ(r->leaves_qty, 130);
  EXPECT_EQ(h.group().working_orders(), 1u);
  EXPECT_EQ(open_orders(), 1);
  from_exchange(report("11=E1-C2|150=F|39=1|38=150|151=30|14=120|32=100|31=190.50|"));
  from_exchange(report("11=E1-C2|150=F|39=2|38=150|151=0|14=150|32=30|31=190.50|"));
  EXPECT_EQ(h.group().orders().size(), 0u);
  EXPECT_EQ(h.group().working_orders(), 0u);
  EXPECT_EQ(open_orders(), 0);
  EXPECT_EQ(position(), 150);
  EXPECT_EQ(h.group().counters.overfills.load(), 0u);
  const auto to_e1 = app_sent(h.client_wire[0]);
  ASSERT_EQ(to_e1.size(), 5u);
  EXPECT_EQ(to_e1[2].get(tag::kClOrdID), "C2");
  EXPECT_EQ(to_e1[2].get(tag::kOrigClOrdID), "C1");
}

TEST_F(LifecycleTest, AReplaceInFlightWhenAKillSweepsIsCancelledOnceItTakesEffect) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  request(0, "G", "C2", "C1", 150);
  h.engine().kills().engage(riskgate::risk::KillScope::kClientSession, h.leg(0).index(),
                            riskgate::risk::KillReason::kOperator);
  h.exchange_wire.sent.clear();
  ASSERT_EQ(h.group().cancel_working(
                {riskgate::risk::KillScope::kClientSession, h.leg(0).index(), {}}, "test kill"),
            1u);
  ASSERT_EQ(Parsed(h.exchange_wire.sent.back()).get(41), "E1-C1") << "the sweep cancels C1";
  // The venue takes the replace first, then refuses the kill's cancel of
  // the original it no longer has.
  from_exchange(report("11=E1-C2|41=E1-C1|150=5|39=0|38=150|151=150|14=0|"));
  ASSERT_NE(h.group().orders().find("E1-C2"), nullptr);
  std::vector<std::string> cancelled;
  for (const auto& m : h.exchange_wire.sent)
    if (Parsed(m).type() == "F") cancelled.push_back(Parsed(m).get(41));
  EXPECT_EQ(cancelled, (std::vector<std::string>{"E1-C1", "E1-C2"}))
      << "the replacement that now trades is cancelled too";
  EXPECT_TRUE(audited(AuditEvent::kCancelSent, "replacement that took effect under the kill"));
  from_exchange(h.exchange_peer.make("9", "37=O1|11=" + Parsed(h.exchange_wire.sent[0]).get(11) +
                                              "|41=E1-C1|39=8|434=1|102=1|58=unknown order|"));
  from_exchange(report("11=" + Parsed(h.exchange_wire.sent.back()).get(11) +
                       "|41=E1-C2|150=4|39=4|38=150|151=0|14=0|"));
  EXPECT_EQ(h.group().orders().find("E1-C2"), nullptr);
  EXPECT_EQ(h.group().working_orders(), 0u);
  EXPECT_EQ(open_orders(), 0);
}

TEST_F(LifecycleTest, AReplaceInFlightWhenItsEngineDropsWithCancelOnDisconnectIsCancelledToo) {
  const auto owned = cancel_on_disconnect_with_c1_working();
  RouteHarness& g = *owned;
  const std::string repl = g.client_peer[0].make(
      "G", "11=C2|41=C1|1=" + g.account[0] +
               "|55=AAPL|54=1|38=150|40=2|44=190.50|60=" + timestamp(g.clock.utc) + "|");
  (void)g.from_client(0, repl);
  g.client(0).on_disconnected();
  (void)g.from_exchange(g.exchange_peer.make(
      "8", "37=O1|17=X1|11=E1-C2|41=E1-C1|150=5|39=0|38=150|151=150|14=0|55=AAPL|54=1|6=0|"));
  EXPECT_EQ(cancels_sent(g), (std::vector<std::string>{"E1-C1", "E1-C2"}));
}

// CancelOnDisconnect acts when the engine's session ends, whether by a
// dropped connection or by a clean Logout, as venues' cancel-on-disconnect
// does: an engine that logs out has left its orders unattended either way.
TEST_F(LifecycleTest, CancelOnDisconnectCancelsAfterACleanLogoutToo) {
  const auto owned = cancel_on_disconnect_with_c1_working();
  RouteHarness& g = *owned;
  (void)g.from_client(0, g.client_peer[0].make("5", ""));  // The engine's Logout.
  EXPECT_EQ(cancels_sent(g), (std::vector<std::string>{"E1-C1"}));
}

// The venue cancels an order while a replace of it is in flight, naming the
// replacement's ClOrdID or the original's, and sends no replace reject: the
// replacement never takes effect, so what it reserved is released with the
// order, not leaked for good.
TEST_F(LifecycleTest, AVenueCancelOfAnOrderWithAReplaceInFlightReleasesTheReplacementToo) {
  for (const char* named : {"11=E1-C2|41=E1-C1|", "11=E1-C1|"}) {
    SCOPED_TRACE(named);
    RouteHarness g(config(true, 0, false));
    g.log_on_all();
    const std::string c1 = g.order(0, "C1");
    ASSERT_EQ(g.from_client(0, c1), c1.size());
    (void)g.from_exchange(g.report("E1-C1", '0', '0', 100, 0, 0));
    const std::string repl = g.client_peer[0].make(
        "G", "11=C2|41=C1|1=" + g.account[0] +
                 "|55=AAPL|54=1|38=200|40=2|44=190.50|60=" + timestamp(g.clock.utc) + "|");
    ASSERT_EQ(g.from_client(0, repl), repl.size());
    ASSERT_GT(g.engine().account_usage("ACC1").open_notional, 0);
    (void)g.from_exchange(g.exchange_peer.make(
        "8",
        std::string("37=O1|17=X9|") + named + "150=4|39=4|38=100|151=0|14=0|55=AAPL|54=1|6=0|"));
    EXPECT_EQ(g.group().orders().size(), 0u);
    EXPECT_EQ(g.group().working_orders(), 0u);
    EXPECT_EQ(g.engine().account_usage("ACC1").open_orders, 0);
    EXPECT_EQ(g.engine().account_usage("ACC1").open_notional, 0) << "nothing stays reserved";
  }
}

// After the replace took effect, the venue reports a fill under the order's
// first ClOrdID: it is the replacement's execution, counted there and ending
// it, not an unknown order's fill that the position never sees.
TEST_F(LifecycleTest, AFillUnderTheRetiredClOrdIdAfterAReplaceIsTheReplacements) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  request(0, "G", "C2", "C1", 200);
  from_exchange(report("11=E1-C2|41=E1-C1|150=5|39=0|38=200|151=200|14=0|"));
  ASSERT_NE(h.group().orders().find("E1-C2"), nullptr);
  from_exchange(report("11=E1-C1|150=F|39=2|38=200|151=0|14=200|32=200|31=190.50|"));
  EXPECT_EQ(position(), 200);
  EXPECT_EQ(h.group().orders().find("E1-C2"), nullptr) << "filled: ended";
  EXPECT_EQ(open_orders(), 0);
  EXPECT_EQ(h.engine().account_usage("ACC1").open_notional, 0);
}

TEST_F(LifecycleTest, AReplaceThatTakesEffectWithNoKillEngagedIsNotCancelled) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  request(0, "G", "C2", "C1", 150);
  h.exchange_wire.sent.clear();
  from_exchange(report("11=E1-C2|41=E1-C1|150=5|39=0|38=150|151=150|14=0|"));
  for (const auto& m : h.exchange_wire.sent) EXPECT_NE(Parsed(m).type(), "F");
  EXPECT_EQ(h.group().working_orders(), 1u);
}

TEST_F(LifecycleTest, AReplaceDownToTheExecutedQuantityEndsTheReplacementAndReleasesIt) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  from_exchange(h.report("E1-C1", 'F', '1', 100, 60, 60));
  request(0, "G", "C2", "C1", 60);
  from_exchange(report("11=E1-C2|41=E1-C1|150=5|39=2|38=60|151=0|14=60|"));
  EXPECT_EQ(h.group().orders().size(), 0u) << "neither the original nor the replacement is open";
  EXPECT_EQ(h.group().working_orders(), 0u);
  EXPECT_EQ(open_orders(), 0);
  EXPECT_EQ(h.engine().account_usage("ACC1").open_notional, 0);
  EXPECT_EQ(position(), 60);
  const auto to_e1 = app_sent(h.client_wire[0]);
  ASSERT_EQ(to_e1.size(), 3u) << "the replace report still reaches its engine";
  EXPECT_EQ(to_e1[2].get(tag::kExecType), "5");
}

TEST_F(LifecycleTest, DoneForDayEndsADayOrderButAGoodTillCancelOrderStaysWorkingForTheKill) {
  place(0, "DAY1");
  send(0, h.client_peer[0].make("D", "11=GTC1|1=" + h.account[0] +
                                         "|55=AAPL|54=1|38=100|40=2|44=190.50|59=1|60=" +
                                         timestamp(h.clock.utc) + "|"));
  ASSERT_EQ(Parsed(h.exchange_wire.sent.back()).get(tag::kClOrdID), "E1-GTC1");
  from_exchange(h.report("E1-DAY1", '0', '0', 100, 0, 0));
  from_exchange(h.report("E1-GTC1", '0', '0', 100, 0, 0));
  from_exchange(h.report("E1-GTC1", 'F', '1', 100, 30, 30));
  from_exchange(report("11=E1-DAY1|150=3|39=3|38=100|151=0|14=0|"));
  from_exchange(report("11=E1-GTC1|150=3|39=3|38=100|151=70|14=30|"));
  EXPECT_EQ(h.group().orders().find("E1-DAY1"), nullptr) << "a Day order's day is over";
  const auto* gtc = h.group().orders().find("E1-GTC1");
  ASSERT_NE(gtc, nullptr) << "a GTC order rests until the venue works it again";
  EXPECT_EQ(gtc->leaves_qty, 70);
  EXPECT_EQ(h.group().working_orders(), 1u);
  EXPECT_EQ(open_orders(), 1);
  EXPECT_EQ(h.engine().pair_usage("ACC1", "AAPL").open_buy_qty, 70);
  // The next day it trades on, and a kill still finds it.
  from_exchange(h.report("E1-GTC1", 'F', '1', 100, 50, 20));
  EXPECT_EQ(position(), 50);
  EXPECT_EQ(h.group().cancel_working({}, "test kill"), 1u);
}

TEST_F(LifecycleMassCancel, AMassCancelTheVenueRefusesFallsBackToOneCancelPerOrder) {
  kill_with_mass_cancel();
  from_exchange(h.exchange_peer.make("r", "11=RGM1|37=NONE|530=7|531=0|58=not supported|"));
  EXPECT_EQ(cancelled(), (std::vector<std::string>{"E1-C1", "E2-D1"}));
  EXPECT_TRUE(audited(AuditEvent::kCancelSent, "531=0"));
}

TEST_F(LifecycleMassCancel, AMassCancelRefusedByBusinessOrSessionRejectFallsBackToo) {
  kill_with_mass_cancel();
  from_exchange(h.exchange_peer.make(
      "j", "45=" + std::to_string(mass_seq_) + "|372=q|380=3|58=unsupported message type|"));
  EXPECT_EQ(cancelled(), (std::vector<std::string>{"E1-C1", "E2-D1"}));
  EXPECT_TRUE(audited(AuditEvent::kCancelSent, "business reject 380=3"));
  // A session Reject of the same request, later, finds every order already
  // being cancelled: nothing is sent twice.
  h.exchange_wire.sent.clear();
  from_exchange(h.exchange_peer.make("3", "45=" + std::to_string(mass_seq_) + "|372=q|373=11|"));
  EXPECT_TRUE(cancelled().empty());
}

TEST_F(LifecycleMassCancel, AnAcceptedMassCancelSendsNoSingleCancelsEvenIfARefusalFollows) {
  kill_with_mass_cancel();
  from_exchange(h.exchange_peer.make("r", "11=RGM1|37=M1|530=7|531=7|"));
  EXPECT_TRUE(cancelled().empty());
  // A late or stray refusal naming a 35=q no longer outstanding.
  from_exchange(h.exchange_peer.make("j", "45=" + std::to_string(mass_seq_) + "|372=q|380=0|"));
  from_exchange(h.exchange_peer.make("r", "11=RGM1|37=M1|530=7|531=0|"));
  EXPECT_TRUE(cancelled().empty());
}

TEST_F(LifecycleTest, AnExecutionOnlyTheReplacedReportShowsIsCountedOnce) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  request(0, "G", "C2", "C1", 150);
  // 30 executed on C1 whose own report never came; the Replaced report's
  // CumQty is the venue's word for it.
  from_exchange(report("11=E1-C2|41=E1-C1|150=5|39=1|38=150|151=120|14=30|"));
  EXPECT_EQ(position(), 30);
  const auto* r = h.group().orders().find("E1-C2");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->cum_qty, 30);
  EXPECT_EQ(r->leaves_qty, 120);
  EXPECT_EQ(h.engine().pair_usage("ACC1", "AAPL").open_buy_qty, 120);
  // The late report of that execution adds nothing; the rest fills.
  from_exchange(report("11=E1-C1|150=F|39=1|38=100|151=70|14=30|32=30|31=190.50|"));
  from_exchange(report("11=E1-C2|150=F|39=2|38=150|151=0|14=150|32=120|31=190.50|"));
  EXPECT_EQ(position(), 150);
  EXPECT_EQ(h.group().working_orders(), 0u);
  EXPECT_EQ(open_orders(), 0);
}

TEST_F(LifecycleTest, ACancelRejectReachesTheOwnerAndTheOrderStaysWorking) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  request(0, "F", "X1", "C1");
  from_exchange(
      h.exchange_peer.make("9", "37=O1|11=E1-X1|41=E1-C1|39=0|434=1|102=0|58=too late to cancel|"));
  const auto to_e1 = app_sent(h.client_wire[0]);
  ASSERT_EQ(to_e1.size(), 2u);
  EXPECT_EQ(to_e1[1].type(), "9");
  EXPECT_EQ(to_e1[1].get(tag::kClOrdID), "X1");
  EXPECT_EQ(to_e1[1].get(tag::kOrigClOrdID), "C1");
  EXPECT_TRUE(app_sent(h.client_wire[1]).empty());
  EXPECT_EQ(h.group().orders().find("E1-X1"), nullptr) << "the cancel request is over";
  ASSERT_NE(h.group().orders().find("E1-C1"), nullptr) << "the order is not";
  EXPECT_EQ(h.group().working_orders(), 1u);
  EXPECT_EQ(open_orders(), 1);
}

// --- Exchange rejects of our messages ----------------------------------------

TEST_F(LifecycleTest, AnExchangeSessionRejectOfAnOrderBecomesAnOrderRejectAndReleasesExposure) {
  const std::uint64_t seq = place(0, "C1");
  EXPECT_EQ(open_orders(), 1);
  from_exchange(h.exchange_peer.make(
      "3", "45=" + std::to_string(seq) + "|372=D|373=5|371=44|58=price out of range|"));
  const auto to_e1 = app_sent(h.client_wire[0]);
  ASSERT_EQ(to_e1.size(), 1u);
  EXPECT_EQ(to_e1[0].type(), "8");
  EXPECT_EQ(to_e1[0].get(tag::kExecType), "8");
  EXPECT_EQ(to_e1[0].get(tag::kOrdStatus), "8");
  EXPECT_EQ(to_e1[0].get(tag::kClOrdID), "C1");
  EXPECT_EQ(to_e1[0].get(tag::kSymbol), "AAPL");
  EXPECT_EQ(to_e1[0].get(tag::kOrderQty), "100");
  EXPECT_NE(to_e1[0].get(tag::kText).find("373=5: price out of range"), std::string::npos);
  EXPECT_TRUE(app_sent(h.client_wire[1]).empty());
  EXPECT_EQ(h.group().orders().size(), 0u);
  EXPECT_EQ(h.group().working_orders(), 0u);
  EXPECT_EQ(open_orders(), 0) << "exposure released";
  EXPECT_EQ(h.engine().account_usage("ACC1").open_notional, 0);
  EXPECT_EQ(h.group().counters.exchange_rejects.load(), 1u);
  EXPECT_TRUE(audited(AuditEvent::kExchangeReject, "price out of range"));
}

TEST_F(LifecycleTest, AnExchangeSessionRejectOfAReplaceBecomesACancelReject) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  const std::uint64_t seq = request(0, "G", "C2", "C1", 120);
  from_exchange(h.exchange_peer.make("3", "45=" + std::to_string(seq) + "|372=G|373=99|58=no|"));
  const auto to_e1 = app_sent(h.client_wire[0]);
  ASSERT_EQ(to_e1.size(), 2u);
  EXPECT_EQ(to_e1[1].type(), "9");
  EXPECT_EQ(to_e1[1].get(tag::kCxlRejResponseTo), "2");
  EXPECT_EQ(to_e1[1].get(tag::kClOrdID), "C2");
  EXPECT_EQ(to_e1[1].get(tag::kOrigClOrdID), "C1");
  EXPECT_EQ(h.group().orders().find("E1-C2"), nullptr);
  ASSERT_NE(h.group().orders().find("E1-C1"), nullptr) << "the original still works";
  EXPECT_EQ(open_orders(), 1);
}

TEST_F(LifecycleTest, ASessionRejectOfAnAdminMessageTouchesNoOrder) {
  place(0, "C1");
  from_exchange(h.exchange_peer.make("3", "45=1|372=A|373=99|58=logon quibble|"));
  EXPECT_TRUE(app_sent(h.client_wire[0]).empty());
  EXPECT_NE(h.group().orders().find("E1-C1"), nullptr);
  EXPECT_EQ(h.group().counters.exchange_rejects.load(), 0u);
}

TEST_F(LifecycleTest, ABusinessMessageRejectOfAnOrderBecomesAnOrderRejectAndReleasesExposure) {
  const std::uint64_t seq = place(0, "C1");
  from_exchange(h.exchange_peer.make(
      "j", "45=" + std::to_string(seq) + "|372=D|379=E1-C1|380=2|58=unknown security|"));
  const auto to_e1 = app_sent(h.client_wire[0]);
  ASSERT_EQ(to_e1.size(), 1u);
  EXPECT_EQ(to_e1[0].type(), "8");
  EXPECT_EQ(to_e1[0].get(tag::kOrdStatus), "8");
  EXPECT_EQ(to_e1[0].get(tag::kClOrdID), "C1");
  EXPECT_NE(to_e1[0].get(tag::kText).find("380=2: unknown security"), std::string::npos);
  EXPECT_EQ(h.group().orders().size(), 0u);
  EXPECT_EQ(open_orders(), 0);
}

TEST_F(LifecycleTest, ABusinessMessageRejectOfACancelBecomesACancelReject) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  request(0, "F", "X1", "C1");
  from_exchange(h.exchange_peer.make("j", "372=F|379=E1-X1|380=0|58=throttled|"));
  const auto to_e1 = app_sent(h.client_wire[0]);
  ASSERT_EQ(to_e1.size(), 2u);
  EXPECT_EQ(to_e1[1].type(), "9");
  EXPECT_EQ(to_e1[1].get(tag::kCxlRejResponseTo), "1");
  EXPECT_EQ(to_e1[1].get(tag::kClOrdID), "X1");
  EXPECT_EQ(to_e1[1].get(tag::kOrigClOrdID), "C1");
  ASSERT_NE(h.group().orders().find("E1-C1"), nullptr);
  EXPECT_EQ(open_orders(), 1);
}

TEST_F(LifecycleTest, AnExchangeSessionRejectOfAKillCancelLeavesTheOrderForTheNextKill) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  h.exchange_wire.sent.clear();
  ASSERT_EQ(h.group().cancel_working({}, "test kill"), 1u);
  const std::uint64_t seq = Parsed(h.exchange_wire.sent.back()).seq();
  from_exchange(h.exchange_peer.make("3", "45=" + std::to_string(seq) + "|372=F|373=99|"));
  EXPECT_TRUE(app_sent(h.client_wire[0]).size() == 1u) << "only the ack";
  EXPECT_TRUE(audited(AuditEvent::kCancelSent, "kill cancel rejected by exchange"));
  EXPECT_EQ(h.group().cancel_working({}, "test kill"), 1u) << "tried again";
}

// --- Reports that do not square with the table -------------------------------

TEST_F(LifecycleTest, AReportNamingAnotherSessionsOrderIsAuditedAndNeitherActedOnNorForwarded) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  // ENGINE2's id in 11, ENGINE1's order in 41: a cancel ack that would end
  // ENGINE1's order and tell ENGINE2 about it.
  from_exchange(report("11=E2-Z|41=E1-C1|150=4|39=4|38=100|151=0|14=0|"));
  EXPECT_EQ(app_sent(h.client_wire[0]).size(), 1u) << "only the ack";
  EXPECT_TRUE(app_sent(h.client_wire[1]).empty());
  EXPECT_NE(h.group().orders().find("E1-C1"), nullptr);
  EXPECT_EQ(open_orders(), 1);
  EXPECT_EQ(h.group().counters.foreign_reports.load(), 1u);
  EXPECT_TRUE(audited(AuditEvent::kReportAnomaly, "another session's order"));
}

TEST_F(LifecycleTest, AFillWithAnotherSessionsOrigClOrdIdIsNotCountedOrForwarded) {
  place(0, "C1");
  from_exchange(report("11=E1-C1|41=E2-Q|150=F|39=2|38=100|151=0|14=100|32=100|31=190.50|"));
  EXPECT_TRUE(app_sent(h.client_wire[0]).empty());
  EXPECT_TRUE(app_sent(h.client_wire[1]).empty());
  EXPECT_EQ(position(), 0);
  EXPECT_NE(h.group().orders().find("E1-C1"), nullptr);
  EXPECT_EQ(h.group().counters.foreign_reports.load(), 1u);
}

TEST_F(LifecycleTest, AReportForAnUnknownOrderIsAuditedAndGoesNoFurtherThanItsPrefixOwner) {
  from_exchange(h.report("E1-GHOST", 'F', '2', 100, 100, 100));
  EXPECT_EQ(app_sent(h.client_wire[0]).size(), 1u) << "the only session that issues E1- ids";
  EXPECT_TRUE(app_sent(h.client_wire[1]).empty());
  from_exchange(h.report("ZZ-NOBODY", '0', '0', 100, 0, 0));
  EXPECT_TRUE(app_sent(h.client_wire[1]).empty());
  EXPECT_EQ(app_sent(h.client_wire[0]).size(), 1u);
  EXPECT_EQ(h.group().counters.unknown_orders.load(), 2u);
  EXPECT_EQ(h.group().counters.unroutable.load(), 1u);
  EXPECT_EQ(position(), 0) << "an unknown order moves no exposure";
  EXPECT_TRUE(audited(AuditEvent::kReportAnomaly, "unknown order"));
}

TEST_F(LifecycleTest, AnUntrackedCancelsAckEndsTheOrderItNames) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  // 11 is a cancel id of ENGINE1's the table does not hold (it was full).
  from_exchange(report("11=E1-X9|41=E1-C1|150=4|39=4|38=100|151=0|14=0|"));
  EXPECT_EQ(h.group().orders().find("E1-C1"), nullptr);
  EXPECT_EQ(open_orders(), 0);
  const auto to_e1 = app_sent(h.client_wire[0]);
  ASSERT_EQ(to_e1.size(), 2u);
  EXPECT_EQ(to_e1[1].get(tag::kClOrdID), "X9");
  EXPECT_EQ(to_e1[1].get(tag::kOrigClOrdID), "C1");
}

// --- Identifier bounds -------------------------------------------------------

class OversizeIdentifier : public LifecycleTest,
                           public ::testing::WithParamInterface<std::pair<int, std::size_t>> {};

TEST_P(OversizeIdentifier, IsASessionRejectAnAuditLineAndNeverForwardedOrActedOn) {
  const auto [t, n] = GetParam();
  place(0, "C1");
  const std::string big(n, 'A');
  std::string fields = "150=F|39=2|38=100|151=0|14=100|32=100|31=190.50|";
  std::string ids;
  ids += "37=" + (t == 37 ? big : std::string("O1")) + "|";
  ids += "17=" + (t == 17 ? big : std::string("X1")) + "|";
  ids += "11=" + (t == 11 ? big : std::string("E1-C1")) + "|";
  if (t == 41) ids += "41=E1-" + big + "|";
  from_exchange(h.exchange_peer.make("8", ids + fields + "55=AAPL|54=1|6=190.50|"));
  EXPECT_TRUE(app_sent(h.client_wire[0]).empty());
  EXPECT_TRUE(app_sent(h.client_wire[1]).empty());
  EXPECT_EQ(position(), 0) << "not acted on";
  EXPECT_NE(h.group().orders().find("E1-C1"), nullptr);
  EXPECT_EQ(h.group().counters.reports_rejected.load(), 1u);
  const Parsed rej(h.exchange_wire.sent.back());
  EXPECT_EQ(rej.type(), "3");
  EXPECT_EQ(rej.get(tag::kSessionRejectReason), "5");
  EXPECT_EQ(rej.get(tag::kRefTagID), std::to_string(t));
  EXPECT_TRUE(audited(AuditEvent::kReportAnomaly, "tag " + std::to_string(t) + " is "));
}

INSTANTIATE_TEST_SUITE_P(Tags, OversizeIdentifier,
                         ::testing::Values(std::pair<int, std::size_t>{11, 3000},
                                           std::pair<int, std::size_t>{11, 64},
                                           std::pair<int, std::size_t>{41, 100},
                                           std::pair<int, std::size_t>{37, 65},
                                           std::pair<int, std::size_t>{17, 3000}));

TEST_F(LifecycleTest, AnOversizeIdInACancelRejectOrBusinessRejectIsNotActedOn) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  request(0, "F", "X1", "C1");
  const std::string big(500, 'B');
  from_exchange(h.exchange_peer.make("9", "37=O1|11=E1-X1|41=E1-" + big + "|39=0|434=1|102=0|"));
  from_exchange(h.exchange_peer.make("j", "372=F|379=" + big + "|380=0|"));
  EXPECT_EQ(app_sent(h.client_wire[0]).size(), 1u) << "only the ack";
  EXPECT_NE(h.group().orders().find("E1-X1"), nullptr);
  EXPECT_EQ(h.group().counters.reports_rejected.load(), 2u);
}

TEST_F(LifecycleTest, ACancelRejectSayingTheOrderIsAlreadyCanceledEndsIt) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  request(0, "F", "X1", "C1");
  from_exchange(h.exchange_peer.make("9", "37=O1|11=E1-X1|41=E1-C1|39=4|434=1|102=0|58=too late|"));
  EXPECT_EQ(h.group().orders().find("E1-C1"), nullptr);
  EXPECT_EQ(open_orders(), 0);
  const auto to_e1 = app_sent(h.client_wire[0]);
  EXPECT_EQ(to_e1.back().type(), "9") << "the engine still gets the cancel reject";
}

TEST_F(LifecycleTest, ACancelRejectForAFilledOrderLeavesItToItsFillReport) {
  place(0, "C1");
  request(0, "F", "X1", "C1");
  from_exchange(h.exchange_peer.make("9", "37=O1|11=E1-X1|41=E1-C1|39=2|434=1|102=0|58=too late|"));
  ASSERT_NE(h.group().orders().find("E1-C1"), nullptr);
  from_exchange(report("11=E1-C1|150=F|39=2|38=100|151=0|14=100|32=100|31=190.50|"));
  EXPECT_EQ(h.group().orders().find("E1-C1"), nullptr);
  EXPECT_EQ(position(), 100);
}

TEST_F(LifecycleTest, AnUnsolicitedRestatementSayingCanceledEndsTheOrder) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  from_exchange(report("11=E1-C1|150=D|39=4|38=100|151=0|14=0|"));
  EXPECT_EQ(h.group().orders().find("E1-C1"), nullptr);
  EXPECT_EQ(open_orders(), 0);
}

TEST_F(LifecycleTest, ABusinessRejectOfAKillCancelLeavesTheOrderForTheNextKill) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  ASSERT_EQ(h.group().cancel_working({}, "test kill"), 1u);
  const Parsed kill = Parsed(h.exchange_wire.sent.back());
  ASSERT_EQ(kill.type(), "F");
  from_exchange(h.exchange_peer.make("j", "45=" + std::to_string(kill.seq()) +
                                              "|372=F|379=" + std::string(kill.get(tag::kClOrdID)) +
                                              "|380=4|58=venue busy|"));
  EXPECT_TRUE(audited(AuditEvent::kCancelSent, "kill cancel rejected by exchange: business"));
  EXPECT_EQ(h.group().counters.unroutable.load(), 0u);
  EXPECT_EQ(h.group().cancel_working({}, "test kill again"), 1u) << "tried again";
}

// --- Orders the exchange never received ------------------------------------

TEST_F(LifecycleTest, AnOrderTheExchangeAsksForAgainIsGapFilledAndRejectedToItsEngine) {
  const std::uint64_t seq = place(0, "C1");
  place(0, "C2");
  from_exchange(h.report("E1-C2", '0', '0', 100, 0, 0));
  // The exchange never got C1 (lost with a connection or a crash): it asks
  // for it again, and the exchange leg never replays a stale order.
  from_exchange(h.exchange_peer.make("2", "7=" + std::to_string(seq) + "|16=0|"));
  const auto to_exch = app_sent(h.exchange_wire);
  EXPECT_EQ(to_exch.back().type(), "D") << "no order is resent";
  const auto to_e1 = app_sent(h.client_wire[0]);
  ASSERT_EQ(to_e1.size(), 2u);
  EXPECT_EQ(to_e1[1].get(tag::kClOrdID), "C1");
  EXPECT_EQ(to_e1[1].get(tag::kOrdStatus), "8");
  EXPECT_NE(std::string(to_e1[1].get(tag::kText)).find("not delivered"), std::string::npos);
  EXPECT_EQ(h.group().orders().find("E1-C1"), nullptr);
  EXPECT_NE(h.group().orders().find("E1-C2"), nullptr) << "acked: at the exchange";
  EXPECT_EQ(open_orders(), 1);
}

// --- Anomalies that trip a kill (KillOnReportAnomaly) ------------------------

TEST_F(LifecycleTest, ByDefaultAnOverfillOrAForeignReportTripsNoKill) {
  place(0, "C1");
  from_exchange(report("11=E1-C1|150=F|39=2|38=100|151=0|14=150|32=150|31=190.50|"));
  from_exchange(report("11=E2-Z|41=E1-Q|150=4|39=4|38=100|151=0|14=0|"));
  EXPECT_EQ(h.engine().kills().generation(), 0u);
}

TEST_F(LifecycleKillOnAnomaly, AnOverfillKillsTheOwningSessionAndCancelsItsOtherOrders) {
  place(0, "C1");
  place(0, "C2");
  place(1, "D1");
  from_exchange(report("11=E1-C1|150=F|39=2|38=100|151=0|14=150|32=150|31=190.50|"));
  EXPECT_TRUE(killed(riskgate::risk::KillScope::kClientSession, h.leg(0).index()));
  EXPECT_FALSE(killed(riskgate::risk::KillScope::kClientSession, h.leg(1).index()));
  EXPECT_TRUE(audited(AuditEvent::kKillTripped, "overfill (KillOnReportAnomaly)"));
  // The fill still reached the engine; then C2's cancel went out, not D1's.
  const auto to_exch = app_sent(h.exchange_wire);
  ASSERT_EQ(to_exch.back().type(), "F");
  EXPECT_EQ(to_exch.back().get(tag::kOrigClOrdID), "E1-C2");
  EXPECT_EQ(app_sent(h.client_wire[0]).size(), 1u);
}

TEST_F(LifecycleKillOnAnomaly, AForeignReportKillsTheExchangeSessionAndIsNotForwarded) {
  place(0, "C1");
  from_exchange(h.report("E1-C1", '0', '0', 100, 0, 0));
  from_exchange(report("11=E2-Z|41=E1-C1|150=4|39=4|38=100|151=0|14=0|"));
  EXPECT_TRUE(
      killed(riskgate::risk::KillScope::kExchangeSession, h.group().options().exchange_idx));
  EXPECT_TRUE(app_sent(h.client_wire[1]).empty());
  // New orders on the exchange session are refused by the kill.
  send(0, h.order(0, "C3"));
  const auto to_e1 = app_sent(h.client_wire[0]);
  EXPECT_NE(std::string(to_e1.back().get(tag::kText)).find("kill_switch"), std::string::npos);
}

}  // namespace
