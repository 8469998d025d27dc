#include "gateway/control/audit_chain.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "gateway/control/ctl.hpp"
#include "temp_dir.hpp"

namespace riskgate::control {
namespace {

// Writes `n` sealed records to `path`, chained from `prev`; returns the last hash.
std::string write_chain(const std::filesystem::path& path, int n, std::string prev, int first = 0) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  for (int i = first; i < first + n; ++i) {
    const std::string line =
        seal_record(R"({"action":"kill","event":"control","n":)" + std::to_string(i) + "}", prev);
    out << line << "\n";
    prev = record_hash(line);
  }
  return prev;
}

std::vector<std::string> lines_of(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

void write_lines(const std::filesystem::path& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const auto& l : lines) out << l << "\n";
}

TEST(AuditChain, ASealedRecordIsTheObjectWithPrevAsItsLastField) {
  const std::string line = seal_record(R"({"a":1})", kChainGenesis);
  EXPECT_EQ(line, R"({"a":1,"prev":")" + std::string(kChainGenesis) + R"("})");
  EXPECT_EQ(record_hash(line).size(), 64u);
  EXPECT_NE(record_hash(line), record_hash(seal_record(R"({"a":2})", kChainGenesis)));
}

TEST(AuditChain, AnIntactFileVerifiesWithItsRecordCount) {
  testing::TempDir dir;
  const auto f = dir.path() / "audit.log";
  (void)write_chain(f, 5, std::string(kChainGenesis));
  const ChainReport r = verify_audit_chain({f});
  EXPECT_FALSE(r.broken) << r.broken->what;
  EXPECT_EQ(r.records, 5u);
}

TEST(AuditChain, ADeletedRecordIsReportedAtTheLineAfterTheGap) {
  testing::TempDir dir;
  const auto f = dir.path() / "audit.log";
  (void)write_chain(f, 5, std::string(kChainGenesis));
  auto lines = lines_of(f);
  lines.erase(lines.begin() + 2);
  write_lines(f, lines);
  const ChainReport r = verify_audit_chain({f});
  ASSERT_TRUE(r.broken);
  EXPECT_EQ(r.broken->file, f);
  EXPECT_EQ(r.broken->line, 3u);
  EXPECT_NE(r.broken->what.find("does not match line 2"), std::string::npos) << r.broken->what;
  EXPECT_EQ(r.records, 2u);
}

TEST(AuditChain, AnEditedLineIsReportedAtTheLineAfterIt) {
  testing::TempDir dir;
  const auto f = dir.path() / "audit.log";
  (void)write_chain(f, 5, std::string(kChainGenesis));
  auto lines = lines_of(f);
  lines[1].replace(lines[1].find("\"kill\""), 6, "\"klil\"");  // Still valid JSON.
  write_lines(f, lines);
  const ChainReport r = verify_audit_chain({f});
  ASSERT_TRUE(r.broken);
  EXPECT_EQ(r.broken->line, 3u);
}

TEST(AuditChain, ALineThatIsNoLongerJsonIsReportedItself) {
  testing::TempDir dir;
  const auto f = dir.path() / "audit.log";
  (void)write_chain(f, 3, std::string(kChainGenesis));
  auto lines = lines_of(f);
  lines[1].pop_back();
  write_lines(f, lines);
  const ChainReport r = verify_audit_chain({f});
  ASSERT_TRUE(r.broken);
  EXPECT_EQ(r.broken->line, 2u);
  EXPECT_NE(r.broken->what.find("not a JSON object"), std::string::npos);
}

TEST(AuditChain, ALineWithoutPrevIsReported) {
  testing::TempDir dir;
  const auto f = dir.path() / "audit.log";
  write_lines(f, {R"({"event":"control"})"});
  const ChainReport r = verify_audit_chain({f});
  ASSERT_TRUE(r.broken);
  EXPECT_NE(r.broken->what.find("prev"), std::string::npos);
}

TEST(AuditChain, RotatedFilesVerifyAsOneChainOldestFirst) {
  testing::TempDir dir;
  const auto old_file = dir.path() / "audit.log.1";
  const auto new_file = dir.path() / "audit.log";
  // The oldest file's first record names a predecessor rotated away long ago.
  const std::string h = write_chain(old_file, 3, record_hash("long gone"));
  (void)write_chain(new_file, 2, h, 3);
  const ChainReport r = verify_audit_chain({old_file, new_file});
  EXPECT_FALSE(r.broken) << r.broken->what;
  EXPECT_EQ(r.records, 5u);

  const ChainReport swapped = verify_audit_chain({new_file, old_file});
  ASSERT_TRUE(swapped.broken);
  EXPECT_EQ(swapped.broken->file, old_file);
  EXPECT_EQ(swapped.broken->line, 1u);
  EXPECT_NE(swapped.broken->what.find("does not follow the last record of"), std::string::npos);
}

TEST(AuditChain, ARecordMissingBetweenTwoFilesIsReportedAtTheSecondFile) {
  testing::TempDir dir;
  const auto old_file = dir.path() / "audit.log.1";
  const auto new_file = dir.path() / "audit.log";
  const std::string h = write_chain(old_file, 3, std::string(kChainGenesis));
  (void)write_chain(new_file, 2, h, 3);
  auto lines = lines_of(old_file);
  lines.pop_back();  // The old file's last record.
  write_lines(old_file, lines);
  const ChainReport r = verify_audit_chain({old_file, new_file});
  ASSERT_TRUE(r.broken);
  EXPECT_EQ(r.broken->file, new_file);
  EXPECT_EQ(r.broken->line, 1u);
}

TEST(AuditChain, AGenesisRecordStartingALaterFileIsANoteNotABreak) {
  testing::TempDir dir;
  const auto a = dir.path() / "a.log";
  const auto b = dir.path() / "b.log";
  (void)write_chain(a, 2, std::string(kChainGenesis));
  (void)write_chain(b, 2, std::string(kChainGenesis));
  const ChainReport r = verify_audit_chain({a, b});
  EXPECT_FALSE(r.broken);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("restarts"), std::string::npos);
}

