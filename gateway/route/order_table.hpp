// Orders riskgate has forwarded to one exchange session and not yet seen end.
//
// Owned by the route group's I/O thread: no atomics, no locks. Open addressing
// with linear probing over a power-of-two array sized at start; deletion
// shifts later entries back (no tombstones, so probe lengths never degrade).
// Full table => insert fails and the caller refuses the order (fail closed):
// an order we could not track is an order we could not cancel on a kill.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

namespace riskgate::route {

inline constexpr std::size_t kMaxIdLen = 63;  // Exchange ClOrdID bytes we track.
inline constexpr std::size_t kMaxSymbolLen = 23;
inline constexpr std::size_t kMaxAccountLen = 23;

template <std::size_t N>
struct FixedString {
  std::uint8_t len = 0;
  char data[N] = {};
  bool assign(std::string_view s) noexcept {
    if (s.size() > N) return false;
    len = static_cast<std::uint8_t>(s.size());
    std::memcpy(data, s.data(), s.size());
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

// Plain payload the router keeps per order; `Ticket` is the risk core's
// per-order state (what to release or commit on execution reports).
template <typename Ticket>
struct OrderEntry {
  FixedString<kMaxIdLen> exch_id;       // Key: ClOrdID as the exchange knows it.
  FixedString<kMaxIdLen> orig_exch_id;  // Cancel/replace entries: the order they act on.
  FixedString<kMaxSymbolLen> symbol;
  FixedString<kMaxAccountLen> account;
  std::uint32_t client_session = 0;
  OrderState state = OrderState::kFree;
  char side = '1';
  bool gateway_initiated = false;  // A cancel riskgate sent itself (kill switch).
  std::int64_t order_qty = 0;
  std::int64_t leaves_qty = 0;
  Ticket ticket{};
};

template <typename Ticket>
class OrderTable {
 public:
  using Entry = OrderEntry<Ticket>;

  // `capacity` orders at most; the array is twice that so probes stay short.
  explicit OrderTable(std::size_t capacity) : capacity_(capacity) {
    std::size_t slots = 16;
    while (slots < capacity * 2) slots <<= 1;
    mask_ = slots - 1;
    slots_.reset(new Entry[slots]);
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

  [[nodiscard]] Entry* find(std::string_view id) noexcept {
    for (std::size_t i = hash(id) & mask_;; i = (i + 1) & mask_) {
      Entry& e = slots_[i];
      if (e.state == OrderState::kFree) return nullptr;
      if (e.exch_id.view() == id) return &e;
    }
  }

  // Returns the new entry (state still kFree: the caller sets it), or nullptr
  // when the table is full, the id too long, or the id already present.
  [[nodiscard]] Entry* insert(std::string_view id) noexcept {
    if (size_ >= capacity_ || id.size() > kMaxIdLen || id.empty()) return nullptr;
    for (std::size_t i = hash(id) & mask_;; i = (i + 1) & mask_) {
      Entry& e = slots_[i];
      if (e.state == OrderState::kFree) {
        e = Entry{};
        (void)e.exch_id.assign(id);
        e.state = OrderState::kPendingNew;
        ++size_;
        return &e;
      }
      if (e.exch_id.view() == id) return nullptr;
    }
  }

  // Removes `e` (a pointer from find/insert). Pointers to other entries may
  // move: do not hold any across an erase.
  void erase(Entry* e) noexcept {
    std::size_t i = static_cast<std::size_t>(e - slots_.get());
    slots_[i].state = OrderState::kFree;
    --size_;
    // Backward-shift: move later entries of the probe run into the hole when
    // their home slot does not lie cyclically in (hole, current].
    for (std::size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      Entry& cur = slots_[j];
      if (cur.state == OrderState::kFree) return;
      std::size_t home = hash(cur.exch_id.view()) & mask_;
      bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) {
        slots_[i] = cur;
        cur.state = OrderState::kFree;
        i = j;
      }
    }
  }

  // Visits every live entry (kill switch: cancel what is working). `f` must
  // not insert or erase.
  template <typename F>
  void for_each(F&& f) noexcept {
    for (std::size_t i = 0; i <= mask_; ++i)
      if (slots_[i].state != OrderState::kFree) f(slots_[i]);
  }

 private:
  static std::size_t hash(std::string_view s) noexcept {
    // FNV-1a: ClOrdIDs are short and often share long prefixes; FNV mixes
    // every byte, which is what matters here.
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return static_cast<std::size_t>(h ^ (h >> 29));
  }

  std::size_t capacity_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
  std::unique_ptr<Entry[]> slots_;
};

}  // namespace riskgate::route
