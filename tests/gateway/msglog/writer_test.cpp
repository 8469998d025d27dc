#include "gateway/msglog/writer.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gateway/msglog/line.hpp"
#include "gateway/msglog/search.hpp"
#include "tests/support/temp_dir.hpp"

namespace riskgate::msglog {
namespace {

namespace fs = std::filesystem;
using riskgate::testing::TempDir;

// 2026-11-30 23:59:58.000000001 UTC: two seconds before midnight.
constexpr std::int64_t kT = 1'796'083'198'000'000'001;
constexpr std::int64_t kSec = 1'000'000'000;

const std::string kNos =
    "8=FIX.4.4\x01"
    "9=5\x01"
    "35=D\x01"
    "11=A1\x01"
    "10=000\x01";
const std::string kAck =
    "8=FIX.4.4\x01"
    "9=5\x01"
    "35=8\x01"
    "11=A1\x01"
    "10=001\x01";

struct Rig {
  TempDir dir;
  std::int64_t now = kT;
  std::unique_ptr<MessageLogWriter> writer;
  MessageRing* ring = nullptr;
  std::uint16_t e1 = 0, ex = 0;

  std::uint64_t free_bytes = std::uint64_t{1} << 40;  // What the filesystem "has" free.

  explicit Rig(std::uint32_t retention_days = 0, std::size_t ring_bytes = 1 << 16,
               std::uint64_t disk_reserve_bytes = 0) {
    MessageLogWriter::Options o;
    o.ring_bytes = ring_bytes;
    o.utc_now = [this] { return now; };
    o.disk_reserve_bytes = disk_reserve_bytes;
    o.free_bytes = [this](const fs::path&) -> std::optional<std::uint64_t> { return free_bytes; };
    o.compress_chunk = 64;  // Several passes per file: the chunking is exercised.
    o.compress_grace = std::chrono::milliseconds(1000);
    o.retention_days = retention_days;
    writer = std::make_unique<MessageLogWriter>(o);
    e1 = writer->add_session(
        {"E1", dir.path(), "session=E1 leg=engine route=EX cl_ord_id_prefix=P-"});
    ex = writer->add_session({"EX", dir.path(), "session=EX leg=exchange"});
    ring = &writer->add_ring("io-0");
  }
  fs::path file(std::string_view session, std::int64_t t, bool gz = false) const {
    return dir.path() / (file_name(session, day_of(t)) + (gz ? ".gz" : ""));
  }
  // Runs passes until the writer has nothing left to do.
  void settle() {
    for (int i = 0; i < 10'000 && writer->do_work(); ++i) {
    }
  }
};

std::vector<std::string> lines_of(const fs::path& p) {
  return read_lines(p);
}

TEST(MessageLogWriter, EachSessionGetsItsOwnFileWithAHeaderAndOneLinePerMessage) {
  Rig r;
  ASSERT_TRUE(r.ring->try_push(r.e1, RecordKind::kIn, kT, kNos));
  ASSERT_TRUE(r.ring->try_push(r.ex, RecordKind::kOut, kT + 5, kNos));
  ASSERT_TRUE(r.ring->try_push(r.e1, RecordKind::kOut, kT + 9, kAck));
  r.settle();
  const auto e1 = lines_of(r.file("E1", kT));
  ASSERT_EQ(e1.size(), 3u);
  EXPECT_TRUE(
      e1[0].starts_with("# riskgate message log session=E1 leg=engine route=EX "
                        "cl_ord_id_prefix=P- opened=20261130-23:59:58.000000001"))
      << e1[0];
  EXPECT_EQ(e1[1], "20261130-23:59:58.000000001 in 8=FIX.4.4|9=5|35=D|11=A1|10=000|");
  EXPECT_EQ(e1[2], "20261130-23:59:58.000000010 out 8=FIX.4.4|9=5|35=8|11=A1|10=001|");
  const auto ex = lines_of(r.file("EX", kT));
  ASSERT_EQ(ex.size(), 2u);
  EXPECT_EQ(ex[1], "20261130-23:59:58.000000006 out 8=FIX.4.4|9=5|35=D|11=A1|10=000|");
  EXPECT_EQ(r.writer->lines_written(), 3u);
  struct stat st {};
  ASSERT_EQ(::stat(r.file("E1", kT).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST(MessageLogWriter, MessagesTheRingDroppedAreAGapLineWhereTheyAreMissing) {
  Rig r(0, 4096);
  int pushed = 0;
  while (r.ring->try_push(r.e1, RecordKind::kIn, kT + pushed, kNos)) ++pushed;
  ASSERT_FALSE(r.ring->try_push(r.e1, RecordKind::kIn, kT + 1000, kNos));
  r.settle();
  ASSERT_TRUE(r.ring->try_push(r.e1, RecordKind::kOut, kT + 2000, kAck));
  r.settle();
  const auto lines = lines_of(r.file("E1", kT));
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(1 + pushed + 2));
  EXPECT_EQ(lines[lines.size() - 2], "20261130-23:59:58.000002001 GAP 2 messages");
  EXPECT_TRUE(lines.back().find("35=8") != std::string::npos);
  const auto st = r.writer->status_json();
  EXPECT_EQ(st["dropped_messages"], 2);
  EXPECT_EQ(st["gap_lines"], 1);
  EXPECT_EQ(st["rings"][0]["dropped_messages"], 2);
  EXPECT_EQ(st["rings"][0]["capacity_bytes"], 4096);
  EXPECT_GE(st["rings"][0]["high_water_bytes"].get<std::size_t>(), 3900u);
}

TEST(MessageLogWriter, AfterMidnightLinesGoToTheNewDaysFileAndThePastDayIsCompressed) {
  Rig r;
  ASSERT_TRUE(r.ring->try_push(r.e1, RecordKind::kIn, kT, kNos));
  r.settle();
  const auto before = lines_of(r.file("E1", kT));
  r.now = kT + 3 * kSec;  // 00:00:01 the next day.
  ASSERT_TRUE(r.ring->try_push(r.e1, RecordKind::kOut, r.now, kAck));
  r.settle();
  EXPECT_TRUE(fs::exists(r.file("E1", kT))) << "compressed before the grace period";
  r.now += 2 * kSec;
  r.settle();
  EXPECT_FALSE(fs::exists(r.file("E1", kT)));
  ASSERT_TRUE(fs::exists(r.file("E1", kT, true)));
  EXPECT_EQ(lines_of(r.file("E1", kT, true)), before);
  const auto today = lines_of(r.file("E1", r.now));
  ASSERT_EQ(today.size(), 2u);
  EXPECT_TRUE(today[1].starts_with("20261201-00:00:01.000000001 out ")) << today[1];
  EXPECT_EQ(r.writer->files_compressed(), 1u);
  EXPECT_FALSE(fs::exists(r.dir.path() / "E1.20261130.log.gz.part"));
}

// The logs never take the space the audit log needs: below the reserve
// they pause (lines counted as lost), and a GAP line marks what is missing
// once space is back.
TEST(MessageLogWriter, BelowTheDiskReserveLinesAreHeldBackAndAGapLineMarksThemWhenSpaceIsBack) {
  Rig r(0, 1 << 16, std::uint64_t{512} << 20);
  const std::int64_t t0 = kT - 60'000'000'000;  // A minute before midnight: one day's file.
  r.now = t0;
  ASSERT_TRUE(r.ring->try_push(r.e1, RecordKind::kIn, t0, kNos));
  r.settle();
  ASSERT_EQ(lines_of(r.file("E1", t0)).size(), 2u);  // Header and the line.
  r.free_bytes = std::uint64_t{100} << 20;
  r.now += 2'000'000'000;  // Free space is looked at once a second.
  ASSERT_TRUE(r.ring->try_push(r.e1, RecordKind::kIn, r.now, kNos));
  ASSERT_TRUE(r.ring->try_push(r.e1, RecordKind::kOut, r.now + 1, kAck));
  r.settle();
  EXPECT_EQ(lines_of(r.file("E1", t0)).size(), 2u) << "nothing written below the reserve";
  EXPECT_TRUE(r.writer->below_disk_reserve());
  EXPECT_EQ(r.writer->lines_lost(), 2u);
  EXPECT_EQ(r.writer->status_json()["lines_held_back_for_disk_reserve"], 2);
  // Space comes back while the session is quiet: the pause ends and the
  // GAP line is written without waiting for its next message.
  r.free_bytes = std::uint64_t{1} << 40;
  r.now += 2'000'000'000;
  r.settle();
  EXPECT_FALSE(r.writer->below_disk_reserve());
  auto lines = lines_of(r.file("E1", t0));
  ASSERT_EQ(lines.size(), 4u) << "header, line, header again, GAP";
  EXPECT_TRUE(lines[2].starts_with("# riskgate message log session=E1")) << lines[2];
  EXPECT_NE(lines[3].find(" GAP 2 messages"), std::string::npos) << lines[3];
  ASSERT_TRUE(r.ring->try_push(r.e1, RecordKind::kIn, r.now, kNos));
  r.settle();
  lines = lines_of(r.file("E1", t0));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_NE(lines[4].find(" in 8=FIX.4.4"), std::string::npos) << lines[4];
  EXPECT_EQ(r.writer->status_json()["gap_lines"], 1);
}

TEST(MessageLogWriter, LateLinesOfACompressedDayAreAppendedAsAnotherGzipMember) {
  Rig r;
  ASSERT_TRUE(r.ring->try_push(r.e1, RecordKind::kIn, kT, kNos));
  r.settle();
  r.now = kT + 10 * kSec;
  r.settle();  // Sees the new day: compression waits for the grace period.
  r.now += 2 * kSec;
  r.settle();
  ASSERT_TRUE(fs::exists(r.file("E1", kT, true)));
  // A line stamped before midnight drains only now.
  ASSERT_TRUE(r.ring->try_push(r.e1, RecordKind::kOut, kT + 1, kAck));
  r.settle();
  r.now += 2 * kSec;
  r.settle();
  EXPECT_FALSE(fs::exists(r.file("E1", kT)));
  const auto lines = lines_of(r.file("E1", kT, true));
  ASSERT_EQ(lines.size(), 4u);  // Header, line; header, late line.
  EXPECT_TRUE(lines[1].find("35=D") != std::string::npos);
  EXPECT_TRUE(lines[3].find("35=8") != std::string::npos);
}

TEST(MessageLogWriter, AReopenAfterARenameStartsANewFileAndTheOldOneKeepsItsLines) {
  Rig r;
  ASSERT_TRUE(r.ring->try_push(r.e1, RecordKind::kIn, kT, kNos));
  r.settle();
  const fs::path moved = r.dir.path() / "moved.log";
  fs::rename(r.file("E1", kT), moved);
  r.writer->request_reopen();
  ASSERT_TRUE(r.ring->try_push(r.e1, RecordKind::kOut, kT + 1, kAck));
  r.settle();
  EXPECT_EQ(lines_of(moved).size(), 2u);
  const auto fresh = lines_of(r.file("E1", kT));
  ASSERT_EQ(fresh.size(), 2u);
  EXPECT_TRUE(fresh[0].starts_with("# riskgate message log session=E1"));
  EXPECT_TRUE(fresh[1].find("35=8") != std::string::npos);
  EXPECT_EQ(r.writer->reopens(), 1u);
}

TEST(MessageLogWriter, PastDaysFoundAtStartAreCompressedAndRetentionDeletesOldOnes) {
  TempDir dir;
  {
    std::ofstream(dir.path() / "E1.20261120.log") << "old day\n";
    std::ofstream(dir.path() / "E1.20261001.log.gz") << "too old";
    std::ofstream(dir.path() / "OTHER.20261120.log") << "not ours\n";
  }
  std::int64_t now = kT;
  MessageLogWriter::Options o;
  o.ring_bytes = 1 << 16;
  o.utc_now = [&] { return now; };
  o.retention_days = 30;
  MessageLogWriter w(o);
  (void)w.add_session({"E1", dir.path(), "session=E1 leg=exchange"});
  (void)w.add_ring("io-0");
  for (int i = 0; i < 100 && w.do_work(); ++i) {
  }
  EXPECT_FALSE(fs::exists(dir.path() / "E1.20261120.log"));
  EXPECT_EQ(read_lines(dir.path() / "E1.20261120.log.gz"), std::vector<std::string>{"old day"});
  EXPECT_FALSE(fs::exists(dir.path() / "E1.20261001.log.gz"));  // 60 days old.
  EXPECT_TRUE(fs::exists(dir.path() / "OTHER.20261120.log"));   // Not a session of ours.
  EXPECT_EQ(w.status_json()["files_deleted"], 1);
}

TEST(MessageLogWriter, AFileThatCannotBeOpenedIsAWriterErrorInStatusNotAStall) {
  Rig r;
  // A directory where the day's file should be: open() fails.
  fs::create_directories(r.file("E1", kT));
  ASSERT_TRUE(r.ring->try_push(r.e1, RecordKind::kIn, kT, kNos));
  ASSERT_TRUE(r.ring->try_push(r.ex, RecordKind::kIn, kT, kNos));
  r.settle();
  const auto st = r.writer->status_json();
  EXPECT_EQ(st["writer_errors"], 1);
  EXPECT_EQ(st["lines_lost"], 1);
  EXPECT_FALSE(st["healthy"].get<bool>());
  EXPECT_NE(st["last_error"].get<std::string>().find("E1.20261130.log"), std::string::npos);
  EXPECT_EQ(lines_of(r.file("EX", kT)).size(), 2u);  // The other session is unaffected.
  EXPECT_EQ(r.ring->used_bytes(), 0u);               // Drained all the same.
}

TEST(MessageLogWriter, TheThreadWritesWhatIsPushedAndStopDrainsTheRest) {
  TempDir dir;
  MessageLogWriter::Options o;
  o.ring_bytes = 1 << 16;
  o.poll_interval = std::chrono::milliseconds(1);
  MessageLogWriter w(o);
  const auto s = w.add_session({"E1", dir.path(), "session=E1 leg=engine"});
  MessageRing& ring = w.add_ring("io-0");
  w.start();
  const std::int64_t t = riskgate::msglog::day_start_ns(day_of(std::time(nullptr) * kSec)) + kSec;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(ring.try_push(s, RecordKind::kIn, t + i, kNos));
  w.stop();
  EXPECT_EQ(read_lines(dir.path() / file_name("E1", day_of(t))).size(), 101u);
}

// The nice value of this process's thread named `name`, once it exists (at
// most 2 s), from /proc/self/task/<tid>/stat (field 19).
std::optional<int> nice_of_thread(std::string_view name) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      std::ifstream comm(task.path() / "comm");
      std::string c;
      if (!std::getline(comm, c) || c != name) continue;
      std::ifstream stat(task.path() / "stat");
      std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
      // Fields after the parenthesised command: state is field 3, nice 19.
      std::istringstream rest(all.substr(all.rfind(')') + 2));
      std::string field;
      for (int i = 3; i <= 19 && rest >> field; ++i) {
        if (i == 19) return std::stoi(field);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return std::nullopt;
}

TEST(MessageLogWriter, TheWriterThreadRunsAtTheConfiguredNiceValueBelowTheOrderPath) {
  TempDir dir;
  MessageLogWriter::Options o;
  o.ring_bytes = 1 << 16;
  MessageLogWriter w(o);
  (void)w.add_session({"E1", dir.path(), "session=E1 leg=engine"});
  (void)w.add_ring("io-0");
  w.start();
  const std::optional<int> nice = nice_of_thread(MessageLogWriter::kThreadName);
  w.stop();
  ASSERT_TRUE(nice.has_value()) << "no thread named " << MessageLogWriter::kThreadName;
  EXPECT_EQ(*nice, 19);
  EXPECT_EQ(o.writer_nice, 19) << "the default";
}

}  // namespace
}  // namespace riskgate::msglog
