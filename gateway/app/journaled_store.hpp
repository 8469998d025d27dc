// A session MessageStore whose every change is journaled (issue 11, item 3):
// the in-memory store answers ResendRequests; the journal makes the numbers
// and the sent messages survive a crash, and restore() puts them back.
//
// What is written, and when (the session calls these in the crash order
// MessageStore documents):
//   store(seq, raw)           kOutbound: the message, before it is sent
//   discard(seq)              kOutboundVoid: it was not sent after all
//   set_next_sender_seq(s)    kSenderSeq for an admin message (s = seq + 1
//                             with nothing stored at seq); nothing after a
//                             store(); kSequenceSet when the numbers go back
//   set_next_target_seq(n)    kInboundProcessed(n - 1) when n moves forward;
//                             kSequenceSet when it goes back (a reset)
//   reset()                   kSequenceSet(1, 1)
//
// The order step writes one record, not three (stage_order): the route's
// order event for a new order or replace is staged on the exchange's store,
// and the store() of the message that carries it writes both, with the
// engine message's number, as one kOrderSent. The engine's store then skips
// its kInboundProcessed for that number, which the record already holds.
//
// Failure: an append that does not fit (ring full, journal failed) is counted
// in append_failures() and sets the shared journal-failed flag: the gateway
// then refuses new orders (fail closed) because what it sends is no longer
// recoverable. The message itself still goes out: the session layer has no
// way to refuse a heartbeat, and cutting the exchange leg would strand the
// working orders a kill needs to cancel. The one exception is the order
// step's record (stage_order): a new order or replace the journal cannot
// hold is not sent (store() returns false). Since nothing is then lost, a
// full ring (transient: the journal thread was held up) refuses only that
// order and does not set the flag; a failed journal does.
//
// Thread: the session's I/O thread only (it owns the ring as producer).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

#include "common/huge_array.hpp"
#include "gateway/journal/journal.hpp"
#include "gateway/journal/reader.hpp"
#include "gateway/journal/record.hpp"
#include "gateway/session/memory_store.hpp"
#include "gateway/session/session.hpp"

namespace riskgate::app {

class JournaledStore final : public session::MessageStore {
 public:
  // `failed` is shared by every journaled writer of the gateway; set with a
  // release store, read by the order path with acquire. A sent message's
  // record is dated by the clock read that stamped the message's
  // SendingTime (passed to store(); ns, where 52 shows ms); other records by
  // the coarse wall clock (common/utc_clock.hpp), since a precise clock read
  // per record would cost more than the append itself. The coarse clock may
  // read up to a tick earlier, so stamps are not ordered across records:
  // a record's position in the journal orders it.
  // Where a sent message is kept for a ResendRequest:
  //  - kCopy: a copy in the in-memory store (16 MB per session in the
  //    gateway), as without the journal;
  //  - kRingOnly: only in the journal ring, which holds it anyway: no second
  //    copy on the order path. Answers what the ring still holds (the last
  //    JournalRingMiB of records of every session on the I/O thread) and
  //    gap-fills older numbers. For sessions that never replay application
  //    messages (ResendApplication = false, the exchange leg's default): they
  //    look a message up only to tell its engine it was not delivered,
  //    moments after a reconnect.
  enum class Copies : std::uint8_t { kCopy, kRingOnly };
  // The gateway's choice for a session (the route harness makes the same).
  [[nodiscard]] static constexpr Copies copies_for(bool resend_application) noexcept {
    return resend_application ? Copies::kCopy : Copies::kRingOnly;
  }
  JournaledStore(std::unique_ptr<session::MemoryStore> inner, journal::JournalRing& ring,
                 std::uint16_t session_id, std::atomic<bool>& failed,
                 Copies copies = Copies::kCopy);

  // Setup, before the session starts: the numbers and sent messages a
  // previous process left in the journal.
  void restore(const journal::RecoveredSession& r);

