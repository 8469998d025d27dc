#include "gateway/session/memory_store.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

#include "common/prefetch.hpp"

namespace riskgate::session {

MemoryStore::MemoryStore(std::size_t capacity_bytes) : ring_(capacity_bytes) {
  if (capacity_bytes == 0) {
    throw std::invalid_argument("memory message store: capacity_bytes must be > 0");
  }
  // Tune: the divisor is the smallest message size for which no message the
  // ring holds can lose its slot; 64 is below any real FIX message.
  const std::size_t slots = std::bit_ceil(std::max<std::size_t>(64, capacity_bytes / 64));
  slots_ = HugeArray<Slot>(slots);
  mask_ = slots - 1;
}

bool MemoryStore::store(std::uint64_t seq, std::string_view raw, std::int64_t) noexcept {
  const std::size_t cap = ring_.size();
  if (seq == 0 || raw.empty()) return false;
  if (raw.size() > cap) return true;  // Sent but not kept: a resend gap-fills it.
  std::size_t phys = static_cast<std::size_t>(write_abs_ % cap);
  if (phys + raw.size() > cap) {
    write_abs_ += cap - phys;  // Skip the tail: messages never straddle the end.
    phys = 0;
  }
  std::memcpy(ring_.data() + phys, raw.data(), raw.size());
  slots_[seq & mask_] = Slot{seq, write_abs_, static_cast<std::uint32_t>(raw.size())};
  write_abs_ += raw.size();
  // The next message goes after this one, or at the front if this one
  // ended the ring.
  const std::size_t next = phys + raw.size() == cap ? 0 : phys + raw.size();
  prefetch_for_write(ring_.data() + next, std::min(kWriteAheadBytes, cap - next));
  return true;
}

void MemoryStore::discard(std::uint64_t seq) noexcept {
  Slot& s = slots_[seq & mask_];
  if (s.seq == seq) s = Slot{};
}

std::string_view MemoryStore::lookup(std::uint64_t seq) const noexcept {
  const Slot& s = slots_[seq & mask_];
  if (seq == 0 || s.seq != seq || s.len == 0) return {};
  const std::size_t cap = ring_.size();
  if (write_abs_ > s.abs + cap) return {};  // Overwritten by newer messages.
  return {ring_.data() + s.abs % cap, s.len};
}

void MemoryStore::reset() noexcept {
  next_sender_ = 1;
  next_target_ = 1;
  for (Slot& s : slots_) s = Slot{};
  write_abs_ = 0;
}

std::unique_ptr<MessageStore> make_memory_store(std::size_t capacity_bytes) {
  return std::make_unique<MemoryStore>(capacity_bytes);
}

}  // namespace riskgate::session
