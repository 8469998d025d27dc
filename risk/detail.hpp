// Private helpers shared by the risk engine's translation units (snapshot.cpp,
// tables.cpp, check.cpp, lifecycle.cpp, engine.cpp). Internal to risk/: not
// part of the contract, include risk/engine.hpp instead. The helpers run on
// the order path, so they are inline here, where every engine file can inline
// them.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <type_traits>

#include "risk/types.hpp"

namespace riskgate::risk::detail {

__extension__ typedef __int128 i128;

inline constexpr std::int64_t kOff = INT64_MAX;  // A limit that is not set.

[[nodiscard]] inline std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ull;
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ull;
  x ^= x >> 32;
  return x;
}

// The last 1..8 bytes as one word, without reading past the end: two
// overlapping 4-byte loads for 4..8 bytes, three single bytes below that.
// (The length is mixed into the seed, so the encodings cannot collide.)
[[nodiscard]] inline std::uint64_t load_tail(const char* p, std::size_t n) noexcept {
  if (n >= 4) {
    std::uint32_t a;
    std::uint32_t b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    return static_cast<std::uint64_t>(a) << 32 | b;
  }
  return static_cast<std::uint64_t>(static_cast<unsigned char>(p[0])) << 16 |
         static_cast<std::uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8 |
         static_cast<unsigned char>(p[n - 1]);
}

// Equality of short identifiers without a call to memcmp: up to 16 bytes are
// compared as two overlapping words (load_tail for the short end).
[[nodiscard]] inline bool same_name(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  if (n == 0) return true;
  if (n <= 8) return load_tail(a.data(), n) == load_tail(b.data(), n);
  if (n <= 16) {
    std::uint64_t a0, a1, b0, b1;
    std::memcpy(&a0, a.data(), 8);
    std::memcpy(&b0, b.data(), 8);
    std::memcpy(&a1, a.data() + n - 8, 8);
    std::memcpy(&b1, b.data() + n - 8, 8);
    return a0 == b0 && a1 == b1;
  }
  return std::memcmp(a.data(), b.data(), n) == 0;
}

// Hash of short identifiers (ClOrdIDs, accounts, symbols): one multiply per
// 8 bytes. Not for adversarial input beyond what a fixed-capacity table that
// refuses when full can absorb.
[[nodiscard]] inline std::uint64_t hash_bytes(std::string_view s) noexcept {
  constexpr std::uint64_t k1 = 0x9E3779B97F4A7C15ull;
  constexpr std::uint64_t k2 = 0xd6e8feb86659fd93ull;
  const char* p = s.data();
  std::size_t n = s.size();
  std::uint64_t h = 0x243F6A8885A308D3ull ^ (n * k2);
  while (n > 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * k1;
    h ^= h >> 32;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    h = (h ^ load_tail(p, n)) * k1;
    h ^= h >> 32;
  }
  h *= k2;
  h ^= h >> 29;
  return h;
}

// Key of a parent order in the parent table (tables.cpp): account + parent
// id, hashed to 64 bits (| 1: 0 marks an empty row).
[[nodiscard]] inline std::uint64_t parent_key(AccountIdx a, std::string_view parent_id) noexcept {
  return mix64(hash_bytes(parent_id) ^ (static_cast<std::uint64_t>(a) * 0x9E3779B97F4A7C15ull)) |
         1u;
}

[[nodiscard]] inline std::int64_t sat_mul(std::int64_t a, std::int64_t b) noexcept {
  const i128 p = static_cast<i128>(a) * b;
  if (p > INT64_MAX) return INT64_MAX;
  if (p < INT64_MIN) return INT64_MIN;
  return static_cast<std::int64_t>(p);
}

[[nodiscard]] inline std::uint64_t pow2_at_least(std::uint64_t n) noexcept {
  return std::bit_ceil(n < 2 ? 2 : n);
}

// GCRA (virtual scheduling): rate R/s with a burst of R. Returns whether an
// arrival at `now` conforms and, if so, the next theoretical arrival time.
struct Gcra {
  std::int64_t interval = 0;  // ns between orders at the sustained rate
  std::int64_t tau = 0;       // burst tolerance: (R - 1) intervals
  static Gcra of(std::int64_t rate) noexcept {
    Gcra g;
    if (rate > 0) {
      g.interval = 1'000'000'000 / rate;
      g.tau = (rate - 1) * g.interval;
    }
    return g;
  }
};

[[nodiscard]] inline bool gcra(std::int64_t tat, std::int64_t now, const Gcra& g,
                               std::int64_t& next) noexcept {
  const std::int64_t interval = g.interval;
  const std::int64_t tau = g.tau;
  const std::int64_t t = tat > now ? tat : now;
  if (t - now > tau) return false;
  next = t + interval;
  return true;
}

