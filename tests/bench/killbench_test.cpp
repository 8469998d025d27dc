// The kill-switch benchmark (bench/e2e/run-killbench) in quick mode, end to
// end: rg-responder, a fresh riskgate, rg-killbench and the real riskgatectl.
// Pins what its numbers mean, so the benchmark cannot rot: every working order
// is cancelled once, the first refusal comes no later than the last cancel,
// and nothing is forwarded after the kill.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/process.hpp"

namespace {

using namespace std::chrono_literals;
using riskgate::testing::ChildProcess;

TEST(KillBench, QuickRunCancelsEveryWorkingOrderAndForwardsNothingAfterTheKill) {
  const auto out = std::filesystem::temp_directory_path() /
                   ("riskgate-killbench-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(out);
  auto driver =
      ChildProcess::spawn({"/bin/bash", RISKGATE_SOURCE_DIR "/bench/e2e/run-killbench", "--quick",
                           "--build-dir", RISKGATE_BUILD_DIR, "--out", out.string()},
                          /*merge_stderr=*/true);
  auto rc = driver.wait_exit(150s);
  if (!rc) rc = driver.terminate(5s);  // SIGTERM: the driver stops its own children.
  driver.drain(2s);
  std::string output;
  for (const auto& l : driver.lines()) output += l + "\n";
  ASSERT_EQ(*rc, 0) << output;

  std::ifstream in(out / "kill.json");
  ASSERT_TRUE(in) << "no kill.json\n" << output;
  const auto j = nlohmann::json::parse(in);
  EXPECT_TRUE(j.at("pass").get<bool>()) << output;
  EXPECT_EQ(j.at("working_orders").get<std::uint64_t>(), 1000u);
  EXPECT_EQ(j.at("runs_measured").get<std::uint64_t>(), 1u);
  EXPECT_EQ(j.at("runs_warmup").get<std::uint64_t>(), 1u);
  ASSERT_EQ(j.at("runs").size(), 2u);
  for (const auto& r : j.at("runs")) {
    SCOPED_TRACE(r.dump());
    const auto working = r.at("working_orders").get<std::uint64_t>();
    EXPECT_EQ(r.at("cancels_resting").get<std::uint64_t>(), working);
    EXPECT_EQ(r.at("cancels_received").get<std::uint64_t>(),
              working + r.at("cancels_in_flight").get<std::uint64_t>());
    EXPECT_TRUE(r.at("cancels_distinct").get<bool>());
    EXPECT_EQ(r.at("canceled_reports_at_engine").get<std::uint64_t>(), working);
    EXPECT_GT(r.at("orders_refused").get<std::uint64_t>(), 0u);
    EXPECT_EQ(r.at("orders_after_first_cancel").get<std::uint64_t>(), 0u);
    EXPECT_EQ(r.at("forwarded_after_first_refusal").get<std::uint64_t>(), 0u);
    EXPECT_EQ(r.at("ctl_rc").get<int>(), 0);
    const double t1 = r.at("t1_us").get<double>(), t2 = r.at("t2_us").get<double>();
    // T1 (the engine reads its first refusal) and T2 (the last cancel reaches
    // the exchange) travel on different sockets and processes: with a small
    // book the sweep can finish before the engine is scheduled, so their
    // order is not an invariant, only that both happened.
    EXPECT_GT(t1, 0);
    EXPECT_GT(t2, 0);
    EXPECT_NEAR(r.at("t2_minus_t1_us").get<double>(), t2 - t1, 1.0);
    EXPECT_GT(r.at("http_kill_rtt_us").get<double>(), 0);
    EXPECT_TRUE(r.at("errors").empty());
  }
  std::filesystem::remove_all(out);
}

}  // namespace
