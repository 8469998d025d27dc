// Log-linear latency histogram in the spirit of HdrHistogram: fixed memory, no
// allocation and no branch on a lock while recording, bounded relative error.
//
// Layout: values below kSubBuckets (256 ns) each get their own bucket (exact).
// Above that, every power-of-two range [2^k, 2^(k+1)) is split into
// kSubBuckets/2 = 128 equal buckets, so a bucket is at most 1/128 (0.78%) of
// the values it holds wide. Reported percentiles are the highest value that
// falls into the bucket (HdrHistogram's "highest equivalent value"), so they
// never under-state a latency; they are clamped to the exact recorded max.
//
// Range: 1 ns .. kMaxTrackable (~17 s). Larger values land in the last
// bucket and are counted in saturated(); min and max are always exact.
//
// Tuning: kSubBucketBits sets the precision (8 -> 0.78%, 7 -> 1.6%); memory is
// (kSubBuckets + (kMaxBits - kSubBucketBits) * kSubBuckets / 2) * 8 bytes
// (about 28 KiB here), allocated once with the object.
//
// Thread safety: none; one histogram per recording thread, merge() afterwards.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace riskgate::bench {

class LatencyHistogram {
 public:
  static constexpr unsigned kSubBucketBits = 8;
  static constexpr std::uint64_t kSubBuckets = std::uint64_t{1} << kSubBucketBits;  // 256
  static constexpr std::uint64_t kHalf = kSubBuckets / 2;                           // 128
  static constexpr unsigned kMaxBits = 34;  // values < 2^34 ns (~17.2 s) are tracked
  static constexpr std::uint64_t kMaxTrackable = (std::uint64_t{1} << kMaxBits) - 1;
  static constexpr std::size_t kBucketCount = kSubBuckets + (kMaxBits - kSubBucketBits) * kHalf;

  void record(std::uint64_t value_ns) noexcept { record_n(value_ns, 1); }

  void record_n(std::uint64_t value_ns, std::uint64_t n) noexcept {
    if (n == 0) return;
    if (value_ns > kMaxTrackable) saturated_ += n;
    counts_[index_of(std::min(value_ns, kMaxTrackable))] += n;
    total_ += n;
    min_ = std::min(min_, value_ns);
    max_ = std::max(max_, value_ns);
    sum_ += static_cast<double>(value_ns) * static_cast<double>(n);
  }

  void merge(const LatencyHistogram& other) noexcept {
    for (std::size_t i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    saturated_ += other.saturated_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    sum_ += other.sum_;
  }

  void reset() noexcept { *this = LatencyHistogram{}; }

  [[nodiscard]] std::uint64_t count() const noexcept { return total_; }
  [[nodiscard]] std::uint64_t saturated() const noexcept { return saturated_; }
  [[nodiscard]] std::uint64_t min() const noexcept { return total_ == 0 ? 0 : min_; }
  [[nodiscard]] std::uint64_t max() const noexcept { return max_; }
  [[nodiscard]] double mean() const noexcept {
    return total_ == 0 ? 0.0 : sum_ / static_cast<double>(total_);
  }

  // The smallest recorded-bucket value v such that at least `percentile`% of
  // the recorded values are <= v (within bucket precision). 0 when empty.
  // percentile 0 gives min(), 100 gives max().
  [[nodiscard]] std::uint64_t percentile(double percentile) const noexcept {
    if (total_ == 0) return 0;
    if (percentile <= 0.0) return min();
    if (percentile >= 100.0) return max_;
    // Rank of the value we want (1-based), rounded up so p50 of {1,2} is 1.
    const double exact = percentile / 100.0 * static_cast<double>(total_);
    auto rank = static_cast<std::uint64_t>(exact);
    if (static_cast<double>(rank) < exact) ++rank;
    rank = std::max<std::uint64_t>(rank, 1);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBucketCount; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::clamp(highest_in_bucket(i), min(), max_);
    }
    return max_;
  }

  // Bucket geometry, public for the tests and for exporting raw buckets.
  [[nodiscard]] static constexpr std::size_t index_of(std::uint64_t v) noexcept {
    if (v < kSubBuckets) return static_cast<std::size_t>(v);
    // shift >= 1 such that (v >> shift) is in [kHalf, kSubBuckets).
    const auto shift = static_cast<unsigned>(std::bit_width(v)) - kSubBucketBits;
    return static_cast<std::size_t>(kSubBuckets + (shift - 1) * kHalf + ((v >> shift) - kHalf));
  }
  [[nodiscard]] static constexpr std::uint64_t lowest_in_bucket(std::size_t i) noexcept {
    if (i < kSubBuckets) return i;
    const std::uint64_t shift = (i - kSubBuckets) / kHalf + 1;
    const std::uint64_t sub = (i - kSubBuckets) % kHalf + kHalf;
    return sub << shift;
  }
  [[nodiscard]] static constexpr std::uint64_t highest_in_bucket(std::size_t i) noexcept {
    if (i < kSubBuckets) return i;
    const std::uint64_t shift = (i - kSubBuckets) / kHalf + 1;
    return lowest_in_bucket(i) + (std::uint64_t{1} << shift) - 1;
  }
  [[nodiscard]] std::uint64_t bucket_count(std::size_t i) const noexcept { return counts_[i]; }

 private:
  std::array<std::uint64_t, kBucketCount> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t saturated_ = 0;
  std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_ = 0;
  double sum_ = 0.0;
};

static_assert(LatencyHistogram::index_of(LatencyHistogram::kMaxTrackable) ==
                  LatencyHistogram::kBucketCount - 1,
              "the largest trackable value must map to the last bucket");

}  // namespace riskgate::bench
