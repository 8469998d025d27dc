// app::DurableState::restore_orders: a restart replays the journal a route
// group wrote (sessions declared by name, as the gateway does) and keeps an
// order only if its message left, judged in the numbering it was sent in: a
// sequence reset after it takes the exchange session's numbers back, not the
// order's sending.
#include "gateway/app/durable_state.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "gateway/app/day_roll.hpp"
#include "gateway/journal/journal.hpp"
#include "gateway/journal/reader.hpp"
#include "gateway/session/memory_store.hpp"
#include "tests/support/route_harness.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using riskgate::app::DurableState;
using riskgate::testing::app_sent;
using riskgate::testing::RouteHarness;
namespace journal = riskgate::journal;

constexpr std::uint32_t kDay = 20240502;
constexpr std::int64_t kSecond = 1'000'000'000;

class DurableStateRestoreTest : public ::testing::Test {
 protected:
  DurableStateRestoreTest() : cfg_(RouteHarness::default_config()) {
    cfg_.gateway.journal_file = (dir_.path() / "gw.rgj").string();
    cfg_.gateway.journal_ring_dir = dir_.path().string();
    cfg_.gateway.journal_ring_mib = 1;
    cfg_.gateway.journal_sync = riskgate::config::JournalSync::kNone;
  }

  // The journal a gateway on cfg_ writes, to drive a route harness with:
  // the file is created by a DurableState (its header names the gateway),
  // and every session is declared under its config index, as make_store does.
  std::unique_ptr<journal::Journal> open_journal() {
    { const DurableState created(cfg_.gateway, kDay, clock_); }
    journal::JournalConfig jc;
    jc.file = cfg_.gateway.journal_file;
    jc.ring_dir = cfg_.gateway.journal_ring_dir;
    jc.gateway = std::string(journal::gateway_name(journal::JournalFile(jc.file).header()));
    jc.trading_day = kDay;
    jc.ring_capacity = std::size_t{cfg_.gateway.journal_ring_mib} << 20;
    jc.sync = journal::SyncPolicy::kNone;
    auto j = std::make_unique<journal::Journal>(jc);
    for (std::size_t i = 0; i < cfg_.sessions.size(); ++i) {
      const auto leg =
          cfg_.sessions[i].name == "EXCH" ? journal::Leg::kExchange : journal::Leg::kEngine;
      EXPECT_EQ(journal::declare_session(j->ring(0), static_cast<std::uint16_t>(i), leg,
                                         cfg_.sessions[i].name, clock_.utc_ns()),
                journal::AppendStatus::kOk);
    }
    return j;
  }

  // The restart: a fresh group, replayed by DurableState from the file.
  DurableState::Restored restart(RouteHarness& h, std::uint32_t today = kDay) {
    DurableState ds(cfg_.gateway, today, clock_);
    const std::vector<DurableState::Target> targets{
        {"EXCH", &h.group(), nullptr},
        {"ENGINE1", nullptr, &h.leg(0)},
        {"ENGINE2", nullptr, &h.leg(1)},
    };
    return ds.restore_orders(targets, h.engine(), today);
  }

  // The restart of the exchange session alone, in a period that began at
  // `period_start`: the number it sends next.
  std::uint64_t exchange_next_sender_after_restart(std::int64_t period_start) {
    DurableState ds(cfg_.gateway, kDay, clock_);
    const auto store =
        ds.make_store(exchange_id(cfg_), "EXCH", journal::Leg::kExchange,
                      std::make_unique<riskgate::session::MemoryStore>(1 << 16), period_start);
    return store->next_sender_seq();
  }

  static std::uint16_t exchange_id(const riskgate::config::Config& cfg) {
    for (std::size_t i = 0; i < cfg.sessions.size(); ++i)
      if (cfg.sessions[i].name == "EXCH") return static_cast<std::uint16_t>(i);
    return journal::kNoSession;
  }

