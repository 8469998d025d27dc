// The journal end to end in one process: every record type round-trips,
// a full ring is an error value, appends allocate nothing, wrap-around and a
// live journal thread keep every record in order, reopening continues.
#include "gateway/journal/journal.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gateway/journal/crc32c.hpp"
#include "gateway/journal/reader.hpp"
#include "tests/gateway/journal/journal_fixture.hpp"
#include "tests/support/alloc_counter.hpp"

namespace riskgate::journal {
namespace {

using testing::TempDir;
using testing::test_config;

void drain(Journal& j) {
  (void)j.do_work(std::chrono::steady_clock::now());
}

TEST(Journal, EveryRecordTypeRoundTrips) {
  TempDir dir;
  const auto cfg = test_config(dir.path());
  const DailyCounter counters[] = {{1, 0, 164'000'000}, {2, 0, -5}, {7, 0, 300}};
  {
    Journal j(cfg);
    EXPECT_TRUE(j.open_report().created);
    auto& r = j.ring(0);
    ASSERT_EQ(declare_session(r, 0, Leg::kEngine, "ENGINE-1", 1), AppendStatus::kOk);
    ASSERT_EQ(declare_session(r, 1, Leg::kExchange, "EXCH", 2), AppendStatus::kOk);
    ASSERT_EQ(append_inbound_processed(r, 0, 41, 3), AppendStatus::kOk);
    ASSERT_EQ(append_outbound(r, 1, 601, 4, testing::fix_order(601, "X1")), AppendStatus::kOk);
    OrderEvent e;
    e.kind = OrderEventKind::kNew;
    e.side = '2';
    e.client_session = 0;
    e.order_qty = 100;
    e.price = 1012500;
    e.leaves_qty = 100;
    e.cl_ord_id = "X1";
    e.time_in_force = '1';
    ASSERT_EQ(append_order_event(r, 1, 601, 5, e), AppendStatus::kOk);
    OrderEvent fill = e;
    fill.kind = OrderEventKind::kFill;
    fill.last_qty = 40;
    fill.cum_qty = 40;
    fill.leaves_qty = 60;
    ASSERT_EQ(append_order_event(r, 1, 0, 6, fill), AppendStatus::kOk);
    OrderEvent repl = e;
    repl.kind = OrderEventKind::kReplace;
    repl.cl_ord_id = "X2";
    repl.orig_cl_ord_id = "X1";
    ASSERT_EQ(append_order_event(r, 1, 602, 7, repl), AppendStatus::kOk);
    ASSERT_EQ(append_daily_counters(r, 20240502, counters, 8), AppendStatus::kOk);
    ASSERT_EQ(append_kill_cancel_counter(r, 9001, 9), AppendStatus::kOk);
    ASSERT_EQ(append_trading_day_roll(r, 20240502, 20240503, 10), AppendStatus::kOk);
    ASSERT_EQ(append_outbound(r, 1, 602, 11, testing::fix_order(602, "X2")), AppendStatus::kOk);
    ASSERT_EQ(append_sequence_set(r, 0, 1, 1, 12), AppendStatus::kOk);
    drain(j);
  }
  JournalFile f(cfg.file);
  EXPECT_EQ(gateway_name(f.header()), "gw-test");
  EXPECT_EQ(f.header().trading_day, 20240502u);
  const RecoveredState s = recover(f);
  EXPECT_EQ(s.scan.records, 12u);
  EXPECT_FALSE(s.scan.torn);

  const auto& engine = s.sessions.at(0);
  EXPECT_EQ(engine.name, "ENGINE-1");
  EXPECT_EQ(engine.leg, Leg::kEngine);
  EXPECT_EQ(engine.next_target_seq(), 1u) << "the seqset after inbound 41 restarts numbering";
  const auto& exch = s.sessions.at(1);
  EXPECT_EQ(exch.name, "EXCH");
  EXPECT_EQ(exch.leg, Leg::kExchange);
  EXPECT_EQ(exch.next_sender_seq(), 603u);
  ASSERT_EQ(exch.outbound.size(), 2u);
  EXPECT_EQ(exch.outbound.at(601), testing::fix_order(601, "X1"));
  EXPECT_EQ(exch.outbound.at(602), testing::fix_order(602, "X2"));

  // Order events as the restart reads them: streamed from the file.
  struct Seen {
    OrderEvent e;
    std::uint64_t sequence;
    std::int64_t utc_ns;
    std::string id, orig;
  };
  std::vector<Seen> events;
  (void)f.scan([&](const RecordView& r) {
    OrderEvent e;
    if (r.type() != RecordType::kOrderEvent || !decode(r, e)) return;
    events.push_back({e, r.header.sequence, r.header.utc_ns, std::string(e.cl_ord_id),
                      std::string(e.orig_cl_ord_id)});
  });
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].e.kind, OrderEventKind::kNew);
  EXPECT_EQ(events[0].e.side, '2');
  EXPECT_EQ(events[0].e.price, 1012500);
  EXPECT_EQ(events[0].e.time_in_force, '1');
  EXPECT_EQ(events[0].sequence, 601u);
  EXPECT_EQ(events[0].utc_ns, 5);
  EXPECT_EQ(events[1].e.kind, OrderEventKind::kFill);
  EXPECT_EQ(events[1].e.last_qty, 40);
  EXPECT_EQ(events[1].e.leaves_qty, 60);
  EXPECT_EQ(events[2].id, "X2");
  EXPECT_EQ(events[2].orig, "X1");

