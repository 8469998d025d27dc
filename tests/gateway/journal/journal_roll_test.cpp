// A file per trading day: a day roll that counts the carry before it makes
// the journal thread start a new file with each session's numbers, resend
// store and the kill-cancel id floor, then the carry and the roll; the old
// day's file is kept under its day's name. A roll without its carry, or with
// a carry that does not add up, keeps the one file.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/journal/journal.hpp"
#include "gateway/journal/reader.hpp"
#include "tests/gateway/journal/journal_fixture.hpp"

namespace riskgate::journal {
namespace {

constexpr std::uint32_t kDay = 20240502;
constexpr std::uint32_t kNextDay = 20240503;
constexpr std::uint16_t kEngine = 0;
constexpr std::uint16_t kExchange = 1;

// What the journal thread does: drains the rings and, once a roll's new
// file is built (on its own thread), installs it.
void drain(Journal& j) {
  (void)j.do_work(std::chrono::steady_clock::now());
  (void)j.finish_day_roll();
}

std::vector<RecordType> types_of(const std::filesystem::path& file) {
  std::vector<RecordType> out;
  (void)JournalFile(file).scan([&](const RecordView& r) { out.push_back(r.type()); });
  return out;
}

class JournalRollTest : public ::testing::Test {
 protected:
  JournalRollTest() : cfg_(testing::test_config(dir_.path())) {}

  // A day of traffic: both sessions declared, messages both ways, a reset
  // of the engine leg's numbers partway, a kill-cancel id floor.
  void a_day(Journal& j) {
    auto& r = j.ring(0);
    ASSERT_EQ(declare_session(r, kEngine, Leg::kEngine, "ENGINE1", 1000), AppendStatus::kOk);
    ASSERT_EQ(declare_session(r, kExchange, Leg::kExchange, "EXCH", 1000), AppendStatus::kOk);
    for (std::uint64_t s = 1; s <= 5; ++s) {
      ASSERT_EQ(append_outbound(r, kExchange, s, 2000, testing::fix_order(s)), AppendStatus::kOk);
      ASSERT_EQ(append_inbound_processed(r, kExchange, s + 10, 2000), AppendStatus::kOk);
      ASSERT_EQ(append_outbound(r, kEngine, s, 2000, testing::fix_order(s, "ACK")),
                AppendStatus::kOk);
    }
    // The engine leg starts again at 1 (a logon reset): its store is void.
    ASSERT_EQ(append_sequence_set(r, kEngine, 1, 1, 3000), AppendStatus::kOk);
    ASSERT_EQ(append_outbound(r, kEngine, 1, 3001, testing::fix_order(1, "AFTER")),
              AppendStatus::kOk);
    ASSERT_EQ(append_inbound_processed(r, kEngine, 4, 3002), AppendStatus::kOk);
    ASSERT_EQ(append_kill_cancel_counter(r, 77, 3003), AppendStatus::kOk);
  }

  // The carry (one working order, a position, an anchor), then the roll
  // that counts it (3 records + 1).
  void roll_with_carry(Journal& j, std::uint64_t counted = 4) {
    auto& r = j.ring(0);
    OrderEvent e;
    e.kind = OrderEventKind::kNew;
    e.cl_ord_id = "W1";
    e.symbol = "ACME";
    e.account = "ACCT-0001";
    e.order_qty = 100;
    e.cum_qty = 40;
    e.leaves_qty = 60;
    e.price = 101'250'000;
    ASSERT_EQ(append_carried_order(r, kExchange, 4000, e), AppendStatus::kOk);
    PositionCarry c;
    c.flags = PositionCarry::kHasPosition;
    c.position = 140;
    c.account = "ACCT-0001";
    c.symbol = "ACME";
    ASSERT_EQ(append_position_carry(r, c, 4000), AppendStatus::kOk);
    PositionCarry anchor;
    anchor.flags = PositionCarry::kHasLastFill;
    anchor.last_fill_px = 101'000'000;
    anchor.symbol = "ACME";
    ASSERT_EQ(append_position_carry(r, anchor, 4000), AppendStatus::kOk);
    ASSERT_EQ(append_trading_day_roll(r, kDay, kNextDay, 4001, counted), AppendStatus::kOk);
  }