  static void send(RouteHarness& h, int i, const std::string& bytes) {
    ASSERT_EQ(h.from_client(i, bytes), bytes.size());
  }
  static void exch(RouteHarness& h, const std::string& bytes) {
    ASSERT_EQ(h.from_exchange(bytes), bytes.size());
  }
  // The exchange asks n TestRequests: riskgate answers each with a Heartbeat.
  static void heartbeats(RouteHarness& h, int n) {
    for (int k = 0; k < n; ++k)
      exch(h, h.exchange_peer.make("1", "112=T" + std::to_string(k) + "|"));
  }
  // A Logon with ResetSeqNumFlag=Y while logged on: both numbers restart at 1.
  static void reset_exchange_numbers(RouteHarness& h) {
    riskgate::testing::MsgOpts first;
    first.seq = 1;
    exch(h, h.exchange_peer.logon(30, "141=Y|", first));
    h.exchange_peer.next_seq = 2;
  }

  riskgate::testing::TempDir dir_;
  riskgate::config::Config cfg_;
  riskgate::testing::FakeClock clock_;
};

TEST_F(DurableStateRestoreTest, AnOrderSentBeforeASequenceResetIsRestoredAfterTheReset) {
  std::uint64_t w1_seq = 0;
  {
    auto j = open_journal();
    RouteHarness h(cfg_, &j->ring(0));
    h.log_on_all();
    heartbeats(h, 3);
    // W1 goes out at 5 and works on (a GTC order, say) across the reset.
    send(h, 0, h.order(0, "W1", 100));
    const auto out = app_sent(h.exchange_wire);
    ASSERT_EQ(out.size(), 1u);
    w1_seq = out[0].seq();
    exch(h, h.report("E1-W1", '0', '0', 100, 0, 0));
    reset_exchange_numbers(h);
    ASSERT_EQ(h.exchange().store().next_sender_seq(), 2u) << "our Logon 141=Y took 1";
    // The new numbering: one more order, which stays below W1's number.
    send(h, 0, h.order(0, "N1", 100));
    exch(h, h.report("E1-N1", '0', '0', 100, 0, 0));
    ASSERT_EQ(h.group().working_orders(), 2u);
    j->stop();
  }
  ASSERT_EQ(w1_seq, 5u);

  RouteHarness h2(cfg_);
  const auto restored = restart(h2);
  EXPECT_EQ(restored.never_sent, 0u);
  EXPECT_EQ(restored.working, 2u) << "W1 and N1 work";
  EXPECT_NE(h2.group().orders().find("E1-W1"), nullptr);
  EXPECT_NE(h2.group().orders().find("E1-N1"), nullptr);
  EXPECT_EQ(h2.engine().account_usage("ACC1").open_orders, 2);
  // A kill cancels it along with the order of the new numbering.
  h2.log_on_all();
  EXPECT_EQ(h2.group().cancel_working({}, "test kill"), 2u);
  std::vector<std::string> cancelled;
  for (const auto& m : app_sent(h2.exchange_wire))
    if (m.type() == "F") cancelled.push_back(m.get(41));
  EXPECT_EQ(std::count(cancelled.begin(), cancelled.end(), "E1-W1"), 1);
}

TEST_F(DurableStateRestoreTest,
       AnOrderJournaledButNeverSentIsNotRestoredThoughAnEarlierNumberingWentPastItsNumber) {
  {
    auto j = open_journal();
    RouteHarness h(cfg_, &j->ring(0));
    h.log_on_all();
    heartbeats(h, 4);  // Numbers 2 to 5 sent.
    reset_exchange_numbers(h);
    ASSERT_EQ(h.exchange().store().next_sender_seq(), 2u);
    // G1 journaled for number 2 of the new numbering, then a crash before
    // its message was stored: nothing at 2 since the reset.
    journal::OrderEvent e;
    e.kind = journal::OrderEventKind::kNew;
    e.side = '1';
    e.ord_type = '2';
    e.client_session = static_cast<std::uint32_t>(h.leg(0).index());
    e.order_qty = 100;
    e.price = 190'500'000;
    e.cl_ord_id = "E1-G1";
    e.symbol = "AAPL";
    e.account = "ACC1";
    ASSERT_EQ(journal::append_order_event(j->ring(0), exchange_id(cfg_), 2, clock_.utc_ns(), e),
              journal::AppendStatus::kOk);
    j->stop();
  }
  RouteHarness h2(cfg_);
  const auto restored = restart(h2);
  EXPECT_EQ(restored.never_sent, 1u);
  EXPECT_EQ(restored.working, 0u);
  EXPECT_EQ(h2.group().orders().find("E1-G1"), nullptr);
  EXPECT_EQ(h2.engine().account_usage("ACC1").open_orders, 0);
}