  EXPECT_EQ(s.counters_day, 20240502u);
  ASSERT_EQ(s.counters.size(), 3u);
  EXPECT_EQ(s.counters[0].value, 164'000'000);
  EXPECT_EQ(s.counters[1].value, -5);
  EXPECT_EQ(s.counters[2].id, 7u);
  EXPECT_EQ(s.next_kill_cancel_id, 9001u);
  EXPECT_EQ(s.trading_day, 20240503u);
}

TEST(Journal, PrintsASessionsAndAnOrdersHistory) {
  TempDir dir;
  const auto cfg = test_config(dir.path());
  {
    Journal j(cfg);
    auto& r = j.ring(0);
    ASSERT_EQ(declare_session(r, 0, Leg::kEngine, "ENGINE-1", 1), AppendStatus::kOk);
    ASSERT_EQ(declare_session(r, 1, Leg::kExchange, "EXCH", 1), AppendStatus::kOk);
    ASSERT_EQ(append_inbound_processed(r, 0, 5, 2), AppendStatus::kOk);
    ASSERT_EQ(append_outbound(r, 1, 7, 3, testing::fix_order(7, "K1")), AppendStatus::kOk);
    OrderEvent e;
    e.cl_ord_id = "K1";
    e.order_qty = 100;
    ASSERT_EQ(append_order_event(r, 1, 7, 4, e), AppendStatus::kOk);
    ASSERT_EQ(append_outbound(r, 1, 8, 5, testing::fix_order(8, "OTHER")), AppendStatus::kOk);
  }
  JournalFile f(cfg.file);
  std::ostringstream all;
  print_journal(f, {}, all);
  EXPECT_NE(all.str().find("gateway=gw-test day=20240502"), std::string::npos) << all.str();
  EXPECT_NE(all.str().find("records=6"), std::string::npos) << all.str();

  std::ostringstream engine;
  print_journal(f, {.session = "ENGINE-1", .cl_ord_id = {}}, engine);
  EXPECT_NE(engine.str().find("inbound ENGINE-1 seq=5"), std::string::npos) << engine.str();
  EXPECT_EQ(engine.str().find("outbound"), std::string::npos) << engine.str();

  std::ostringstream order;
  print_journal(f, {.session = {}, .cl_ord_id = "K1"}, order);
  EXPECT_NE(order.str().find("outbound EXCH seq=7 msg=8=FIX.4.4|"), std::string::npos)
      << order.str();
  EXPECT_NE(order.str().find("order EXCH event=new clordid=K1"), std::string::npos) << order.str();
  EXPECT_EQ(order.str().find("11=OTHER"), std::string::npos) << order.str();
}

TEST(JournalRing, AFullRingReturnsAnErrorUntilTheJournalThreadDrainsIt) {
  TempDir dir;
  auto cfg = test_config(dir.path());
  cfg.ring_capacity = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  Journal j(cfg);
  auto& r = j.ring(0);
  const std::string msg = testing::fix_order(1);
  const std::size_t per = align_record(sizeof(RecordHeader) + msg.size());
  std::size_t accepted = 0;
  AppendStatus st = AppendStatus::kOk;
  while ((st = append_outbound(r, 1, accepted + 1, 0, msg)) == AppendStatus::kOk) ++accepted;
  EXPECT_EQ(st, AppendStatus::kRingFull);
  EXPECT_EQ(accepted, cfg.ring_capacity / per);
  drain(j);
  EXPECT_EQ(append_outbound(r, 1, accepted + 1, 0, msg), AppendStatus::kOk);
  EXPECT_EQ(append_outbound(r, 1, 0, 0, std::string(cfg.ring_capacity, 'x')),
            AppendStatus::kTooLarge);
}

