// Trade cancel and correct (150=H / G) through a route group: the venue's
// new CumQty becomes the order's executed quantity, the position follows it,
// a later fill counts, every such report is audited and forwarded, and a bust
// of an order that has ended is never taken for a rogue report: riskgate
// remembers the day's ended orders (MaxEndedOrders), so it still moves the
// position.
#include <gtest/gtest.h>

#include <string>

#include "gateway/codec/tags.hpp"
#include "gateway/journal/journal.hpp"
#include "gateway/journal/reader.hpp"
#include "tests/gateway/journal/journal_fixture.hpp"
#include "tests/support/route_harness.hpp"

namespace {

using riskgate::audit::AuditEvent;
using riskgate::testing::app_sent;
using riskgate::testing::RouteHarness;
namespace journal = riskgate::journal;

// KillOnReportAnomaly = ["unknown"]; `exchange_dictionary` false: a venue
// whose reports may lack CumQty or LeavesQty (4.4 requires both).
riskgate::config::Config config(bool exchange_dictionary) {
  auto cfg = RouteHarness::default_config();
  cfg.gateway.kill_on_report_anomaly = riskgate::route::kKillOnUnknown;
  for (auto& d : cfg.sessions)
    if (d.name == "EXCH") d.use_data_dictionary = exchange_dictionary;
  return cfg;
}

// Engine 0's order C1 of 100, filled 60, then those 60 busted (CumQty 0)
// with OrdStatus `status` and LeavesQty `leaves`.
void fill_then_bust_60(RouteHarness& h, char status, int leaves) {
  ASSERT_GT(h.from_client(0, h.order(0, "C1", 100)), 0u);
  ASSERT_GT(h.from_exchange(h.report("E1-C1", 'F', '1', 100, 60, 60)), 0u);
  ASSERT_GT(h.from_exchange(h.exchange_peer.make(
                "8", "37=O1|17=XB|19=X1|11=E1-C1|150=H|39=" + std::string(1, status) +
                         "|55=AAPL|54=1|38=100|151=" + std::to_string(leaves) +
                         "|14=0|32=60|31=190.50|6=0|")),
            0u);
}

// A journal of what `day` did through a route harness attached to it.
template <typename Day>
journal::JournalConfig journal_of(const riskgate::testing::TempDir& dir, Day day) {
  const auto jcfg = journal::testing::test_config(dir.path());
  journal::Journal j(jcfg);
  RouteHarness h(RouteHarness::default_config(), &j.ring(0));
  h.log_on_all();
  day(h);
  j.stop();
  return jcfg;
}

// Engine 0's orders `ids`, each filled (100 of 100) and so ended.
void fill_each(RouteHarness& h, std::initializer_list<const char*> ids) {
  for (const char* id : ids) {
    ASSERT_GT(h.from_client(0, h.order(0, id, 100)), 0u);
    ASSERT_GT(h.from_exchange(h.report(std::string("E1-") + id, 'F', '2', 100, 100, 100)), 0u);
  }
}

// Replays the journal's order events into `h` (only those of `only`, when
// given), as a restart does. Returns how many were trade busts.
int replay(RouteHarness& h, const journal::JournalConfig& jcfg, std::string_view only = {}) {
  int busts = 0;
  const journal::JournalFile f(jcfg.file);
  (void)f.scan_logical([&](const journal::RecordView& r) {
    journal::OrderEvent e;
    if (r.type() != journal::RecordType::kOrderEvent || !journal::decode(r, e)) return;
    if (!only.empty() && e.cl_ord_id != only) return;
    busts += e.kind == journal::OrderEventKind::kTradeBust;
    EXPECT_TRUE(h.group().restore_event(e));
  });
  return busts;
}

class TradeCorrectionTest : public ::testing::Test {
 protected:
  explicit TradeCorrectionTest(bool exchange_dictionary = true) : h(config(exchange_dictionary)) {}
  void SetUp() override { h.log_on_all(); }