// What a restart must rebuild, read from a group and its engine.
struct Held {
  std::vector<riskgate::risk::PositionRow> positions;
  riskgate::risk::AccountUsage acc1;
  std::size_t working = 0;
  std::int64_t w1_cum = -1, w1_leaves = -1;
};
Held held(RouteHarness& h) {
  Held out;
  out.positions = h.engine().positions();
  std::sort(out.positions.begin(), out.positions.end(),
            [](const auto& a, const auto& b) { return a.symbol < b.symbol; });
  out.acc1 = h.engine().account_usage("ACC1");
  out.working = h.group().working_orders();
  if (const auto* w1 = h.group().orders().find("E1-W1")) {
    out.w1_cum = w1->cum_qty;
    out.w1_leaves = w1->leaves_qty;
  }
  return out;
}

TEST_F(DurableStateRestoreTest,
       ARestartFromTheNextDaysFileRebuildsTheOrdersAndPositionsTheDayRollCarried) {
  Held live;
  {
    auto j = open_journal();
    RouteHarness h(cfg_, &j->ring(0));
    h.log_on_all();
    // F1 fills whole and ends: only the position remembers it.
    send(h, 0, h.order(0, "F1", 100));
    exch(h, h.report("E1-F1", '0', '0', 100, 0, 0));
    exch(h, h.report("E1-F1", 'F', '2', 100, 100, 100));
    // W1 works with 40 done; W2 works untouched, a replace of it pending;
    // a sell in another symbol fills and ends.
    send(h, 0, h.order(0, "W1", 100));
    exch(h, h.report("E1-W1", '0', '0', 100, 0, 0));
    exch(h, h.report("E1-W1", 'F', '1', 100, 40, 40));
    send(h, 0, h.order(0, "W2", 200));
    exch(h, h.report("E1-W2", '0', '0', 200, 0, 0));
    send(h, 0,
         h.client_peer[0].make("G", "11=W2B|41=W2|1=ACC1|55=AAPL|54=1|38=150|40=2|44=190.50|60=" +
                                        riskgate::testing::timestamp(h.clock.utc) + "|"));
    // W2 fills 50 while its replace is pending: W2B keeps the reservation
    // it was sent with.
    exch(h, h.report("E1-W2", 'F', '1', 200, 50, 50));
    // W3: 60 filled, then busted with 30 open: less open than ordered minus
    // executed.
    send(h, 0, h.order(0, "W3", 100));
    exch(h, h.report("E1-W3", 'F', '1', 100, 60, 60));
    exch(h,
         h.exchange_peer.make("8",
                              "37=O3|17=XB3|19=X3|11=E1-W3|150=H|39=1|55=AAPL|54=1|38=100|151=30|"
                              "14=0|32=60|31=190.50|6=0|"));
    send(h, 0, h.order(0, "S1", 30, "410.00", {}, {}, "MSFT", '2'));
    exch(h, h.exchange_peer.make("8",
                                 "37=OS|17=XS|11=E1-S1|150=F|39=2|55=MSFT|54=2|38=30|151=0|"
                                 "14=30|6=410.00|32=30|31=410.00|"));
    ASSERT_EQ(h.group().working_orders(), 3u);
    ASSERT_NE(h.group().orders().find("E1-W2B"), nullptr) << "the replace is pending";

    std::vector<std::uint16_t> ids(cfg_.sessions.size());
    for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::uint16_t>(i);
    const riskgate::app::CarriedGroup groups[] = {{&h.group(), exchange_id(cfg_)}};
    const auto r = riskgate::app::append_day_roll(j->ring(0), groups, &h.engine(), ids, kDay,
                                                  kDay + 1, clock_.utc_ns());
    EXPECT_FALSE(r.carry_failed || r.roll_failed);
    EXPECT_EQ(r.orders, 4u) << "W1, W2, W3 and the pending replace";
    // The live roll resets the day as the restart will.
    h.engine().reset_day();
    live = held(h);
    (void)j->do_work(std::chrono::steady_clock::now());
    (void)j->finish_day_roll();
    ASSERT_EQ(j->files_rolled(), 1u);
    j->stop();
  }
  ASSERT_EQ(live.positions.size(), 2u);
  ASSERT_EQ(live.positions[0].usage.position, 190) << "AAPL: F1's 100, W1's 40, W2's 50";
  ASSERT_EQ(live.positions[1].usage.position, -30) << "MSFT";

  // The new day's file holds none of the day's order events.
  std::size_t day_events = 0;
  (void)journal::JournalFile(cfg_.gateway.journal_file).scan([&](const journal::RecordView& rec) {
    if (rec.type() == journal::RecordType::kOrderSent ||
        rec.type() == journal::RecordType::kOrderEvent)
      ++day_events;
  });
  EXPECT_EQ(day_events, 0u);

  RouteHarness h2(cfg_);
  const auto restored = restart(h2, kDay + 1);
  EXPECT_EQ(restored.events, 4u);
  EXPECT_EQ(restored.skipped, 0u);
  const Held back = held(h2);
  EXPECT_EQ(back.working, live.working);
  EXPECT_EQ(back.w1_cum, 40);
  EXPECT_EQ(back.w1_leaves, 60);
  ASSERT_EQ(back.positions.size(), live.positions.size());
  for (std::size_t i = 0; i < live.positions.size(); ++i) {
    EXPECT_EQ(back.positions[i].symbol, live.positions[i].symbol);
    EXPECT_EQ(back.positions[i].usage.position, live.positions[i].usage.position)
        << live.positions[i].symbol;
    EXPECT_EQ(back.positions[i].usage.open_buy_qty, live.positions[i].usage.open_buy_qty)
        << live.positions[i].symbol;
    EXPECT_EQ(back.positions[i].usage.open_sell_qty, live.positions[i].usage.open_sell_qty)
        << live.positions[i].symbol;
  }
  EXPECT_EQ(back.acc1.open_orders, live.acc1.open_orders);
  EXPECT_EQ(back.acc1.open_notional, live.acc1.open_notional);
  EXPECT_EQ(back.acc1.gross_notional_day, live.acc1.gross_notional_day);
  ASSERT_NE(h2.group().orders().find("E1-W2B"), nullptr);
  // A kill cancels every working order.
  h2.log_on_all();
  EXPECT_EQ(h2.group().cancel_working({}, "test kill"), 3u);
}