  [[nodiscard]] std::uint64_t next_sender_seq() const noexcept override {
    return inner_->next_sender_seq();
  }
  [[nodiscard]] std::uint64_t next_target_seq() const noexcept override {
    return inner_->next_target_seq();
  }
  void set_next_sender_seq(std::uint64_t s) noexcept override;
  void set_next_target_seq(std::uint64_t n) noexcept override;
  using MessageStore::store;
  bool store(std::uint64_t seq, std::string_view raw, std::int64_t sent_utc_ns) noexcept override;
  void discard(std::uint64_t seq) noexcept override;
  [[nodiscard]] std::string_view lookup(std::uint64_t seq) const noexcept override;
  void reset() noexcept override;

  // Order step, exchange session: `e` (a kNew or kReplace) goes out with
  // the message this store stores next, as MsgSeqNum `out_seq`; it answers
  // the engine message `in_seq` of `inbound`'s session (nullptr: none).
  // The event's views must stay valid until that store() or unstage_order
  // (the route's forward, which ends either way before it returns). A store
  // of another number writes the event on its own first.
  void stage_order(const journal::OrderEvent& e, std::uint64_t out_seq, JournaledStore* inbound,
                   std::uint64_t in_seq) noexcept;
  [[nodiscard]] bool has_staged_order() const noexcept { return staged_.pending; }
  // The staged order was not sent (the forward failed before its store):
  // forgotten, as if never journaled. false if none is staged for `cl_ord_id`.
  [[nodiscard]] bool unstage_order(std::string_view cl_ord_id) noexcept;
  // Writes a staged order as its own kOrderEvent record (something other
  // than its message comes first).
  void flush_staged_order() noexcept;

  [[nodiscard]] std::uint16_t id() const noexcept { return id_; }

  // Relaxed: a statistic for status.
  [[nodiscard]] std::uint64_t append_failures() const noexcept {
    return append_failures_.load(std::memory_order_relaxed);
  }

 private:
  // A failed append: counted, and (check) the journal marked failed.
  void count_failure() noexcept;
  void check(journal::AppendStatus st) noexcept;
  // kRingOnly: `seq`'s message is the `len` bytes at ring stream position
  // `pos`. false (kCopy): the caller keeps a copy.
  bool keep_in_ring(std::uint64_t seq, std::uint64_t pos, std::size_t len) noexcept;
  // kRingOnly: `seq` is not (or no longer) a message in the ring.
  void forget_ring_slot(std::uint64_t seq) noexcept;
  void record_sequences(std::uint64_t next_sender, std::uint64_t next_target) noexcept;

  // By its type, not as a MessageStore: the calls through it are direct.
  // kRingOnly: holds only what restore() put back.
  std::unique_ptr<session::MemoryStore> inner_;
  // kRingOnly: where each sent message is in the ring, direct-mapped by
  // seq (a slot is trusted only if its seq matches); empty for kCopy.
  struct RingSlot {
    std::uint64_t seq = 0;
    std::uint64_t pos = 0;
    std::uint32_t len = 0;
  };
  HugeArray<RingSlot> ring_slots_;
  std::uint64_t ring_mask_ = 0;
  journal::JournalRing& ring_;
  std::uint16_t id_;
  std::atomic<bool>& failed_;
  std::uint64_t stored_seq_ = 0;  // Last seq given to store() and not discarded.
  struct Staged {
    journal::OrderEvent event;
    std::uint64_t out_seq = 0;
    JournaledStore* inbound = nullptr;
    std::uint64_t in_seq = 0;
    bool pending = false;
  } staged_;
  // An inbound number another store's kOrderSent already holds: the next
  // set_next_target_seq past it writes nothing. One-shot: any change of the
  // target number clears it, so a reset can never make it skip a record.
  std::uint64_t inbound_journaled_ = 0;
  std::atomic<std::uint64_t> append_failures_{0};  // Single writer (I/O thread).
};

}  // namespace riskgate::app