  void send(const std::string& bytes) { ASSERT_EQ(h.from_client(0, bytes), bytes.size()); }
  void exch(const std::string& bytes) { ASSERT_EQ(h.from_exchange(bytes), bytes.size()); }
  // A trade cancel (H) or correct (G) of order `id` that leaves CumQty at
  // `cum` and LeavesQty at `leaves`, OrdStatus `status`.
  std::string correction(const std::string& id, char type, std::int64_t cum, std::int64_t leaves,
                         char status = '1') {
    return h.exchange_peer.make(
        "8", "37=O1|17=XB" + std::to_string(++n_) + "|19=X2|11=" + id +
                 "|150=" + std::string(1, type) + "|39=" + std::string(1, status) +
                 "|55=AAPL|54=1|38=100|151=" + std::to_string(leaves) +
                 "|14=" + std::to_string(cum) + "|32=60|31=190.50|6=190.50|");
  }
  riskgate::risk::PairUsage pair() { return h.engine().pair_usage("ACC1", "AAPL"); }
  // Engine 0's cancel (F) or replace (G, to `qty`) of C1, forwarded.
  void request(const std::string& type, const std::string& id, std::int64_t qty = 100) {
    send(h.client_peer[0].make(type, "11=" + id +
                                         "|41=C1|1=ACC1|55=AAPL|54=1|38=" + std::to_string(qty) +
                                         (type == "G" ? "|40=2|44=190.50" : "") +
                                         "|60=" + riskgate::testing::timestamp(h.clock.utc) + "|"));
  }
  std::string audited(AuditEvent ev) {
    std::string all;
    for (const auto& r : h.audit.records)
      if (r.event == ev) all += std::string(r.text) + "\n";
    return all;
  }

  RouteHarness h;
  int n_ = 0;
};

class TradeCorrectionWithoutExchangeDictionary : public TradeCorrectionTest {
 protected:
  TradeCorrectionWithoutExchangeDictionary() : TradeCorrectionTest(false) {}
};

TEST_F(TradeCorrectionTest, ABustGivesTheQuantityBackToThePositionAndALaterFillCounts) {
  send(h.order(0, "C1", 100));
  exch(h.report("E1-C1", '0', '0', 100, 0, 0));
  exch(h.report("E1-C1", 'F', '1', 100, 60, 60));
  ASSERT_EQ(pair().position, 60);
  ASSERT_EQ(pair().open_buy_qty, 40);

  // The venue busts the 60 and puts them back on the book.
  exch(correction("E1-C1", 'H', 0, 100, '0'));
  EXPECT_EQ(pair().position, 0);
  EXPECT_EQ(pair().open_buy_qty, 100);
  const auto* e = h.group().orders().find("E1-C1");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->cum_qty, 0);
  EXPECT_EQ(e->leaves_qty, 100);
  EXPECT_NE(audited(AuditEvent::kTradeCorrected).find("60 taken off the position"),
            std::string::npos)
      << audited(AuditEvent::kTradeCorrected);

  // The whole order now fills: 100 traded, not 40 (nor "a replay").
  exch(h.report("E1-C1", 'F', '2', 100, 100, 100));
  EXPECT_EQ(pair().position, 100);
  EXPECT_EQ(pair().open_buy_qty, 0);
  EXPECT_EQ(h.group().orders().find("E1-C1"), nullptr);
  EXPECT_EQ(audited(AuditEvent::kReportAnomaly), "");
  EXPECT_EQ(app_sent(h.client_wire[0]).size(), 4u) << "every report reaches the engine";
}

TEST_F(TradeCorrectionWithoutExchangeDictionary,
       ABustWithoutLeavesQtyTakesTheBustedQuantityAsOpenAgain) {
  send(h.order(0, "C1", 100));
  exch(h.report("E1-C1", 'F', '1', 100, 60, 60));
  exch(h.exchange_peer.make("8",
                            "37=O1|17=XB|19=X1|11=E1-C1|150=H|39=0|55=AAPL|54=1|38=100|14=20|"
                            "6=190.50|"));
  EXPECT_EQ(pair().position, 20);
  EXPECT_EQ(pair().open_buy_qty, 80) << "the larger exposure, until the venue says otherwise";
}

TEST_F(TradeCorrectionTest, AnUpwardCorrectionIsCountedAsAnExecution) {
  send(h.order(0, "C1", 100));
  exch(h.report("E1-C1", 'F', '1', 100, 60, 60));
  exch(correction("E1-C1", 'G', 70, 30));
  EXPECT_EQ(pair().position, 70);
  EXPECT_EQ(pair().open_buy_qty, 30);
  EXPECT_NE(audited(AuditEvent::kTradeCorrected).find("counted as an execution"),
            std::string::npos);
  EXPECT_EQ(audited(AuditEvent::kReportAnomaly), "") << "its LastQty is the trade's, not a delta";
}

TEST_F(TradeCorrectionWithoutExchangeDictionary, ACorrectionWithoutCumQtyChangesNothingAndSaysSo) {
  send(h.order(0, "C1", 100));
  exch(h.report("E1-C1", 'F', '1', 100, 60, 60));
  exch(h.exchange_peer.make(
      "8", "37=O1|17=XB|19=X1|11=E1-C1|150=H|39=1|55=AAPL|54=1|38=100|32=60|6=190.50|"));
  EXPECT_EQ(pair().position, 60);
  EXPECT_NE(audited(AuditEvent::kTradeCorrected).find("without a usable CumQty"),
            std::string::npos);
}

