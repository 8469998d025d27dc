// The ClOrdIDs one session has used today, for the duplicate check: an
// insert-only set of 64-bit keys (the ClOrdID's hash_bytes | 1, as before)
// split into a small fingerprint array, probed on every order, and the full
// keys, read only when a fingerprint matches.
//
// Why: the old table kept the 8-byte keys themselves at most half full, 16 MB
// at the default 2^20 ids, so each order's probe was a cache (and TLB) miss
// into a table far bigger than L2. Here the probe reads one 64-byte bucket of
// 32 16-bit fingerprints; at 80 % worst-case load the fingerprint array is
// 2.5 MB for 2^20 ids (it fits in L2 alongside the rest of the order path's
// state) and sits on a couple of huge pages. The common case, a new id,
// reads that one line, and on acceptance writes the key into its slot of the
// key array with a streaming (non-temporal) store: the key line is read back
// only on a fingerprint match (about 1 order in 2,500 at full load), so it
// is not worth a read-for-ownership of a random line in a 10 MB array, nor
// the line of the order path's own state that it would evict. Measured with
// bench/paired-step's step: 0.98x of a cached store behind a write prefetch.
//
// Exactly the verdicts of a plain set of the 64-bit keys: a fingerprint
// match is only a candidate and is confirmed against the full key, so a
// fingerprint collision never reads as a duplicate, and every stored key has
// its fingerprint in the probed buckets, so no duplicate is missed.
//
// Layout and probing: bucket b holds slots [32b, 32b + 32). The home bucket
// comes from the key's top 32 bits (multiply-shift onto any bucket count, so
// the size need not round up to a power of two); the fingerprint from bits
// 1..16, independent of the home. Slots fill in order and are never freed
// (a session's ids are remembered all day; clear() empties the set), so a bucket's used slots are a
// prefix: a probe that meets a bucket with a free slot has seen every key
// that could be there. A full bucket overflows into the next (cyclically).
// The set refuses inserts at `capacity`, which is at most 80 % of the slots,
// so some bucket always has a free slot and every probe ends.
//
// Owned by one thread; no atomics, no locks, no allocation after construction.
#pragma once

#include <cstdint>
#include <stdexcept>

#include "common/cacheline.hpp"
#include "common/huge_array.hpp"
#include "common/prefetch.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace riskgate::risk {

class ClOrdIdSet {
 public:
  static constexpr std::uint32_t kBucketSlots = 32;  // 32 x 2 bytes = one cache line.

  // Where a key is (found) or would go (!found). From probe(); valid for
  // insert() until the next insert.
  struct Probe {
    bool found = false;
    std::uint32_t slot = 0;
  };

  ClOrdIdSet() = default;
  // Room for `capacity` keys (> 0).
  explicit ClOrdIdSet(std::uint32_t capacity) : capacity_(capacity) {
    if (capacity == 0) throw std::invalid_argument("ClOrdID set: capacity must be > 0");
    // Buckets for at most 80 % load when full (>= 2, so overflow has
    // somewhere to go): 25.6 keys per 32-slot bucket on average.
    const std::uint64_t buckets =
        (std::uint64_t{capacity} * 5 + 4 * kBucketSlots - 1) / (4 * kBucketSlots);
    if (buckets * kBucketSlots > UINT32_MAX) {
      throw std::invalid_argument("ClOrdID set: capacity too large");
    }
    buckets_ = static_cast<std::uint32_t>(buckets < 2 ? 2 : buckets);
    fps_ = HugeArray<Bucket>(buckets_);
    keys_ = HugeArray<std::uint64_t>(std::size_t{buckets_} * kBucketSlots);
  }

