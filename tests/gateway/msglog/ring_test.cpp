#include "gateway/msglog/ring.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/alloc_counter.hpp"

namespace riskgate::msglog {
namespace {

struct Seen {
  RecordKind kind;
  std::uint16_t session;
  std::int64_t utc_ns;
  std::string bytes;
  std::uint64_t gap;
};

std::vector<Seen> drain_all(MessageRing& r) {
  std::vector<Seen> out;
  r.drain([&](const RecordView& v) {
    out.push_back({v.kind, v.session, v.utc_ns, std::string(v.bytes), v.gap});
  });
  return out;
}

TEST(MessageRing, AMessageComesOutAsItWentInWithItsSessionDirectionAndTime) {
  MessageRing r("io-0", 4096, 3);
  EXPECT_TRUE(r.try_push(2, RecordKind::kIn, 111,
                         "8=FIX.4.4\x01"
                         "35=D\x01"));
  EXPECT_TRUE(r.try_push(0, RecordKind::kOut, 222,
                         "8=FIX.4.4\x01"
                         "35=8\x01"));
  const auto seen = drain_all(r);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].kind, RecordKind::kIn);
  EXPECT_EQ(seen[0].session, 2);
  EXPECT_EQ(seen[0].utc_ns, 111);
  EXPECT_EQ(seen[0].bytes,
            "8=FIX.4.4\x01"
            "35=D\x01");
  EXPECT_EQ(seen[1].kind, RecordKind::kOut);
  EXPECT_EQ(seen[1].session, 0);
  EXPECT_EQ(r.used_bytes(), 0u);
  EXPECT_EQ(r.dropped(), 0u);
}

TEST(MessageRing, AFullRingDropsTheMessageCountsItAndMarksTheGapBeforeTheNextOne) {
  MessageRing r("io-0", 4096, 2);
  const std::string msg(200, 'x');  // 224 bytes a record: 18 fit in 4096.
  int pushed = 0;
  while (r.try_push(0, RecordKind::kIn, pushed, msg)) ++pushed;
  EXPECT_EQ(pushed, 18);
  EXPECT_FALSE(r.try_push(0, RecordKind::kIn, 100, msg));
  EXPECT_FALSE(r.try_push(1, RecordKind::kOut, 101, msg));
  EXPECT_EQ(r.dropped(), 3u);  // The one that failed the loop, and these two.
  EXPECT_EQ(drain_all(r).size(), 18u);
  // Space is back: each session's next message is preceded by its gap.
  ASSERT_TRUE(r.try_push(0, RecordKind::kIn, 500, "next0"));
  ASSERT_TRUE(r.try_push(1, RecordKind::kOut, 501, "next1"));
  ASSERT_TRUE(r.try_push(1, RecordKind::kOut, 502, "again1"));
  const auto seen = drain_all(r);
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0].kind, RecordKind::kGap);
  EXPECT_EQ(seen[0].session, 0);
  EXPECT_EQ(seen[0].gap, 2u);
  EXPECT_EQ(seen[0].utc_ns, 500);
  EXPECT_EQ(seen[1].bytes, "next0");
  EXPECT_EQ(seen[2].kind, RecordKind::kGap);
  EXPECT_EQ(seen[2].session, 1);
  EXPECT_EQ(seen[2].gap, 1u);
  EXPECT_EQ(seen[3].bytes, "next1");
  EXPECT_EQ(seen[4].bytes, "again1");  // The gap is written once.
  EXPECT_EQ(r.dropped(), 3u);
}

TEST(MessageRing, AMessageLargerThanHalfTheRingIsDroppedNotStuck) {
  MessageRing r("io-0", 4096, 1);
  EXPECT_FALSE(r.try_push(0, RecordKind::kIn, 1, std::string(3000, 'x')));
  EXPECT_TRUE(r.try_push(0, RecordKind::kIn, 2, "small"));
  const auto seen = drain_all(r);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].gap, 1u);
  EXPECT_EQ(seen[1].bytes, "small");
}

TEST(MessageRing, RecordsThatWouldWrapTheEndComeOutWholeInOrder) {
  MessageRing r("io-0", 4096, 1);
  std::uint64_t next = 0, expect = 0;
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < 5; ++i) {
      const std::string m = std::to_string(next) + std::string(37 + (next * 13) % 300, 'a');
      ASSERT_TRUE(r.try_push(0, RecordKind::kOut, static_cast<std::int64_t>(next), m));
      ++next;
    }
    for (const auto& s : drain_all(r)) {
      ASSERT_EQ(s.kind, RecordKind::kOut);
      ASSERT_EQ(s.utc_ns, static_cast<std::int64_t>(expect));
      ASSERT_EQ(s.bytes, std::to_string(expect) + std::string(37 + (expect * 13) % 300, 'a'));
      ++expect;
    }
  }
  EXPECT_EQ(expect, next);
  EXPECT_EQ(r.dropped(), 0u);
}

TEST(MessageRing, PushingAllocatesNothingFullOrNot) {
  MessageRing r("io-0", 4096, 1);
  const std::string msg(300, 'x');
  riskgate::testing::AllocationScope scope;
  for (int i = 0; i < 100; ++i) (void)r.try_push(0, RecordKind::kIn, i, msg);
  EXPECT_EQ(scope.count(), 0u);
  EXPECT_GT(r.dropped(), 0u);
}

TEST(MessageRing, ABadCapacityIsRefusedAtSetup) {
  EXPECT_THROW(MessageRing("x", 5000, 1), std::invalid_argument);
  EXPECT_THROW(MessageRing("x", 2048, 1), std::invalid_argument);
  EXPECT_THROW(MessageRing("x", 4096, 0), std::invalid_argument);
}

}  // namespace
}  // namespace riskgate::msglog
