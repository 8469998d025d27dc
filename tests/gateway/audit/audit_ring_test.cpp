// The audit record and the SPSC ring, without the writer (control::AuditLog
// drives them end to end in tests/gateway/control/audit_log_test.cpp).
#include "gateway/audit/audit_ring.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/utc_clock.hpp"
#include "gateway/audit/audit_record.hpp"
#include "tests/support/alloc_counter.hpp"

namespace riskgate::audit {
namespace {

AuditRecord numbered(std::int64_t n) {
  AuditRecord r;
  r.utc_ns = utc_now_ns();
  r.event = AuditEvent::kOrderRefused;
  r.quantity = n;
  return r;
}

std::vector<std::int64_t> drain_all(AuditProducer& p) {
  std::vector<std::int64_t> out;
  p.drain([&](const AuditRecord& r) { out.push_back(r.quantity); });
  return out;
}

TEST(AuditRecord, SetTruncatesAndTerminates) {
  AuditRecord r;
  AuditRecord::set(r.symbol, std::string(100, 'X'));
  EXPECT_EQ(std::strlen(r.symbol), sizeof(r.symbol) - 1);
  AuditRecord::set(r.symbol, {});
  EXPECT_EQ(r.symbol[0], '\0');
}

TEST(AuditRecord, EventNamesAreStable) {
  EXPECT_EQ(to_string(AuditEvent::kOrderRefused), "order_refused");
  EXPECT_EQ(to_string(AuditEvent::kFlowThrottled), "flow_throttled");
}

TEST(AuditRing, RejectsACapacityThatIsNotAPowerOfTwo) {
  const std::atomic<bool> healthy{true};
  EXPECT_THROW(AuditProducer("io-0", 0, &healthy), std::invalid_argument);
  EXPECT_THROW(AuditProducer("io-0", 1, &healthy), std::invalid_argument);
  EXPECT_THROW(AuditProducer("io-0", 48, &healthy), std::invalid_argument);
  EXPECT_THROW(AuditProducer("io-0", 64, nullptr), std::invalid_argument);
  const AuditProducer p("io-0", 64, &healthy);
  EXPECT_EQ(p.capacity(), 64u);
  EXPECT_EQ(p.name(), "io-0");
}

TEST(AuditRing, RefusesWhileTheOwnerIsUnhealthy) {
  std::atomic<bool> healthy{false};
  AuditProducer p("io-0", 4, &healthy);
  EXPECT_FALSE(p.try_record(numbered(1)));
  EXPECT_EQ(p.refused(), 1u);
  healthy.store(true);
  EXPECT_TRUE(p.try_record(numbered(2)));
  EXPECT_EQ(drain_all(p), std::vector<std::int64_t>{2});
}

TEST(AuditRing, AFullRingRefusesWithoutAllocatingAndDrainMakesRoom) {
  const std::atomic<bool> healthy{true};
  AuditProducer p("io-0", 8, &healthy);
  {
    riskgate::testing::AllocationScope scope;
    for (std::int64_t i = 0; i < 8; ++i) EXPECT_TRUE(p.try_record(numbered(i)));
    EXPECT_FALSE(p.try_record(numbered(8)));
    EXPECT_EQ(scope.count(), 0u);
  }
  EXPECT_EQ(p.refused(), 1u);
  EXPECT_EQ(drain_all(p), (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_TRUE(drain_all(p).empty());
  // Wraps around the slots, still FIFO.
  for (std::int64_t i = 10; i < 15; ++i) EXPECT_TRUE(p.try_record(numbered(i)));
  EXPECT_EQ(drain_all(p), (std::vector<std::int64_t>{10, 11, 12, 13, 14}));
}

// One producer thread, one consumer thread: every record arrives once, in
// order (meaningful under TSan for the head_/tail_ pairings).
TEST(AuditRing, OneProducerOneConsumerIsFifo) {
  const std::atomic<bool> healthy{true};
  AuditProducer p("io-0", 64, &healthy);
  constexpr std::int64_t kCount = 20'000;
  std::thread producer([&] {
    for (std::int64_t i = 0; i < kCount; ++i) {
      while (!p.try_record(numbered(i))) std::this_thread::yield();  // Full: consumer catches up.
    }
  });
  std::int64_t next = 0;
  bool in_order = true;
  while (next < kCount) {
    p.drain([&](const AuditRecord& r) { in_order = in_order && r.quantity == next++; });
    std::this_thread::yield();
  }
  producer.join();
  EXPECT_TRUE(in_order);
  EXPECT_EQ(next, kCount);
}

}  // namespace
}  // namespace riskgate::audit
