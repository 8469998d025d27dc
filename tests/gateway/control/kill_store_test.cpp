#include "gateway/control/kill_store.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "temp_dir.hpp"

namespace riskgate::control {
namespace {

KillEntry entry(Scope s, std::string target, std::string reason = "runaway flow") {
  return KillEntry{s, std::move(target), std::move(reason), "olivia", 0};
}

TEST(KillStore, StartsEmptyWithoutAFile) {
  testing::TempDir dir;
  KillStore store(dir.path());
  EXPECT_TRUE(store.entries().empty());
}

TEST(KillStore, EngagedKillsSurviveReopening) {
  testing::TempDir dir;
  {
    KillStore store(dir.path());
    EXPECT_TRUE(store.engage(entry(Scope::kAccount, "ACC1")));
    EXPECT_TRUE(store.engage(entry(Scope::kGlobal, "ignored-for-global", "deploy drift")));
    EXPECT_FALSE(store.engage(entry(Scope::kAccount, "ACC1", "again")));
  }
  KillStore reopened(dir.path());
  const auto es = reopened.entries();
  ASSERT_EQ(es.size(), 2u);
  EXPECT_EQ(es[0].scope, Scope::kAccount);
  EXPECT_EQ(es[0].target, "ACC1");
  EXPECT_EQ(es[0].reason, "runaway flow");  // The first engagement stays on record.
  EXPECT_EQ(es[0].actor, "olivia");
  EXPECT_GT(es[0].utc_ns, 0);
  EXPECT_EQ(es[1].scope, Scope::kGlobal);
  EXPECT_EQ(es[1].target, "");
  EXPECT_TRUE(reopened.engaged(Scope::kGlobal, ""));
}

TEST(KillStore, ReleaseNeedsAReasonAndPersists) {
  testing::TempDir dir;
  {
    KillStore store(dir.path());
    ASSERT_TRUE(store.engage(entry(Scope::kSymbol, "AAPL")));
    EXPECT_THROW((void)store.release(Scope::kSymbol, "AAPL", "", "adam"), std::invalid_argument);
    EXPECT_THROW((void)store.release(Scope::kSymbol, "AAPL", "  ", "adam"), std::invalid_argument);
    EXPECT_TRUE(store.engaged(Scope::kSymbol, "AAPL"));
    EXPECT_FALSE(store.release(Scope::kSymbol, "MSFT", "not engaged", "adam"));
    EXPECT_TRUE(store.release(Scope::kSymbol, "AAPL", "fixed upstream", "adam"));
  }
  KillStore reopened(dir.path());
  EXPECT_FALSE(reopened.engaged(Scope::kSymbol, "AAPL"));
}

TEST(KillStore, CorruptFileThrowsNamingTheFile) {
  testing::TempDir dir;
  std::ofstream(dir.path() / KillStore::kFileName) << "{\"version\":1,\"kills\":[{\"scope\":";
  try {
    KillStore store(dir.path());
    FAIL() << "expected KillStateError";
  } catch (const KillStateError& e) {
    EXPECT_NE(std::string(e.what()).find("kill-state.json"), std::string::npos) << e.what();
  }
  const auto moved = KillStore::quarantine(dir.path());
  EXPECT_TRUE(std::filesystem::exists(moved));
  KillStore fresh(dir.path());  // Evidence moved aside: starts empty (gateway engages global).
  EXPECT_TRUE(fresh.entries().empty());
}

TEST(KillStore, UnknownScopeInTheFileIsCorrupt) {
  testing::TempDir dir;
  std::ofstream(dir.path() / KillStore::kFileName)
      << R"({"version":1,"kills":[{"scope":"desk","target":"x","reason":"r","actor":"a","utc_ns":1}]})";
  EXPECT_THROW(KillStore store(dir.path()), KillStateError);
}

TEST(KillStore, LeftoverTempFileIsIgnored) {
  testing::TempDir dir;
  {
    KillStore store(dir.path());
    ASSERT_TRUE(store.engage(entry(Scope::kAccount, "ACC1")));
  }
  // A crash between writing the temp file and the rename leaves this behind.
  std::ofstream(dir.path() / "kill-state.json.tmp") << "{\"version\":1,\"ki";
  KillStore reopened(dir.path());
  EXPECT_TRUE(reopened.engaged(Scope::kAccount, "ACC1"));
}

// A child engages kills in a loop and is killed with SIGKILL at an arbitrary
// point. Whatever the moment, the file must load and hold a prefix of the
// engagements: old state or new state, never a partial one.
TEST(KillStore, SurvivesKillMinus9DuringSaves) {
  testing::TempDir dir;
  std::size_t total = 0;
  for (int round = 0; round < 5; ++round) {
    std::filesystem::remove_all(dir.path());
    std::filesystem::create_directories(dir.path());
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      KillStore store(dir.path());
      for (int i = 0;; ++i) (void)store.engage(entry(Scope::kAccount, "ACC" + std::to_string(i)));
    }
    // Let it get some saves in; the exact count does not matter.
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + 17 * round));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status));
    KillStore reopened(dir.path());  // Must not throw.
    const auto es = reopened.entries();
    for (std::size_t i = 0; i < es.size(); ++i) EXPECT_EQ(es[i].target, "ACC" + std::to_string(i));
    total += es.size();
  }
  EXPECT_GT(total, 0u) << "the child never saved: the test proved nothing";
}

}  // namespace
}  // namespace riskgate::control