  [[nodiscard]] std::uint32_t size() const noexcept { return count_; }
  [[nodiscard]] std::uint32_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] bool full() const noexcept { return count_ >= capacity_; }
  // The fingerprint array's size in bytes (what a probe walks through).
  [[nodiscard]] std::size_t fingerprint_bytes() const noexcept {
    return std::size_t{buckets_} * sizeof(Bucket);
  }

  // A hint: starts loading the key's home bucket.
  void prefetch(std::uint64_t key) const noexcept { prefetch_line(fps_.data() + home(key)); }

  [[nodiscard]] Probe probe(std::uint64_t key) const noexcept {
    const std::uint16_t fp = fingerprint(key);
    std::uint32_t b = home(key);
    for (;;) {
      const Bucket& bk = fps_[b];
      std::uint32_t match = mask_of(bk, fp);
      while (match != 0) {
        const std::uint32_t slot =
            b * kBucketSlots + static_cast<std::uint32_t>(__builtin_ctz(match));
        if (keys_[slot] == key) return {true, slot};
        match &= match - 1;  // A fingerprint collision: look on.
      }
      const std::uint32_t empty = mask_of(bk, 0);
      if (empty != 0) {
        return {false, b * kBucketSlots + static_cast<std::uint32_t>(__builtin_ctz(empty))};
      }
      b = b + 1 == buckets_ ? 0 : b + 1;
    }
  }

  // Adds `key` at `p` (probe(key) returned !found, no insert since). False,
  // and nothing stored, when the set already holds `capacity` keys.
  bool insert(Probe p, std::uint64_t key) noexcept {
    if (p.found || full()) return false;
    store_key(p.slot, key);
    fps_[p.slot / kBucketSlots].fp[p.slot % kBucketSlots] = fingerprint(key);
    ++count_;
    return true;
  }

  bool insert(std::uint64_t key) noexcept { return insert(probe(key), key); }

  // Makes every key inserted so far visible to other threads (see store_key).
  static void publish() noexcept {
#if defined(__SSE2__) && defined(__x86_64__)
    _mm_sfence();
#endif
  }

  // Forgets every key (a new trading day). Zeroes the fingerprint array
  // (2.5 MB at 2^20 ids: ~100 us, once a day on the owning thread); the key
  // array needs no clearing, since a slot is free exactly when its
  // fingerprint is 0. No allocation.
  void clear() noexcept {
    for (std::size_t b = 0; b < buckets_; ++b) fps_[b] = Bucket{};
    count_ = 0;
  }
  [[nodiscard]] bool contains(std::uint64_t key) const noexcept {
    return probe(key).found;
  }

  // For tests: the home bucket and fingerprint a key gets.
  [[nodiscard]] std::uint32_t home(std::uint64_t key) const noexcept {
    return static_cast<std::uint32_t>(((key >> 32) * buckets_) >> 32);
  }
  [[nodiscard]] static std::uint16_t fingerprint(std::uint64_t key) noexcept {
    const auto fp = static_cast<std::uint16_t>(key >> 1);
    return fp == 0 ? std::uint16_t{1} : fp;  // 0 marks a free slot.
  }

 private:
  struct alignas(kCacheLine) Bucket {
    std::uint16_t fp[kBucketSlots];  // 0 = free; used slots are a prefix.
  };
  static_assert(sizeof(Bucket) == kCacheLine);

  // The key array is write-mostly (see the top). A streaming store is seen
  // by the same thread's later loads in program order, so probe() needs no
  // fence. Streaming stores are weakly ordered for other threads: whoever
  // inserts on one thread for another to probe (the restart's replay on the
  // main thread, before the I/O thread starts; a future hand-over of a
  // session) calls publish() before the hand-over.
  void store_key(std::uint32_t slot, std::uint64_t key) noexcept {
#if defined(__SSE2__) && defined(__x86_64__)
    _mm_stream_si64(reinterpret_cast<long long*>(keys_.data() + slot), static_cast<long long>(key));
#else
    keys_[slot] = key;
#endif
  }

  // Bit i set when slot i of `bk` holds `fp` (fp 0: when slot i is free).
  [[nodiscard]] static std::uint32_t mask_of(const Bucket& bk, std::uint16_t fp) noexcept {
#if defined(__SSE2__)
    const __m128i want = _mm_set1_epi16(static_cast<short>(fp));
    std::uint32_t m = 0;
    for (int q = 0; q < 4; ++q) {
      const __m128i v = _mm_load_si128(reinterpret_cast<const __m128i*>(bk.fp) + q);
      // packs turns 8 16-bit compare results into 8 bytes; movemask takes one
      // bit per byte of the low half.
      const __m128i eq = _mm_cmpeq_epi16(v, want);
      const auto bits =
          static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_packs_epi16(eq, eq))) & 0xffu;
      m |= bits << (8 * q);
    }
    return m;
#else
    std::uint32_t m = 0;
    for (std::uint32_t i = 0; i < kBucketSlots; ++i)
      m |= static_cast<std::uint32_t>(bk.fp[i] == fp) << i;
    return m;
#endif
  }

  std::uint32_t capacity_ = 0;
  std::uint32_t buckets_ = 0;
  std::uint32_t count_ = 0;
  HugeArray<Bucket> fps_;
  HugeArray<std::uint64_t> keys_;
};

}  // namespace riskgate::risk