TEST_F(TradeCorrectionTest, ABustOfAnOrderThatEndedTakesTheQuantityOffThePositionAndTripsNoKill) {
  send(h.order(0, "C1", 100));
  exch(h.report("E1-C1", 'F', '2', 100, 100, 100));
  ASSERT_EQ(h.group().orders().find("E1-C1"), nullptr);
  ASSERT_EQ(pair().position, 100);
  const auto gross = h.engine().account_usage("ACC1").gross_notional_day;
  const std::size_t to_engine = app_sent(h.client_wire[0]).size();

  exch(correction("E1-C1", 'H', 40, 0, '2'));
  EXPECT_EQ(pair().position, 40) << "60 of the 100 busted";
  EXPECT_EQ(pair().open_buy_qty, 0) << "nothing reopens on an ended order";
  EXPECT_EQ(h.engine().account_usage("ACC1").gross_notional_day, gross)
      << "a bust never loosens a day limit";
  EXPECT_EQ(h.engine().account_usage("ACC1").open_orders, 0);
  EXPECT_EQ(h.group().orders().find("E1-C1"), nullptr) << "it stays ended";
  ASSERT_NE(h.group().ended_order("E1-C1"), nullptr);
  EXPECT_EQ(h.group().ended_order("E1-C1")->cum_qty, 40);
  EXPECT_EQ(audited(AuditEvent::kKillTripped), "")
      << "KillOnReportAnomaly = unknown is for reports no order explains";
  EXPECT_NE(audited(AuditEvent::kTradeCorrected)
                .find("trade cancel of an ended order: executed quantity 100 -> 40, 60 taken off "
                      "the position"),
            std::string::npos)
      << audited(AuditEvent::kTradeCorrected);
  EXPECT_EQ(audited(AuditEvent::kReportAnomaly), "");
  EXPECT_EQ(h.group().counters.unknown_orders.load(), 0u) << "riskgate knows the order";
  EXPECT_EQ(app_sent(h.client_wire[0]).size(), to_engine + 1) << "the engine hears of it";

  // The venue repeats the report (a resend): read against the 40 now
  // counted, it takes nothing more off.
  exch(correction("E1-C1", 'H', 40, 0, '2'));
  EXPECT_EQ(pair().position, 40);

  // A report that no order explains still trips it.
  exch(h.report("E1-NOPE", 'F', '1', 100, 10, 10));
  EXPECT_NE(audited(AuditEvent::kKillTripped).find("unknown-order report"), std::string::npos);
}

TEST_F(TradeCorrectionTest, AnUpwardCorrectionOfAnEndedOrderCountsAsATrade) {
  send(h.order(0, "C1", 100));
  exch(h.report("E1-C1", 'F', '2', 100, 100, 100));
  const auto gross = h.engine().account_usage("ACC1").gross_notional_day;
  exch(correction("E1-C1", 'G', 110, 0, '2'));
  EXPECT_EQ(pair().position, 110);
  // 10 more at 190.50 (micros).
  EXPECT_EQ(h.engine().account_usage("ACC1").gross_notional_day - gross, 10 * 190'500'000);
  EXPECT_NE(audited(AuditEvent::kTradeCorrected).find("100 -> 110, counted as an execution"),
            std::string::npos)
      << audited(AuditEvent::kTradeCorrected);
}

// The bust names the cancel request (11) of an order that filled while the
// cancel was on its way (41): the order is the one it comes off.
TEST_F(TradeCorrectionTest, ABustOfAnEndedOrderUnderItsCancelRequestsIdComesOffTheOrder) {
  send(h.order(0, "C1", 100));
  request("F", "X1");
  exch(h.report("E1-C1", 'F', '2', 100, 100, 100));
  ASSERT_EQ(h.group().orders().find("E1-C1"), nullptr);
  exch(h.exchange_peer.make("8",
                            "37=O1|17=XB1|19=X1|11=E1-X1|41=E1-C1|150=H|39=2|55=AAPL|54=1|38=100|"
                            "151=0|14=70|32=30|31=190.50|6=0|"));
  EXPECT_EQ(pair().position, 70);
}

// A replace moves the original's executions to the replacement: only the
// replacement is remembered when it ends, so a bust is taken off once.
TEST_F(TradeCorrectionTest,
       AnEndedReplacementCarriesItsOriginalsTradesAndTheOriginalIsNotRemembered) {
  send(h.order(0, "C1", 100));
  exch(h.report("E1-C1", 'F', '1', 100, 60, 60));
  request("G", "C2", 150);
  exch(h.exchange_peer.make("8",
                            "37=O1|17=XR|11=E1-C2|41=E1-C1|150=5|39=1|55=AAPL|54=1|38=150|151=90|"
                            "14=60|6=190.50|"));
  exch(h.report("E1-C2", 'F', '2', 150, 150, 90));
  ASSERT_EQ(pair().position, 150);
  EXPECT_EQ(h.group().ended_order("E1-C1"), nullptr) << "replaced: its trades are C2's";
  ASSERT_NE(h.group().ended_order("E1-C2"), nullptr);
  exch(correction("E1-C2", 'H', 100, 0, '2'));
  EXPECT_EQ(pair().position, 100);
}

