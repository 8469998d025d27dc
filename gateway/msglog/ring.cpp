#include "gateway/msglog/ring.hpp"

#include <algorithm>
#include <stdexcept>

#include "common/prefetch.hpp"

namespace riskgate::msglog {

MessageRing::MessageRing(std::string name, std::size_t capacity_bytes, std::size_t sessions)
    : pending_gap_(sessions, 0), mask_(capacity_bytes - 1), name_(std::move(name)) {
  if (capacity_bytes < 4096 || (capacity_bytes & (capacity_bytes - 1)) != 0)
    throw std::invalid_argument("message log ring: capacity must be a power of two >= 4096");
  if (sessions == 0 || sessions > 65536)
    throw std::invalid_argument("message log ring: 1..65536 sessions");
  data_ = std::make_unique<std::byte[]>(capacity_bytes);
  // Pre-fault every page now, so the order path never takes a fault.
  std::memset(data_.get(), 0, capacity_bytes);
}

std::size_t MessageRing::placed(std::uint64_t pos, std::size_t footprint_bytes) const noexcept {
  const std::size_t to_end = (mask_ + 1) - static_cast<std::size_t>(pos & mask_);
  return footprint_bytes <= to_end ? footprint_bytes : to_end + footprint_bytes;
}

bool MessageRing::has_room(std::uint64_t pos, std::size_t bytes) noexcept {
  const std::size_t capacity = mask_ + 1;
  if (bytes > capacity) return false;
  if (pos + bytes - cached_tail_ <= capacity) return true;
  // Acquire: pairs with drain's release store, so the consumer is done
  // reading the space before it is overwritten.
  cached_tail_ = tail_.load(std::memory_order_acquire);
  return pos + bytes - cached_tail_ <= capacity;
}

void MessageRing::put(std::uint64_t& pos, std::uint16_t session, RecordKind kind,
                      std::int64_t utc_ns, const void* payload, std::size_t len) noexcept {
  const std::size_t capacity = mask_ + 1;
  const std::size_t to_end = capacity - static_cast<std::size_t>(pos & mask_);
  if (footprint(len) > to_end) {
    const RecordHeader pad{static_cast<std::uint32_t>(to_end - sizeof(RecordHeader)), 0,
                           RecordKind::kPad, 0, 0};
    std::memcpy(data_.get() + (pos & mask_), &pad, sizeof(pad));
    pos += to_end;
  }
  const RecordHeader h{static_cast<std::uint32_t>(len), session, kind, 0, utc_ns};
  std::byte* at = data_.get() + (pos & mask_);
  std::memcpy(at, &h, sizeof(h));
  if (len != 0) std::memcpy(at + sizeof(h), payload, len);
  pos += footprint(len);
}

bool MessageRing::try_push(std::uint16_t session, RecordKind kind, std::int64_t utc_ns,
                           std::string_view bytes) noexcept {
  const std::uint64_t head = head_.load(std::memory_order_relaxed);  // Producer-owned.
  const std::size_t msg = footprint(bytes.size());
  // A pending gap is rare (a full ring before): the per-session table is
  // looked at only while some session has one.
  std::uint64_t* gap = gap_sessions_ != 0 ? &pending_gap_[session] : nullptr;
  // The gap record and the message go in together, or neither: a GAP line
  // is only written where logging resumes. Either may need padding first.
  std::size_t need = 0;
  if (gap != nullptr && *gap != 0) need = placed(head, footprint(sizeof(*gap)));
  need += placed(head + need, msg);
  if (msg > (mask_ + 1) / 2 || !has_room(head, need)) {
    if (gap == nullptr) gap = &pending_gap_[session];
    if ((*gap)++ == 0) ++gap_sessions_;
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  std::uint64_t pos = head;
  if (gap != nullptr && *gap != 0) {
    put(pos, session, RecordKind::kGap, utc_ns, gap, sizeof(*gap));
    *gap = 0;
    --gap_sessions_;
  }
  put(pos, session, kind, utc_ns, bytes.data(), bytes.size());
  // Release: the records' bytes are visible before the new head (pairs with
  // drain's acquire load).
  head_.store(pos, std::memory_order_release);
  // The next records' lines, a lap old, warmed now rather than missed inside
  // the next message's step (see prefetch_for_write).
  const std::size_t at = static_cast<std::size_t>(pos & mask_);
  prefetch_for_write(data_.get() + at, std::min(kWriteAheadBytes, (mask_ + 1) - at));
  return true;
}

}  // namespace riskgate::msglog
