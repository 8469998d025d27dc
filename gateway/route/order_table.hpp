// Orders riskgate has forwarded to one exchange session and not yet seen end.
//
// Owned by the route group's I/O thread: no atomics, no locks, no allocation
// after construction. Full table => insert fails and the caller refuses the
// order (fail closed): an order we could not track is an order we could not
// cancel on a kill.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string_view>

#include "common/huge_array.hpp"
#include "common/prefetch.hpp"

namespace riskgate::route {

inline constexpr std::size_t kMaxIdLen = 63;  // Exchange ClOrdID bytes we track.
// OrderID(37) and ExecID(17) are the venue's: FIX leaves them unbounded, and
// riskgate passes them through without keeping them. A report carrying a
// longer one is a protocol error (never truncated, never copied). Venues we
// know of stay well under it; raise it here if one does not.
inline constexpr std::size_t kMaxVenueIdLen = 64;
inline constexpr std::size_t kMaxSymbolLen = 23;
inline constexpr std::size_t kMaxAccountLen = 23;

template <std::size_t N>
struct FixedString {
  std::uint8_t len = 0;
  char data[N] = {};
  bool assign(std::string_view s) noexcept {
    if (s.size() > N) return false;
    len = static_cast<std::uint8_t>(s.size());
    // An empty view may have a null data(): memcpy from null is undefined
    // even for 0 bytes.
    if (!s.empty()) std::memcpy(data, s.data(), s.size());
    return true;
  }
  [[nodiscard]] std::string_view view() const noexcept { return {data, len}; }
};

enum class OrderState : std::uint8_t {
  kFree = 0,
  kPendingNew,      // Sent, not yet acknowledged.
  kWorking,         // Acknowledged, quantity open at the exchange.
  kPendingCancel,   // A cancel request entry (its `orig` is the order).
  kPendingReplace,  // A replace request entry: becomes the order when Replaced.
};

// The states of an entry that stands for an order (not a request on one).
[[nodiscard]] inline bool is_order_state(OrderState s) noexcept {
  return s == OrderState::kPendingNew || s == OrderState::kWorking;
}

// Plain payload the router keeps per order; `Ticket` is the risk core's
// per-order state (what to release or commit on execution reports).
// Whether an order with TimeInForce(59) `tif` rests past its trading day:
// good till cancel (1) or good till date (6). A venue
// ends the day of such an order with "done for day" (ExecType / OrdStatus 3)
// and works it again the next day, so that report does not end it here.
[[nodiscard]] inline bool outlives_day(char tif) noexcept {
  return tif == '1' || tif == '6';
}

template <typename Ticket>
struct OrderEntry {
  FixedString<kMaxIdLen> exch_id;       // Key: ClOrdID as the exchange knows it.
  FixedString<kMaxIdLen> orig_exch_id;  // Cancel/replace entries: the order they act on.
  FixedString<kMaxSymbolLen> symbol;
  FixedString<kMaxAccountLen> account;
  std::uint32_t client_session = 0;
  OrderState state = OrderState::kFree;
  char side = '1';
  char time_in_force = 0;          // TimeInForce(59) as sent; 0: absent (Day).
  bool gateway_initiated = false;  // A cancel riskgate sent itself (kill switch).
  // A replace of this order was acked: its executions are the replacement's
  // now (a trade cancel of them is applied there, not here).
  bool replaced = false;
  // An order: a replace of it was sent (or restored). Tells a report ending
  // the order (a venue cancel naming either id) to look for replaces still
  // in flight and release them (RouteGroup::end_pending_replaces); orders
  // never replaced, nearly all of them, cost no walk.
  bool replace_sent = false;
  // Reconciling after a restart: its status is to be asked (35=H, paced),
  // or was asked (35=H or 35=AF) and no report has answered it yet
  // (RouteGroup::ask_order_status).
  enum class StatusAsk : std::uint8_t { kNone, kToAsk, kAsked };
  StatusAsk status_ask = StatusAsk::kNone;
  std::int64_t order_qty = 0;
  std::int64_t leaves_qty = 0;
  // Executed quantity counted so far (the venue's CumQty: the highest seen,
  // lowered only by a trade cancel / correct): a report counts only what it
  // adds to it, so a duplicate or a replayed fill is never counted twice. A
  // replacement takes its original's when the venue acks the replace; until
  // then a cancel or replace request's entry holds 0 (its reports' trades
  // are counted on the order it names).
  std::int64_t cum_qty = 0;
  // The exchange leg's MsgSeqNum of the message that created this entry
  // (D, G or F), and of the kill cancel riskgate sent for it: a session
  // Reject (35=3) names a message only by its RefSeqNum. 0 = none.
  std::uint64_t out_seq = 0;
  std::uint64_t kill_seq = 0;
  Ticket ticket{};
};

template <typename Ticket>
class OrderTable {
 public:
  using Entry = OrderEntry<Ticket>;

  // `capacity` orders at most. Two arrays, both allocated here:
  //  - entries: `capacity` Entry records, handed out from a LIFO free list, so
  //    the entry a new order gets is the one the last finished order released,
  //    still in cache. The working set follows the live orders, not the
  //    configured capacity (65536 entries are ~16 MB; a random one is a cache
  //    and TLB miss, measured at ~250 ns per order in bench/micro route_bench).
  //  - index: open addressing with linear probing over 2x capacity (rounded up
  //    to a power of two) slots of 8 bytes (1 MB for 65536 orders). Deletion
  //    shifts later slots back: no tombstones, so probe lengths never degrade.
  // Both on huge pages where the kernel allows (common/huge_array.hpp): the
  // index is probed at a random slot per order.
  explicit OrderTable(std::size_t capacity) : capacity_(capacity) {
    if (capacity == 0 || capacity > (std::size_t{1} << 30))
      throw std::invalid_argument("order table: capacity must be 1..2^30");
    std::size_t slots = 16;
    while (slots < capacity * 2) slots <<= 1;
    mask_ = slots - 1;
    index_ = HugeArray<Slot>(slots);
    entries_ = HugeArray<Entry>(capacity);
    free_ = HugeArray<std::uint32_t>(capacity);
    // Pop order 0, 1, 2, ...: the lowest entries are reused first.
    for (std::size_t i = 0; i < capacity; ++i)
      free_[i] = static_cast<std::uint32_t>(capacity - 1 - i);
    free_count_ = capacity;
  }