// log2 in 16.16 fixed point, linear between powers of two (error < 0.09):
// cheap, monotonic, and exactly inverted by exp2_fixed on its own outputs.
[[nodiscard]] inline std::int64_t log2_fixed(std::int64_t x) noexcept {
  if (x < 1) x = 1;
  if (x > (std::int64_t{1} << 46)) x = std::int64_t{1} << 46;
  const int e = 63 - std::countl_zero(static_cast<std::uint64_t>(x));
  const std::int64_t frac = ((x - (std::int64_t{1} << e)) << 16) >> e;
  return (static_cast<std::int64_t>(e) << 16) + frac;
}

[[nodiscard]] inline std::int64_t exp2_fixed(std::int64_t l) noexcept {
  if (l < 0) l = 0;
  const int e = static_cast<int>(l >> 16);
  const std::int64_t frac = l & 0xFFFF;
  return (std::int64_t{1} << e) + (((frac << e) + 0x8000) >> 16);
}

[[nodiscard]] inline int side_index(Side s) noexcept {
  return s == Side::kBuy ? 0 : 1;
}

[[nodiscard]] inline std::int64_t sat_add(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
  return r;
}

// How the engine updates its shared counters (Engine's WriterThreads; the
// invariant is stated there). Every read-modify-write of a counter goes
// through one of these, so the mode is decided here and nowhere else.
//   * Several writers: an atomic RMW (fetch_add, a CAS loop; on x86 a
//     lock-prefixed instruction: ~20 cycles, and it drains the store buffer).
//   * One writer: a load, the arithmetic, a store (plain movs on x86). Still
//     std::atomic, so a reader on another thread (status, metrics) loads each
//     value whole and race-free; it cannot lose an update because nobody
//     else writes.
// `Order` is the order the RMW would have. With one writer its acquire part
// goes to the load and its release part to the store, so whatever an RMW
// pairs with, the load or store pairs with in the same way.
class Rmw {
 public:
  explicit Rmw(bool one_writer) noexcept : one_(one_writer) {}
  [[nodiscard]] bool one_writer() const noexcept { return one_; }

  // The order is a template argument so that it is a constant wherever the
  // compiler chooses not to inline: GCC treats a run-time order as seq_cst,
  // and a seq_cst store is an xchg, a locked instruction again.
  // With one writer the arithmetic is done unsigned, so that it wraps as
  // fetch_add/fetch_sub do on an atomic integer (defined there, undefined
  // for a signed `+`): both modes give the same value for any input.
  template <std::memory_order Order, typename T>
  void add(std::atomic<T>& c, std::type_identity_t<T> d) const noexcept {
    if (one_) {
      c.store(wrap(c.load(kLoad<Order>), d, false), kStore<Order>);
    } else {
      c.fetch_add(d, Order);
    }
  }
  template <std::memory_order Order, typename T>
  void sub(std::atomic<T>& c, std::type_identity_t<T> d) const noexcept {
    if (one_) {
      c.store(wrap(c.load(kLoad<Order>), d, true), kStore<Order>);
    } else {
      c.fetch_sub(d, Order);
    }
  }

  // Adds `d` and returns the value before, as fetch_add does.
  template <std::memory_order Order, typename T>
  [[nodiscard]] T fetch_add(std::atomic<T>& c, std::type_identity_t<T> d) const noexcept {
    if (one_) {
      const T old = c.load(kLoad<Order>);
      c.store(wrap(old, d, false), kStore<Order>);
      return old;
    }
    return c.fetch_add(d, Order);
  }

  // Replaces the counter's value `cur` with `next` where `f(cur, next)`
  // returns true; where it returns false the counter is left as it is and
  // update() returns false. With several writers `f` may run more than once
  // (each time with the value a failed CAS found), so it must not count.
  template <std::memory_order Order, typename T, typename F>
  bool update(std::atomic<T>& c, F&& f) const noexcept {
    T cur = c.load(kLoad<Order>);
    T next{};
    if (one_) {
      if (!f(cur, next)) return false;
      c.store(next, kStore<Order>);
      return true;
    }
    for (;;) {
      if (!f(cur, next)) return false;
      if (c.compare_exchange_weak(cur, next, Order, kLoad<Order>)) return true;
    }
  }

 private:
  template <typename T>
  static T wrap(T a, T b, bool subtract) noexcept {
    using U = std::make_unsigned_t<T>;
    const U r = subtract ? static_cast<U>(static_cast<U>(a) - static_cast<U>(b))
                         : static_cast<U>(static_cast<U>(a) + static_cast<U>(b));
    return static_cast<T>(r);
  }

