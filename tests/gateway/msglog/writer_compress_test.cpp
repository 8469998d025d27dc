// A past day's compression cut short by a crash mid-commit: the next start
// undoes the commit (writer_compress.cpp) and compresses the day again, so
// that every line is in the day's .gz exactly once, whatever step the crash
// interrupted. Each state a crash can leave is built here file by file, as
// the commit's steps leave it, then a writer starts on the directory.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gateway/msglog/search.hpp"
#include "gateway/msglog/writer.hpp"
#include "tests/support/temp_dir.hpp"

namespace riskgate::msglog {
namespace {

namespace fs = std::filesystem;
using riskgate::testing::TempDir;

// 2026-11-30 23:59:58 UTC: the day compressed below is 20261120.
constexpr std::int64_t kT = 1'796'083'198'000'000'001;

// `text` as one gzip member, in bytes.
std::string gzip_member(const TempDir& dir, const std::string& text) {
  const fs::path tmp = dir.path() / "member.tmp";
  gzFile gz = ::gzopen(tmp.c_str(), "wb");
  EXPECT_NE(gz, nullptr);
  EXPECT_EQ(::gzwrite(gz, text.data(), static_cast<unsigned>(text.size())),
            static_cast<int>(text.size()));
  EXPECT_EQ(::gzclose(gz), Z_OK);
  std::ifstream in(tmp, std::ios::binary);
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  fs::remove(tmp);
  return bytes;
}

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

struct Restart {
  TempDir dir;
  fs::path log = dir.path() / "E1.20261120.log";
  fs::path gz = dir.path() / "E1.20261120.log.gz";
  fs::path part = dir.path() / "E1.20261120.log.gz.part";

  fs::path committing(std::uint64_t gz_bytes) const {
    return fs::path(log.string() + ".committing." + std::to_string(gz_bytes));
  }
  // A writer starts on the directory and works until it is idle.
  nlohmann::json start() {
    MessageLogWriter::Options o;
    o.ring_bytes = 1 << 16;
    o.utc_now = [] { return kT; };
    MessageLogWriter w(o);
    (void)w.add_session({"E1", dir.path(), "session=E1 leg=exchange"});
    (void)w.add_ring("io-0");
    for (int i = 0; i < 100 && w.do_work(); ++i) {
    }
    return w.status_json();
  }
  // Nothing of the commit is left beside the day's .gz.
  void expect_only_the_gz() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir.path()))
      names.push_back(e.path().filename().string());
    EXPECT_EQ(names, std::vector<std::string>{"E1.20261120.log.gz"});
  }
};

// Step 2 done (the part renamed to .gz), step 3 not: the .gz holds the
// day, the plain file too.
TEST(MessageLogCommitRecovery, ACrashAfterTheGzWasInPlaceLeavesEachLineOnceAfterTheRestart) {
  Restart r;
  write_file(r.committing(0), "line 1\nline 2\n");
  write_file(r.gz, gzip_member(r.dir, "line 1\nline 2\n"));
  const auto st = r.start();
  EXPECT_EQ(read_lines(r.gz), (std::vector<std::string>{"line 1", "line 2"}));
  EXPECT_EQ(st["commits_recovered"], 1);
  EXPECT_EQ(st["files_compressed"], 1);
  r.expect_only_the_gz();
}

// Late lines of a day already compressed, appended as a second member, then
// the crash: the first member stays, the late lines are there once.
TEST(MessageLogCommitRecovery, ACrashAfterLateLinesWereAppendedKeepsTheDayAndAddsThemOnce) {
  Restart r;
  const std::string first = gzip_member(r.dir, "line 1\n");
  write_file(r.committing(first.size()), "late 2\n");
  write_file(r.gz, first + gzip_member(r.dir, "late 2\n"));
  (void)r.start();
  EXPECT_EQ(read_lines(r.gz), (std::vector<std::string>{"line 1", "late 2"}));
  r.expect_only_the_gz();
}