// The order step's record leaves order_step_headroom() free: refused while
// the other records (refusals, reports of orders already out) still fit.
TEST(JournalRing, AReservationWithHeadroomIsRefusedWhileSmallerRecordsStillFit) {
  TempDir dir;
  auto cfg = test_config(dir.path());
  Journal j(cfg);
  auto& r = j.ring(0);
  const std::size_t headroom = order_step_headroom(r);
  EXPECT_EQ(headroom, cfg.ring_capacity / 8);
  const std::string msg = testing::fix_order(1);
  const std::size_t per = align_record(sizeof(RecordHeader) + msg.size());
  std::uint64_t seq = 1;
  std::size_t with_headroom = 0;
  while (true) {
    const auto res = r.try_reserve(msg.size(), headroom);
    if (res.status != AppendStatus::kOk) {
      EXPECT_EQ(res.status, AppendStatus::kRingFull);
      break;
    }
    std::memcpy(res.payload().data(), msg.data(), msg.size());
    r.commit(res, RecordType::kOutbound, 1, seq++, 0);
    ++with_headroom;
  }
  EXPECT_EQ(with_headroom, (cfg.ring_capacity - headroom) / per);
  std::size_t without = 0;
  while (append_outbound(r, 1, seq++, 0, msg) == AppendStatus::kOk) ++without;
  EXPECT_EQ(with_headroom + without, cfg.ring_capacity / per) << "the headroom was left free";
}

TEST(JournalRing, AppendsAllocateNothing) {
  TempDir dir;
  Journal j(test_config(dir.path()));
  auto& r = j.ring(0);
  const std::string msg = testing::fix_order(1);
  OrderEvent e;
  e.cl_ord_id = "ORD-12345";
  const DailyCounter c[] = {{1, 0, 2}};
  for (int batch = 0; batch < 50; ++batch) {
    riskgate::testing::AllocationScope scope;
    for (std::uint64_t i = 0; i < 50; ++i) {
      ASSERT_EQ(append_outbound(r, 1, i, 0, msg), AppendStatus::kOk);
      ASSERT_EQ(append_order_event(r, 1, i, 0, e), AppendStatus::kOk);
      ASSERT_EQ(append_inbound_processed(r, 0, i, 0), AppendStatus::kOk);
    }
    ASSERT_EQ(append_daily_counters(r, 20240502, c, 0), AppendStatus::kOk);
    ASSERT_EQ(append_kill_cancel_counter(r, 1, 0), AppendStatus::kOk);
    EXPECT_EQ(scope.count(), 0u);
    drain(j);
  }
}

TEST(JournalRing, RecordsThatWrapPastTheRingEndStayWholeAndInOrder) {
  TempDir dir;
  auto cfg = test_config(dir.path());
  cfg.ring_capacity = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  std::uint64_t seq = 0;
  {
    Journal j(cfg);
    // Odd sizes so records straddle the end of the ring at varying offsets.
    for (int round = 0; round < 200; ++round) {
      for (int k = 0; k < 3; ++k) {
        ++seq;
        const std::string msg = testing::fix_order(seq) + std::string(seq % 37, 'p');
        ASSERT_EQ(append_outbound(j.ring(0), 1, seq, 0, msg), AppendStatus::kOk);
      }
      drain(j);
    }
  }
  JournalFile f(test_config(dir.path()).file);
  const RecoveredState s = recover(f);
  ASSERT_FALSE(s.scan.torn);
  const auto& out = s.sessions.at(1).outbound;
  ASSERT_EQ(out.size(), seq);
  for (std::uint64_t i = 1; i <= seq; ++i)
    ASSERT_EQ(out.at(i), testing::fix_order(i) + std::string(i % 37, 'p')) << i;
}