// A venue that reports the bust under the chain's first ClOrdID: the
// original is not remembered (replaced), its ended replacement is.
TEST_F(TradeCorrectionTest, ABustNamingTheFirstClOrdIDOfAnEndedReplacementComesOffTheReplacement) {
  send(h.order(0, "C1", 100));
  exch(h.report("E1-C1", 'F', '1', 100, 60, 60));
  request("G", "C2", 150);
  exch(h.exchange_peer.make("8",
                            "37=O1|17=XR|11=E1-C2|41=E1-C1|150=5|39=1|55=AAPL|54=1|38=150|151=90|"
                            "14=60|6=190.50|"));
  exch(h.report("E1-C2", 'F', '2', 150, 150, 90));
  ASSERT_EQ(pair().position, 150);
  exch(correction("E1-C1", 'H', 90, 0, '2'));
  EXPECT_EQ(pair().position, 90);
  EXPECT_EQ(h.group().ended_order("E1-C2")->cum_qty, 90);
  EXPECT_EQ(h.group().counters.unknown_orders.load(), 0u);
}

// An order placed yesterday that filled and ended today: the upward
// correction is a trade reported today, so it counts in today's gross as the
// fill did, whatever day the order was reserved on.
TEST_F(TradeCorrectionTest, AnUpwardCorrectionOfYesterdaysOrderEndedTodayCountsInTodaysGross) {
  send(h.order(0, "C1", 100));
  h.engine().reset_day();  // The roll, as TradingDay does it.
  h.group().forget_ended();
  exch(h.report("E1-C1", 'F', '2', 100, 100, 100));
  ASSERT_NE(h.group().ended_order("E1-C1"), nullptr);
  const auto gross = h.engine().account_usage("ACC1").gross_notional_day;
  exch(correction("E1-C1", 'G', 110, 0, '2'));
  EXPECT_EQ(pair().position, 110);
  EXPECT_EQ(h.engine().account_usage("ACC1").gross_notional_day - gross, 10 * 190'500'000);
}

// A day's ended order rebuilt from the journal after a restart: an upward
// correction counts in the day's gross as it does without the restart.
TEST_F(TradeCorrectionTest, AnUpwardCorrectionAfterARestartCountsInTheDaysGrossAsBefore) {
  riskgate::testing::TempDir dir;
  const auto cfg = journal_of(dir, [](RouteHarness& h1) { fill_each(h1, {"C1"}); });
  journal::Journal j2(cfg);
  RouteHarness h2(RouteHarness::default_config(), &j2.ring(0));
  (void)replay(h2, cfg);
  ASSERT_NE(h2.group().ended_order("E1-C1"), nullptr);
  h2.log_on_all();
  const auto gross = h2.engine().account_usage("ACC1").gross_notional_day;
  ASSERT_GT(h2.from_exchange(h2.exchange_peer.make(
                "8",
                "37=O1|17=XC|19=X1|11=E1-C1|150=G|39=2|55=AAPL|54=1|38=100|151=0|14=110|"
                "32=110|31=190.50|6=190.50|")),
            0u);
  EXPECT_EQ(h2.engine().pair_usage("ACC1", "AAPL").position, 110);
  EXPECT_EQ(h2.engine().account_usage("ACC1").gross_notional_day - gross, 10 * 190'500'000);
}

// KillOnReportAnomaly = ["overfill"]; engine 0's C1 filled (100 of 100) and
// ended, its C2 working.
class EndedOrderOverfill : public ::testing::Test {
 protected:
  static riskgate::config::Config kill_on_overfill() {
    auto cfg = config(true);
    cfg.gateway.kill_on_report_anomaly = riskgate::route::kKillOnOverfill;
    return cfg;
  }
  void SetUp() override {
    h.log_on_all();
    ASSERT_GT(h.from_client(0, h.order(0, "C1", 100)), 0u);
    ASSERT_GT(h.from_exchange(h.report("E1-C1", 'F', '2', 100, 100, 100)), 0u);
    ASSERT_GT(h.from_client(0, h.order(0, "C2", 100)), 0u);
  }
  // A trade correction to CumQty 150 of C1, named by `ids` (11= and 41=).
  void correct_to_150(const std::string& ids) {
    ASSERT_GT(h.from_exchange(h.exchange_peer.make(
                  "8", "37=O1|17=XC|19=X1|" + ids +
                           "|150=G|39=2|55=AAPL|54=1|38=100|151=0|14=150|32=150|31=190.50|"
                           "6=190.50|")),
              0u);
  }
  // Traded all the same, counted as an overfill, and engine 0 killed: its
  // C2 cancelled.
  void expect_overfill_and_kill() {
    EXPECT_EQ(h.engine().pair_usage("ACC1", "AAPL").position, 150) << "traded all the same";
    EXPECT_EQ(h.group().counters.overfills.load(), 1u);
    bool said = false;
    for (const auto& r : h.audit.records)
      said = said ||
             (r.event == AuditEvent::kReportAnomaly &&
              std::string(r.text).find("overfill by a trade correction of an ended "
                                       "order: CumQty 150 > OrderQty 100") != std::string::npos);
    EXPECT_TRUE(said);
    EXPECT_TRUE(
        h.engine().kills().engaged(riskgate::risk::KillScope::kClientSession, h.leg(0).index()));
    const auto to_exch = app_sent(h.exchange_wire);
    ASSERT_EQ(to_exch.back().type(), "F");
    EXPECT_EQ(to_exch.back().get(riskgate::codec::tag::kOrigClOrdID), "E1-C2");
  }

