// "kill -9 loses nothing that was sent": a child process appends N records
// (as the I/O thread does just before sending) and is killed with SIGKILL;
// the parent opens the same journal and finds exactly those N records, once
// each, whether the journal thread had drained none, some or all of them.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "gateway/journal/journal.hpp"
#include "gateway/journal/reader.hpp"
#include "tests/gateway/journal/journal_fixture.hpp"

namespace riskgate::journal {
namespace {

enum class ChildDrain { kNone, kHalf, kThread };

[[noreturn]] void ready_then_wait(int ready_fd);

// The child: appends seq first..last, tells the parent, waits to be killed.
[[noreturn]] void child(const JournalConfig& cfg, std::uint64_t first, std::uint64_t last,
                        ChildDrain drain, int ready_fd) {
  Journal j(cfg);
  if (drain == ChildDrain::kThread) j.start();
  for (std::uint64_t s = first; s <= last; ++s) {
    // Spin on a full ring only while a journal thread drains it.
    AppendStatus st;
    while ((st = append_outbound(j.ring(0), 1, s, 0, testing::fix_order(s))) != AppendStatus::kOk) {
      if (drain != ChildDrain::kThread) std::_Exit(4);
    }
    if (drain == ChildDrain::kHalf && s == (first + last) / 2)
      (void)j.do_work(std::chrono::steady_clock::now());
  }
  ready_then_wait(ready_fd);
}

// Forks a child that runs `body` (given the fd to write one byte to when it
// is ready) and then waits to be killed; kills it with SIGKILL once ready.
template <typename Body>
void fork_and_kill(Body body) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    body(fds[1]);
    std::_Exit(6);  // The body never returns.
  }
  ::close(fds[1]);
  char c = 0;
  ASSERT_EQ(::read(fds[0], &c, 1), 1);
  ::close(fds[0]);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

[[noreturn]] void ready_then_wait(int ready_fd) {
  const char c = 'r';
  if (::write(ready_fd, &c, 1) != 1) std::_Exit(3);
  for (;;) ::pause();  // Killed here: no destructor, no final drain.
}

void run_and_kill(const JournalConfig& cfg, std::uint64_t first, std::uint64_t last,
                  ChildDrain drain) {
  fork_and_kill([&](int ready_fd) { child(cfg, first, last, drain, ready_fd); });
}

class KillNine : public ::testing::TestWithParam<ChildDrain> {};

TEST_P(KillNine, TheParentRecoversEveryRecordTheChildAppendedExactlyOnce) {
  // tmpfs rings, as in production, when the machine has /dev/shm.
  const bool shm = std::filesystem::is_directory("/dev/shm");
  testing::TempDir ring_dir(shm ? std::filesystem::path("/dev/shm")
                                : std::filesystem::temp_directory_path());
  testing::TempDir dir;
  auto cfg = testing::test_config(dir.path());
  cfg.ring_dir = ring_dir.path();
  cfg.sync = SyncPolicy::kInterval;
  // 3000 ~250-byte records fill ~3/4 of a 1 MiB ring, so the child that never
  // drains still fits, and the second run (which continues the stream
  // position) wraps past the end of the ring.
  cfg.ring_capacity = std::size_t{1} << 20;
  constexpr std::uint64_t kN = 3000;

  // Two crashes in a row: the second run continues the first's numbering.
  run_and_kill(cfg, 1, kN, GetParam());
  {
    Journal j(cfg);
    EXPECT_TRUE(j.open_report().ring_notes.empty());
    if (GetParam() == ChildDrain::kNone) {
      EXPECT_GT(j.open_report().ring_records, 0u);
    }
  }
  run_and_kill(cfg, kN + 1, 2 * kN, GetParam());
  Journal j(cfg);
  j.stop();

  JournalFile f(cfg.file);
  std::uint64_t expect = 1;
  const auto sr = f.scan([&](const RecordView& r) {
    ASSERT_EQ(r.header.sequence, expect) << "lost or duplicated";
    ASSERT_EQ(r.payload_text(), testing::fix_order(expect));
    ++expect;
  });
  EXPECT_FALSE(sr.torn);
  EXPECT_EQ(sr.records, 2 * kN);
}

// The day both day-roll crashes write, stage by stage, so that each test
// crashes where it wants: EXCH's messages 1..kDayMessages; a carry of one
// position and the roll that counts it; the next day's messages.
constexpr std::uint64_t kDayMessages = 200;
constexpr std::uint64_t kNextDayMessages = 300;
constexpr std::uint32_t kRollFrom = 20240502;
constexpr std::uint32_t kRollTo = 20240503;

bool append_day(Journal& j) {
  bool ok = declare_session(j.ring(0), 1, Leg::kExchange, "EXCH", 1) == AppendStatus::kOk;
  for (std::uint64_t s = 1; s <= kDayMessages; ++s)
    ok = ok && append_outbound(j.ring(0), 1, s, 2, testing::fix_order(s)) == AppendStatus::kOk;
  return ok;
}

bool append_carry_and_roll(Journal& j) {
  PositionCarry c;
  c.flags = PositionCarry::kHasPosition;
  c.position = 5;
  c.account = "A";
  c.symbol = "S";
  return append_position_carry(j.ring(0), c, 3) == AppendStatus::kOk &&
         append_trading_day_roll(j.ring(0), kRollFrom, kRollTo, 3, 2) == AppendStatus::kOk;
}

bool append_next_day(Journal& j) {
  bool ok = true;
  for (std::uint64_t s = kDayMessages + 1; s <= kDayMessages + kNextDayMessages; ++s)
    ok = ok && append_outbound(j.ring(0), 1, s, 4, testing::fix_order(s)) == AppendStatus::kOk;
  return ok;
}

JournalConfig day_roll_config(const testing::TempDir& dir) {
  auto cfg = testing::test_config(dir.path());
  cfg.ring_capacity = std::size_t{1} << 20;
  return cfg;
}

// After the reopen: the old day's file holds the day; the new day's file
// holds the sessions' state (the carried store, 1..kDayMessages), then the
// carry, then the next day, every message once.
void expect_the_day_split_and_every_message_once(const JournalConfig& cfg) {
  const auto day = Journal::day_path(cfg.file, kRollFrom);
  ASSERT_TRUE(std::filesystem::exists(day));
  EXPECT_EQ(recover(JournalFile(day)).sessions.at(1).last_sent_seq, kDayMessages);
  const JournalFile now(cfg.file);
  EXPECT_EQ(now.header().trading_day, kRollTo);
  std::vector<std::uint64_t> seen;
  bool carry_at_head = false;
  (void)now.scan([&](const RecordView& r) {
    if (r.type() == RecordType::kOutbound) seen.push_back(r.header.sequence);
    if (r.type() == RecordType::kPositionCarry) carry_at_head = seen.size() == kDayMessages;
  });
  EXPECT_TRUE(carry_at_head) << "the carry follows the sessions' state, before the next day";
  ASSERT_EQ(seen.size(), kDayMessages + kNextDayMessages);
  for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], i + 1) << "lost or duplicated";
}

