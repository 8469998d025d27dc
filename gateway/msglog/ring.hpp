// The order path's side of the per-session FIX message log (issue 13 item 1):
// one single-producer/single-consumer byte ring per I/O thread, and the
// session::WireTap that copies each message into it.
//
// Order path cost of a message: a load of the session's pending-gap count, a
// memcpy of the message and a 16-byte header into preallocated memory, and a
// release store of head. No lock, no allocation, no syscall, no page fault
// (the ring is pre-faulted at setup). It never blocks: when the writer thread
// is a whole ring behind, the message is dropped from the log and counted.
//
// Gaps: a dropped message is counted twice: in dropped() (the ring's total,
// for /status) and in its session's pending-gap count. The next message of
// that session that fits is preceded, in the same publish, by a kGap record
// carrying that count, so the writer puts a "GAP n messages" line in the
// session's file exactly where the messages are missing.
//
// Why not reuse the journal ring's copy of outbound messages (one copy
// instead of two): the journal holds only the application messages a
// session stores for resend, copied before the transport accepts them (a
// refused send would read as sent) and only when Journal = true; inbound
// messages, admin messages and the send time would still need this ring,
// and the message log would then depend on the journal thread's pace and
// its file format. The second copy is a memcpy of ~250 bytes into memory
// the I/O thread alone writes; bench/micro/route_bench.cpp's
// *_MessageLogAppendsOnly variant times it inside the order step.
//
// Records are 16-byte aligned, so the space left at the end of the ring is
// always a multiple of 16 and a padding record's header always fits there: a
// record that would wrap is preceded by a kPad record filling the end, and
// starts at offset 0.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/cacheline.hpp"
#include "gateway/session/session.hpp"

namespace riskgate::msglog {

enum class RecordKind : std::uint8_t { kIn = 0, kOut = 1, kGap = 2, kPad = 3 };

struct RecordHeader {
  std::uint32_t length;  // Payload bytes (kGap: 8, the count; kPad: to the end of the ring).
  std::uint16_t session;
  RecordKind kind;
  std::uint8_t reserved;
  std::int64_t utc_ns;  // Receive or send time; kGap: the time of the message after the gap.
};
static_assert(sizeof(RecordHeader) == 16);

inline constexpr std::size_t kRecordAlign = 16;

// What the consumer sees for one record; `bytes` is valid only during the call.
struct RecordView {
  RecordKind kind;
  std::uint16_t session;
  std::int64_t utc_ns;
  std::string_view bytes;  // The message (kIn, kOut).
  std::uint64_t gap = 0;   // Messages missing before this point (kGap).
};

class MessageRing {
 public:
  // Setup (allocates, pre-faults; throws std::invalid_argument).
  // `capacity_bytes`: a power of two >= 4096. `sessions`: how many session
  // indexes (0..sessions-1) may write into it.
  MessageRing(std::string name, std::size_t capacity_bytes, std::size_t sessions);
  MessageRing(const MessageRing&) = delete;
  MessageRing& operator=(const MessageRing&) = delete;

  // --- Producer: exactly one thread (the I/O thread owning the ring). ---
  // false: the message is not in the log (ring full, or larger than half the
  // ring); it is counted as a gap of `session`.
  bool try_push(std::uint16_t session, RecordKind kind, std::int64_t utc_ns,
                std::string_view bytes) noexcept;

  // --- Consumer: exactly one thread (the writer). ---
  // Calls f(const RecordView&) for each committed record, oldest first, then
  // frees their space; returns how many messages and gaps it passed.
  template <typename F>
  std::size_t drain(F&& f);

  // --- Any thread (statistics for /status; relaxed snapshots). ---
  [[nodiscard]] std::uint64_t dropped() const noexcept {
    return dropped_.load(std::memory_order_relaxed);
  }
  // Tail first: it only grows towards head, so a head read after it is
  // never behind it (head - tail cannot wrap below zero). Both are relaxed
  // snapshots; the clamp covers a tail that overtook the head read between
  // the two loads on another core (a statistic, not a synchronisation).
  [[nodiscard]] std::size_t used_bytes() const noexcept {
    const std::uint64_t tail = tail_.load(std::memory_order_acquire);
    const std::uint64_t head = head_.load(std::memory_order_acquire);
    const std::uint64_t used = head >= tail ? head - tail : 0;
    return static_cast<std::size_t>(used > capacity() ? capacity() : used);
  }
  [[nodiscard]] std::size_t high_water_bytes() const noexcept {
    return high_water_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::size_t capacity() const noexcept { return mask_ + 1; }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] std::size_t sessions() const noexcept { return pending_gap_.size(); }