  RouteHarness h{kill_on_overfill()};
};

// A correction that takes an ended order's CumQty beyond its OrderQty is an
// overfill, as a working order's fill beyond it is: counted, audited, and
// with KillOnReportAnomaly = ["overfill"] it kills the owning session once
// the report has reached the engine.
TEST_F(EndedOrderOverfill, ACorrectionBeyondTheOrderQuantityIsAnOverfillThatCanKill) {
  correct_to_150("11=E1-C1");
  expect_overfill_and_kill();
  // The correction reached the engine before the kill cancelled C2.
  const auto to_engine = app_sent(h.client_wire[0]);
  ASSERT_FALSE(to_engine.empty());
  EXPECT_EQ(to_engine.back().get(riskgate::codec::tag::kExecType), "G");
}

// The same overfill reported under an id no engine owns (OrigClOrdID names
// the ended order): not forwarded, but the ended order's own session is
// killed all the same.
TEST_F(EndedOrderOverfill, AnUnroutableCorrectionBeyondTheOrderQuantityKillsItsOwner) {
  const auto to_engine_before = app_sent(h.client_wire[0]).size();
  correct_to_150("11=ZZ-9|41=E1-C1");
  expect_overfill_and_kill();
  EXPECT_EQ(app_sent(h.client_wire[0]).size(), to_engine_before) << "unroutable";
}

// A correction within the order quantity is no overfill, and trips nothing.
TEST(TradeCorrectionOfEndedOrders, ACorrectionWithinTheOrderQuantityIsNoOverfill) {
  auto cfg = config(true);
  cfg.gateway.kill_on_report_anomaly = riskgate::route::kKillOnOverfill;
  RouteHarness h(cfg);
  h.log_on_all();
  ASSERT_GT(h.from_client(0, h.order(0, "C1", 100)), 0u);
  ASSERT_GT(h.from_exchange(h.report("E1-C1", 'F', '1', 100, 60, 60)), 0u);
  ASSERT_GT(h.from_exchange(h.exchange_peer.make(
                "8", "37=O1|17=XD|11=E1-C1|150=4|39=4|55=AAPL|54=1|38=100|151=0|14=60|6=190.50|")),
            0u);
  ASSERT_NE(h.group().ended_order("E1-C1"), nullptr);
  ASSERT_GT(h.from_exchange(h.exchange_peer.make(
                "8",
                "37=O1|17=XC|19=X1|11=E1-C1|150=G|39=4|55=AAPL|54=1|38=100|151=0|14=90|"
                "32=90|31=190.50|6=190.50|")),
            0u);
  EXPECT_EQ(h.engine().pair_usage("ACC1", "AAPL").position, 90);
  EXPECT_EQ(h.group().counters.overfills.load(), 0u);
  EXPECT_EQ(h.engine().kills().generation(), 0u);
}

