// The end of the transactional order step (issue 11): commit() applies what
// a pending order or cancel recorded once the gateway tracked and forwarded
// it; rollback() gives back what it reserved. Also check_cancel(), and the
// check-and-commit shortcuts for callers with no forward step. I/O threads:
// no lock, no syscall, no allocation, no exception (see engine.hpp).
#include <algorithm>
#include <atomic>
#include <cstdint>

#include "risk/detail.hpp"
#include "risk/engine.hpp"
#include "risk/snapshot.hpp"

namespace riskgate::risk {

using namespace detail;  // The engine's private helpers (risk/detail.hpp, snapshot.hpp).

void Engine::commit(PendingOrder& p, SessionState& ss) noexcept {
  if (p.state_ != PendingOrder::State::kPending) return;
  const Reservation& t = p.ticket;
  // The probe holds while nothing was inserted since check() (one pending
  // order per session); otherwise look again.
  ClOrdIdSet::Probe probe{false, p.id_slot_};
  if (ss.ids_.size() != p.id_count_) probe = ss.ids_.probe(p.id_hash_);
  (void)ss.ids_.insert(probe, p.id_hash_);
  if (p.order_hash_ != 0) {
    SessionState::DupSlot& ds = ss.dups_[p.order_hash_ & (SessionState::kDupSlots - 1)];
    if (p.dup_count_ == 0) {
      ds = SessionState::DupSlot{p.order_hash_, p.now_ns_, 1};
    } else {
      ++ds.count;
    }
  }
  ss.message_tat_ = p.next_msg_tat_;
  ss.order_tat_ = p.next_order_tat_;
  flow::SessionFlow& sf = flows_[t.session];  // check() accepts only sessions it tracks.
  if (p.throttled_) sf.throttle_tat = p.next_throttle_tat_;
  const Snapshot& sn = *snap();
  if (p.flow_order_) {
    // Same state and instant as check()'s peek: the same verdict (none, or
    // a throttle this starts).
    flow::Verdict v;
    (void)count_order_flow(sn, t.session, p.now_ns_, v);
  }
  // This session's use of the account, for scoping account-level refusals.
  const Micros reserve = sat_mul(t.leaves_qty, t.reserved_px);
  flow::add_share(flow::share_of(sf, t.account, true), reserve, reserve);
  if (p.declare_parent_qty_ != 0 && parent_current(t)) {
    // Racing first children agree on whichever CAS lands (relaxed: the value
    // guards only itself).
    (void)Rmw(one_writer_)
        .update<std::memory_order_relaxed>(parents_[t.parent_slot].parent_qty,
                                           [&](std::int64_t cur, std::int64_t& next) {
                                             next = p.declare_parent_qty_;
                                             return cur == 0;
                                           });
  }
  {
    // Typical size: clamped EWMA of log2(size); see the header. Relaxed
    // load/store: one writer per row (the session's thread).
    SessionSymbolState& srow = session_symbols_[t.flow_slot];
    const std::int64_t n = srow.accepted.load(std::memory_order_relaxed);
    std::int64_t sample = log2_fixed(t.order_qty);
    std::int64_t cur;
    if (n == 0) {
      cur = p.typical_seed_ != kOff ? log2_fixed(p.typical_seed_) : sample;
    } else {
      cur = srow.typical_log.load(std::memory_order_relaxed);
    }
    constexpr std::int64_t kClamp = 2 << 16;  // x4 either way
    sample = std::clamp(sample, cur - kClamp, cur + kClamp);
    const std::int64_t next = cur + (sample - cur) / 16;
    srow.typical_log.store(next, std::memory_order_relaxed);
    srow.typical.store(exp2_fixed(next), std::memory_order_relaxed);
    srow.accepted.store(n + 1, std::memory_order_relaxed);
  }
  p.state_ = PendingOrder::State::kCommitted;
}

void Engine::rollback(PendingOrder& p, SessionState& ss) noexcept {
  if (p.state_ != PendingOrder::State::kPending) return;
  Reservation& t = p.ticket;
  // Exactly what check() reserved, in the counters it reserved it in (the
  // ticket records each: see Reservation). Relaxed: each counter guards only
  // itself; open_qty's release is release_exposure()'s (pairs with check()'s
  // acquire).
  const Rmw rmw(one_writer_);
  if (p.rate_interval_ != 0) {
    rmw.sub<std::memory_order_relaxed>(accounts_[t.account].rate_tat, p.rate_interval_);
  }
  release_sent(t, t.sent_qty);
  (void)release_exposure(t, t.leaves_qty);
  if (t.counts_open_order) {
    rmw.sub<std::memory_order_relaxed>(accounts_[t.account].open_orders, 1);
    t.counts_open_order = false;
  }
  t.active = false;
  // The auto-kill window counted the order; give it back if still the same.
  if (p.window_order_ && ss.refusal_window_start_ == p.refusal_window_start_ &&
      ss.window_orders_ > 0) {
    --ss.window_orders_;
  }
  p.state_ = PendingOrder::State::kNone;
}

Decision Engine::check_and_commit(const OrderView& o, SessionState& ss, Reservation& out,
                                  const Reservation* original) noexcept {
  PendingOrder p;
  const Decision d = check(o, ss, p, original);
  if (d.accepted()) commit(p, ss);
  out = p.ticket;
  return d;
}

Decision Engine::check_cancel(const OrderView& o, SessionState& ss, PendingCancel& out) noexcept {
  const Snapshot& sn = *snap();
  out = PendingCancel{};
  if (sn.rates.max_cancels_per_sec > 0) {
    if (!gcra(ss.cancel_tat_, o.now_ns, sn.session_cancels, out.next_cancel_tat_)) {
      Decision d;
      d.rule = RuleId::kCancelRate;
      d.limit = sn.rates.max_cancels_per_sec;
      return d;  // Not counted toward auto-kill: cancels reduce risk.
    }
    out.cancel_budget_ = true;
  }
  // The message budget, as note_message(): counted when within budget.
  out.msg_budget_ = sn.rates.max_messages_per_sec > 0 &&
                    gcra(ss.message_tat_, o.now_ns, sn.session_messages, out.next_msg_tat_);
  out.pending_ = true;
  return Decision{};
}

void Engine::commit(PendingCancel& p, SessionState& ss) noexcept {
  if (!p.pending_) return;
  if (p.cancel_budget_) ss.cancel_tat_ = p.next_cancel_tat_;
  if (p.msg_budget_) ss.message_tat_ = p.next_msg_tat_;
  p.pending_ = false;
}

void Engine::rollback(PendingCancel& p) noexcept {
  p.pending_ = false;
}

Decision Engine::check_cancel_and_commit(const OrderView& o, SessionState& ss) noexcept {
  PendingCancel p;
  const Decision d = check_cancel(o, ss, p);
  commit(p, ss);
  return d;
}

}  // namespace riskgate::risk