TEST(Journal, ALiveJournalThreadKeepsEveryRecordOfEveryProducerInOrder) {
  TempDir dir;
  auto cfg = test_config(dir.path());
  cfg.producers = 2;
  cfg.sync = SyncPolicy::kInterval;
  cfg.sync_interval = std::chrono::milliseconds(1);
  constexpr std::uint64_t kPerProducer = 20'000;
  {
    Journal j(cfg);
    j.start();
    auto produce = [&j](std::size_t k) {
      const std::string msg = testing::fix_order(1);
      for (std::uint64_t i = 1; i <= kPerProducer; ++i) {
        // A full ring here is back-pressure; the gateway would refuse.
        while (append_outbound(j.ring(k), static_cast<std::uint16_t>(k), i, 0, msg) !=
               AppendStatus::kOk)
          std::this_thread::yield();
      }
    };
    std::thread a(produce, 0);
    std::thread b(produce, 1);
    a.join();
    b.join();
    j.stop();
    EXPECT_GT(j.syncs(), 0u);
    EXPECT_EQ(j.durable_end(), j.written_end());
  }
  JournalFile f(cfg.file);
  std::uint64_t next[2] = {1, 1};
  const auto sr = f.scan([&](const RecordView& r) {
    ASSERT_LT(r.header.session, 2);
    ASSERT_EQ(r.header.sequence, next[r.header.session]++);
  });
  EXPECT_EQ(sr.records, 2 * kPerProducer);
  EXPECT_EQ(next[0], kPerProducer + 1);
  EXPECT_EQ(next[1], kPerProducer + 1);
}

TEST(Journal, AnEmptyLookDoublesTheIdleSleepUpToItsCap) {
  JournalConfig c;
  c.idle_sleep = std::chrono::microseconds(50);
  c.idle_sleep_max = std::chrono::microseconds(1000);
  std::chrono::microseconds s = c.idle_sleep;
  std::vector<long> seen;
  for (int i = 0; i < 8; ++i) {
    s = Journal::next_idle_sleep(s, c);
    seen.push_back(static_cast<long>(s.count()));
  }
  EXPECT_EQ(seen, (std::vector<long>{100, 200, 400, 800, 1000, 1000, 1000, 1000}));
}

TEST(Journal, AZeroIdleSleepStillBacksOffAndACapBelowItIsRaisedToIt) {
  JournalConfig c;
  c.idle_sleep = std::chrono::microseconds(0);
  c.idle_sleep_max = std::chrono::microseconds(4);
  EXPECT_EQ(Journal::next_idle_sleep(std::chrono::microseconds(0), c).count(), 1);
  EXPECT_EQ(Journal::next_idle_sleep(std::chrono::microseconds(1), c).count(), 2);
  EXPECT_EQ(Journal::next_idle_sleep(std::chrono::microseconds(4), c).count(), 4);
  c.idle_sleep = std::chrono::microseconds(300);
  c.idle_sleep_max = std::chrono::microseconds(100);
  EXPECT_EQ(Journal::next_idle_sleep(std::chrono::microseconds(300), c).count(), 300);
}

// A fixed 50 us poll kept an idle gateway's journal thread at ~22 % of a
// core. Idle, it backs off to idle_sleep_max. Counted in sleeps rather than
// CPU time, so a loaded machine cannot fail it: a sleep never ends early, so
// one idle second holds at most ~1 s / idle_sleep_max sleeps plus the ramp,
// where a thread stuck at idle_sleep would take 20 times as many.
TEST(Journal, AnIdleJournalThreadBacksOffAndStillWritesTheNextRecord) {
  TempDir dir;
  auto cfg = test_config(dir.path());
  cfg.idle_sleep = std::chrono::microseconds(50);
  cfg.idle_sleep_max = std::chrono::microseconds(1000);
  Journal j(cfg);
  j.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // Settle into the backoff.
  const std::uint64_t sleeps0 = j.idle_sleeps();
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const std::uint64_t sleeps = j.idle_sleeps() - sleeps0;
  const auto elapsed_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
  EXPECT_GT(j.idle_sleeps(), 0u) << "the journal thread never slept";
  // +2: a sleep begun just before t0 and one begun just before the read.
  EXPECT_LE(sleeps, static_cast<std::uint64_t>(elapsed_us / cfg.idle_sleep_max) + 2)
      << "the idle journal thread is not backing off";

  const std::uint64_t before = j.written_end();
  ASSERT_EQ(append_outbound(j.ring(0), 1, 1, 0, testing::fix_order(1)), AppendStatus::kOk);
  const auto w0 = std::chrono::steady_clock::now();
  while (j.written_end() == before &&
         std::chrono::steady_clock::now() - w0 < std::chrono::seconds(10))
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  EXPECT_GT(j.written_end(), before) << "the record never reached the file";
  j.stop();
}