// MaxEndedOrders = 1: the oldest ended order makes way for the next; a bust
// of it can no longer be applied and says so.
TEST(TradeCorrectionOfForgottenOrders, ABustOfAnOrderNoLongerRememberedIsAuditedOnly) {
  auto cfg = config(true);
  cfg.gateway.max_ended_orders = 1;
  RouteHarness h(cfg);
  h.log_on_all();
  for (const char* id : {"C1", "C2"}) {
    ASSERT_GT(h.from_client(0, h.order(0, id, 100)), 0u);
    ASSERT_GT(h.from_exchange(h.report(std::string("E1-") + id, 'F', '2', 100, 100, 100)), 0u);
  }
  EXPECT_EQ(h.group().ended_orders(), 1u);
  EXPECT_EQ(h.group().ended_order("E1-C1"), nullptr);
  ASSERT_GT(h.from_exchange(h.exchange_peer.make(
                "8",
                "37=O1|17=XB|19=X1|11=E1-C1|150=H|39=2|55=AAPL|54=1|38=100|151=0|14=0|"
                "32=100|31=190.50|6=0|")),
            0u);
  EXPECT_EQ(h.engine().pair_usage("ACC1", "AAPL").position, 200);
  bool said = false;
  for (const auto& r : h.audit.records)
    said = said || std::string(r.text).find("no longer working") != std::string::npos;
  EXPECT_TRUE(said);
  EXPECT_EQ(h.group().counters.unknown_orders.load(), 1u);

  // The day rolls: the one remembered is forgotten too.
  h.group().forget_ended();
  EXPECT_EQ(h.group().ended_orders(), 0u);
  EXPECT_EQ(h.group().ended_order("E1-C2"), nullptr);
  // ... and the table takes the next day's orders again.
  ASSERT_GT(h.from_client(0, h.order(0, "C3", 100)), 0u);
  ASSERT_GT(h.from_exchange(h.report("E1-C3", 'F', '2', 100, 100, 100)), 0u);
  EXPECT_NE(h.group().ended_order("E1-C3"), nullptr);
}

// Room for two ended orders (MaxEndedOrders = 2), and a journal in which
// C0 and C1 ended, replayed into it once: C0 ends, C1 ends.
class TwoEndedOrders : public ::testing::Test {
 protected:
  static riskgate::config::Config room_for_two() {
    auto cfg = RouteHarness::default_config();
    cfg.gateway.max_ended_orders = 2;
    return cfg;
  }
  void SetUp() override { replay(h, jcfg); }

  riskgate::testing::TempDir dir;
  const journal::JournalConfig jcfg = journal_of(dir, [](RouteHarness& h1) {
    fill_each(h1, {"C0", "C1"});
  });
  RouteHarness h{room_for_two()};
};

// The same id ending twice in a day (here: its journal replayed twice) takes
// one slot: the order remembered before it is not evicted for it.
TEST_F(TwoEndedOrders, AnIdThatEndsTwiceEvictsNoOtherOrder) {
  replay(h, jcfg, "E1-C1");
  ASSERT_NE(h.group().ended_order("E1-C1"), nullptr);
  EXPECT_EQ(h.group().ended_orders(), 2u);
  EXPECT_NE(h.group().ended_order("E1-C0"), nullptr);
}

// An id that ends again is the newest ended order: with room for two, the
// next order to end evicts the other one, not it.
TEST_F(TwoEndedOrders, AnIdThatEndsAgainIsTheNewestAndOutlivesAnOlderOne) {
  replay(h, jcfg, "E1-C0");  // C0 ends again.
  h.group().finish_restore();
  h.log_on_all();
  ASSERT_GT(h.from_client(0, h.order(0, "C2", 100)), 0u);
  ASSERT_GT(h.from_exchange(h.report("E1-C2", 'F', '2', 100, 100, 100)), 0u);
  EXPECT_EQ(h.group().ended_orders(), 2u);
  EXPECT_NE(h.group().ended_order("E1-C0"), nullptr);
  EXPECT_EQ(h.group().ended_order("E1-C1"), nullptr);
  EXPECT_NE(h.group().ended_order("E1-C2"), nullptr);
}

TEST(TradeCorrectionOfForgottenOrders, MaxEndedOrdersZeroRemembersNone) {
  auto cfg = config(true);
  cfg.gateway.max_ended_orders = 0;
  RouteHarness h(cfg);
  h.log_on_all();
  ASSERT_GT(h.from_client(0, h.order(0, "C1", 100)), 0u);
  ASSERT_GT(h.from_exchange(h.report("E1-C1", 'F', '2', 100, 100, 100)), 0u);
  EXPECT_EQ(h.group().ended_order("E1-C1"), nullptr);
  ASSERT_GT(h.from_exchange(h.exchange_peer.make(
                "8",
                "37=O1|17=XB|19=X1|11=E1-C1|150=H|39=2|55=AAPL|54=1|38=100|151=0|14=0|"
                "32=100|31=190.50|6=0|")),
            0u);
  EXPECT_EQ(h.engine().pair_usage("ACC1", "AAPL").position, 100);
}