// A crash just after the journal thread started the next day's file: the
// records the ring still held (the new day's first ones) are replayed into
// the new file, once each, and the old day's file keeps the day.
TEST(KillNineAfterADayRoll, TheRingIsReplayedIntoTheNewDaysFileExactlyOnce) {
  testing::TempDir dir;
  const auto cfg = day_roll_config(dir);
  fork_and_kill([&](int ready_fd) {
    Journal j(cfg);
    if (!append_day(j) || !append_carry_and_roll(j)) std::_Exit(4);
    (void)j.do_work(std::chrono::steady_clock::now());  // Writes the day and rolls.
    (void)j.finish_day_roll();
    if (j.files_rolled() != 1) std::_Exit(5);
    if (!append_next_day(j)) std::_Exit(4);
    ready_then_wait(ready_fd);  // The new day's records only in the ring.
  });
  {
    Journal j(cfg);
    EXPECT_TRUE(j.open_report().ring_notes.empty());
    EXPECT_EQ(j.open_report().ring_records, kNextDayMessages);
    EXPECT_EQ(j.files_rolled(), 0u) << "the split happened before the crash";
  }
  expect_the_day_split_and_every_message_once(cfg);
}

// A crash before the journal thread reached the day roll: the roll, its
// carry and the next day's first records are all still in the ring. The
// reopen splits the file where the roll is, as the journal thread would
// have.
TEST(KillNineBeforeADayRoll, TheReopenSplitsTheFileAtTheRollItReplays) {
  testing::TempDir dir;
  const auto cfg = day_roll_config(dir);
  fork_and_kill([&](int ready_fd) {
    Journal j(cfg);
    if (!append_day(j)) std::_Exit(4);
    (void)j.do_work(std::chrono::steady_clock::now());  // The day so far reaches the file.
    if (!append_carry_and_roll(j) || !append_next_day(j)) std::_Exit(4);
    ready_then_wait(ready_fd);  // Carry, roll and the next day only in the ring.
  });
  {
    Journal j(cfg);
    EXPECT_EQ(j.files_rolled(), 1u);
    EXPECT_EQ(j.roll_failures(), 0u);
    EXPECT_EQ(j.header().trading_day, kRollTo);
  }
  expect_the_day_split_and_every_message_once(cfg);
}

