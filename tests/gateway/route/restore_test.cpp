// Restart (issue 11, item 4) at the route level: a route group journals its
// order events and session stores to a real journal; a second group, built
// fresh as after a kill -9, replays the file and must hold the same working
// orders with the same exposure, position and day gross, refuse new orders
// until the exchange leg is back and caught up, and cancel every restored
// order on a kill.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gateway/journal/journal.hpp"
#include "gateway/journal/reader.hpp"
#include "tests/gateway/journal/journal_fixture.hpp"
#include "tests/support/route_harness.hpp"

namespace {

using riskgate::testing::app_sent;
using riskgate::testing::Parsed;
using riskgate::testing::RouteHarness;
namespace journal = riskgate::journal;

class RestoreTest : public ::testing::Test {
 protected:
  // The same file each time: the second journal is the restarted gateway's.
  std::unique_ptr<journal::Journal> open_journal() {
    return std::make_unique<journal::Journal>(journal::testing::test_config(dir_.path()));
  }

  // What DurableState::restore_orders does for one group: every order event
  // of the file, in order.
  std::size_t replay(RouteHarness& h) {
    const journal::JournalFile f(journal::testing::test_config(dir_.path()).file);
    std::size_t n = 0;
    (void)f.scan_logical([&](const journal::RecordView& r) {
      journal::OrderEvent e;
      if (r.type() != journal::RecordType::kOrderEvent || !journal::decode(r, e)) return;
      EXPECT_TRUE(h.group().restore_event(e));
      ++n;
    });
    h.group().finish_restore();
    return n;
  }

  static void send(RouteHarness& h, int i, const std::string& bytes) {
    ASSERT_EQ(h.from_client(i, bytes), bytes.size());
  }
  static void exch(RouteHarness& h, const std::string& bytes) {
    ASSERT_EQ(h.from_exchange(bytes), bytes.size());
  }

