#include "gateway/control/audit_log.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <thread>

#include "gateway/control/audit_chain.hpp"
#include "gateway/control/types.hpp"
#include "temp_dir.hpp"
#include "tests/support/alloc_counter.hpp"

namespace riskgate::control {
namespace {

using audit::AuditEvent;
using audit::AuditProducer;
using audit::AuditRecord;

std::vector<nlohmann::json> read_lines(const std::filesystem::path& p) {
  std::vector<nlohmann::json> out;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
  return out;
}

AuditRecord refusal(std::string_view cl_ord_id, std::int64_t qty) {
  AuditRecord r;
  r.utc_ns = utc_now_ns();
  r.event = AuditEvent::kOrderRefused;
  AuditRecord::set(r.session, "ENGINE1");
  AuditRecord::set(r.cl_ord_id, cl_ord_id);
  AuditRecord::set(r.rule, "max_order_qty");
  r.quantity = qty;
  return r;
}

TEST(AuditLog, IsUnhealthyUntilStarted) {
  testing::TempDir dir;
  AuditLog log({dir.path() / "audit.log"});
  auto& p = log.add_producer("io-0");
  EXPECT_FALSE(log.healthy());
  EXPECT_FALSE(p.try_record(refusal("A", 1)));
}

TEST(AuditLog, RecordsReachTheFileInOrderPerProducer) {
  testing::TempDir dir;
  const auto path = dir.path() / "audit.log";
  AuditLog log({path, /*sync=*/false, std::chrono::milliseconds(1), 1024});
  auto& p0 = log.add_producer("io-0");
  auto& p1 = log.add_producer("io-1");
  log.start();
  ASSERT_TRUE(log.healthy());
  constexpr int kPerThread = 5000;
  auto produce = [](AuditProducer& p, char tag) {
    for (int i = 0; i < kPerThread; ++i) {
      const std::string id = std::string(1, tag) + std::to_string(i);
      while (!p.try_record(refusal(id, i)))
        std::this_thread::yield();  // Ring full: writer catches up.
    }
  };
  std::thread t0(produce, std::ref(p0), 'a');
  std::thread t1(produce, std::ref(p1), 'b');
  t0.join();
  t1.join();
  log.flush();
  log.stop();
  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 2u * kPerThread);
  std::map<std::string, std::int64_t> next{{"io-0", 0}, {"io-1", 0}};
  for (const auto& j : lines) {
    EXPECT_EQ(j["event"], "order_refused");
    EXPECT_EQ(j["rule"], "max_order_qty");
    const std::string src = j["source"];
    const std::int64_t expect = next[src]++;
    ASSERT_EQ(j.value("qty", std::int64_t{0}), expect) << src;
    EXPECT_EQ(j["cl_ord_id"], std::string(src == "io-0" ? "a" : "b") + std::to_string(expect));
  }
}

TEST(AuditLog, FullRingReturnsFalseWithoutAllocating) {
  testing::TempDir dir;
  // Long poll interval: the writer will not drain while we fill the ring.
  AuditLog log({dir.path() / "audit.log", false, std::chrono::milliseconds(60'000), 64});
  auto& p = log.add_producer("io-0");
  log.start();
  const AuditRecord r = refusal("X", 1);
  std::size_t accepted = 0;
  bool refused = false;
  {
    riskgate::testing::AllocationScope scope;
    for (int i = 0; i < 200 && !refused; ++i) {
      if (p.try_record(r)) {
        ++accepted;
      } else {
        refused = true;
      }
    }
    EXPECT_EQ(scope.count(), 0u);
  }
  EXPECT_TRUE(refused);
  EXPECT_EQ(accepted, p.capacity());
  EXPECT_EQ(p.refused(), 1u);
  log.flush();  // Drains: room again.
  EXPECT_TRUE(p.try_record(r));
}

TEST(AuditLog, UnwritablePathMakesItUnhealthy) {
  testing::TempDir dir;
  const auto file = dir.path() / "not-a-dir";
  std::ofstream(file) << "x";
  AuditLog log({file / "audit.log"});  // Parent is a regular file: ENOTDIR even as root.
  auto& p = log.add_producer("io-0");
  log.start();
  EXPECT_FALSE(log.healthy());
  EXPECT_NE(log.last_error().find("cannot open"), std::string::npos);
  EXPECT_FALSE(p.try_record(refusal("A", 1)));
  EXPECT_FALSE(log.record_control("kill", {{"actor", "x"}}));
}

TEST(AuditLog, WriteFailureTurnsItUnhealthyAndRefusesRecords) {
  // /dev/full opens fine and fails every write with ENOSPC.
  AuditLog log({"/dev/full", /*sync=*/false, std::chrono::milliseconds(1), 64});
  auto& p = log.add_producer("io-0");
  log.start();
  ASSERT_TRUE(log.healthy());
  ASSERT_TRUE(p.try_record(refusal("A", 1)));
  log.flush();
  EXPECT_FALSE(log.healthy());
  EXPECT_NE(log.last_error().find("write"), std::string::npos);
  EXPECT_FALSE(p.try_record(refusal("B", 1)));
}

TEST(AuditLog, ControlRecordsCarryWhoWhyAndWhat) {
  testing::TempDir dir;
  const auto path = dir.path() / "audit.log";
  AuditLog log({path, true, std::chrono::milliseconds(1), 64});
  log.start();
  ASSERT_TRUE(log.record_control("kill", {{"actor", "olivia"},
                                          {"scope", "account"},
                                          {"target", "ACC1"},
                                          {"reason", "runaway"},
                                          {"affected", {{"cancels_sent", 12}}}}));
  log.flush();
  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["event"], "control");
  EXPECT_EQ(lines[0]["action"], "kill");
  EXPECT_EQ(lines[0]["actor"], "olivia");
  EXPECT_EQ(lines[0]["affected"]["cancels_sent"], 12);
  EXPECT_TRUE(lines[0].contains("ts"));
}

TEST(AuditLog, StopWritesWhatWasQueued) {
  testing::TempDir dir;
  const auto path = dir.path() / "audit.log";
  {
    AuditLog log({path, false, std::chrono::milliseconds(60'000), 64});
    auto& p = log.add_producer("io-0");
    log.start();
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(p.try_record(refusal("A", i)));
  }
  EXPECT_EQ(read_lines(path).size(), 10u);
}

AuditLog::Options fast_options(const std::filesystem::path& path) {
  AuditLog::Options o;
  o.path = path;
  o.sync = false;
  o.poll_interval = std::chrono::milliseconds(1);
  o.ring_capacity = 64;
  o.check_interval = std::chrono::milliseconds(10);
  return o;
}

// Polls until `pred` holds or 2 s pass (the writer checks every 10 ms here).
template <typename Pred>
bool eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

bool has_action(const std::filesystem::path& p, std::string_view action) {
  if (!std::filesystem::exists(p)) return false;
  for (const auto& l : read_lines(p))
    if (l.value("action", "") == action) return true;
  return false;
}

TEST(AuditLog, EveryRecordNamesTheHashOfTheOneBeforeIt) {
  testing::TempDir dir;
  const auto path = dir.path() / "audit.log";
  AuditLog log(fast_options(path));
  auto& p = log.add_producer("io-0");
  log.start();
  ASSERT_TRUE(p.try_record(refusal("A", 1)));
  ASSERT_TRUE(log.record_control("kill", {{"actor", "olivia"}}));
  log.flush();
  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["prev"], kChainGenesis);
  const ChainReport r = verify_audit_chain({path});
  EXPECT_FALSE(r.broken) << r.broken->what;
  EXPECT_EQ(r.records, 2u);
}

TEST(AuditLog, ARestartedLogContinuesTheChainOfTheExistingFile) {
  testing::TempDir dir;
  const auto path = dir.path() / "audit.log";
  for (int run = 0; run < 2; ++run) {
    AuditLog log(fast_options(path));
    log.start();
    ASSERT_TRUE(log.record_control("kill", {{"run", run}}));
  }
  const ChainReport r = verify_audit_chain({path});
  EXPECT_FALSE(r.broken) << r.broken->what;
  EXPECT_EQ(r.records, 2u);
}

TEST(AuditLog, ARenamedFileIsNoticedAndTheChainGoesOnInANewFile) {
  testing::TempDir dir;
  const auto path = dir.path() / "audit.log";
  const auto rotated = dir.path() / "audit.log.1";
  AuditLog log(fast_options(path));
  log.start();
  ASSERT_TRUE(log.record_control("kill", {{"n", 1}}));
  log.flush();
  std::filesystem::rename(path, rotated);
  ASSERT_TRUE(eventually([&] { return log.reopens() == 1; }));
  ASSERT_TRUE(log.record_control("kill", {{"n", 2}}));
  log.flush();
  const auto fresh = read_lines(path);
  ASSERT_EQ(fresh.size(), 2u);
  EXPECT_EQ(fresh[0]["action"], "audit_reopened");
  EXPECT_EQ(fresh[0]["reason"], "renamed_or_deleted");
  EXPECT_EQ(fresh[1]["n"], 2);
  const ChainReport r = verify_audit_chain({rotated, path});
  EXPECT_FALSE(r.broken) << r.broken->what;
  EXPECT_EQ(r.records, 3u);
  EXPECT_TRUE(log.healthy());
}

TEST(AuditLog, ADeletedFileIsNoticedAndRecreated) {
  testing::TempDir dir;
  const auto path = dir.path() / "audit.log";
  AuditLog log(fast_options(path));
  log.start();
  std::filesystem::remove(path);
  ASSERT_TRUE(eventually([&] { return has_action(path, "audit_reopened"); }));
  EXPECT_EQ(read_lines(path)[0]["reason"], "renamed_or_deleted");
}

TEST(AuditLog, AReopenRequestStartsANewFileAfterACopyFreeRotation) {
  testing::TempDir dir;
  const auto path = dir.path() / "audit.log";
  auto o = fast_options(path);
  o.check_interval = std::chrono::hours(1);  // Only the request can notice.
  AuditLog log(o);
  log.start();
  ASSERT_TRUE(log.record_control("kill", {{"n", 1}}));
  log.flush();
  std::filesystem::rename(path, dir.path() / "audit.log.1");
  log.request_reopen();
  ASSERT_TRUE(eventually([&] { return has_action(path, "audit_reopened"); }));
  EXPECT_EQ(read_lines(path)[0]["reason"], "signal");
  EXPECT_FALSE(verify_audit_chain({dir.path() / "audit.log.1", path}).broken);
}

TEST(AuditLog, UnauthenticatedNoiseIsOneRecordPerCausePerWindowWithACount) {
  testing::TempDir dir;
  const auto path = dir.path() / "audit.log";
  auto o = fast_options(path);
  o.noise_window = std::chrono::milliseconds(200);
  AuditLog log(o);
  log.start();
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(log.record_noise("admin_401:missing bearer token", "admin_refused",
                                 {{"status", 401}, {"peer", "127.0.0.1"}}));
  ASSERT_TRUE(eventually([&] { return has_action(path, "noise_summary"); }));
  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["action"], "admin_refused");
  EXPECT_EQ(lines[0]["peer"], "127.0.0.1");
  EXPECT_EQ(lines[1]["cause"], "admin_401:missing bearer token");
  EXPECT_EQ(lines[1]["suppressed"], 999);
  EXPECT_EQ(log.status_json()["noise_suppressed"], 999);
}

TEST(AuditLog, RefusedLogonsFromTheRingAreSummarisedPerSessionAndReason) {
  testing::TempDir dir;
  const auto path = dir.path() / "audit.log";
  auto o = fast_options(path);
  o.ring_capacity = 1024;
  AuditLog log(o);
  auto& p = log.add_producer("io-0");
  log.start();
  AuditRecord r;
  r.event = AuditEvent::kLogonRefused;
  AuditRecord::set(r.session, "ENGINE1");
  AuditRecord::set(r.rule, "unapproved_version");
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(p.try_record(r));
  ASSERT_TRUE(p.try_record(refusal("A", 1)));  // Not noise: in full.
  log.flush();
  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["event"], "logon_refused");
  EXPECT_EQ(lines[1]["event"], "order_refused");
}

TEST(AuditLog, BelowTheLowWatermarkItAlertsButStaysHealthy) {
  testing::TempDir dir;
  const auto path = dir.path() / "audit.log";
  std::atomic<std::uint64_t> free_bytes{10ull << 30};
  auto o = fast_options(path);
  o.disk_low_bytes = 1ull << 30;
  o.disk_hard_bytes = 100ull << 20;
  o.free_bytes = [&](int) -> std::optional<std::uint64_t> { return free_bytes.load(); };
  AuditLog log(o);
  log.start();
  EXPECT_FALSE(log.disk_low());
  free_bytes = 500ull << 20;
  ASSERT_TRUE(eventually([&] { return log.disk_low(); }));
  EXPECT_TRUE(log.healthy());
  const auto st = log.status_json();
  EXPECT_EQ(st["disk_low"], true);
  EXPECT_EQ(st["free_bytes"], 500ull << 20);
  ASSERT_TRUE(eventually([&] { return has_action(path, "audit_disk_low"); }));
  free_bytes = 10ull << 30;
  ASSERT_TRUE(eventually([&] { return !log.disk_low(); }));
  ASSERT_TRUE(eventually([&] { return has_action(path, "audit_disk_ok"); }));
}

TEST(AuditLog, BelowTheHardWatermarkItFailsClosedUntilSpaceIsBack) {
  testing::TempDir dir;
  const auto path = dir.path() / "audit.log";
  std::atomic<std::uint64_t> free_bytes{10ull << 30};
  auto o = fast_options(path);
  o.disk_low_bytes = 1ull << 30;
  o.disk_hard_bytes = 100ull << 20;
  o.free_bytes = [&](int) -> std::optional<std::uint64_t> { return free_bytes.load(); };
  AuditLog log(o);
  auto& p = log.add_producer("io-0");
  log.start();
  ASSERT_TRUE(log.healthy());
  free_bytes = 50ull << 20;
  ASSERT_TRUE(eventually([&] { return !log.healthy(); }));
  EXPECT_FALSE(p.try_record(refusal("A", 1)));  // The gateway refuses the order.
  EXPECT_TRUE(has_action(path, "audit_disk_hard"));
  free_bytes = 10ull << 30;
  ASSERT_TRUE(eventually([&] { return log.healthy(); }));
  EXPECT_TRUE(p.try_record(refusal("B", 1)));
  log.flush();
  EXPECT_FALSE(verify_audit_chain({path}).broken);
}

TEST(AuditLog, AGatewayStartedOnAFullDiskRefusesFromTheStart) {
  testing::TempDir dir;
  auto o = fast_options(dir.path() / "audit.log");
  o.free_bytes = [](int) -> std::optional<std::uint64_t> { return 1; };
  AuditLog log(o);
  log.start();
  EXPECT_FALSE(log.healthy());
}

}  // namespace
}  // namespace riskgate::control
