// The duplicate-ClOrdID set (risk/cl_ord_id_set.hpp): its verdicts must be
// those of a plain set of the 64-bit keys whatever the fingerprints do, so the
// tests force fingerprint collisions, bucket overflow and wrap-around, and a
// full set. The set is insert-only (a session's ids are remembered all day),
// so there is no delete to test. Plus the huge-page array under it.
#include "risk/cl_ord_id_set.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/huge_array.hpp"

namespace {

using riskgate::HugeArray;
using riskgate::kHugePage;
using riskgate::risk::ClOrdIdSet;

// A key whose home bucket is `bucket` and whose fingerprint is `fp`; `rest`
// fills the bits neither looks at (17..31), so keys differing only there
// collide on both.
std::uint64_t key_for(const ClOrdIdSet& s, std::uint32_t bucket, std::uint16_t fp,
                      std::uint32_t rest) {
  const std::uint64_t buckets = s.fingerprint_bytes() / 64;
  const std::uint64_t top = ((std::uint64_t{bucket} << 32) + buckets - 1) / buckets;
  const std::uint64_t key =
      top << 32 | std::uint64_t{rest & 0x7fffu} << 17 | std::uint64_t{fp} << 1 | 1u;
  EXPECT_EQ(s.home(key), bucket);
  EXPECT_EQ(ClOrdIdSet::fingerprint(key), fp);
  return key;
}

TEST(ClOrdIdSet, MatchesASetModelForRandomKeysUpToCapacity) {
  constexpr std::uint32_t kCapacity = 5000;
  ClOrdIdSet s(kCapacity);
  std::unordered_set<std::uint64_t> model;
  std::mt19937_64 rng(11);
  std::vector<std::uint64_t> seen;
  while (model.size() < kCapacity) {
    // One in four tries repeats a known key: it must be found, not inserted.
    const bool repeat = !seen.empty() && rng() % 4 == 0;
    const std::uint64_t key = repeat ? seen[rng() % seen.size()] : (rng() | 1u);
    const bool known = model.count(key) != 0;
    ASSERT_EQ(s.contains(key), known);
    ASSERT_EQ(s.insert(key), !known);
    if (!known) {
      model.insert(key);
      seen.push_back(key);
    }
    ASSERT_EQ(s.size(), model.size());
  }
  for (const std::uint64_t k : seen) ASSERT_TRUE(s.contains(k));
  for (int i = 0; i < 100'000; ++i) {
    const std::uint64_t k = rng() | 1u;
    ASSERT_EQ(s.contains(k), model.count(k) != 0);
  }
}

TEST(ClOrdIdSet, KeysSharingHomeAndFingerprintAreToldApartByTheFullKey) {
  ClOrdIdSet s(1000);
  const std::uint64_t a = key_for(s, 3, 0xBEEF, 1);
  const std::uint64_t b = key_for(s, 3, 0xBEEF, 2);
  const std::uint64_t c = key_for(s, 3, 0xBEEF, 3);
  ASSERT_TRUE(s.insert(a));
  EXPECT_FALSE(s.contains(b)) << "a fingerprint collision is not a duplicate";
  ASSERT_TRUE(s.insert(b));
  EXPECT_TRUE(s.contains(a));
  EXPECT_TRUE(s.contains(b));
  EXPECT_FALSE(s.contains(c));
  EXPECT_FALSE(s.insert(a)) << "the same key again is a duplicate";
  EXPECT_EQ(s.size(), 2u);
}

TEST(ClOrdIdSet, AFingerprintOfZeroStillMarksTheSlotUsed) {
  ClOrdIdSet s(100);
  const std::uint64_t zero_fp = std::uint64_t{0x12345678} << 32 | 1u;  // Bits 1..16 all 0.
  ASSERT_EQ(ClOrdIdSet::fingerprint(zero_fp), 1u);
  ASSERT_TRUE(s.insert(zero_fp));
  EXPECT_TRUE(s.contains(zero_fp));
  EXPECT_FALSE(s.insert(zero_fp));
}

TEST(ClOrdIdSet, AFullBucketSpillsIntoTheNextAndTheLastWrapsToTheFirst) {
  ClOrdIdSet s(1000);
  const std::uint32_t buckets = static_cast<std::uint32_t>(s.fingerprint_bytes() / 64);
  ASSERT_GE(buckets, 3u);
  for (const std::uint32_t home : {1u, buckets - 1}) {
    std::vector<std::uint64_t> keys;
    // Three buckets' worth, all with one home and one fingerprint: every
    // probe walks the overflow chain confirming full keys.
    for (std::uint32_t i = 0; i < 3 * ClOrdIdSet::kBucketSlots; ++i) {
      keys.push_back(key_for(s, home, 0x4242, i));
      ASSERT_TRUE(s.insert(keys.back())) << i;
    }
    for (const std::uint64_t k : keys) EXPECT_TRUE(s.contains(k));
    EXPECT_FALSE(s.contains(key_for(s, home, 0x4242, 0x7000)));
  }
  EXPECT_EQ(s.size(), 6 * ClOrdIdSet::kBucketSlots);
}

TEST(ClOrdIdSet, AFullSetRefusesTheNextKeyAndStillAnswersLookups) {
  constexpr std::uint32_t kCapacity = 100;
  ClOrdIdSet s(kCapacity);
  for (std::uint64_t i = 1; i <= kCapacity; ++i)
    ASSERT_TRUE(s.insert(i * 0x9E3779B97F4A7C15ull | 1u));
  EXPECT_TRUE(s.full());
  const std::uint64_t extra = 0xABCDEF0123456789ull;
  EXPECT_FALSE(s.insert(extra));
  EXPECT_EQ(s.size(), kCapacity);
  EXPECT_FALSE(s.contains(extra)) << "a refused key leaves no trace";
  for (std::uint64_t i = 1; i <= kCapacity; ++i)
    EXPECT_TRUE(s.contains(i * 0x9E3779B97F4A7C15ull | 1u));
}

TEST(ClOrdIdSet, TheFingerprintsForAMillionIdsFitInL2) {
  // 1.25 slots per id (80 % load when full), 2 bytes each: 2.5 MB.
  const ClOrdIdSet s(1u << 20);
  EXPECT_EQ(s.fingerprint_bytes(), std::size_t{1u << 20} * 5 / 4 * 2);
}

TEST(ClOrdIdSet, ACapacityOfZeroIsASetupError) {
  EXPECT_THROW(ClOrdIdSet(0), std::invalid_argument);
}

TEST(HugeArray, ALargeArrayIsZeroedAndStartsOnAHugePageBoundary) {
  HugeArray<std::uint64_t> a((std::size_t{3} << 20) / 8 + 5);
  ASSERT_NE(a.data(), nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a.data()) % kHugePage, 0u);
  for (const std::uint64_t v : a) ASSERT_EQ(v, 0u);
  a[a.size() - 1] = 7;
  EXPECT_EQ(a[a.size() - 1], 7u);
}