TEST(Journal, ReopeningAppendsAfterWhatIsThereWithIncreasingLsns) {
  TempDir dir;
  const auto cfg = test_config(dir.path());
  for (std::uint64_t run = 0; run < 3; ++run) {
    Journal j(cfg);
    EXPECT_EQ(j.open_report().created, run == 0);
    EXPECT_EQ(j.open_report().file_records, 2 * run);
    EXPECT_EQ(j.open_report().ring_records, 0u);
    for (std::uint64_t i = 1; i <= 2; ++i)
      ASSERT_EQ(append_outbound(j.ring(0), 1, 2 * run + i, 0, testing::fix_order(2 * run + i)),
                AppendStatus::kOk);
  }
  JournalFile f(cfg.file);
  std::uint64_t last_lsn = 0;
  bool first = true;
  const auto sr = f.scan([&](const RecordView& r) {
    if (!first) {
      EXPECT_GT(r.header.lsn, last_lsn);
    }
    first = false;
    last_lsn = r.header.lsn;
  });
  EXPECT_EQ(sr.records, 6u);
}

TEST(Journal, ARecordCutInsideItsPaddingIsKeptAndWhatFollowsItStaysReadable) {
  TempDir dir;
  const auto cfg = test_config(dir.path());
  // A message whose record length is not a multiple of the alignment, so
  // the record ends in padding.
  const std::string odd = testing::fix_order(1) + "58=x\x01";
  std::uint64_t cut = 0;
  {
    Journal j(cfg);
    ASSERT_EQ(append_outbound(j.ring(0), 1, 1, 0, odd), AppendStatus::kOk);
  }
  {
    const JournalFile f(cfg.file);
    std::uint64_t end = 0;
    (void)f.scan([&](const RecordView& r) { end = r.offset + r.header.length; });
    ASSERT_NE(end % kRecordAlign, 0u) << "the record must end inside its padding";
    cut = end;
  }
  // As a kill between the record's bytes and its padding leaves the file.
  std::filesystem::resize_file(cfg.file, cut);
  {
    Journal j(cfg);
    EXPECT_FALSE(j.open_report().torn_tail);
    EXPECT_EQ(j.open_report().file_records, 1u);
    ASSERT_EQ(append_outbound(j.ring(0), 1, 2, 0, testing::fix_order(2)), AppendStatus::kOk);
  }
  // Both records read back, nothing torn; a third open keeps both.
  for (int open = 0; open < 2; ++open) {
    const JournalFile f(cfg.file);
    std::vector<std::uint64_t> seqs;
    const auto sr = f.scan([&](const RecordView& r) { seqs.push_back(r.header.sequence); });
    EXPECT_FALSE(sr.torn);
    EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 2}));
    if (open == 0) {
      Journal again(cfg);
      EXPECT_FALSE(again.open_report().torn_tail);
    }
  }
}

TEST(Journal, RefusesAFileOfAnotherGateway) {
  TempDir dir;
  auto cfg = test_config(dir.path());
  { Journal j(cfg); }
  cfg.gateway = "someone-else";
  EXPECT_THROW(Journal{cfg}, std::runtime_error);
}

}  // namespace
}  // namespace riskgate::journal

