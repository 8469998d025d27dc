#include "gateway/control/kill_file_watcher.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "temp_dir.hpp"

namespace riskgate::control {
namespace {

struct Engaged {
  std::vector<std::pair<std::string, std::string>> calls;
  KillFileWatcher::EngageFn fn() {
    return [this](const std::string& reason, const std::string& actor) {
      calls.emplace_back(reason, actor);
    };
  }
};

TEST(KillFileWatcher, FileAppearingEngagesOnceWithItsFirstLine) {
  testing::TempDir dir;
  Engaged e;
  KillFileWatcher w(dir.path() / "KILL", e.fn());
  EXPECT_FALSE(w.poll());
  std::ofstream(dir.path() / "KILL") << "bad deploy on gw-8\nsecond line\n";
  EXPECT_TRUE(w.poll());
  EXPECT_FALSE(w.poll());  // Still there: no second engagement.
  ASSERT_EQ(e.calls.size(), 1u);
  EXPECT_EQ(e.calls[0].first, "bad deploy on gw-8");
  EXPECT_EQ(e.calls[0].second, "kill-file");
  std::filesystem::remove(dir.path() / "KILL");
  EXPECT_FALSE(w.poll());
  std::ofstream(dir.path() / "KILL");  // Empty file: a default reason.
  EXPECT_TRUE(w.poll());
  ASSERT_EQ(e.calls.size(), 2u);
  EXPECT_NE(e.calls[1].first.find("KILL"), std::string::npos);
}

TEST(KillFileWatcher, Sigusr1EngagesTheGlobalKill) {
  testing::TempDir dir;
  Engaged e;
  KillFileWatcher w(dir.path() / "KILL", e.fn());
  install_emergency_signal_handler(SIGUSR1);
  ASSERT_EQ(std::raise(SIGUSR1), 0);
  EXPECT_TRUE(w.poll());
  EXPECT_FALSE(w.poll());
  ASSERT_EQ(e.calls.size(), 1u);
  EXPECT_EQ(e.calls[0].second, "signal");
  std::signal(SIGUSR1, SIG_DFL);
}

TEST(KillFileWatcher, PollsOnTheIoContext) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "KILL") << "stop";
  Engaged e;
  boost::asio::io_context ioc;
  KillFileWatcher w(dir.path() / "KILL", e.fn(), std::chrono::milliseconds(1));
  w.start(ioc);
  // Run until the first engagement (bounded: at most 5 s of polling).
  for (int i = 0; i < 5000 && e.calls.empty(); ++i) ioc.run_one_for(std::chrono::milliseconds(1));
  w.stop();
  ASSERT_EQ(e.calls.size(), 1u);
  EXPECT_EQ(e.calls[0].first, "stop");
}

}  // namespace
}  // namespace riskgate::control
