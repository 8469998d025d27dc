#include <gtest/gtest.h>

#include <string>

#include "gateway/session/session.hpp"
#include "tests/support/alloc_counter.hpp"

namespace riskgate::session {
namespace {

std::string message(std::uint64_t seq, std::size_t size) {
  std::string m = "msg" + std::to_string(seq) + ":";
  m.resize(size, static_cast<char>('a' + seq % 26));
  return m;
}

TEST(MemoryStore, StartsWithBothSequenceNumbersAtOne) {
  auto store = make_memory_store(4096);
  EXPECT_EQ(store->next_sender_seq(), 1u);
  EXPECT_EQ(store->next_target_seq(), 1u);
}

TEST(MemoryStore, StoresAndLooksUpMessagesBySeqNum) {
  auto store = make_memory_store(4096);
  ASSERT_TRUE(store->store(2, message(2, 100)));
  ASSERT_TRUE(store->store(5, message(5, 120)));
  EXPECT_EQ(store->lookup(2), message(2, 100));
  EXPECT_EQ(store->lookup(5), message(5, 120));
  EXPECT_TRUE(store->lookup(3).empty());  // An admin message: never stored.
  EXPECT_TRUE(store->lookup(6).empty());
  EXPECT_TRUE(store->lookup(0).empty());
}

TEST(MemoryStore, ForgetsTheOldestMessagesWhenTheRingIsFull) {
  auto store = make_memory_store(1000);
  for (std::uint64_t s = 1; s <= 30; ++s) ASSERT_TRUE(store->store(s, message(s, 100)));
  for (std::uint64_t s = 1; s <= 20; ++s) EXPECT_TRUE(store->lookup(s).empty()) << s;
  // The most recent messages that fit are all intact.
  for (std::uint64_t s = 22; s <= 30; ++s) EXPECT_EQ(store->lookup(s), message(s, 100)) << s;
}

TEST(MemoryStore, NeverSplitsAMessageAcrossTheEndOfTheRing) {
  auto store = make_memory_store(1000);
  for (std::uint64_t s = 1; s <= 50; ++s) {
    const std::size_t size = 90 + (s * 37) % 200;
    ASSERT_TRUE(store->store(s, message(s, size)));
    EXPECT_EQ(store->lookup(s), message(s, size)) << s;
  }
}

TEST(MemoryStore, AMessageThatEndsExactlyAtTheRingsEndLeavesEveryLaterOneIntact) {
  // 1000 bytes, not a power of two: ten 100-byte messages fill it exactly,
  // and the next ones start again at its front, lap after lap.
  auto store = make_memory_store(1000);
  for (std::uint64_t s = 1; s <= 95; ++s) ASSERT_TRUE(store->store(s, message(s, 100)));
  for (std::uint64_t s = 86; s <= 95; ++s) EXPECT_EQ(store->lookup(s), message(s, 100)) << s;
  for (std::uint64_t s = 1; s <= 85; ++s) EXPECT_TRUE(store->lookup(s).empty()) << s;
  // A larger one no longer fits before the end: it starts a new lap, over
  // the front of the ring, where 91..95 were.
  ASSERT_TRUE(store->store(96, message(96, 600)));
  EXPECT_EQ(store->lookup(96), message(96, 600));
  for (std::uint64_t s = 91; s <= 95; ++s) EXPECT_TRUE(store->lookup(s).empty()) << s;
}

TEST(MemoryStore, LetsAMessageLargerThanItsCapacityGoWithoutKeepingIt) {
  auto store = make_memory_store(256);
  // Sent, not kept: a resend gap-fills it. Refusing would stop the send.
  EXPECT_TRUE(store->store(1, message(1, 300)));
  EXPECT_TRUE(store->lookup(1).empty());
}

TEST(MemoryStore, RefusesANumberZeroOrAnEmptyMessage) {
  auto store = make_memory_store(256);
  EXPECT_FALSE(store->store(0, message(1, 100)));
  EXPECT_FALSE(store->store(1, ""));
}

TEST(MemoryStore, ResetEmptiesTheStoreAndSetsBothSeqNumsToOne) {
  auto store = make_memory_store(4096);
  store->set_next_sender_seq(10);
  store->set_next_target_seq(20);
  ASSERT_TRUE(store->store(9, message(9, 100)));
  store->reset();
  EXPECT_EQ(store->next_sender_seq(), 1u);
  EXPECT_EQ(store->next_target_seq(), 1u);
  EXPECT_TRUE(store->lookup(9).empty());
}

TEST(MemoryStore, StoringDoesNotAllocate) {
  auto store = make_memory_store(64 * 1024);
  const std::string m = message(1, 200);
  riskgate::testing::AllocationScope scope;
  for (std::uint64_t s = 1; s <= 10'000; ++s) (void)store->store(s, m);
  const std::uint64_t allocations = scope.count();
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(store->lookup(10'000), m);
}

TEST(MemoryStore, ZeroCapacityIsASetupError) {
  EXPECT_THROW((void)make_memory_store(0), std::invalid_argument);
}

}  // namespace
}  // namespace riskgate::session