 private:
  [[nodiscard]] static std::size_t footprint(std::size_t payload) noexcept {
    return (sizeof(RecordHeader) + payload + kRecordAlign - 1) & ~(kRecordAlign - 1);
  }
  // Bytes a record of `footprint_bytes` takes at `pos`: a padding record to
  // the end of the ring first when it would not fit before the end.
  [[nodiscard]] std::size_t placed(std::uint64_t pos, std::size_t footprint_bytes) const noexcept;
  // `bytes` from `pos` are free (refreshes cached_tail_ only when they look taken).
  [[nodiscard]] bool has_room(std::uint64_t pos, std::size_t bytes) noexcept;
  void put(std::uint64_t& pos, std::uint16_t session, RecordKind kind, std::int64_t utc_ns,
           const void* payload, std::size_t len) noexcept;

  // Producer-owned line. head_ is stored (release) by the producer after the
  // records are written and loaded (acquire) by the consumer: pairs so the
  // consumer sees the bytes. cached_tail_ is the producer's last view of
  // tail_, refreshed only when the ring looks full.
  alignas(kCacheLine) std::atomic<std::uint64_t> head_{0};
  std::uint64_t cached_tail_ = 0;
  std::vector<std::uint64_t> pending_gap_;  // Per session; producer only.
  std::size_t gap_sessions_ = 0;            // Sessions whose pending_gap_ is not 0.
  // Consumer-owned line. tail_ is stored (release) by the consumer after it
  // has copied the records out, loaded (acquire) by the producer before it
  // reuses their space.
  alignas(kCacheLine) std::atomic<std::uint64_t> tail_{0};
  std::atomic<std::size_t> high_water_{0};  // Relaxed: the consumer's statistic.
  // Written by the producer only when a message is dropped (relaxed: a
  // statistic); on its own line so the consumer's reads never touch the
  // producer's hot line.
  alignas(kCacheLine) std::atomic<std::uint64_t> dropped_{0};
  // Read-only after construction.
  alignas(kCacheLine) std::unique_ptr<std::byte[]> data_;
  std::size_t mask_;
  std::string name_;
};

template <typename F>
std::size_t MessageRing::drain(F&& f) {
  const std::uint64_t tail = tail_.load(std::memory_order_relaxed);  // Consumer-owned.
  const std::uint64_t head = head_.load(std::memory_order_acquire);  // Pairs with try_push.
  if (head - tail > high_water_.load(std::memory_order_relaxed))
    high_water_.store(static_cast<std::size_t>(head - tail), std::memory_order_relaxed);
  std::size_t n = 0;
  for (std::uint64_t pos = tail; pos != head;) {
    RecordHeader h;
    const std::byte* at = data_.get() + (pos & mask_);
    std::memcpy(&h, at, sizeof(h));
    pos += footprint(h.length);
    if (h.kind == RecordKind::kPad) continue;
    RecordView v{h.kind, h.session, h.utc_ns, {}, 0};
    if (h.kind == RecordKind::kGap) {
      std::memcpy(&v.gap, at + sizeof(h), sizeof(v.gap));
    } else {
      v.bytes = std::string_view(reinterpret_cast<const char*>(at + sizeof(h)), h.length);
    }
    f(static_cast<const RecordView&>(v));
    ++n;
  }
  // Release: the records are copied out before the producer may reuse the
  // space (pairs with the producer's acquire load of tail_ in has_room).
  tail_.store(head, std::memory_order_release);
  return n;
}

// The session::WireTap of one session: its index in its I/O thread's ring.
class SessionTap final : public session::WireTap {
 public:
  SessionTap(MessageRing& ring, std::uint16_t session) noexcept : ring_(ring), session_(session) {}
  void on_wire(Direction dir, std::int64_t utc_ns, std::string_view raw) noexcept override {
    (void)ring_.try_push(session_, dir == Direction::kIn ? RecordKind::kIn : RecordKind::kOut,
                         utc_ns, raw);
  }

 private:
  MessageRing& ring_;
  std::uint16_t session_;
};

}  // namespace riskgate::msglog