// A flood of unknown reports and a bust of an ended order share no audit
// limiter: the bust's line is written in the same second.
TEST(TradeCorrectionOfForgottenOrders, ABustLineIsNotHiddenByAnUnknownReportJustBefore) {
  auto cfg = config(true);
  cfg.gateway.kill_on_report_anomaly = 0;
  cfg.gateway.max_ended_orders = 0;
  RouteHarness h(cfg);
  h.log_on_all();
  ASSERT_GT(h.from_client(0, h.order(0, "C1", 100)), 0u);
  ASSERT_GT(h.from_exchange(h.report("E1-C1", 'F', '2', 100, 100, 100)), 0u);
  ASSERT_GT(h.from_exchange(h.report("E1-NOPE", 'F', '1', 100, 10, 10)), 0u);
  ASSERT_GT(h.from_exchange(h.exchange_peer.make(
                "8",
                "37=O1|17=XB|19=X1|11=E1-C1|150=H|39=2|55=AAPL|54=1|38=100|151=0|14=0|"
                "32=100|31=190.50|6=0|")),
            0u);
  int unknown = 0, bust = 0;
  for (const auto& r : h.audit.records) {
    unknown += r.event == AuditEvent::kReportAnomaly;
    bust += r.event == AuditEvent::kTradeCorrected;
  }
  EXPECT_EQ(unknown, 1);
  EXPECT_EQ(bust, 1);
}

// Live, the order filled, ended and was busted after; replayed from the
// journal, the bust is applied to the ended order the replay rebuilt.
TEST_F(TradeCorrectionTest, AReplayedJournalAppliesABustOfAnOrderThatHadEnded) {
  riskgate::testing::TempDir dir;
  const auto cfg = journal_of(dir, [](RouteHarness& h1) {
    fill_each(h1, {"C1"});
    ASSERT_GT(h1.from_exchange(h1.exchange_peer.make(
                  "8",
                  "37=O1|17=XB|19=X1|11=E1-C1|150=H|39=2|55=AAPL|54=1|38=100|151=0|14=30|"
                  "32=70|31=190.50|6=0|")),
              0u);
    ASSERT_EQ(h1.engine().pair_usage("ACC1", "AAPL").position, 30);
  });
  journal::Journal j2(cfg);
  RouteHarness h2(RouteHarness::default_config(), &j2.ring(0));
  EXPECT_EQ(replay(h2, cfg), 1);
  EXPECT_EQ(h2.engine().pair_usage("ACC1", "AAPL").position, 30);
  EXPECT_EQ(h2.group().orders().find("E1-C1"), nullptr);
  ASSERT_NE(h2.group().ended_order("E1-C1"), nullptr);
  EXPECT_EQ(h2.group().ended_order("E1-C1")->cum_qty, 30);
}

TEST_F(TradeCorrectionTest, AReplayedJournalRebuildsTheOrderAsTheBustLeftIt) {
  riskgate::testing::TempDir dir;
  riskgate::risk::PairUsage before{};
  const auto cfg = journal_of(dir, [&before](RouteHarness& h1) {
    fill_then_bust_60(h1, '0', 100);
    before = h1.engine().pair_usage("ACC1", "AAPL");
    ASSERT_EQ(before.position, 0);
  });
  journal::Journal j2(cfg);
  RouteHarness h2(RouteHarness::default_config(), &j2.ring(0));
  EXPECT_EQ(replay(h2, cfg), 1);
  const auto after = h2.engine().pair_usage("ACC1", "AAPL");
  EXPECT_EQ(after.position, before.position);
  EXPECT_EQ(after.open_buy_qty, before.open_buy_qty);
  ASSERT_NE(h2.group().orders().find("E1-C1"), nullptr);
  EXPECT_EQ(h2.group().orders().find("E1-C1")->cum_qty, 0);
}

// The bust names the cancel request riskgate forwarded (11 = its id, 41 =
// the order's): it is read against the order's executions, not the
// request's.
TEST_F(TradeCorrectionTest, ABustReportedUnderAPendingCancelComesOffTheOrder) {
  send(h.order(0, "C1", 100));
  exch(h.report("E1-C1", 'F', '1', 100, 60, 60));
  request("F", "X1");
  ASSERT_NE(h.group().orders().find("E1-X1"), nullptr);
  // 40 of the 60 busted: CumQty 60 -> 20.
  exch(h.exchange_peer.make("8",
                            "37=O1|17=XB1|19=X1|11=E1-X1|41=E1-C1|150=H|39=6|55=AAPL|54=1|38=100|"
                            "151=80|14=20|32=40|31=190.50|6=0|"));
  EXPECT_EQ(pair().position, 20) << "40 off, not 40 more";
  EXPECT_EQ(pair().open_buy_qty, 80);
  // The rest, and the venue ends the order: the cancel request is over too.
  exch(h.exchange_peer.make("8",
                            "37=O1|17=XB2|19=X1|11=E1-X1|41=E1-C1|150=H|39=4|55=AAPL|54=1|38=100|"
                            "151=0|14=0|32=20|31=190.50|6=0|"));
  EXPECT_EQ(pair().position, 0);
  EXPECT_EQ(pair().open_buy_qty, 0);
  EXPECT_EQ(h.group().orders().find("E1-C1"), nullptr);
  EXPECT_EQ(h.group().orders().find("E1-X1"), nullptr);
}

