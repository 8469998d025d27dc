// In-memory MessageStore: sequence numbers plus a byte ring of the most recent
// application messages, indexed by MsgSeqNum.
//
// Layout: messages are copied whole into `ring_` at increasing absolute byte
// positions (`write_abs_`, never wraps in practice: 2^64 bytes). A message
// that would straddle the end of the ring starts again at offset 0, so
// lookup() can always return one contiguous view. A direct-mapped slot table
// (seq & mask) remembers where each message starts; a slot is trusted only if
// its seq matches and its bytes have not been overwritten since, i.e.
// write_abs_ <= abs + capacity. The table has one slot per 64 ring bytes,
// which is more slots than messages that fit (a FIX message with a header is
// longer than 64 bytes), so slot reuse never evicts a message the ring still
// holds. Both arrays are preallocated on huge pages where the kernel allows
// (common/huge_array.hpp): the gateway's stores are 16 MB each.
#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

#include "common/huge_array.hpp"
#include "common/prefetch.hpp"
#include "gateway/session/session.hpp"

namespace riskgate::session {
namespace {

class MemoryStore final : public MessageStore {
 public:
  explicit MemoryStore(std::size_t capacity_bytes) : ring_(capacity_bytes) {
    if (capacity_bytes == 0) {
      throw std::invalid_argument("memory message store: capacity_bytes must be > 0");
    }
    // Tune: the divisor is the smallest message size for which no message the
    // ring holds can lose its slot; 64 is below any real FIX message.
    const std::size_t slots = std::bit_ceil(std::max<std::size_t>(64, capacity_bytes / 64));
    slots_ = HugeArray<Slot>(slots);
    mask_ = slots - 1;
  }

  std::uint64_t next_sender_seq() const noexcept override { return next_sender_; }
  std::uint64_t next_target_seq() const noexcept override { return next_target_; }
  void set_next_sender_seq(std::uint64_t s) noexcept override { next_sender_ = s; }
  void set_next_target_seq(std::uint64_t s) noexcept override { next_target_ = s; }

  bool store(std::uint64_t seq, std::string_view raw) noexcept override {
    const std::size_t cap = ring_.size();
    if (seq == 0 || raw.empty() || raw.size() > cap) return false;
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

  void discard(std::uint64_t seq) noexcept override {
    Slot& s = slots_[seq & mask_];
    if (s.seq == seq) s = Slot{};
  }

  std::string_view lookup(std::uint64_t seq) const noexcept override {
    const Slot& s = slots_[seq & mask_];
    if (seq == 0 || s.seq != seq || s.len == 0) return {};
    const std::size_t cap = ring_.size();
    if (write_abs_ > s.abs + cap) return {};  // Overwritten by newer messages.
    return {ring_.data() + s.abs % cap, s.len};
  }

  void reset() noexcept override {
    next_sender_ = 1;
    next_target_ = 1;
    for (Slot& s : slots_) s = Slot{};
    write_abs_ = 0;
  }

 private:
  struct Slot {
    std::uint64_t seq = 0;
    std::uint64_t abs = 0;  // Absolute byte position of the first byte.
    std::uint32_t len = 0;
  };

  HugeArray<char> ring_;
  HugeArray<Slot> slots_;
  std::uint64_t mask_ = 0;
  std::uint64_t write_abs_ = 0;
  std::uint64_t next_sender_ = 1;
  std::uint64_t next_target_ = 1;
};

}  // namespace

std::unique_ptr<MessageStore> make_memory_store(std::size_t capacity_bytes) {
  return std::make_unique<MemoryStore>(capacity_bytes);
}

}  // namespace riskgate::session