// The crash tore the appended member: it is cut off, and written whole.
TEST(MessageLogCommitRecovery, ACrashMidAppendCutsTheTornMemberOffAndWritesItWhole) {
  Restart r;
  const std::string first = gzip_member(r.dir, "line 1\n");
  const std::string second = gzip_member(r.dir, "late 2\nlate 3\n");
  write_file(r.committing(first.size()), "late 2\nlate 3\n");
  write_file(r.gz, first + second.substr(0, second.size() / 2));
  write_file(r.part, second);
  (void)r.start();
  EXPECT_EQ(read_lines(r.gz), (std::vector<std::string>{"line 1", "late 2", "late 3"}));
  r.expect_only_the_gz();
}

// Step 1 only: the part is complete, no .gz yet.
TEST(MessageLogCommitRecovery, ACrashBeforeTheGzWasWrittenCompressesTheDayFromThePlainFile) {
  Restart r;
  write_file(r.committing(0), "line 1\n");
  write_file(r.part, gzip_member(r.dir, "line 1\n"));
  (void)r.start();
  EXPECT_EQ(read_lines(r.gz), std::vector<std::string>{"line 1"});
  r.expect_only_the_gz();
}

// A plain file of the same day beside the cut-short commit: no guess. All
// three files stay as they were (the day is not compressed), and the writer
// says so, at this start and the next.
TEST(MessageLogCommitRecovery, APlainFileBesideACutShortCommitIsAnErrorAndNothingIsTouched) {
  Restart r;
  const std::string gz = gzip_member(r.dir, "line 1\n");
  write_file(r.committing(0), "line 1\n");
  write_file(r.gz, gz);
  write_file(r.log, "line 2\n");
  for (int start = 0; start < 2; ++start) {
    const auto st = r.start();
    EXPECT_EQ(st["commits_recovered"], 0);
    EXPECT_EQ(st["files_compressed"], 0);
    EXPECT_GE(st["compress_errors"].get<int>(), 1);
    EXPECT_NE(st["last_error"].get<std::string>().find("merge them by hand"), std::string::npos);
    EXPECT_EQ(read_lines(r.committing(0)), std::vector<std::string>{"line 1"});
    EXPECT_EQ(read_lines(r.log), std::vector<std::string>{"line 2"});
    EXPECT_EQ(read_lines(r.gz), std::vector<std::string>{"line 1"});
  }
}

// A .gz shorter than the commit says it was before (changed by hand since):
// never padded to that length, never touched; the writer says so.
TEST(MessageLogCommitRecovery, AGzShorterThanBeforeTheCommitIsLeftAsItIs) {
  Restart r;
  const std::string gz = gzip_member(r.dir, "line 1\n");
  write_file(r.committing(gz.size() + 100), "late 2\n");
  write_file(r.gz, gz);
  const auto st = r.start();
  EXPECT_EQ(st["commits_recovered"], 0);
  EXPECT_NE(st["last_error"].get<std::string>().find("is shorter than before"), std::string::npos);
  EXPECT_EQ(fs::file_size(r.gz), gz.size());
  EXPECT_EQ(read_lines(r.gz), std::vector<std::string>{"line 1"});
  EXPECT_EQ(read_lines(r.committing(gz.size() + 100)), std::vector<std::string>{"late 2"});
}

// The commit as it runs: no step leaves a file behind.
TEST(MessageLogCommitRecovery, ACompressionThatIsNotInterruptedLeavesOnlyTheGz) {
  Restart r;
  write_file(r.log, "line 1\n");
  (void)r.start();
  write_file(r.log, "late 2\n");
  const auto st = r.start();
  EXPECT_EQ(read_lines(r.gz), (std::vector<std::string>{"line 1", "late 2"}));
  EXPECT_EQ(st["commits_recovered"], 0);
  r.expect_only_the_gz();
}

}  // namespace
}  // namespace riskgate::msglog