TEST(AuditChain, AGenesisRecordInsideAFileIsABreak) {
  testing::TempDir dir;
  const auto f = dir.path() / "audit.log";
  (void)write_chain(f, 2, std::string(kChainGenesis));
  (void)write_chain(f, 1, std::string(kChainGenesis));
  const ChainReport r = verify_audit_chain({f});
  ASSERT_TRUE(r.broken);
  EXPECT_EQ(r.broken->line, 3u);
}

TEST(AuditChain, AnIncompleteLastLineIsReported) {
  testing::TempDir dir;
  const auto f = dir.path() / "audit.log";
  (void)write_chain(f, 2, std::string(kChainGenesis));
  std::ofstream(f, std::ios::app) << R"({"event":"cont)";
  const ChainReport r = verify_audit_chain({f});
  ASSERT_TRUE(r.broken);
  EXPECT_EQ(r.broken->line, 3u);
  EXPECT_NE(r.broken->what.find("incomplete"), std::string::npos);
}

TEST(AuditChain, TheLastRecordHashOfAFileContinuesItsChain) {
  testing::TempDir dir;
  const auto f = dir.path() / "audit.log";
  EXPECT_EQ(last_record_hash(f), kChainGenesis);  // Missing.
  std::ofstream(f).close();
  EXPECT_EQ(last_record_hash(f), kChainGenesis);  // Empty.
  // Longer than one read window, so the backward scan has to grow.
  const std::string h = write_chain(f, 100, std::string(kChainGenesis));
  bool partial = true;
  EXPECT_EQ(last_record_hash(f, &partial), h);
  EXPECT_FALSE(partial);
  std::ofstream(f, std::ios::app) << "cut";
  EXPECT_EQ(last_record_hash(f, &partial), record_hash("cut"));
  EXPECT_TRUE(partial);
}

TEST(AuditLogVerifyCommand, SaysOkWithTheRecordCountAndExitsZero) {
  testing::TempDir dir;
  const auto f = dir.path() / "audit.log";
  (void)write_chain(f, 4, std::string(kChainGenesis));
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(run_ctl({"riskgatectl", "audit-log", "verify", f.string()}, out, err), kCtlOk);
  EXPECT_EQ(out.str(), "OK, 4 records in 1 file\n");
}

TEST(AuditLogVerifyCommand, NamesTheFileAndLineOfTheFirstBreakAndExitsNonZero) {
  testing::TempDir dir;
  const auto f = dir.path() / "audit.log";
  (void)write_chain(f, 4, std::string(kChainGenesis));
  auto lines = lines_of(f);
  lines.erase(lines.begin() + 1);
  write_lines(f, lines);
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(run_ctl({"riskgatectl", "audit-log", "verify", f.string()}, out, err), kCtlDrift);
  EXPECT_NE(out.str().find("BROKEN: " + f.string() + ":2: "), std::string::npos) << out.str();
}

}  // namespace
}  // namespace riskgate::control