// A crash while the new day's file is being built: the roll and the next
// day's first records are in the old (still live) file, the new one is at
// most a `.next` nobody has renamed. The reopen removes `.next` and reads
// the one file, roll inside it, as after a failed roll: every message once,
// and the journal on the new day.
TEST(KillNineWhileTheNewDaysFileIsBuilt, TheLiveFileKeepsEveryMessageOnceAndTheRollInside) {
  testing::TempDir dir;
  const auto cfg = day_roll_config(dir);
  fork_and_kill([&](int ready_fd) {
    Journal j(cfg);
    if (!append_day(j) || !append_carry_and_roll(j) || !append_next_day(j)) std::_Exit(4);
    // One drain: the day, the roll (the build starts on its own thread),
    // then the next day after the roll in the same file. No second drain,
    // so the new file is never installed.
    (void)j.do_work(std::chrono::steady_clock::now());
    if (j.files_rolled() != 0) std::_Exit(5);
    ready_then_wait(ready_fd);
  });
  EXPECT_FALSE(std::filesystem::exists(Journal::day_path(cfg.file, kRollFrom)));
  {
    Journal j(cfg);
    EXPECT_FALSE(std::filesystem::exists(Journal::next_path(cfg.file)));
    EXPECT_EQ(j.open_report().ring_records, 0u) << "everything had reached the file";
    EXPECT_FALSE(j.open_report().torn_tail);
  }
  const JournalFile live(cfg.file);
  std::vector<std::uint64_t> seen;
  bool roll_inside = false;
  (void)live.scan([&](const RecordView& r) {
    if (r.type() == RecordType::kOutbound) seen.push_back(r.header.sequence);
    if (r.type() == RecordType::kTradingDayRoll) roll_inside = seen.size() == kDayMessages;
  });
  EXPECT_TRUE(roll_inside) << "the roll between the two days' messages";
  ASSERT_EQ(seen.size(), kDayMessages + kNextDayMessages);
  for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], i + 1) << "lost or duplicated";
  const RecoveredState state = recover(live);
  EXPECT_EQ(state.trading_day, kRollTo);
  EXPECT_EQ(state.sessions.at(1).last_sent_seq, kDayMessages + kNextDayMessages);
}

INSTANTIATE_TEST_SUITE_P(Drain, KillNine,
                         ::testing::Values(ChildDrain::kNone, ChildDrain::kHalf,
                                           ChildDrain::kThread),
                         [](const ::testing::TestParamInfo<ChildDrain>& p) {
                           switch (p.param) {
                             case ChildDrain::kNone:
                               return "NothingDrained";
                             case ChildDrain::kHalf:
                               return "HalfDrained";
                             case ChildDrain::kThread:
                               return "JournalThreadRunning";
                           }
                           return "x";
                         });

}  // namespace
}  // namespace riskgate::journal
