#include "gateway/app/journaled_store.hpp"

#include <algorithm>
#include <bit>
#include <utility>

#include "common/utc_clock.hpp"

namespace riskgate::app {

JournaledStore::JournaledStore(std::unique_ptr<session::MemoryStore> inner,
                               journal::JournalRing& ring, std::uint16_t session_id,
                               std::atomic<bool>& failed, Copies copies)
    : inner_(std::move(inner)), ring_(ring), id_(session_id), failed_(failed) {
  if (copies == Copies::kRingOnly) {
    // One slot per 64 ring bytes: more than the messages the ring can hold
    // (a record with a FIX message is longer), so a slot that still holds a
    // message in the ring is rarely reused. Admin numbers (40-byte records)
    // or a jump in the numbers can reuse one early: that costs a gap fill,
    // never wrong bytes, since a slot is trusted only if its seq matches.
    const std::size_t slots = std::bit_ceil(std::max<std::size_t>(64, ring.capacity() / 64));
    ring_slots_ = HugeArray<RingSlot>(slots);
    ring_mask_ = slots - 1;
  }
}

void JournaledStore::restore(const journal::RecoveredSession& r) {
  // Numbers first: MemoryStore::store() does not look at them, but a resend
  // must find every message the peer may ask for, numbered as sent.
  for (const auto& [seq, raw] : r.outbound) (void)inner_->store(seq, raw);
  inner_->set_next_sender_seq(r.next_sender_seq());
  inner_->set_next_target_seq(r.next_target_seq());
  stored_seq_ = r.last_sent_seq;
}

void JournaledStore::count_failure() noexcept {
  append_failures_.store(append_failures_.load(std::memory_order_relaxed) + 1,
                         std::memory_order_relaxed);
}

void JournaledStore::check(journal::AppendStatus st) noexcept {
  if (st == journal::AppendStatus::kOk) return;
  count_failure();
  failed_.store(true, std::memory_order_release);  // Pairs with the order path's acquire.
}

void JournaledStore::record_sequences(std::uint64_t next_sender,
                                      std::uint64_t next_target) noexcept {
  check(journal::append_sequence_set(ring_, id_, next_sender, next_target, utc_coarse_ns()));
}

void JournaledStore::set_next_sender_seq(std::uint64_t s) noexcept {
  const std::uint64_t cur = inner_->next_sender_seq();
  inner_->set_next_sender_seq(s);
  if (s == cur + 1) {
    // After store(cur) the kOutbound record already says so; otherwise an
    // admin message takes `cur`.
    if (stored_seq_ != cur) check(journal::append_sender_seq(ring_, id_, cur, utc_coarse_ns()));
    return;
  }
  if (s > cur) {
    check(journal::append_sender_seq(ring_, id_, s - 1, utc_coarse_ns()));
    return;
  }
  if (s != cur) record_sequences(s, inner_->next_target_seq());  // Numbers went back.
}

void JournaledStore::set_next_target_seq(std::uint64_t n) noexcept {
  const std::uint64_t cur = inner_->next_target_seq();
  inner_->set_next_target_seq(n);
  const bool journaled = inbound_journaled_ != 0 && inbound_journaled_ == n - 1;
  inbound_journaled_ = 0;
  if (n > cur) {
    if (!journaled) check(journal::append_inbound_processed(ring_, id_, n - 1, utc_coarse_ns()));
  } else if (n != cur) {
    record_sequences(inner_->next_sender_seq(), n);
  }
}

void JournaledStore::stage_order(const journal::OrderEvent& e, std::uint64_t out_seq,
                                 JournaledStore* inbound, std::uint64_t in_seq) noexcept {
  if (staged_.pending) flush_staged_order();
  staged_.event = e;
  staged_.out_seq = out_seq;
  staged_.inbound = in_seq != 0 ? inbound : nullptr;
  staged_.in_seq = in_seq;
  staged_.pending = true;
}

bool JournaledStore::unstage_order(std::string_view cl_ord_id) noexcept {
  if (!staged_.pending || staged_.event.cl_ord_id != cl_ord_id) return false;
  staged_.pending = false;
  return true;
}

void JournaledStore::flush_staged_order() noexcept {
  if (!staged_.pending) return;
  staged_.pending = false;
  check(journal::append_order_event(ring_, id_, staged_.out_seq, utc_coarse_ns(), staged_.event));
}

bool JournaledStore::store(std::uint64_t seq, std::string_view raw,
                           std::int64_t sent_utc_ns) noexcept {
  // Dated by the clock read that stamped the message's SendingTime: the
  // same instant, without a second clock read on the order path.
  const std::int64_t utc = sent_utc_ns != 0 ? sent_utc_ns : utc_coarse_ns();
  // Where each record starts (taken just before its append): its message is
  // its last raw.size() bytes before the padding (kOutbound and kOrderSent).
  if (staged_.pending && staged_.out_seq == seq) {
    const std::uint64_t record_pos = ring_.head_position();
    staged_.pending = false;
    JournaledStore* in = staged_.inbound;
    const journal::AppendStatus st = journal::append_order_sent(
        ring_, id_, seq, utc, staged_.event, in != nullptr ? in->id_ : journal::kNoSession,
        staged_.in_seq, raw);
    if (st != journal::AppendStatus::kOk) {
      // An order the journal does not hold must not go: a restart could not
      // cancel or count it. The session sends nothing (kNotStored) and the
      // route refuses the order as journal_unavailable. Nothing is lost, so
      // a full ring (the journal thread held up, e.g. by a slow disk) or a
      // record too large refuses this order only, and the next one that
      // fits goes; only a failed journal marks the gateway's flag.
      if (st == journal::AppendStatus::kJournalFailed) {
        check(st);
      } else {
        count_failure();
      }
      return false;
    }
    if (in != nullptr) in->inbound_journaled_ = staged_.in_seq;
    stored_seq_ = seq;
    const std::size_t payload = journal::order_sent_payload_size(staged_.event, raw.size());
    if (keep_in_ring(seq, record_pos + sizeof(journal::RecordHeader) + payload - raw.size(),
                     raw.size()))
      return true;
    return inner_->store(seq, raw, sent_utc_ns);
  }
  flush_staged_order();  // Its own record first: the message's starts after it.
  const std::uint64_t record_pos = ring_.head_position();
  const journal::AppendStatus st = journal::append_outbound(ring_, id_, seq, utc, raw);
  check(st);
  stored_seq_ = seq;
  if (st == journal::AppendStatus::kOk &&
      keep_in_ring(seq, record_pos + sizeof(journal::RecordHeader), raw.size()))
    return true;
  // A copy of its own (kCopy, or the journal could not take it): a slot
  // left by an earlier use of this number must not shadow it.
  forget_ring_slot(seq);
  return inner_->store(seq, raw, sent_utc_ns);
}

bool JournaledStore::keep_in_ring(std::uint64_t seq, std::uint64_t pos, std::size_t len) noexcept {
  if (ring_slots_.size() == 0) return false;
  ring_slots_[seq & ring_mask_] = RingSlot{seq, pos, static_cast<std::uint32_t>(len)};
  return true;
}

void JournaledStore::forget_ring_slot(std::uint64_t seq) noexcept {
  if (ring_slots_.size() != 0 && ring_slots_[seq & ring_mask_].seq == seq)
    ring_slots_[seq & ring_mask_] = RingSlot{};
}

std::string_view JournaledStore::lookup(std::uint64_t seq) const noexcept {
  if (ring_slots_.size() != 0) {
    const RingSlot& s = ring_slots_[seq & ring_mask_];
    if (s.seq == seq && s.len != 0) {
      // Overwritten by later records (or about to be): not in memory any
      // more; a resend gap-fills it. The margin covers what the caller
      // appends while it still holds the view (a gap fill, a reject).
      if (const std::byte* p = ring_.committed_bytes(s.pos, s.len, ring_.capacity() / 8))
        return {reinterpret_cast<const char*>(p), s.len};
      return {};
    }
  }
  return inner_->lookup(seq);  // Restored from the journal, or kept as a copy.
}

void JournaledStore::discard(std::uint64_t seq) noexcept {
  check(journal::append_outbound_void(ring_, id_, seq, utc_coarse_ns()));
  if (stored_seq_ == seq) stored_seq_ = seq - 1;
  forget_ring_slot(seq);
  inner_->discard(seq);
}

void JournaledStore::reset() noexcept {
  inbound_journaled_ = 0;
  for (RingSlot& s : ring_slots_) s = RingSlot{};
  inner_->reset();
  stored_seq_ = 0;
  record_sequences(1, 1);
}

}  // namespace riskgate::app
