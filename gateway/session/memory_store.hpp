// The in-memory MessageStore (make_memory_store): sequence numbers plus a
// byte ring of the most recent application messages, indexed by MsgSeqNum.
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
//
// A class in a header, final, so a wrapper that holds one by type (the
// journaled store) calls it directly: the sequence accessors inline, where
// a MessageStore& costs an indirect call each, several per message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/huge_array.hpp"
#include "gateway/session/session.hpp"

namespace riskgate::session {

class MemoryStore final : public MessageStore {
 public:
  explicit MemoryStore(std::size_t capacity_bytes);  // Throws if 0.

  [[nodiscard]] std::uint64_t next_sender_seq() const noexcept override { return next_sender_; }
  [[nodiscard]] std::uint64_t next_target_seq() const noexcept override { return next_target_; }
  void set_next_sender_seq(std::uint64_t s) noexcept override { next_sender_ = s; }
  void set_next_target_seq(std::uint64_t s) noexcept override { next_target_ = s; }
  using MessageStore::store;
  bool store(std::uint64_t seq, std::string_view raw, std::int64_t sent_utc_ns) noexcept override;
  void discard(std::uint64_t seq) noexcept override;
  [[nodiscard]] std::string_view lookup(std::uint64_t seq) const noexcept override;
  void reset() noexcept override;

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

}  // namespace riskgate::session
