#include "gateway/control/audit_log.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <thread>

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

}  // namespace
}  // namespace riskgate::control