  testing::TempDir dir_;
  JournalConfig cfg_;
};

TEST_F(JournalRollTest, ADayRollWithItsCarryStartsTheNextDaysFileAndKeepsTheOldOne) {
  Journal j(cfg_);
  a_day(j);
  roll_with_carry(j);
  // The next day's first records, in the same drain as the roll.
  ASSERT_EQ(append_outbound(j.ring(0), kExchange, 6, 5000, testing::fix_order(6, "NEXT")),
            AppendStatus::kOk);
  drain(j);
  EXPECT_EQ(j.files_rolled(), 1u);
  EXPECT_EQ(j.roll_failures(), 0u);
  EXPECT_TRUE(j.healthy());
  const auto old_path = Journal::day_path(cfg_.file, kDay);
  ASSERT_TRUE(std::filesystem::exists(old_path));
  EXPECT_FALSE(std::filesystem::exists(Journal::next_path(cfg_.file)));

  // The old day's file: everything up to the roll, nothing after it.
  const auto old_types = types_of(old_path);
  ASSERT_FALSE(old_types.empty());
  EXPECT_EQ(old_types.back(), RecordType::kTradingDayRoll);

  // The new day's file: the sessions, the carry, the roll, then the day.
  const JournalFile now(cfg_.file);
  EXPECT_EQ(now.header().trading_day, kNextDay);
  EXPECT_EQ(now.header().created_utc_ns, JournalFile(old_path).header().created_utc_ns)
      << "the rings are tied to the chain, not to one day's file";
  const auto types = types_of(cfg_.file);
  const std::vector<RecordType> tail{RecordType::kCarriedOrder, RecordType::kPositionCarry,
                                     RecordType::kPositionCarry, RecordType::kTradingDayRoll,
                                     RecordType::kOutbound};
  ASSERT_GE(types.size(), tail.size());
  EXPECT_EQ(std::vector<RecordType>(types.end() - static_cast<long>(tail.size()), types.end()),
            tail);
  EXPECT_LT(types.size(), old_types.size()) << "the day's history stays in the old file";

  // Every session reads back as the old file left it (the new day's
  // message aside), and so does the kill-cancel id floor.
  const RecoveredState before = recover(JournalFile(old_path));
  const RecoveredState after = recover(now);
  EXPECT_EQ(after.trading_day, kNextDay);
  EXPECT_EQ(after.next_kill_cancel_id, 77u);
  for (const std::uint16_t id : {kEngine, kExchange}) {
    const auto& b = before.sessions.at(id);
    const auto& a = after.sessions.at(id);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.leg, b.leg);
    EXPECT_EQ(a.last_processed_seq, b.last_processed_seq);
    EXPECT_EQ(a.numbering_start_utc_ns, b.numbering_start_utc_ns) << a.name;
    if (id == kEngine) {
      EXPECT_EQ(a.last_sent_seq, 1u);
      EXPECT_EQ(a.outbound, b.outbound) << "only the message of the numbering in force";
      ASSERT_EQ(a.outbound.size(), 1u);
    } else {
      EXPECT_EQ(a.last_sent_seq, 6u);
      EXPECT_EQ(a.outbound.size(), 6u);
      EXPECT_EQ(a.outbound.at(3), b.outbound.at(3)) << "yesterday's messages can still be resent";
    }
  }
}

// The new day's file is built on a helper thread: the rings keep draining
// into the old file meanwhile (in one drain here, or several, as the build
// takes), and what they brought is in the new file once it is installed, in
// order and once, while the old day's file ends at its roll.
TEST_F(JournalRollTest, TheRingsKeepDrainingWhileTheNewDaysFileIsBuilt) {
  Journal j(cfg_);
  a_day(j);
  // A day long enough (8 MB) that its read-back takes far longer than the
  // three drains below: they land in the old file, after the roll, and the
  // install copies them over.
  const std::string msg = testing::fix_order(1, "FILL");
  for (std::uint64_t seq = 2; j.written_end() < (std::uint64_t{8} << 20);) {
    if (append_outbound(j.ring(0), kEngine, seq, 4500, msg) == AppendStatus::kOk)
      ++seq;
    else
      (void)j.do_work(std::chrono::steady_clock::now());
  }
  (void)j.do_work(std::chrono::steady_clock::now());
  roll_with_carry(j);
  (void)j.do_work(std::chrono::steady_clock::now());  // The roll written; the build starts.
  for (std::uint64_t s = 6; s <= 8; ++s) {
    ASSERT_EQ(append_outbound(j.ring(0), kExchange, s, 5000, testing::fix_order(s, "NEXT")),
              AppendStatus::kOk);
    (void)j.do_work(std::chrono::steady_clock::now());
  }
  ASSERT_EQ(j.files_rolled(), 0u) << "the build was done before the drains: no copy to test";
  ASSERT_TRUE(j.finish_day_roll());
  EXPECT_EQ(j.files_rolled(), 1u);
  EXPECT_EQ(j.roll_failures(), 0u);
  const auto types = types_of(cfg_.file);
  const std::vector<RecordType> tail{RecordType::kTradingDayRoll, RecordType::kOutbound,
                                     RecordType::kOutbound, RecordType::kOutbound};
  ASSERT_GE(types.size(), tail.size());
  EXPECT_EQ(std::vector<RecordType>(types.end() - static_cast<long>(tail.size()), types.end()),
            tail);
  const RecoveredState after = recover(JournalFile(cfg_.file));
  EXPECT_EQ(after.sessions.at(kExchange).last_sent_seq, 8u);
  EXPECT_EQ(after.sessions.at(kExchange).outbound.size(), 8u);
  EXPECT_EQ(types_of(Journal::day_path(cfg_.file, kDay)).back(), RecordType::kTradingDayRoll);
  // And the next write lands after them.
  ASSERT_EQ(append_outbound(j.ring(0), kExchange, 9, 6000, testing::fix_order(9, "MORE")),
            AppendStatus::kOk);
  j.stop();
  EXPECT_EQ(recover(JournalFile(cfg_.file)).sessions.at(kExchange).last_sent_seq, 9u);
}

// A reader (riskgatectl journal) that mapped the live file while the new
// day's was built, the next day's first records after the roll in it: the
// install renames as always but leaves the old file uncut while the reader
// holds it, so its mapping is never cut short (SIGBUS); the archived day then
// keeps those records after its roll. With no reader, it is cut.
TEST_F(JournalRollTest, AReaderOfTheOldFileDuringTheRollIsNeverCutShort) {
  for (const bool reading : {true, false}) {
    SCOPED_TRACE(reading ? "a reader holds the old file" : "no reader");
    testing::TempDir dir;
    const JournalConfig cfg = testing::test_config(dir.path());
    Journal j(cfg);
    a_day(j);
    roll_with_carry(j);
    ASSERT_EQ(append_outbound(j.ring(0), kExchange, 6, 5000, testing::fix_order(6, "NEXT")),
              AppendStatus::kOk);
    // One drain: the roll, then the next day's record after it, both in the
    // old file (the new one is installed by a later drain only).
    (void)j.do_work(std::chrono::steady_clock::now());
    ASSERT_EQ(j.files_rolled(), 0u);
    std::optional<JournalFile> reader;
    if (reading) reader.emplace(cfg.file);
    ASSERT_TRUE(j.finish_day_roll());
    ASSERT_EQ(j.files_rolled(), 1u);
    const auto old_types = types_of(Journal::day_path(cfg.file, kDay));
    if (reading) {
      // The whole mapping still reads: the roll, then the next day's record.
      std::vector<RecordType> seen;
      (void)reader->scan([&](const RecordView& r) { seen.push_back(r.type()); });
      ASSERT_GE(seen.size(), 2u);
      EXPECT_EQ(seen[seen.size() - 2], RecordType::kTradingDayRoll);
      EXPECT_EQ(seen.back(), RecordType::kOutbound);
      EXPECT_EQ(old_types.back(), RecordType::kOutbound) << "not cut: the reader holds it";
    } else {
      EXPECT_EQ(old_types.back(), RecordType::kTradingDayRoll) << "cut back to its roll";
    }
    EXPECT_EQ(recover(JournalFile(cfg.file)).sessions.at(kExchange).last_sent_seq, 6u);
  }
}

// The archived day left with the next day's first records after its roll
// (the install found a reader on it; a crash between the rename and the cut
// leaves the same file): the records are the live file's, so an audit of
// the day file would count them twice.
class UncutArchivedDay : public JournalRollTest {
 protected:
  // Rolls with a reader on the old file, then lets the reader go: the
  // archived day ends with the next day's record, not with its roll.
  void roll_uncut(Journal& j) {
    a_day(j);
    roll_with_carry(j);
    ASSERT_EQ(append_outbound(j.ring(0), kExchange, 6, 5000, testing::fix_order(6, "NEXT")),
              AppendStatus::kOk);
    (void)j.do_work(std::chrono::steady_clock::now());
    {
      const JournalFile reader(cfg_.file);
      ASSERT_TRUE(j.finish_day_roll());
    }
    ASSERT_EQ(j.files_rolled(), 1u);
    ASSERT_EQ(types_of(archived()).back(), RecordType::kOutbound) << "the reader kept it whole";
  }
  [[nodiscard]] std::filesystem::path archived() const {
    return Journal::day_path(cfg_.file, kDay);
  }
};

TEST_F(UncutArchivedDay, IsCutBackToItsRollWhenTheJournalOpensNext) {
  std::uintmax_t live_size = 0;
  {
    Journal j(cfg_);
    roll_uncut(j);
    j.stop();
    live_size = std::filesystem::file_size(cfg_.file);
  }
  const std::uintmax_t uncut = std::filesystem::file_size(archived());
  Journal reopened(cfg_);
  EXPECT_GT(reopened.open_report().archived_cut_bytes, 0u);
  EXPECT_EQ(reopened.open_report().archived_cut_error, "");
  EXPECT_EQ(std::filesystem::file_size(archived()),
            uncut - reopened.open_report().archived_cut_bytes);
  EXPECT_EQ(types_of(archived()).back(), RecordType::kTradingDayRoll);
  // The live file is not touched, and still holds the next day's record.
  EXPECT_EQ(std::filesystem::file_size(cfg_.file), live_size);
  EXPECT_EQ(recover(JournalFile(cfg_.file)).sessions.at(kExchange).last_sent_seq, 6u);
  // Once cut, a further open finds nothing to do.
  reopened.stop();
  Journal again(cfg_);
  EXPECT_EQ(again.open_report().archived_cut_bytes, 0u);
}

TEST_F(UncutArchivedDay, IsLeftWhileAReaderHoldsItAtOpenAndCutAtALaterOpen) {
  {
    Journal j(cfg_);
    roll_uncut(j);
    j.stop();
  }
  {
    const JournalFile reader(archived());
    Journal held(cfg_);
    EXPECT_EQ(held.open_report().archived_cut_bytes, 0u);
    EXPECT_EQ(types_of(archived()).back(), RecordType::kOutbound);
  }
  Journal freed(cfg_);
  EXPECT_GT(freed.open_report().archived_cut_bytes, 0u);
  EXPECT_EQ(types_of(archived()).back(), RecordType::kTradingDayRoll);
}

TEST_F(UncutArchivedDay, IsCutAfterTheNextDaysInstallWhenTheReaderHasGone) {
  Journal j(cfg_);
  roll_uncut(j);
  ASSERT_EQ(append_trading_day_roll(j.ring(0), kNextDay, kNextDay + 1, 6000, 1), AppendStatus::kOk);
  drain(j);
  ASSERT_EQ(j.files_rolled(), 2u);
  EXPECT_EQ(types_of(archived()).back(), RecordType::kTradingDayRoll);
  // The second day's own archived file was cut at its install, as usual.
  EXPECT_EQ(types_of(Journal::day_path(cfg_.file, kNextDay)).back(), RecordType::kTradingDayRoll);
}

// The usual case, an archived day cut back at its install, costs an open one
// read of the record at its end, not a scan of the day (hundreds of MB on a
// busy day): shown with a day file whose header no scan would accept.
TEST_F(JournalRollTest, AnArchivedDayThatEndsWithItsRollIsNotReadAgainAtOpen) {
  {
    Journal j(cfg_);
    a_day(j);
    roll_with_carry(j);
    drain(j);
    ASSERT_EQ(j.files_rolled(), 1u);
  }
  const auto archived = Journal::day_path(cfg_.file, kDay);
  ASSERT_EQ(types_of(archived).back(), RecordType::kTradingDayRoll);
  {
    std::fstream f(archived, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    f.write("XXXXXXXX", 8);  // The magic: JournalFile would refuse the file.
  }
  Journal reopened(cfg_);
  EXPECT_EQ(reopened.open_report().archived_cut_bytes, 0u);
  EXPECT_EQ(reopened.open_report().archived_cut_error, "");
}

TEST_F(JournalRollTest, ADayFileThatDoesNotEndWithTheLiveFilesRollIsNeverCut) {
  {
    Journal j(cfg_);
    a_day(j);
    roll_with_carry(j);
    drain(j);
    ASSERT_EQ(j.files_rolled(), 1u);
  }
  // Another file under the day's name (restored from a backup of another
  // gateway, say) holding a roll of the same days followed by records.
  testing::TempDir other_dir;
  const JournalConfig other = testing::test_config(other_dir.path());
  {
    Journal o(other);
    a_day(o);
    ASSERT_EQ(append_trading_day_roll(o.ring(0), kDay, kNextDay, 4999, 0), AppendStatus::kOk);
    ASSERT_EQ(append_outbound(o.ring(0), kExchange, 6, 5000, testing::fix_order(6, "NEXT")),
              AppendStatus::kOk);
    o.stop();
  }
  std::filesystem::copy_file(other.file, Journal::day_path(cfg_.file, kDay),
                             std::filesystem::copy_options::overwrite_existing);
  const auto before = std::filesystem::file_size(Journal::day_path(cfg_.file, kDay));
  Journal reopened(cfg_);
  EXPECT_EQ(reopened.open_report().archived_cut_bytes, 0u);
  EXPECT_EQ(std::filesystem::file_size(Journal::day_path(cfg_.file, kDay)), before);
}

TEST_F(JournalRollTest, TheReaderPrintsTheCarryOfTheNewDaysFile) {
  Journal j(cfg_);
  a_day(j);
  roll_with_carry(j);
  drain(j);
  ASSERT_EQ(j.files_rolled(), 1u);
  std::ostringstream out;
  print_journal(JournalFile(cfg_.file), PrintFilter{}, out);
  const std::string text = out.str();
  EXPECT_NE(text.find("carried-order EXCH event=new clordid=W1"), std::string::npos) << text;
  EXPECT_NE(text.find("cum=40 leaves=60"), std::string::npos) << text;
  EXPECT_NE(text.find("carried-position - account=ACCT-0001 symbol=ACME position=140"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("symbol=ACME last_fill_px=101000000"), std::string::npos) << text;
  EXPECT_NE(text.find("dayroll - from=20240502 to=20240503 carried=3"), std::string::npos) << text;
}

TEST_F(JournalRollTest, TheNextDayAppendsToTheNewFileAndAReopenReadsIt) {
  {
    Journal j(cfg_);
    a_day(j);
    roll_with_carry(j);
    drain(j);
    ASSERT_EQ(j.files_rolled(), 1u);
    ASSERT_EQ(append_outbound(j.ring(0), kExchange, 6, 5000, testing::fix_order(6, "NEXT")),
              AppendStatus::kOk);
    j.stop();
  }
  Journal reopened(cfg_);
  EXPECT_FALSE(reopened.open_report().torn_tail);
  EXPECT_EQ(reopened.header().trading_day, kNextDay);
  ASSERT_EQ(append_outbound(reopened.ring(0), kExchange, 7, 6000, testing::fix_order(7, "MORE")),
            AppendStatus::kOk);
  reopened.stop();
  const RecoveredState s = recover(JournalFile(cfg_.file));
  EXPECT_EQ(s.sessions.at(kExchange).last_sent_seq, 7u);
  EXPECT_EQ(s.sessions.at(kExchange).name, "EXCH");
}

TEST_F(JournalRollTest, ASecondRollKeepsEachDayInItsOwnFile) {
  Journal j(cfg_);
  a_day(j);
  roll_with_carry(j);
  drain(j);
  ASSERT_EQ(append_outbound(j.ring(0), kExchange, 6, 5000, testing::fix_order(6, "NEXT")),
            AppendStatus::kOk);
  ASSERT_EQ(append_trading_day_roll(j.ring(0), kNextDay, kNextDay + 1, 6000, 1), AppendStatus::kOk);
  drain(j);
  EXPECT_EQ(j.files_rolled(), 2u);
  EXPECT_TRUE(std::filesystem::exists(Journal::day_path(cfg_.file, kDay)));
  const auto second = Journal::day_path(cfg_.file, kNextDay);
  ASSERT_TRUE(std::filesystem::exists(second));
  EXPECT_EQ(JournalFile(second).header().trading_day, kNextDay);
  // A roll with nothing to carry: the sessions and the roll alone.
  const auto types = types_of(cfg_.file);
  ASSERT_FALSE(types.empty());
  EXPECT_EQ(types.back(), RecordType::kTradingDayRoll);
  EXPECT_EQ(std::count(types.begin(), types.end(), RecordType::kCarriedOrder), 0);
  EXPECT_EQ(recover(JournalFile(cfg_.file)).sessions.at(kExchange).last_sent_seq, 6u);
}

TEST_F(JournalRollTest, ACarryStopsShortOfTheOrderStepsHeadroomSoTheRollStillFits) {
  Journal j(cfg_);
  a_day(j);
  OrderEvent e;
  e.kind = OrderEventKind::kNew;
  e.symbol = "ACME";
  e.account = "ACCT-0001";
  e.order_qty = 100;
  e.leaves_qty = 100;
  e.last_qty = 100;
  std::uint64_t carried = 0;
  std::string id;
  for (;;) {
    id = "W" + std::to_string(carried);
    e.cl_ord_id = id;
    if (append_carried_order(j.ring(0), kExchange, 4000, e) != AppendStatus::kOk) break;
    ++carried;
  }
  ASSERT_GT(carried, 100u);
  // What the headroom keeps: the reports of orders already out, and the roll.
  ASSERT_EQ(append_outbound(j.ring(0), kEngine, 2, 4000, testing::fix_order(2, "FILL")),
            AppendStatus::kOk);
  ASSERT_EQ(append_trading_day_roll(j.ring(0), kDay, kNextDay, 4001, 0), AppendStatus::kOk);
  drain(j);
  // A carry cut short is not counted (app::append_day_roll): the file goes on.
  EXPECT_EQ(j.files_rolled(), 0u);
  EXPECT_TRUE(j.healthy());
}

TEST_F(JournalRollTest, ARollWithoutACarryKeepsTheOneFile) {
  Journal j(cfg_);
  a_day(j);
  ASSERT_EQ(append_trading_day_roll(j.ring(0), kDay, kNextDay, 4001), AppendStatus::kOk);
  drain(j);
  EXPECT_EQ(j.files_rolled(), 0u);
  EXPECT_EQ(j.roll_failures(), 0u);
  EXPECT_FALSE(std::filesystem::exists(Journal::day_path(cfg_.file, kDay)));
  EXPECT_EQ(JournalFile(cfg_.file).header().trading_day, kDay);
}

TEST_F(JournalRollTest, ACarryThatDoesNotAddUpIsARollFailureAndTheFileGoesOn) {
  Journal j(cfg_);
  a_day(j);
  roll_with_carry(j, /*counted=*/5);  // Says 4 carried records; 3 precede it.
  ASSERT_EQ(append_outbound(j.ring(0), kExchange, 6, 5000, testing::fix_order(6, "NEXT")),
            AppendStatus::kOk);
  drain(j);
  EXPECT_EQ(j.files_rolled(), 0u);
  EXPECT_EQ(j.roll_failures(), 1u);
  EXPECT_TRUE(j.healthy()) << "nothing is lost: the old file goes on";
  EXPECT_FALSE(std::filesystem::exists(Journal::day_path(cfg_.file, kDay)));
  EXPECT_FALSE(std::filesystem::exists(Journal::next_path(cfg_.file)));
  EXPECT_EQ(recover(JournalFile(cfg_.file)).sessions.at(kExchange).last_sent_seq, 6u);
}

TEST_F(JournalRollTest, WhatACrashedRollLeftIsRemovedAtOpenAndTheDaysFilesStay) {
  {
    Journal j(cfg_);
    a_day(j);
    roll_with_carry(j);
    drain(j);
    ASSERT_EQ(j.files_rolled(), 1u);
  }
  // Killed while rolling the next day: its `.next`, and the day's name
  // linked to the live file before the rename.
  testing::write_all(Journal::next_path(cfg_.file), "half", 4);
  const auto stale = Journal::day_path(cfg_.file, kNextDay);
  std::filesystem::create_hard_link(cfg_.file, stale);
  Journal j(cfg_);
  EXPECT_FALSE(std::filesystem::exists(Journal::next_path(cfg_.file)));
  EXPECT_FALSE(std::filesystem::exists(stale)) << "a day's name on the live file";
  EXPECT_TRUE(std::filesystem::exists(Journal::day_path(cfg_.file, kDay)));
}

// JournalRetentionDays = 2: the roll into 2024-05-03 deletes the day files
// dated before 2024-05-01, in both of link_day_file's spellings, and leaves
// the rest: newer days, the live file, `.next`-like names and files an
// operator put beside the journal.
TEST_F(JournalRollTest, ARollDeletesTheDayFilesOlderThanTheRetention) {
  cfg_.keep_days = 2;
  const auto base = cfg_.file.string();
  const std::vector<std::string> old = {base + ".20240429", base + ".20240430",
                                        base + ".20240430.1"};
  const std::vector<std::string> kept = {base + ".20240501", base + ".2024050",
                                         base + ".20240430.x", base + ".20240431", base + ".notes"};
  for (const auto& f : old) testing::write_all(f, "old", 3);
  for (const auto& f : kept) testing::write_all(f, "keep", 4);
  Journal j(cfg_);
  a_day(j);
  roll_with_carry(j);
  drain(j);
  ASSERT_EQ(j.files_rolled(), 1u);
  EXPECT_EQ(j.day_files_removed(), old.size());
  for (const auto& f : old) EXPECT_FALSE(std::filesystem::exists(f)) << f;
  for (const auto& f : kept) EXPECT_TRUE(std::filesystem::exists(f)) << f;
  EXPECT_TRUE(std::filesystem::exists(Journal::day_path(cfg_.file, kDay))) << "yesterday's";
  EXPECT_TRUE(std::filesystem::exists(cfg_.file));
}

TEST_F(JournalRollTest, WithoutARetentionEveryDayFileIsKept) {
  const auto old = cfg_.file.string() + ".20200101";
  testing::write_all(old, "old", 3);
  Journal j(cfg_);
  a_day(j);
  roll_with_carry(j);
  drain(j);
  ASSERT_EQ(j.files_rolled(), 1u);
  EXPECT_TRUE(std::filesystem::exists(old));
  EXPECT_EQ(j.day_files_removed(), 0u);
}

TEST(JournalRetention, DaysCountedSince1970AreReadAsTheirDates) {
  testing::TempDir dir;
  const auto file = dir.path() / "j.rgj";
  testing::write_all(file, "live", 4);
  testing::write_all(file.string() + ".20240101", "old", 3);
  testing::write_all(file.string() + ".20240109", "new", 3);
  // 2024-01-10 is day 19732 since 1970-01-01.
  EXPECT_EQ(Journal::remove_old_day_files(file, 19732, 5), 1u);
  EXPECT_FALSE(std::filesystem::exists(file.string() + ".20240101"));
  EXPECT_TRUE(std::filesystem::exists(file.string() + ".20240109"));
}

TEST(JournalRetention, ADayNameLinkedToTheLiveFileIsNeverDeleted) {
  testing::TempDir dir;
  const auto file = dir.path() / "j.rgj";
  testing::write_all(file, "live", 4);
  std::filesystem::create_hard_link(file, file.string() + ".20200101");
  EXPECT_EQ(Journal::remove_old_day_files(file, 20240110, 1), 0u);
  EXPECT_TRUE(std::filesystem::exists(file.string() + ".20200101"));
}

}  // namespace
}  // namespace riskgate::journal
