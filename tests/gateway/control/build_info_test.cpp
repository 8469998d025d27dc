#include "gateway/control/build_info.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "temp_dir.hpp"

namespace riskgate::control {
namespace {

TEST(BuildInfo, BuildIdIsCommitAtTime) {
  const std::string id(build_id());
  EXPECT_EQ(id, std::string(git_commit()) + "@" + std::string(build_time()));
  EXPECT_FALSE(git_commit().empty());
  EXPECT_EQ(build_time().back(), 'Z');
}

TEST(BuildInfo, Sha256MatchesTheFips180Vector) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(BuildInfo, Sha256FileHashesTheBytesOfTheFile) {
  testing::TempDir dir;
  const auto p = dir.path() / "f";
  std::ofstream(p, std::ios::binary) << "abc";
  EXPECT_EQ(sha256_file(p), sha256_hex("abc"));
}

TEST(BuildInfo, Sha256FileThrowsNamingAMissingFile) {
  try {
    (void)sha256_file("/nonexistent/riskgate");
    FAIL() << "expected a throw";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/riskgate"), std::string::npos);
  }
}

TEST(BuildInfo, SelfExecutablePathIsThisTestBinary) {
  const auto p = self_executable_path();
  EXPECT_EQ(p.filename(), "control_test");
  EXPECT_EQ(sha256_file(p).size(), 64u);
}

}  // namespace
}  // namespace riskgate::control
