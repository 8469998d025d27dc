// The ring with its two threads at once (meaningful under TSan): an I/O
// thread pushing messages of varying size into a small ring while the
// writer drains it. Every message comes out whole and in order, or is
// accounted for by the gap before the next one that does.
#include <gtest/gtest.h>

#include <atomic>
#include <charconv>
#include <string>
#include <thread>

#include "gateway/msglog/ring.hpp"

namespace riskgate::msglog {
namespace {

TEST(MessageRingConcurrency, EveryMessageComesOutWholeInOrderOrIsCountedInAGap) {
  constexpr std::uint64_t kMessages = 200'000;
  MessageRing ring("io-0", 1 << 14, 1);
  std::atomic<bool> done{false};  // Release by the producer, acquire by the consumer.
  bool ok_end = false;            // Producer's; read after join.

  std::thread producer([&] {
    std::string m;
    for (std::uint64_t i = 0; i < kMessages; ++i) {
      m = std::to_string(i);
      m.append(16 + (i * 7919) % 400, static_cast<char>('a' + i % 26));
      (void)ring.try_push(0, RecordKind::kIn, static_cast<std::int64_t>(i), m);
    }
    // The last one must land, so a trailing gap is written too: wait for
    // the writer to empty the ring (a failed push would count as a drop).
    while (ring.used_bytes() != 0) std::this_thread::yield();
    ok_end = ring.try_push(0, RecordKind::kOut, static_cast<std::int64_t>(kMessages), "end");
    done.store(true, std::memory_order_release);
  });

  std::uint64_t next = 0, seen = 0, gaps = 0;
  bool ok = true, end = false;
  auto on = [&](const RecordView& v) {
    if (v.kind == RecordKind::kGap) {
      gaps += v.gap;
      next += v.gap;
      return;
    }
    if (v.kind == RecordKind::kOut) {
      end = v.bytes == "end" && next == kMessages;
      return;
    }
    std::uint64_t id = 0;
    std::from_chars(v.bytes.data(), v.bytes.data() + v.bytes.size(), id);
    std::string want = std::to_string(id);
    want.append(16 + (id * 7919) % 400, static_cast<char>('a' + id % 26));
    ok = ok && id == next && v.bytes == want && v.utc_ns == static_cast<std::int64_t>(id);
    ++next;
    ++seen;
  };
  while (!done.load(std::memory_order_acquire)) ring.drain(on);
  ring.drain(on);
  producer.join();

  EXPECT_TRUE(ok);
  ASSERT_TRUE(ok_end);
  EXPECT_TRUE(end);
  EXPECT_EQ(seen + gaps, kMessages);
  EXPECT_EQ(gaps, ring.dropped());  // Every drop is in a gap record.
  EXPECT_GT(seen, 0u);
}

}  // namespace
}  // namespace riskgate::msglog
