#include "gateway/app/journaled_store.hpp"

#include <utility>

#include "common/utc_clock.hpp"

namespace riskgate::app {

JournaledStore::JournaledStore(std::unique_ptr<session::MemoryStore> inner,
                               journal::JournalRing& ring, std::uint16_t session_id,
                               std::atomic<bool>& failed)
    : inner_(std::move(inner)), ring_(ring), id_(session_id), failed_(failed) {}

void JournaledStore::restore(const journal::RecoveredSession& r) {
  // Numbers first: MemoryStore::store() does not look at them, but a resend
  // must find every message the peer may ask for, numbered as sent.
  for (const auto& [seq, raw] : r.outbound) (void)inner_->store(seq, raw);
  inner_->set_next_sender_seq(r.next_sender_seq());
  inner_->set_next_target_seq(r.next_target_seq());
  stored_seq_ = r.last_sent_seq;
}

void JournaledStore::check(journal::AppendStatus st) noexcept {
  if (st == journal::AppendStatus::kOk) return;
  append_failures_.store(append_failures_.load(std::memory_order_relaxed) + 1,
                         std::memory_order_relaxed);
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

bool JournaledStore::store(std::uint64_t seq, std::string_view raw) noexcept {
  if (staged_.pending && staged_.out_seq == seq) {
    staged_.pending = false;
    JournaledStore* in = staged_.inbound;
    const journal::AppendStatus st = journal::append_order_sent(
        ring_, id_, seq, utc_coarse_ns(), staged_.event,
        in != nullptr ? in->id_ : journal::kNoSession, staged_.in_seq, raw);
    if (st != journal::AppendStatus::kOk) {
      // An order the journal does not hold must not go: a restart could not
      // cancel or count it. The session sends nothing (kNotStored) and the
      // route refuses the order as journal_unavailable.
      check(st);
      return false;
    }
    if (in != nullptr) in->inbound_journaled_ = staged_.in_seq;
    stored_seq_ = seq;
    return inner_->store(seq, raw);
  }
  flush_staged_order();
  check(journal::append_outbound(ring_, id_, seq, utc_coarse_ns(), raw));
  stored_seq_ = seq;
  return inner_->store(seq, raw);
}

void JournaledStore::discard(std::uint64_t seq) noexcept {
  check(journal::append_outbound_void(ring_, id_, seq, utc_coarse_ns()));
  if (stored_seq_ == seq) stored_seq_ = seq - 1;
  inner_->discard(seq);
}

void JournaledStore::reset() noexcept {
  inbound_journaled_ = 0;
  inner_->reset();
  stored_seq_ = 0;
  record_sequences(1, 1);
}

}  // namespace riskgate::app