  riskgate::testing::TempDir dir_;
};

TEST_F(RestoreTest, AReplayRebuildsWorkingOrdersExposurePositionAndDayGrossAsTheyWere) {
  riskgate::risk::AccountUsage before{};
  riskgate::risk::PairUsage pair_before{};
  std::size_t working_before = 0;
  {
    auto j = open_journal();
    RouteHarness h(RouteHarness::default_config(), &j->ring(0));
    h.log_on_all();
    // A: acked, partly filled, still working. B: filled. C: cancelled.
    // D: replaced by D2, which is working. E: pending (no ack yet).
    send(h, 0, h.order(0, "A", 300));
    send(h, 0, h.order(0, "B", 100));
    send(h, 0, h.order(0, "C", 200));
    send(h, 0, h.order(0, "D", 100));
    send(h, 0, h.order(0, "E", 50));
    exch(h, h.report("E1-A", '0', '0', 300, 0, 0));
    exch(h, h.report("E1-A", 'F', '1', 300, 120, 120));
    exch(h, h.report("E1-B", 'F', '2', 100, 100, 100));
    exch(h, h.report("E1-C", '4', '4', 200, 0, 0));
    send(h, 0,
         h.client_peer[0].make("G", "11=D2|41=D|1=ACC1|55=AAPL|54=1|38=150|40=2|44=190.50|60=" +
                                        riskgate::testing::timestamp(h.clock.utc) + "|"));
    exch(h, h.exchange_peer.make("8",
                                 "37=OD2|17=XD2|11=E1-D2|41=E1-D|150=5|39=0|38=150|151=150|"
                                 "14=0|55=AAPL|54=1|6=0|"));
    ASSERT_NE(h.group().orders().find("E1-D2"), nullptr);
    ASSERT_EQ(h.group().orders().find("E1-D"), nullptr);
    before = h.engine().account_usage("ACC1");
    pair_before = h.engine().pair_usage("ACC1", "AAPL");
    working_before = h.group().working_orders();
    j->stop();
  }
  ASSERT_EQ(working_before, 3u) << "A, D2 and E work";
  ASSERT_EQ(before.open_orders, 3);

  auto j2 = open_journal();  // Replays nothing new: the first one drained.
  RouteHarness h2(RouteHarness::default_config(), &j2->ring(0));
  EXPECT_GT(replay(h2), 0u);
  const auto after = h2.engine().account_usage("ACC1");
  EXPECT_EQ(after.open_orders, before.open_orders);
  EXPECT_EQ(after.open_notional, before.open_notional);
  EXPECT_EQ(after.gross_notional_day, before.gross_notional_day);
  const auto pair_after = h2.engine().pair_usage("ACC1", "AAPL");
  EXPECT_EQ(pair_after.position, pair_before.position);
  EXPECT_EQ(pair_after.open_buy_qty, pair_before.open_buy_qty);
  EXPECT_EQ(h2.group().working_orders(), working_before);
  for (const char* id : {"E1-A", "E1-D2", "E1-E"})
    EXPECT_NE(h2.group().orders().find(id), nullptr) << id;
  EXPECT_EQ(h2.group().orders().find("E1-A")->cum_qty, 120);
  EXPECT_TRUE(h2.group().reconciling());
}

TEST_F(RestoreTest, NewOrdersWaitUntilTheExchangeIsBackAndCaughtUpAndAKillFindsTheRestoredOrders) {
  {
    auto j = open_journal();
    RouteHarness h(RouteHarness::default_config(), &j->ring(0));
    h.log_on_all();
    send(h, 0, h.order(0, "W1", 100));
    send(h, 0, h.order(0, "W2", 100));
    exch(h, h.report("E1-W1", '0', '0', 100, 0, 0));
    j->stop();
  }
  auto j2 = open_journal();
  RouteHarness h2(RouteHarness::default_config(), &j2->ring(0));
  ASSERT_EQ(replay(h2), 2u);
  ASSERT_TRUE(h2.group().reconciling());
  h2.log_on_client(0);
  // The exchange leg is still down: a new order is refused (reconciling
  // before anything else can say so), nothing goes out.
  send(h2, 0, h2.order(0, "N1", 100));
  auto to_e1 = app_sent(h2.client_wire[0]);
  ASSERT_EQ(to_e1.size(), 1u);
  EXPECT_NE(std::string(to_e1[0].get(58)).find("reconciling"), std::string::npos)
      << to_e1[0].get(58);
  // Back and caught up: new orders flow, and the restored ClOrdIDs are
  // duplicates today.
  h2.log_on_exchange();
  const std::size_t sent_before = h2.exchange_wire.sent.size();
  send(h2, 0, h2.order(0, "N2", 100));
  EXPECT_EQ(h2.exchange_wire.sent.size(), sent_before + 1);
  EXPECT_FALSE(h2.group().reconciling());
  send(h2, 0, h2.order(0, "W1", 100));
  to_e1 = app_sent(h2.client_wire[0]);
  EXPECT_NE(std::string(to_e1.back().get(58)).find("duplicate_cl_ord_id"), std::string::npos);
  // A kill cancels the restored orders along with the new one.
  EXPECT_EQ(h2.group().cancel_working({}, "test kill"), 3u);
}

TEST_F(RestoreTest, APossDupResendOfAnOrderProcessedBeforeTheRestartIsNeitherForwardedNorRejected) {
  {
    auto j = open_journal();
    RouteHarness h(RouteHarness::default_config(), &j->ring(0));
    h.log_on_all();
    send(h, 0, h.order(0, "P1", 100));
    j->stop();
  }
  auto j2 = open_journal();
  RouteHarness h2(RouteHarness::default_config(), &j2->ring(0));
  ASSERT_EQ(replay(h2), 1u);
  h2.log_on_all();
  const std::size_t sent_before = h2.exchange_wire.sent.size();
  // The engine resends it (PossDupFlag 43=Y), as after our ResendRequest.
  riskgate::testing::MsgOpts dup;
  dup.dup(riskgate::testing::timestamp(h2.clock.utc));
  const std::string resent =
      h2.client_peer[0].make("D",
                             "11=P1|1=ACC1|21=1|55=AAPL|54=1|38=100|40=2|44=190.50|60=" +
                                 riskgate::testing::timestamp(h2.clock.utc) + "|",
                             dup);
  send(h2, 0, resent);
  EXPECT_EQ(h2.exchange_wire.sent.size(), sent_before);
  EXPECT_TRUE(app_sent(h2.client_wire[0]).empty()) << "no reject for an order that stands";
}

// The order step is one journal record: the order, the message that sent it
// and the engine's number (issue 11's journal bar); what is read back is
// what three records gave.
TEST_F(RestoreTest,
       AnOrderStepWritesOneRecordThatReadsBackAsTheOrderTheMessageAndTheEnginesNumber) {
  auto j = open_journal();
  RouteHarness h(RouteHarness::default_config(), &j->ring(0));
  h.log_on_all();
  (void)j->do_work(std::chrono::steady_clock::now());
  const std::uint64_t start = j->written_end();
  send(h, 0, h.order(0, "S1", 100));
  ASSERT_EQ(app_sent(h.exchange_wire).size(), 1u);
  (void)j->do_work(std::chrono::steady_clock::now());
  const journal::JournalFile f(journal::testing::test_config(dir_.path()).file);
  std::vector<journal::RecordType> raw, logical;
  (void)f.scan([&](const journal::RecordView& r) {
    if (r.offset >= start) raw.push_back(r.type());
  });
  (void)f.scan_logical([&](const journal::RecordView& r) {
    if (r.offset >= start) logical.push_back(r.type());
  });
  using T = journal::RecordType;
  EXPECT_EQ(raw, (std::vector<T>{T::kOrderSent}));
  EXPECT_EQ(logical, (std::vector<T>{T::kOrderEvent, T::kOutbound, T::kInboundProcessed}));
  const auto s = journal::recover(f);
  const auto engine = static_cast<std::uint16_t>(h.group().clients()[0]->index());
  EXPECT_EQ(s.sessions.at(engine).next_target_seq(), h.client(0).store().next_target_seq());
  EXPECT_EQ(s.sessions.at(engine).next_target_seq(), 3u) << "its Logon (1) and the order (2)";
}

// A journal that cannot hold the order step refuses the order: nothing
// reaches the exchange, the engine is told why, and what risk reserved for
// it is given back. The journal thread held up is transient: the refusals
// leave the journal healthy, and orders go again once it catches up.
TEST_F(RestoreTest, AnOrderTheJournalCannotHoldIsRefusedAsJournalUnavailableAndNeverSent) {
  auto j = open_journal();  // A 64 KiB ring, never drained here.
  RouteHarness h(RouteHarness::default_config(), &j->ring(0));
  h.log_on_all();
  int sent = 0;
  std::string refusal;
  for (int i = 0; i < 1000 && refusal.empty(); ++i) {
    h.client_wire[0].sent.clear();
    h.clock.advance_ms(2);  // Inside the rate limits; sizes differ: no duplicate.
    send(h, 0, h.order(0, "F" + std::to_string(i), 10 + i));
    for (const auto& m : app_sent(h.client_wire[0]))
      if (m.get(150) == "8") refusal = m.get(58);
    if (refusal.empty()) ++sent;
  }
  ASSERT_FALSE(refusal.empty()) << "the ring never filled";
  EXPECT_NE(refusal.find("journal_unavailable"), std::string::npos) << refusal;
  EXPECT_EQ(app_sent(h.exchange_wire).size(), static_cast<std::size_t>(sent));
  EXPECT_EQ(h.engine().account_usage("ACC1").open_orders, sent);
  EXPECT_EQ(h.group().working_orders(), static_cast<std::size_t>(sent));
  // The ring kept room for the refusal's own records and the reports of the
  // orders already out: a fill of one of them is journaled and relayed.
  EXPECT_FALSE(h.journal_failed());
  const std::size_t to_engine = app_sent(h.client_wire[0]).size();
  exch(h, h.report("E1-F0", '1', '1', 10, 5, 5));
  EXPECT_EQ(app_sent(h.client_wire[0]).size(), to_engine + 1);
  EXPECT_FALSE(h.journal_failed());
  // Still full for a new order, until the journal thread catches up.
  h.clock.advance_ms(2);
  send(h, 0, h.order(0, "G1", 7));
  EXPECT_EQ(app_sent(h.exchange_wire).size(), static_cast<std::size_t>(sent));
  (void)j->do_work(std::chrono::steady_clock::now());
  h.clock.advance_ms(2);
  send(h, 0, h.order(0, "G2", 8));
  EXPECT_EQ(app_sent(h.exchange_wire).size(), static_cast<std::size_t>(sent) + 1);
  EXPECT_FALSE(h.journal_failed());
}

// SupportsOrderStatus (issue 11, item 4): after a restart the exchange is
// asked the status of every restored working order (35=H), and new orders
// wait until every one has answered; what the answers say is applied.
class OrderStatusTest : public RestoreTest {
 protected:
  static riskgate::config::Config config() {
    auto cfg = RouteHarness::default_config();
    for (auto& s : cfg.sessions)
      if (s.name == "EXCH") s.supports_order_status = true;
    return cfg;
  }
  // Two working orders (W1 acked, W2 pending) in the journal, then a
  // restarted group with both legs back, replayed.
  std::unique_ptr<RouteHarness> restarted(std::unique_ptr<journal::Journal>& j2,
                                          const riskgate::config::Config& cfg = config()) {
    {
      auto j = open_journal();
      RouteHarness h(cfg, &j->ring(0));
      h.log_on_all();
      send(h, 0, h.order(0, "W1", 100));
      send(h, 0, h.order(0, "W2", 100));
      exch(h, h.report("E1-W1", '0', '0', 100, 0, 0));
      j->stop();
    }
    j2 = open_journal();
    auto h2 = std::make_unique<RouteHarness>(cfg, &j2->ring(0));
    EXPECT_EQ(replay(*h2), 2u);
    h2->log_on_client(0);
    h2->log_on_exchange();
    h2->group().on_tick();
    return h2;
  }
  // config() with OrderStatusRequestsPerSecond = `rate`.
  static riskgate::config::Config paced(std::uint32_t rate) {
    auto cfg = config();
    for (auto& x : cfg.sessions)
      if (x.name == "EXCH") x.order_status_requests_per_second = rate;
    return cfg;
  }
  static std::vector<Parsed> status_requests(RouteHarness& h) {
    std::vector<Parsed> out;
    for (auto& m : app_sent(h.exchange_wire))
      if (m.type() == "H") out.push_back(std::move(m));
    return out;
  }
};

TEST_F(OrderStatusTest, EachRestoredOrderIsAskedForAndNewOrdersWaitForEveryAnswer) {
  std::unique_ptr<journal::Journal> j2;
  auto h = restarted(j2);
  const auto asked = status_requests(*h);
  ASSERT_EQ(asked.size(), 2u);
  std::vector<std::string> ids{asked[0].get(11), asked[1].get(11)};
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"E1-W1", "E1-W2"}));
  EXPECT_EQ(asked[0].get(55), "AAPL");
  EXPECT_EQ(asked[0].get(54), "1");
  ASSERT_TRUE(h->group().reconciling());

  send(*h, 0, h->order(0, "N1", 100));
  auto to_e1 = app_sent(h->client_wire[0]);
  ASSERT_FALSE(to_e1.empty());
  EXPECT_NE(to_e1.back().get(58).find("reconciling"), std::string::npos) << to_e1.back().get(58);
  EXPECT_EQ(status_requests(*h).size(), app_sent(h->exchange_wire).size()) << "no order went";

  // W1 was partly filled while riskgate was down; the venue no longer knows W2.
  exch(*h, h->report("E1-W1", 'I', '1', 100, 40, 0));
  h->group().on_tick();
  EXPECT_TRUE(h->group().reconciling()) << "W2 has not answered";
  exch(*h, h->report("E1-W2", 'I', '8', 100, 0, 0));
  h->group().on_tick();
  EXPECT_FALSE(h->group().reconciling());
  ASSERT_NE(h->group().orders().find("E1-W1"), nullptr);
  EXPECT_EQ(h->group().orders().find("E1-W1")->cum_qty, 40);
  EXPECT_EQ(h->group().orders().find("E1-W2"), nullptr);
  EXPECT_EQ(h->engine().account_usage("ACC1").open_orders, 1);

  const std::size_t before = app_sent(h->exchange_wire).size();
  send(*h, 0, h->order(0, "N2", 100));
  EXPECT_EQ(app_sent(h->exchange_wire).size(), before + 1);
  // Asked once per restart, not again.
  h->group().on_tick();
  EXPECT_EQ(status_requests(*h).size(), 2u);
}