TEST_F(DurableStateRestoreTest, KillCancelIdsAfterARestartStayAboveEveryIdIssuedBeforeIt) {
  // Both processes start at the same wall-clock time (a clock stepped back
  // across the restart): only the journal keeps the ids apart.
  std::string before;
  {
    auto j = open_journal();
    RouteHarness h(cfg_, &j->ring(0));
    h.log_on_all();
    send(h, 0, h.order(0, "K1", 100));
    exch(h, h.report("E1-K1", '0', '0', 100, 0, 0));
    ASSERT_EQ(h.group().cancel_working({}, "test kill"), 1u);
    before = app_sent(h.exchange_wire).back().get(11);
    j->stop();
  }
  RouteHarness h2(cfg_);
  (void)restart(h2);
  h2.log_on_all();
  ASSERT_EQ(h2.group().cancel_working({}, "test kill"), 1u) << "K1 is restored and working";
  const std::string after = app_sent(h2.exchange_wire).back().get(11);
  ASSERT_EQ(before.size(), after.size()) << before << " " << after;
  EXPECT_GT(after, before) << "base 36 of equal length orders as the counter";
}

// The live reset at a session's StartTime logs the session out first, and
// that Logout is journaled after StartTime: a crash before the reset itself
// must still start the session at 1 after the restart.
TEST_F(DurableStateRestoreTest, ASessionWhoseNumberingBeganBeforeItsPeriodStartsAt1) {
  const std::int64_t t0 = clock_.utc_ns();
  const std::int64_t period_start = t0 + 10 * kSecond;
  const auto id = exchange_id(cfg_);
  {
    auto j = open_journal();  // Declared at t0: the numbering began then.
    for (std::uint64_t seq = 1; seq <= 5; ++seq)
      ASSERT_EQ(journal::append_sender_seq(j->ring(0), id, seq,
                                           t0 + static_cast<std::int64_t>(seq) * kSecond),
                journal::AppendStatus::kOk);
    // The reset's Logout, after StartTime; then the crash.
    ASSERT_EQ(journal::append_sender_seq(j->ring(0), id, 6, period_start + kSecond),
              journal::AppendStatus::kOk);
    j->stop();
  }
  EXPECT_EQ(exchange_next_sender_after_restart(period_start), 1u);
}

