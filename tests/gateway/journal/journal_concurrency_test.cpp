// The journal's threads together: two producers appending, the journal
// thread draining (start()), and a day roll whose new file is built on the
// journal's helper thread while both go on. Meaningful under TSan (CI builds
// it so): the rings' hand-off, the build's hand-off (DayBuild::done) and the
// install's swap of the file must not race. The functional checks hold
// without TSan too: every record appended is recovered, once, in order.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "gateway/journal/journal.hpp"
#include "gateway/journal/reader.hpp"
#include "tests/gateway/journal/journal_fixture.hpp"

namespace riskgate::journal {
namespace {

constexpr std::uint32_t kDay = 20240502;
constexpr std::uint32_t kNextDay = 20240503;

// Appends until the ring takes it: the journal thread drains meanwhile.
void append_retrying(JournalRing& ring, std::uint16_t session, std::uint64_t seq,
                     const std::string& msg) {
  for (;;) {
    const AppendStatus s = append_outbound(ring, session, seq, 0, msg);
    if (s == AppendStatus::kOk) return;
    ASSERT_EQ(s, AppendStatus::kRingFull);
    std::this_thread::yield();
  }
}

TEST(JournalConcurrency, TwoProducersAndADayRollLoseNoRecordWhileTheJournalThreadRuns) {
  testing::TempDir dir;
  JournalConfig cfg = testing::test_config(dir.path());
  cfg.producers = 2;
  cfg.ring_capacity = std::size_t{1} << 14;  // Small: the producers wait on the drain often.
  Journal j(cfg);
  ASSERT_EQ(declare_session(j.ring(0), 1, Leg::kExchange, "EXCH", 0), AppendStatus::kOk);
  ASSERT_EQ(declare_session(j.ring(1), 2, Leg::kEngine, "ENGINE1", 0), AppendStatus::kOk);
  j.start();

  // Enough before the roll that the build takes a while; as many after it,
  // appended while the new file is built and installed.
  constexpr std::uint64_t kPerProducer = 4000;
  std::thread exchange([&] {
    for (std::uint64_t s = 1; s <= kPerProducer; ++s) {
      append_retrying(j.ring(0), 1, s, testing::fix_order(s, "X"));
      if (s == kPerProducer / 2) {
        // No carry: the roll counts itself only.
        while (append_trading_day_roll(j.ring(0), kDay, kNextDay, 0, 1) != AppendStatus::kOk)
          std::this_thread::yield();
      }
    }
  });
  std::thread engine([&] {
    for (std::uint64_t s = 1; s <= kPerProducer; ++s)
      append_retrying(j.ring(1), 2, s, testing::fix_order(s, "E"));
  });
  exchange.join();
  engine.join();
  // The install happens on the journal thread's own time; wait for it
  // (bounded by the test's timeout) before stopping.
  while (j.files_rolled() == 0 && j.roll_failures() == 0 && j.healthy())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  j.stop();

  ASSERT_TRUE(j.healthy());
  ASSERT_EQ(j.files_rolled(), 1u);
  EXPECT_EQ(j.roll_failures(), 0u);
  const JournalFile now(cfg.file);
  EXPECT_EQ(now.header().trading_day, kNextDay);
  const RecoveredState state = recover(now);
  // The records themselves, not the recovered store (a map, which would
  // fold a duplicate away): each message once, in order, per session.
  std::vector<std::uint64_t> seqs[3];
  (void)now.scan([&](const RecordView& r) {
    if (r.type() == RecordType::kOutbound && r.header.session < 3)
      seqs[r.header.session].push_back(r.header.sequence);
  });
  for (const std::uint16_t id : {std::uint16_t{1}, std::uint16_t{2}}) {
    EXPECT_EQ(state.sessions.at(id).last_sent_seq, kPerProducer);
    ASSERT_EQ(seqs[id].size(), kPerProducer) << "session " << id << ": each message once";
    for (std::uint64_t k = 0; k < kPerProducer; ++k)
      ASSERT_EQ(seqs[id][k], k + 1) << "session " << id;
  }
  // The old day's file ends at its roll, whatever came after it meanwhile.
  RecordType last{};
  (void)JournalFile(Journal::day_path(cfg.file, kDay)).scan([&](const RecordView& r) {
    last = r.type();
  });
  EXPECT_EQ(last, RecordType::kTradingDayRoll);
}

}  // namespace
}  // namespace riskgate::journal