  static constexpr std::memory_order load_part(std::memory_order o) noexcept {
    return o == std::memory_order_acquire || o == std::memory_order_acq_rel
               ? std::memory_order_acquire
           : o == std::memory_order_seq_cst ? std::memory_order_seq_cst
                                            : std::memory_order_relaxed;
  }
  static constexpr std::memory_order store_part(std::memory_order o) noexcept {
    return o == std::memory_order_release || o == std::memory_order_acq_rel
               ? std::memory_order_release
           : o == std::memory_order_seq_cst ? std::memory_order_seq_cst
                                            : std::memory_order_relaxed;
  }

  // The load's and the store's share of an RMW's order, as constants.
  template <std::memory_order O>
  static constexpr std::memory_order kLoad = load_part(O);
  template <std::memory_order O>
  static constexpr std::memory_order kStore = store_part(O);

  bool one_;
};

// The rows of an insert-only table (rows never erased) in the order they
// were inserted, so that what must visit every row in use (the control
// thread's positions() at each metrics scrape, reset_day() at the day roll)
// walks those rows, not the whole table: 8 MB of (account, symbol) rows at
// the default capacity, of which a desk uses a few thousand.
// Writers: the inserting thread(s), once per row; readers: any thread.
class RowList {
 public:
  RowList() = default;
  explicit RowList(std::uint32_t capacity)
      : slots_(std::make_unique<std::atomic<std::uint32_t>[]>(capacity)), capacity_(capacity) {
    for (std::uint32_t i = 0; i < capacity; ++i) slots_[i].store(kNoIdx, std::memory_order_relaxed);
  }
  // `row` was just inserted (its key published). The table's fill bound
  // keeps inserts at most `capacity`, so every row gets a slot.
  void append(const Rmw& rmw, std::uint32_t row) noexcept {
    // Relaxed: the count only bounds the walk; the slot carries the row.
    const std::uint32_t i = rmw.fetch_add<std::memory_order_relaxed>(count_, 1u);
    // Release pairs with for_each()'s acquire: a reader that sees the index
    // sees the row's key too (published before this).
    if (i < capacity_) slots_[i].store(row, std::memory_order_release);
  }
  // Calls f(row) for each row listed so far. A slot claimed but not yet
  // written (another writer, between its two steps) is skipped: that row
  // is seen at the next walk. With several writers (not yet run), a
  // reset_day() racing such an insert would miss the row's first order;
  // the gateway runs one writer, so this cannot happen today.
  template <typename F>
  void for_each(F&& f) const {
    const std::uint32_t n = std::min(count_.load(std::memory_order_relaxed), capacity_);
    for (std::uint32_t i = 0; i < n; ++i) {
      const std::uint32_t row = slots_[i].load(std::memory_order_acquire);
      if (row != kNoIdx) f(row);
    }
  }

 private:
  std::unique_ptr<std::atomic<std::uint32_t>[]> slots_;
  std::uint32_t capacity_ = 0;
  std::atomic<std::uint32_t> count_{0};
};

// Reserve `add` on a counter if the result stays <= limit. Relaxed: each such
// counter guards only itself, and read-modify-writes on one atomic are totally
// ordered, so two threads can never both take the last unit (with one writer
// there is no second taker).
[[nodiscard]] inline bool reserve_bounded(const Rmw& rmw, std::atomic<std::int64_t>& c,
                                          std::int64_t add, std::int64_t limit,
                                          std::int64_t& seen) noexcept {
  return rmw.update<std::memory_order_relaxed>(c, [&](std::int64_t cur, std::int64_t& next) {
    next = sat_add(cur, add);
    if (limit != kOff && next > limit) {
      seen = next;
      return false;
    }
    return true;
  });
}

inline constexpr std::uint64_t kQty40 = (std::uint64_t{1} << 40) - 1;

// Takes qty back out of the tumbling window it was counted in; nothing to do
// once that window has rolled over. `cum_window` is a side's window word
// (window id << 40 | qty). Used by check()'s undo and by release_sent().
// Relaxed: the word guards only itself.
inline void release_window(const Rmw& rmw, std::atomic<std::uint64_t>& cum_window, std::uint32_t id,
                           std::int64_t qty) noexcept {
  (void)rmw.update<std::memory_order_relaxed>(
      cum_window, [&](std::uint64_t cur, std::uint64_t& next) {
        if ((cur >> 40) != id) return false;
        const std::uint64_t have = cur & kQty40;
        const std::uint64_t take =
            static_cast<std::uint64_t>(qty) < have ? static_cast<std::uint64_t>(qty) : have;
        next = (cur & ~kQty40) | (have - take);
        return true;
      });
}

}  // namespace riskgate::risk::detail