  [[nodiscard]] std::size_t size() const noexcept { return capacity_ - free_count_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

  // A hint, no effect on results: starts loading the index slot `id` hashes
  // to, the one random access of insert() and find(). Call it as soon as the
  // id is known so the miss overlaps other work (the risk check).
  void prefetch(std::string_view id) const noexcept {
    prefetch_line(index_.data() + (hash(id) & mask_));
  }

  [[nodiscard]] Entry* find(std::string_view id) noexcept {
    const std::uint32_t h = hash(id);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot s = index_[i];
      if (s.entry == 0) return nullptr;
      if (s.hash == h) {
        Entry& e = entries_[s.entry - 1];
        if (e.exch_id.view() == id) return &e;
      }
    }
  }

  // Returns the new entry (state kPendingNew: the caller sets the rest), or
  // nullptr when the table is full, the id too long, or the id already present.
  [[nodiscard]] Entry* insert(std::string_view id) noexcept {
    if (free_count_ == 0 || id.size() > kMaxIdLen || id.empty()) return nullptr;
    const std::uint32_t h = hash(id);
    std::size_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      const Slot s = index_[i];
      if (s.entry == 0) break;
      if (s.hash == h && entries_[s.entry - 1].exch_id.view() == id) return nullptr;
    }
    const std::uint32_t n = free_[--free_count_];
    Entry& e = entries_[n];
    e = Entry{};
    (void)e.exch_id.assign(id);
    e.state = OrderState::kPendingNew;
    index_[i] = Slot{n + 1, h};
    return &e;
  }

  // Removes `e` (a pointer from find/insert). Other entries never move, so
  // pointers to them stay valid.
  void erase(Entry* e) noexcept {
    const auto n = static_cast<std::uint32_t>(e - entries_.data());
    if (e->state == OrderState::kFree) return;  // Already erased: a caller bug, made harmless.
    std::size_t i = hash(e->exch_id.view()) & mask_;
    // Every live entry is indexed, and the index is never full, so this ends.
    while (index_[i].entry != n + 1) i = (i + 1) & mask_;
    e->state = OrderState::kFree;
    free_[free_count_++] = n;
    index_[i] = Slot{};
    // Backward shift: move later slots of the probe run into the hole unless
    // their home slot lies cyclically in (hole, current].
    for (std::size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      const Slot cur = index_[j];
      if (cur.entry == 0) return;
      const std::size_t home = cur.hash & mask_;
      const bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) {
        index_[i] = cur;
        index_[j] = Slot{};
        i = j;
      }
    }
  }

  // A stable number for `e` (a pointer from find/insert), and back: lets a
  // side index refer to an entry without a pointer. at() may return a free
  // or reused entry: the caller checks that it is still the one it meant.
  [[nodiscard]] std::uint32_t index_of(const Entry* e) const noexcept {
    return static_cast<std::uint32_t>(e - entries_.data());
  }
  [[nodiscard]] Entry* at(std::uint32_t i) noexcept {
    return i < capacity_ ? &entries_[i] : nullptr;
  }

  // Visits the live entries from index `from` on, in index order, until
  // `f` returns false; returns the index of the entry it stopped at (to
  // resume from there), or capacity() if it ran out. `f` must not insert or
  // erase. For work spread over many calls (paced status requests), so that
  // each call starts where the last one stopped instead of at the front.
  template <typename F>
  [[nodiscard]] std::size_t visit_from(std::size_t from, F&& f) noexcept {
    for (std::size_t i = from; i < capacity_; ++i) {
      if (entries_[i].state == OrderState::kFree) continue;
      if (!f(entries_[i])) return i;
    }
    return capacity_;
  }

  // Visits every live entry (kill switch: cancel what is working). `f` must
  // not insert or erase.
  template <typename F>
  void for_each(F&& f) noexcept {
    // Entries are handed out lowest index first, so the live ones cluster at
    // the front: stop once all of them have been seen.
    std::size_t left = size();
    for (std::size_t i = 0; i < capacity_ && left > 0; ++i) {
      if (entries_[i].state == OrderState::kFree) continue;
      --left;
      f(entries_[i]);
    }
  }

 private:
  struct Slot {
    std::uint32_t entry = 0;  // Entry index + 1; 0 = empty slot.
    std::uint32_t hash = 0;   // Full hash: home slot without re-reading the entry.
  };

  static std::uint32_t hash(std::string_view s) noexcept {
    // FNV-1a: ClOrdIDs are short and often share long prefixes; FNV mixes
    // every byte, which is what matters here.
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return static_cast<std::uint32_t>(h ^ (h >> 32));
  }

  std::size_t capacity_;
  std::size_t mask_ = 0;
  std::size_t free_count_ = 0;
  HugeArray<Slot> index_;
  HugeArray<Entry> entries_;
  HugeArray<std::uint32_t> free_;  // Stack of free entry indices.
};

}  // namespace riskgate::route