TEST(HugeArray, AMoveHandsTheMemoryOverAndEmptiesTheSource) {
  HugeArray<int> a(1000);
  a[999] = 42;
  int* p = a.data();
  HugeArray<int> b(std::move(a));
  EXPECT_EQ(b.data(), p);
  EXPECT_EQ(b[999], 42);
  EXPECT_EQ(a.data(), nullptr);  // NOLINT(bugprone-use-after-move): the point of the test.
  EXPECT_EQ(a.size(), 0u);
  HugeArray<int> c(10);
  c = std::move(b);
  EXPECT_EQ(c.data(), p);
  EXPECT_EQ(c.size(), 1000u);
}

TEST(ClOrdIdSet, AClearedSetForgetsEveryKeyAndTakesAsManyAgain) {
  ClOrdIdSet set(1000);
  for (std::uint64_t k = 1; k <= 1000; ++k) ASSERT_TRUE(set.insert(k * 0x9E3779B97F4A7C15ull | 1));
  EXPECT_TRUE(set.full());
  set.clear();
  EXPECT_EQ(set.size(), 0u);
  for (std::uint64_t k = 1; k <= 1000; ++k) {
    const std::uint64_t key = k * 0x9E3779B97F4A7C15ull | 1;
    EXPECT_FALSE(set.contains(key));
    ASSERT_TRUE(set.insert(key));
  }
  EXPECT_TRUE(set.contains(0x9E3779B97F4A7C15ull | 1));
}

}  // namespace