TEST_F(OrderStatusTest, OrdersThatNeverAnswerAreKeptAndNewOrdersGoAfterFiveSeconds) {
  std::unique_ptr<journal::Journal> j2;
  auto h = restarted(j2);
  ASSERT_EQ(status_requests(*h).size(), 2u);
  h->clock.advance_ms(4'900);
  h->group().on_tick();
  EXPECT_TRUE(h->group().reconciling());
  h->clock.advance_ms(200);
  h->group().on_tick();
  EXPECT_FALSE(h->group().reconciling());
  EXPECT_EQ(h->group().working_orders(), 2u) << "kept as the journal had them";
  // A kill still cancels them.
  EXPECT_EQ(h->group().cancel_working({}, "test kill"), 2u);
}

TEST_F(OrderStatusTest, AnAnswerThatTheOrderIsLiveAcknowledgesItAndARefusedRequestKeepsIt) {
  std::unique_ptr<journal::Journal> j2;
  auto h = restarted(j2);
  using riskgate::route::OrderState;
  ASSERT_EQ(h->group().orders().find("E1-W2")->state, OrderState::kPendingNew);
  exch(*h, h->report("E1-W2", 'I', '0', 100, 0, 0));
  EXPECT_EQ(h->group().orders().find("E1-W2")->state, OrderState::kWorking);
  // A venue that will not answer 35=H for W1: a business reject of the
  // request, never of the order. W1 stays, its exposure too, and it counts
  // as answered.
  const std::size_t to_engine = app_sent(h->client_wire[0]).size();
  exch(*h, h->exchange_peer.make("j", "45=3|372=H|379=E1-W1|380=3|58=unsupported|"));
  ASSERT_NE(h->group().orders().find("E1-W1"), nullptr);
  EXPECT_EQ(app_sent(h->client_wire[0]).size(), to_engine) << "nothing relayed to the engine";
  EXPECT_EQ(h->engine().account_usage("ACC1").open_orders, 2);
  h->group().on_tick();
  EXPECT_FALSE(h->group().reconciling());
}

TEST_F(OrderStatusTest, AnExchangeThatDropsBeforeAnsweringIsAskedAgainWhenItIsBack) {
  std::unique_ptr<journal::Journal> j2;
  auto h = restarted(j2);
  ASSERT_EQ(status_requests(*h).size(), 2u);
  h->exchange().on_disconnected();
  h->clock.advance_ms(10'000);  // Past the first deadline while it is down.
  h->group().on_tick();
  EXPECT_TRUE(h->group().reconciling());
  h->exchange_wire.sent.clear();
  h->log_on_exchange();
  h->group().on_tick();
  EXPECT_EQ(status_requests(*h).size(), 2u) << "asked again, with a fresh deadline";
  EXPECT_TRUE(h->group().reconciling());
  exch(*h, h->report("E1-W1", 'I', '0', 100, 0, 0));
  exch(*h, h->report("E1-W2", 'I', '0', 100, 0, 0));
  h->group().on_tick();
  EXPECT_FALSE(h->group().reconciling());
}

// OrderStatusRequestsPerSecond: the 35=H go out at the configured rate (a
// tenth of a second's worth at once, at least one), the deadline runs from
// the last one sent, and new orders wait for every answer.
TEST_F(OrderStatusTest, PacedStatusRequestsGoOutAtTheRateAndTheDeadlineRunsFromTheLastOne) {
  std::unique_ptr<journal::Journal> j2;
  auto h = restarted(j2, paced(1));
  EXPECT_EQ(status_requests(*h).size(), 1u) << "one now, at 1 a second";
  h->clock.advance_ms(500);
  h->group().on_tick();
  EXPECT_EQ(status_requests(*h).size(), 1u);
  exch(*h, h->report(status_requests(*h)[0].get(11), 'I', '0', 100, 0, 0));
  h->clock.advance_ms(4'900);  // 5.4 s after the first: its deadline would have passed.
  h->group().on_tick();
  ASSERT_EQ(status_requests(*h).size(), 2u);
  EXPECT_TRUE(h->group().reconciling()) << "the second has 5 s from when it went";
  h->clock.advance_ms(4'000);
  h->group().on_tick();
  EXPECT_TRUE(h->group().reconciling());
  exch(*h, h->report(status_requests(*h)[1].get(11), 'I', '0', 100, 0, 0));
  h->group().on_tick();
  EXPECT_FALSE(h->group().reconciling());
  EXPECT_EQ(h->group().working_orders(), 2u);
  EXPECT_EQ(status_requests(*h).size(), 2u) << "each asked once";
}

TEST_F(OrderStatusTest, AnOrderAnsweredBeforeItsPacedRequestWentIsNeverAskedAndTheRoundEnds) {
  std::unique_ptr<journal::Journal> j2;
  auto h = restarted(j2, paced(1));
  ASSERT_EQ(status_requests(*h).size(), 1u);
  const std::string first = status_requests(*h)[0].get(11);
  const std::string other = first == "E1-W1" ? "E1-W2" : "E1-W1";
  // The venue reports the other order on its own (a fill) before it is asked.
  exch(*h, h->report(other, 'I', '0', 100, 0, 0));
  exch(*h, h->report(first, 'I', '0', 100, 0, 0));
  h->clock.advance_ms(2'000);
  h->group().on_tick();
  EXPECT_FALSE(h->group().reconciling());
  EXPECT_EQ(status_requests(*h).size(), 1u) << "the answered order is not asked";
}

// SupportsOrderMassStatus (FIX 4.4): the same reconciliation with one
// OrderMassStatusRequest (35=AF) for every restored order instead of one
// 35=H each, so a restart with many working orders sends one message.
class MassStatusTest : public OrderStatusTest {
 protected:
  // `with_35h`: SupportsOrderStatus too (35=AF is then preferred, 35=H the
  // fallback). `kill_on`: KillOnReportAnomaly bits.
  static riskgate::config::Config config(bool with_35h = true, std::uint8_t kill_on = 0) {
    auto cfg = OrderStatusTest::config();
    for (auto& s : cfg.sessions)
      if (s.name == "EXCH") {
        s.supports_order_mass_status = true;
        s.supports_order_status = with_35h;
      }
    cfg.gateway.kill_on_report_anomaly = kill_on;
    return cfg;
  }
  std::unique_ptr<RouteHarness> restarted(std::unique_ptr<journal::Journal>& j2,
                                          bool with_35h = true, std::uint8_t kill_on = 0) {
    return OrderStatusTest::restarted(j2, config(with_35h, kill_on));
  }
  static bool audited(RouteHarness& h, const std::string& text) {
    for (const auto& r : h.audit.records)
      if (std::string(r.text).find(text) != std::string::npos) return true;
    return false;
  }
  static std::vector<Parsed> mass_requests(RouteHarness& h) {
    std::vector<Parsed> out;
    for (auto& m : app_sent(h.exchange_wire))
      if (m.type() == "AF") out.push_back(std::move(m));
    return out;
  }
  // An ExecutionReport (ExecType I) answering mass request `req`; an empty
  // `exch_id` is a venue's "no orders" answer, which names none.
  static std::string mass_report(RouteHarness& h, std::string_view req, std::string_view exch_id,
                                 char ord_status, std::int64_t cum, int total, bool last) {
    static int n = 0;
    ++n;
    std::string body = "37=MS" + std::to_string(n) + "|17=MSX" + std::to_string(n) + "|";
    if (!exch_id.empty()) body += "11=" + std::string(exch_id) + "|";
    body += "150=I|39=" + std::string(1, ord_status) + "|55=AAPL|54=1|38=100|151=" +
            std::to_string(ord_status == '0' || ord_status == '1' ? 100 - cum : 0) +
            "|14=" + std::to_string(cum) + "|6=190.50|584=" + std::string(req) +
            "|911=" + std::to_string(total) + "|";
    if (last) body += "912=Y|";
    return h.exchange_peer.make("8", body);
  }
};

TEST_F(MassStatusTest, OneRequestAsksForEveryRestoredOrderAndNewOrdersWaitForTheLastReport) {
  std::unique_ptr<journal::Journal> j2;
  auto h = restarted(j2);
  const auto asked = mass_requests(*h);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(status_requests(*h).size(), 0u) << "no 35=H when the venue answers 35=AF";
  const std::string req = asked[0].get(584);
  EXPECT_EQ(req.rfind("RGS", 0), 0u) << req;
  EXPECT_EQ(asked[0].get(585), "7");
  ASSERT_TRUE(h->group().reconciling());

  send(*h, 0, h->order(0, "N1", 100));
  auto to_e1 = app_sent(h->client_wire[0]);
  ASSERT_FALSE(to_e1.empty());
  EXPECT_NE(to_e1.back().get(58).find("reconciling"), std::string::npos) << to_e1.back().get(58);

  // W1 was partly filled while riskgate was down; W2 still rests.
  exch(*h, mass_report(*h, req, "E1-W1", '1', 40, 2, false));
  h->group().on_tick();
  EXPECT_TRUE(h->group().reconciling()) << "the venue has not said it is done";
  exch(*h, mass_report(*h, req, "E1-W2", '0', 0, 2, true));
  h->group().on_tick();
  EXPECT_FALSE(h->group().reconciling());
  ASSERT_NE(h->group().orders().find("E1-W1"), nullptr);
  EXPECT_EQ(h->group().orders().find("E1-W1")->cum_qty, 40);
  EXPECT_EQ(h->group().orders().find("E1-W2")->state, riskgate::route::OrderState::kWorking);
  EXPECT_EQ(h->engine().account_usage("ACC1").open_orders, 2);

  const std::size_t before = app_sent(h->exchange_wire).size();
  send(*h, 0, h->order(0, "N2", 100));
  EXPECT_EQ(app_sent(h->exchange_wire).size(), before + 1);
  h->group().on_tick();
  EXPECT_EQ(mass_requests(*h).size(), 1u) << "asked once per restart";
}

TEST_F(MassStatusTest, OrdersTheVenueDoesNotReportAreKeptOnceItsLastReportArrives) {
  std::unique_ptr<journal::Journal> j2;
  auto h = restarted(j2);
  const std::string req = mass_requests(*h).at(0).get(584);
  // The venue reports W2 filled and says it is done; W1 is not in its list.
  exch(*h, mass_report(*h, req, "E1-W2", '2', 100, 1, true));
  h->group().on_tick();
  EXPECT_FALSE(h->group().reconciling()) << "no wait for the timeout";
  EXPECT_EQ(h->group().orders().find("E1-W2"), nullptr) << "filled: ended";
  EXPECT_NE(h->group().orders().find("E1-W1"), nullptr) << "not reported: kept, a kill cancels it";
  EXPECT_EQ(h->group().working_orders(), 1u);
  EXPECT_EQ(h->group().cancel_working({}, "test kill"), 1u);
}

TEST_F(MassStatusTest, TheLastReportIsAlsoKnownByTotNumReportsWithoutLastRptRequested) {
  std::unique_ptr<journal::Journal> j2;
  auto h = restarted(j2);
  const std::string req = mass_requests(*h).at(0).get(584);
  exch(*h, mass_report(*h, req, "E1-W1", '0', 0, 2, false));
  h->group().on_tick();
  EXPECT_TRUE(h->group().reconciling());
  exch(*h, mass_report(*h, req, "E1-W2", '0', 0, 2, false));
  h->group().on_tick();
  EXPECT_FALSE(h->group().reconciling());
}

TEST_F(MassStatusTest,
       AVenueWithNoOrdersAnswersWithAReportNamingNoneWhichIsNeitherForwardedNorAnAnomaly) {
  std::unique_ptr<journal::Journal> j2;
  auto h = restarted(j2);
  const std::string req = mass_requests(*h).at(0).get(584);
  const std::size_t to_engine = app_sent(h->client_wire[0]).size();
  exch(*h, mass_report(*h, req, "", '8', 0, 0, true));
  EXPECT_EQ(app_sent(h->client_wire[0]).size(), to_engine) << "nothing relayed to the engine";
  EXPECT_EQ(h->group().counters.unknown_orders.load(), 0u);
  h->group().on_tick();
  EXPECT_FALSE(h->group().reconciling());
  EXPECT_EQ(h->group().working_orders(), 2u) << "kept as the journal had them";
}

TEST_F(MassStatusTest, TotNumReportsZeroWithoutLastRptRequestedAlsoEndsTheWait) {
  std::unique_ptr<journal::Journal> j2;
  auto h = restarted(j2);
  const std::string req = mass_requests(*h).at(0).get(584);
  exch(*h, mass_report(*h, req, "", '8', 0, 0, false));
  h->group().on_tick();
  EXPECT_FALSE(h->group().reconciling());
  EXPECT_EQ(h->group().working_orders(), 2u);
}

TEST_F(MassStatusTest, ReportsForAnotherRequestDoNotEndTheWait) {
  std::unique_ptr<journal::Journal> j2;
  auto h = restarted(j2);
  exch(*h, mass_report(*h, "RGS-OLD", "E1-W1", '0', 0, 1, true));
  h->group().on_tick();
  EXPECT_TRUE(h->group().reconciling()) << "W2 unanswered, and that was not our request's end";
}

TEST_F(MassStatusTest, ARefusedRequestFallsBackToOneStatusRequestPerOrder) {
  std::unique_ptr<journal::Journal> j2;
  auto h = restarted(j2);  // SupportsOrderStatus too.
  const auto asked = mass_requests(*h);
  ASSERT_EQ(asked.size(), 1u);
  const std::size_t to_engine = app_sent(h->client_wire[0]).size();
  exch(*h, h->exchange_peer.make("j", "45=" + asked[0].get(34) + "|372=AF|379=" +
                                          asked[0].get(584) + "|380=3|58=unsupported|"));
  EXPECT_EQ(app_sent(h->client_wire[0]).size(), to_engine) << "nothing relayed to the engine";
  EXPECT_TRUE(audited(*h, "OrderMassStatusRequest refused; asking each order with 35=H"));
  EXPECT_EQ(status_requests(*h).size(), 2u) << "each restored order asked with 35=H";
  h->group().on_tick();
  EXPECT_TRUE(h->group().reconciling()) << "waiting for the 35=H answers";
  exch(*h, h->report("E1-W1", 'I', '0', 100, 0, 0));
  exch(*h, h->report("E1-W2", 'I', '0', 100, 0, 0));
  h->group().on_tick();
  EXPECT_FALSE(h->group().reconciling());
  EXPECT_EQ(mass_requests(*h).size(), 1u) << "35=AF not asked again";
}

TEST_F(MassStatusTest, AFallbackAfterTheLastReportStillWaitsForEveryStatusAnswer) {
  std::unique_ptr<journal::Journal> j2;
  auto h = restarted(j2);  // SupportsOrderStatus too.
  const auto asked = mass_requests(*h);
  ASSERT_EQ(asked.size(), 1u);
  // A last report, then a refusal of the same request before the next tick.
  exch(*h, mass_report(*h, asked[0].get(584), "E1-W1", '0', 0, 1, true));
  exch(*h, h->exchange_peer.make("j", "45=" + asked[0].get(34) + "|372=AF|380=3|"));
  ASSERT_EQ(status_requests(*h).size(), 2u);
  h->group().on_tick();
  EXPECT_TRUE(h->group().reconciling()) << "the 35=H round waits for its own answers";
  send(*h, 0, h->order(0, "N1", 100));
  EXPECT_NE(app_sent(h->client_wire[0]).back().get(58).find("reconciling"), std::string::npos);
}

TEST_F(MassStatusTest, WithoutOrderStatusARefusalByBusinessOrSessionRejectKeepsTheOrders) {
  for (const bool business : {true, false}) {
    SCOPED_TRACE(business ? "35=j" : "35=3");
    std::unique_ptr<journal::Journal> j2;
    auto h = restarted(j2, false);
    const auto asked = mass_requests(*h);
    ASSERT_EQ(asked.size(), 1u);
    const std::string seq = asked[0].get(34);
    exch(*h, business ? h->exchange_peer.make("j", "45=" + seq + "|372=AF|380=3|")
                      : h->exchange_peer.make("3", "45=" + seq + "|372=AF|373=11|"));
    h->group().on_tick();
    EXPECT_FALSE(h->group().reconciling());
    EXPECT_EQ(status_requests(*h).size(), 0u);
    EXPECT_EQ(h->group().working_orders(), 2u) << "kept as the journal had them";
    EXPECT_TRUE(audited(*h, "the exchange refused OrderMassStatusRequest"));
    EXPECT_EQ(h->engine().account_usage("ACC1").open_orders, 2);
    j2.reset();
    h.reset();
    std::filesystem::remove_all(dir_.path());
    std::filesystem::create_directories(dir_.path());
  }
}

TEST_F(MassStatusTest, ABusinessRejectOfAnotherRequestIdIsNotTakenForARefusal) {
  std::unique_ptr<journal::Journal> j2;
  auto h = restarted(j2);
  exch(*h, h->exchange_peer.make("j", "45=1|372=AF|379=RGS-OLD|380=3|"));
  EXPECT_EQ(status_requests(*h).size(), 0u);
  h->group().on_tick();
  EXPECT_TRUE(h->group().reconciling());
}

TEST_F(MassStatusTest, LateReportsAfterTheDeadlineAreStillAnswersAndNeverTripAKill) {
  std::unique_ptr<journal::Journal> j2;
  auto h = restarted(j2, true, riskgate::route::kKillOnUnknown);
  const std::string req = mass_requests(*h).at(0).get(584);
  h->clock.advance_ms(5'100);
  h->group().on_tick();
  ASSERT_FALSE(h->group().reconciling()) << "the deadline passed";
  // The venue's reports come in late: W1 filled meanwhile, an order that
  // ended and that riskgate never had, and a "no orders" style report.
  exch(*h, mass_report(*h, req, "E1-W1", '2', 100, 3, false));
  EXPECT_EQ(h->group().orders().find("E1-W1"), nullptr) << "applied: filled, ended";
  exch(*h, mass_report(*h, req, "E1-GONE", '4', 0, 3, false));
  EXPECT_FALSE(h->engine().kills().engaged(riskgate::risk::KillScope::kExchangeSession,
                                           h->group().options().exchange_idx));
  EXPECT_TRUE(audited(*h, "OrderMassStatus report of an ended order riskgate does not know"));
}

TEST_F(MassStatusTest, AWorkingOrderTheVenueReportsButRiskgateDoesNotKnowIsAuditedAndNamed) {
  std::unique_ptr<journal::Journal> j2;
  auto h = restarted(j2, true, riskgate::route::kKillOnUnknown);
  const std::string req = mass_requests(*h).at(0).get(584);
  exch(*h, mass_report(*h, req, "E1-W1", '0', 0, 3, false));
  // Live at the venue, no ClOrdID (entered elsewhere): not a "no orders" answer.
  exch(*h, mass_report(*h, req, "", '0', 0, 3, false));
  exch(*h, mass_report(*h, req, "E1-W2", '0', 0, 3, true));
  EXPECT_TRUE(audited(*h, "OrderMassStatus report of a working order riskgate does not know"));
  EXPECT_TRUE(h->engine().kills().engaged(riskgate::risk::KillScope::kExchangeSession,
                                          h->group().options().exchange_idx))
      << "KillOnReportAnomaly = [\"unknown\"]: a live order no kill covers";
  h->group().on_tick();
  EXPECT_FALSE(h->group().reconciling());
  EXPECT_TRUE(audited(*h, "1 working orders the exchange reported are unknown to riskgate"));
}

TEST_F(MassStatusTest, AnExchangeThatDropsBeforeAnsweringIsAskedAgainWithANewRequest) {
  std::unique_ptr<journal::Journal> j2;
  auto h = restarted(j2);
  const std::string first = mass_requests(*h).at(0).get(584);
  h->exchange().on_disconnected();
  h->clock.advance_ms(10'000);
  h->group().on_tick();
  EXPECT_TRUE(h->group().reconciling());
  h->exchange_wire.sent.clear();
  h->log_on_exchange();
  h->group().on_tick();
  const auto again = mass_requests(*h);
  ASSERT_EQ(again.size(), 1u);
  const std::string second = again[0].get(584);
  EXPECT_NE(second, first);
  // A late report of the first request does not end the second's wait.
  exch(*h, mass_report(*h, first, "E1-W1", '0', 0, 1, true));
  h->group().on_tick();
  EXPECT_TRUE(h->group().reconciling());
  exch(*h, mass_report(*h, second, "E1-W2", '0', 0, 2, true));
  h->group().on_tick();
  EXPECT_FALSE(h->group().reconciling());
}

TEST_F(RestoreTest, WithoutOrderStatusNothingIsAskedAndTheGroupReconcilesOnItsTick) {
  {
    auto j = open_journal();
    RouteHarness h(RouteHarness::default_config(), &j->ring(0));
    h.log_on_all();
    send(h, 0, h.order(0, "W1", 100));
    j->stop();
  }
  auto j2 = open_journal();
  RouteHarness h2(RouteHarness::default_config(), &j2->ring(0));
  ASSERT_EQ(replay(h2), 1u);
  h2.log_on_all();
  h2.group().on_tick();
  EXPECT_FALSE(h2.group().reconciling());
  for (const auto& m : app_sent(h2.exchange_wire)) EXPECT_NE(m.type(), "H");
}
}  // namespace
