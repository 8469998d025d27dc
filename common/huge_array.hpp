// A fixed-size array for the large per-order tables (the ClOrdID set, the
// order table, the outbound message store), placed on 2 MiB transparent huge
// pages when the kernel allows it.
//
// Why: those tables are touched at a random (or fresh) line per order. With
// 4 KiB pages a 16 MB table spans 4096 pages, more than the second-level TLB
// holds, so each such touch also costs a page walk. On 2 MiB pages the same
// table is 8 TLB entries.
//
// How: the memory is an anonymous mmap aligned to 2 MiB and marked
// madvise(MADV_HUGEPAGE), which is honoured when
// /sys/kernel/mm/transparent_hugepage/enabled is "always" or "madvise". If the
// kernel refuses (THP "never", no huge page available), the array silently
// stays on normal pages: same behaviour, only slower. Every element is
// constructed here, which touches every page: no page fault (and no syscall)
// is left for the order path. Small arrays (< 1 MiB) are mapped the same way
// without the advice: a huge page would mostly hold nothing.
//
// Not thread-safe; allocation only in the constructor (mmap, munmap, madvise).
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace riskgate {

inline constexpr std::size_t kHugePage = std::size_t{2} << 20;

template <typename T>
class HugeArray {
  static_assert(alignof(T) <= 4096, "HugeArray: page alignment is the most it guarantees");

 public:
  HugeArray() noexcept = default;
  // `n` value-initialised elements (zero for scalars). Throws std::bad_alloc
  // when the mapping fails.
  explicit HugeArray(std::size_t n) : size_(n) {
    if (n == 0) return;
    if (n > (SIZE_MAX - 2 * kHugePage) / sizeof(T)) throw std::bad_alloc();
    const std::size_t bytes = n * sizeof(T);
    // From half a huge page up: rounding up to a whole one costs at most the
    // same again in memory, for one TLB entry instead of 256.
    const bool huge = bytes >= kHugePage / 2;
    const std::size_t unit = huge ? kHugePage : std::size_t{4096};
    map_bytes_ = (bytes + unit - 1) / unit * unit;
    // Over-map by one huge page, then trim head and tail so that what stays
    // mapped starts on a 2 MiB boundary (a huge page must be aligned).
    const std::size_t over = huge ? map_bytes_ + kHugePage : map_bytes_;
    void* raw = ::mmap(nullptr, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    auto* base = static_cast<std::byte*>(raw);
    if (huge) {
      const auto addr = reinterpret_cast<std::uintptr_t>(base);
      const std::size_t head = (kHugePage - addr % kHugePage) % kHugePage;
      if (head > 0) (void)::munmap(base, head);
      const std::size_t tail = over - head - map_bytes_;
      if (tail > 0) (void)::munmap(base + head + map_bytes_, tail);
      base += head;
      // Advice only: a refusal (THP disabled) leaves normal pages, which work.
      (void)::madvise(base, map_bytes_, MADV_HUGEPAGE);
    }
    data_ = reinterpret_cast<T*>(base);
    // Touches every page now (first-touch faults happen here, not per order).
    std::uninitialized_value_construct_n(data_, n);
  }

  ~HugeArray() { release(); }

  HugeArray(const HugeArray&) = delete;
  HugeArray& operator=(const HugeArray&) = delete;
  HugeArray(HugeArray&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)),
        size_(std::exchange(o.size_, 0)),
        map_bytes_(std::exchange(o.map_bytes_, 0)) {}
  HugeArray& operator=(HugeArray&& o) noexcept {
    if (this != &o) {
      release();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      map_bytes_ = std::exchange(o.map_bytes_, 0);
    }
    return *this;
  }

  [[nodiscard]] T* data() noexcept { return data_; }
  [[nodiscard]] const T* data() const noexcept { return data_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] T& operator[](std::size_t i) noexcept { return data_[i]; }
  [[nodiscard]] const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  [[nodiscard]] T* begin() noexcept { return data_; }
  [[nodiscard]] T* end() noexcept { return data_ + size_; }

 private:
  void release() noexcept {
    if (data_ == nullptr) return;
    std::destroy_n(data_, size_);
    (void)::munmap(data_, map_bytes_);
    data_ = nullptr;
  }

  T* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t map_bytes_ = 0;  // What stays mapped at data_ (a multiple of the page size).
};

}  // namespace riskgate