// After the replace took effect, the venue busts a trade the original did,
// naming it by the original's ClOrdID: the replacement carries it now.
TEST_F(TradeCorrectionTest, ABustNamingAReplacedOrderComesOffItsReplacement) {
  send(h.order(0, "C1", 100));
  exch(h.report("E1-C1", 'F', '1', 100, 60, 60));
  request("G", "C2", 150);
  exch(h.exchange_peer.make("8",
                            "37=O1|17=XR|11=E1-C2|41=E1-C1|150=5|39=1|55=AAPL|54=1|38=150|151=90|"
                            "14=60|6=190.50|"));
  ASSERT_EQ(h.group().orders().find("E1-C1"), nullptr);
  ASSERT_EQ(pair().position, 60);
  exch(h.exchange_peer.make("8",
                            "37=O1|17=XB|19=X1|11=E1-C1|150=H|39=0|55=AAPL|54=1|38=150|151=150|"
                            "14=0|32=60|31=190.50|6=0|"));
  EXPECT_EQ(pair().position, 0);
  EXPECT_EQ(pair().open_buy_qty, 150);
  EXPECT_EQ(h.group().orders().find("E1-C2")->cum_qty, 0);
  EXPECT_EQ(audited(AuditEvent::kKillTripped), "");
}

// A bust of the original while its replace is pending: the replacement,
// once acked, has the busted quantity open too, and reserves it.
TEST_F(TradeCorrectionTest, ABustWhileAReplaceIsPendingLeavesTheReplacementReservingAllItHasOpen) {
  send(h.order(0, "C1", 100));
  exch(h.report("E1-C1", 'F', '1', 100, 60, 60));
  request("G", "C2", 150);  // 150 in all, 60 executed: 90 more reserved.
  exch(correction("E1-C1", 'H', 0, 100, '0'));
  EXPECT_EQ(pair().position, 0);
  exch(h.exchange_peer.make("8",
                            "37=O1|17=XR|11=E1-C2|41=E1-C1|150=5|39=0|55=AAPL|54=1|38=150|151=150|"
                            "14=0|6=0|"));
  ASSERT_NE(h.group().orders().find("E1-C2"), nullptr);
  EXPECT_EQ(h.group().orders().find("E1-C2")->leaves_qty, 150);
  EXPECT_EQ(pair().open_buy_qty, 150) << "all 150 the venue has open";
  EXPECT_EQ(pair().position, 0);
}

// The venue busts the 60 without putting them back on the book (LeavesQty
// stays 40), then acks the replace with all 150 open: the replacement
// reserves what the venue says it has open, not what the numbers before the
// ack implied.
TEST_F(TradeCorrectionTest, AReplaceAckWithMoreOpenThanReservedReservesTheRest) {
  send(h.order(0, "C1", 100));
  exch(h.report("E1-C1", 'F', '1', 100, 60, 60));
  request("G", "C2", 150);  // 90 more reserved.
  exch(correction("E1-C1", 'H', 0, 40, '1'));
  ASSERT_EQ(pair().position, 0);
  exch(h.exchange_peer.make("8",
                            "37=O1|17=XR|11=E1-C2|41=E1-C1|150=5|39=0|55=AAPL|54=1|38=150|151=150|"
                            "14=0|6=0|"));
  EXPECT_EQ(h.group().orders().find("E1-C2")->leaves_qty, 150);
  EXPECT_EQ(pair().open_buy_qty, 150);
}

// The venue busts the order's trade and ends it: the open rest goes back to
// the day's cumulative quantity as any cancel's does; the busted trade stays.
TEST(TradeCorrectionDayLimits, ABustThatEndsTheOrderGivesItsOpenRestBackToTheDaysQuantity) {
  auto cfg = RouteHarness::default_config();
  cfg.risk.defaults.max_cum_qty_day = 150;
  RouteHarness h(cfg);
  h.log_on_all();
  fill_then_bust_60(h, '4', 0);
  EXPECT_EQ(h.group().orders().find("E1-C1"), nullptr) << "the venue ended it";
  const std::size_t before = h.exchange_wire.sent.size();
  // 60 busted (kept) + 90 = 150: within the day's quantity.
  ASSERT_GT(h.from_client(0, h.order(0, "C2", 90)), 0u);
  EXPECT_EQ(h.exchange_wire.sent.size(), before + 1) << h.client_wire[0].sent.back();
}

TEST_F(TradeCorrectionTest, ABustOfAnUnknownOrderThatSaysSomethingIsOpenIsAnUnknownReport) {
  exch(correction("E1-NEVER", 'H', 0, 50, '0'));
  EXPECT_NE(audited(AuditEvent::kKillTripped).find("unknown-order report"), std::string::npos)
      << "exposure riskgate does not track";
}

}  // namespace