namespace riskgate::journal {
namespace {

OrderEvent new_order_event(std::string_view id) {
  OrderEvent e;
  e.kind = OrderEventKind::kNew;
  e.side = '1';
  e.ord_type = '2';
  e.client_session = 0;
  e.order_qty = 300;
  e.price = 1905000;
  e.leaves_qty = 300;
  e.cl_ord_id = id;
  e.symbol = "AAPL";
  e.account = "ACC1";
  return e;
}

TEST(Journal, AnOrderStepsOneRecordReadsAsTheEventTheMessageAndTheEnginesNumber) {
  TempDir dir;
  const auto cfg = test_config(dir.path());
  const std::string msg = testing::fix_order(601, "E1-A");
  {
    Journal j(cfg);
    ASSERT_EQ(append_order_sent(j.ring(0), 1, 601, 9, new_order_event("E1-A"), 0, 41, msg),
              AppendStatus::kOk);
    // Without an engine message (kNoSession): the event and the message.
    ASSERT_EQ(append_order_sent(j.ring(0), 1, 602, 10, new_order_event("E1-B"), kNoSession, 0,
                                testing::fix_order(602, "E1-B")),
              AppendStatus::kOk);
    // Identifiers beyond their bound and an empty message are refused whole.
    ASSERT_EQ(append_order_sent(j.ring(0), 1, 603, 11, new_order_event(std::string(256, 'x')), 0,
                                42, msg),
              AppendStatus::kTooLarge);
    ASSERT_EQ(append_order_sent(j.ring(0), 1, 603, 11, new_order_event("E1-C"), 0, 42, ""),
              AppendStatus::kTooLarge);
  }
  JournalFile f(cfg.file);
  std::vector<RecordView> raw, logical;
  (void)f.scan([&](const RecordView& r) { raw.push_back(r); });
  const auto sr = f.scan_logical([&](const RecordView& r) { logical.push_back(r); });
  ASSERT_EQ(raw.size(), 2u);
  EXPECT_EQ(raw[0].type(), RecordType::kOrderSent);
  EXPECT_EQ(sr.records, 2u);
  EXPECT_FALSE(sr.torn);
  ASSERT_EQ(logical.size(), 5u);
  EXPECT_EQ(logical[0].type(), RecordType::kOrderEvent);
  EXPECT_EQ(logical[0].header.session, 1);
  EXPECT_EQ(logical[0].header.sequence, 601u);
  OrderEvent e;
  ASSERT_TRUE(decode(logical[0], e));
  EXPECT_EQ(e.cl_ord_id, "E1-A");
  EXPECT_EQ(e.symbol, "AAPL");
  EXPECT_EQ(e.account, "ACC1");
  EXPECT_EQ(e.order_qty, 300);
  EXPECT_EQ(e.price, 1905000);
  EXPECT_EQ(logical[1].type(), RecordType::kOutbound);
  EXPECT_EQ(logical[1].header.sequence, 601u);
  EXPECT_EQ(logical[1].payload_text(), msg);
  EXPECT_EQ(logical[2].type(), RecordType::kInboundProcessed);
  EXPECT_EQ(logical[2].header.session, 0);
  EXPECT_EQ(logical[2].header.sequence, 41u);
  EXPECT_EQ(logical[2].header.utc_ns, 9);
  EXPECT_EQ(logical[3].type(), RecordType::kOrderEvent);
  EXPECT_EQ(logical[4].type(), RecordType::kOutbound);

  // What a restart rebuilds from it is what the three records gave.
  const RecoveredState s = recover(f);
  EXPECT_EQ(s.sessions.at(1).last_sent_seq, 602u);
  EXPECT_EQ(s.sessions.at(1).outbound.at(601), msg);
  EXPECT_EQ(s.sessions.at(0).last_processed_seq, 41u);
}

TEST(Journal, AnOrderStepRecordWhoseEventRunsPastItsPayloadIsATornTail) {
  TempDir dir;
  const auto cfg = test_config(dir.path());
  {
    Journal j(cfg);
    ASSERT_EQ(append_outbound(j.ring(0), 1, 1, 0, testing::fix_order(1)), AppendStatus::kOk);
    // An event's lengths claim more identifier bytes than the record holds
    // (the checksum is sealed over it, so only the layout check catches it).
    auto r = j.ring(0).try_reserve(sizeof(OrderSentFixed) + sizeof(OrderEventFixed) + 8);
    ASSERT_EQ(r.status, AppendStatus::kOk);
    std::memset(r.payload().data(), 0, r.payload().size());
    OrderEventFixed ev{};
    ev.symbol_len = 200;
    std::memcpy(r.payload().data() + sizeof(OrderSentFixed), &ev, sizeof(ev));
    j.ring(0).commit(r, RecordType::kOrderSent, 1, 2, 0);
  }
  JournalFile f(cfg.file);
  std::size_t n = 0;
  const auto sr = f.scan_logical([&](const RecordView&) { ++n; });
  EXPECT_EQ(n, 1u);
  EXPECT_TRUE(sr.torn);
  EXPECT_EQ(sr.error, RecordError::kBadPayload);
}

TEST(Journal, AFormatTwoFileIsReadAsItIsAndMarkedFormatThreeBeforeAnythingIsAppended) {
  TempDir dir;
  const auto cfg = test_config(dir.path());
  {
    Journal j(cfg);
    ASSERT_EQ(append_outbound(j.ring(0), 1, 1, 0, testing::fix_order(1)), AppendStatus::kOk);
  }
  // Rewrite the header as a version-2 writer left it.
  FileHeader h{};
  {
    std::fstream io(cfg.file, std::ios::in | std::ios::out | std::ios::binary);
    io.read(reinterpret_cast<char*>(&h), sizeof(h));
    h.version = 2;
    h.crc = crc32c(0, &h, offsetof(FileHeader, crc));
    io.seekp(0);
    io.write(reinterpret_cast<const char*>(&h), sizeof(h));
  }
  EXPECT_EQ(JournalFile(cfg.file).header().version, 2u);
  {
    Journal j(cfg);
    EXPECT_EQ(j.open_report().file_records, 1u);
    ASSERT_EQ(
        append_order_sent(j.ring(0), 1, 2, 0, new_order_event("E1-A"), 0, 1, testing::fix_order(2)),
        AppendStatus::kOk);
  }
  JournalFile f(cfg.file);
  EXPECT_EQ(f.header().version, kFormatVersion);
  EXPECT_EQ(recover(f).sessions.at(1).last_sent_seq, 2u);
  // A version this build does not know is refused, never read.
  h.version = kFormatVersion + 1;
  h.crc = crc32c(0, &h, offsetof(FileHeader, crc));
  EXPECT_FALSE(valid_file_header(h));
}

// A sequence reset takes a session's numbers back: what was sent before it
// is judged in its own numbering (a restart keeps an order sent at 5 working
// though the numbers are at 1 now). A set that does not take the outbound
// numbers back (an inbound-only reset, the numbers carried to a new id)
// starts no new numbering.
TEST(Journal, ARecoveredSessionKnowsTheHighestNumberSentInEachNumberingAResetEnded) {
  TempDir dir;
  const auto cfg = test_config(dir.path());
  {
    Journal j(cfg);
    auto ok = [](AppendStatus st) { EXPECT_EQ(st, AppendStatus::kOk); };
    for (std::uint64_t n = 1; n <= 5; ++n)  // Records 0-4.
      ok(append_outbound(j.ring(0), 1, n, 0, testing::fix_order(n)));
    ok(append_sequence_set(j.ring(0), 1, 1, 1, 0));  // 5: a reset.
    ok(append_sender_seq(j.ring(0), 1, 1, 0));       // 6
    ok(append_outbound(j.ring(0), 1, 2, 0, testing::fix_order(2)));
    ok(append_outbound(j.ring(0), 1, 3, 0, testing::fix_order(3)));
    ok(append_outbound_void(j.ring(0), 1, 3, 0));    // 9: 3 was not sent.
    ok(append_sequence_set(j.ring(0), 1, 3, 7, 0));  // 10: inbound only.
    ok(append_outbound(j.ring(0), 1, 3, 0, testing::fix_order(3)));
    ok(append_outbound(j.ring(0), 1, 4, 0, testing::fix_order(4)));
    ok(append_sequence_set(j.ring(0), 1, 1, 1, 0));  // 13: a reset.
    ok(append_sender_seq(j.ring(0), 1, 1, 0));       // 14
  }
  const JournalFile f(cfg.file);
  std::vector<std::uint64_t> at;
  (void)f.scan([&](const RecordView& r) { at.push_back(r.offset); });
  ASSERT_EQ(at.size(), 15u);
  const RecoveredSession s = recover(f).sessions.at(1);
  EXPECT_EQ(s.last_sent_seq, 1u);
  ASSERT_EQ(s.ended_epochs.size(), 2u);
  EXPECT_EQ(s.ended_epochs[0].end_offset, at[5]);
  EXPECT_EQ(s.last_sent_seq_at(at[0]), 5u);
  EXPECT_EQ(s.last_sent_seq_at(at[4]), 5u);
  EXPECT_EQ(s.last_sent_seq_at(at[7]), 4u) << "the inbound-only set did not end the numbering";
  EXPECT_EQ(s.last_sent_seq_at(at[12]), 4u);
  EXPECT_EQ(s.last_sent_seq_at(at[14]), 1u);
  EXPECT_EQ(s.outbound.size(), 0u) << "the reset voids the old numbering's messages";
}

}  // namespace
}  // namespace riskgate::journal