TEST_F(DurableStateRestoreTest, ASessionResetSinceItsPeriodBeganKeepsItsNumbers) {
  const std::int64_t t0 = clock_.utc_ns();
  const std::int64_t period_start = t0 + 10 * kSecond;
  const auto id = exchange_id(cfg_);
  {
    auto j = open_journal();
    ASSERT_EQ(journal::append_sender_seq(j->ring(0), id, 7, t0 + kSecond),
              journal::AppendStatus::kOk);
    // Reset at StartTime, then three messages of the new period.
    ASSERT_EQ(journal::append_sequence_set(j->ring(0), id, 1, 1, period_start + kSecond),
              journal::AppendStatus::kOk);
    for (std::uint64_t seq = 1; seq <= 3; ++seq)
      ASSERT_EQ(journal::append_sender_seq(j->ring(0), id, seq, period_start + 2 * kSecond),
                journal::AppendStatus::kOk);
    j->stop();
  }
  EXPECT_EQ(exchange_next_sender_after_restart(period_start), 4u);
}

}  // namespace

namespace {

// A file written before journal ids were kept by name can declare one name
// under two ids (a session moved, then the id it left was never declared
// again): the later declaration is the session's, whichever id it used.
class DurableStateTwoIdsTest : public DurableStateRestoreTest {};

TEST_F(DurableStateTwoIdsTest, ANameDeclaredUnderTwoIdsResumesTheNumbersOfItsLaterDeclaration) {
  const auto id = exchange_id(cfg_);
  const std::uint16_t other = 9;
  for (const bool later_is_other : {true, false}) {
    SCOPED_TRACE(later_is_other ? "the later declaration is the new id"
                                : "the later declaration is the config's id");
    std::filesystem::remove(cfg_.gateway.journal_file);
    const std::int64_t t = clock_.utc_ns();
    {
      auto j = open_journal();  // EXCH declared under its config index.
      const std::uint16_t first = later_is_other ? id : other;
      const std::uint16_t second = later_is_other ? other : id;
      for (const auto& [sid, next] :
           {std::pair{first, std::uint64_t{5}}, std::pair{second, std::uint64_t{51}}}) {
        ASSERT_EQ(journal::declare_session(j->ring(0), sid, journal::Leg::kExchange, "EXCH", t),
                  journal::AppendStatus::kOk);
        ASSERT_EQ(journal::append_sequence_set(j->ring(0), sid, next, next, t),
                  journal::AppendStatus::kOk);
      }
      j->stop();
    }
    EXPECT_EQ(exchange_next_sender_after_restart(std::numeric_limits<std::int64_t>::min()), 51u);
  }
}

}  // namespace
