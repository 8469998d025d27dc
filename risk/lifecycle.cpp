// The order lifecycle after check(): execution reports, replace acks, forward
// failures and the releases they trigger, plus the operator's reenable_flow()
// and reset_day(). Event handlers run on the I/O thread that owns the order's
// ticket; no lock, no syscall, no allocation, no exception (see the design
// notes in engine.hpp).
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string_view>

#include "risk/detail.hpp"
#include "risk/engine.hpp"
#include "risk/snapshot.hpp"

namespace riskgate::risk {

using namespace detail;  // The engine's private helpers (risk/detail.hpp, snapshot.hpp).

// ---------------------------------------------------------------------------
// Order lifecycle
// ---------------------------------------------------------------------------

Micros Engine::release_exposure(Reservation& t, std::int64_t qty) noexcept {
  if (qty <= 0) return 0;
  AccountState& acc = accounts_[t.account];
  const Micros n =
      sat_mul(t.leaves_qty, t.reserved_px) - sat_mul(t.leaves_qty - qty, t.reserved_px);
  // Relaxed: each counter guards only itself. open_qty is the exception:
  // release pairs with check()'s acquire (see the net-position comment).
  const Rmw rmw(one_writer_);
  rmw.sub<std::memory_order_release>(pairs_[t.pair_slot].sides[side_index(t.side)].open_qty, qty);
  rmw.sub<std::memory_order_relaxed>(acc.open_notional, n);
  rmw.sub<std::memory_order_relaxed>(acc.gross_day, n);
  t.leaves_qty -= qty;
  return n;
}

void Engine::release_leaves(Reservation& t, std::int64_t qty) noexcept {
  const Micros n = release_exposure(t, qty);
  if (n != 0) add_session_share(t, -n, -n);
}

void Engine::reserve_leaves(Reservation& t, std::int64_t qty) noexcept {
  if (qty <= 0) return;
  AccountState& acc = accounts_[t.account];
  const Micros n =
      sat_mul(t.leaves_qty + qty, t.reserved_px) - sat_mul(t.leaves_qty, t.reserved_px);
  // As release_exposure(), the other way: open_qty's release pairs with
  // check()'s acquire; the rest relaxed, each counter guarding only itself.
  const Rmw rmw(one_writer_);
  rmw.add<std::memory_order_release>(pairs_[t.pair_slot].sides[side_index(t.side)].open_qty, qty);
  rmw.add<std::memory_order_relaxed>(acc.open_notional, n);
  rmw.add<std::memory_order_relaxed>(acc.gross_day, n);
  add_session_share(t, n, n);
  t.leaves_qty += qty;
}

void Engine::add_session_share(const Reservation& t, Micros gross, Micros open) noexcept {
  if (t.session >= caps_.max_sessions) return;
  flow::add_share(flow::share_of(flows_[t.session], t.account, false), gross, open);
}

bool Engine::day_current(const Reservation& t) const noexcept {
  // Relaxed: see day_. A ticket from before reset_day() lost its parent row
  // and its day totals.
  return t.parent_day == (day_.load(std::memory_order_relaxed) & 127u);
}

bool Engine::parent_current(const Reservation& t) const noexcept {
  return t.parent_slot != kNoIdx && day_current(t);
}

bool Engine::same_child(const Reservation& original,
                        const Reservation& replacement) const noexcept {
  return original.parent_slot == replacement.parent_slot &&
         original.pair_slot == replacement.pair_slot &&
         side_index(original.side) == side_index(replacement.side) &&
         original.parent_day == replacement.parent_day && day_current(original);
}

void Engine::release_sent(Reservation& t, std::int64_t qty) noexcept {
  qty = std::min(qty, t.sent_qty);
  if (qty <= 0) return;
  // Relaxed: each counter guards only itself.
  const Rmw rmw(one_writer_);
  if (t.parent_slot != kNoIdx) {
    if (parent_current(t)) rmw.sub<std::memory_order_relaxed>(parents_[t.parent_slot].sent, qty);
  } else {
    SideState& ss = pairs_[t.pair_slot].sides[side_index(t.side)];
    if (t.cum_window_id != 0) release_window(rmw, ss.cum_window, t.cum_window_id, qty);
    if (t.cum_day_counted && day_current(t)) rmw.sub<std::memory_order_relaxed>(ss.cum_day, qty);
  }
  t.sent_qty -= qty;
}

void Engine::close(Reservation& t) noexcept {
  release_leaves(t, t.leaves_qty);
  if (t.counts_open_order) {
    // Relaxed: the counter guards only itself.
    Rmw(one_writer_).sub<std::memory_order_relaxed>(accounts_[t.account].open_orders, 1);
    t.counts_open_order = false;
  }
  t.active = false;
}

void Engine::on_sent_failed(Reservation& t) noexcept {
  if (!t.active) return;
  release_sent(t, t.sent_qty);
  close(t);
}

bool Engine::count_fill(Reservation& t, std::int64_t now_ns) noexcept {
  const Snapshot& sn = *snap();
  const std::int64_t n = sn.throttles.repeated_exec_max_fills;
  if (n <= 0 || t.flow_slot == kNoIdx) return false;
  const int side = side_index(t.side);
  SessionSymbolState& row = session_symbols_[t.flow_slot];
  const auto id = static_cast<std::uint32_t>(now_ns / sn.exec_window_ns) + 1;
  // A CAS, not a load and a store, whatever WriterThreads says: the
  // operator's reenable_flow() resets the word from the control thread, and
  // that reset must not be overwritten by a count taken before it. The
  // tripped bit is set by the same CAS that counts the fill that trips it.
  // Release on success pairs with check()'s acquire load of the word; the
  // failure order is relaxed (the loop only retries).
  std::uint64_t cur = row.fill_window[side].load(std::memory_order_relaxed);
  std::uint64_t next = 0;
  do {
    const bool same_window = (cur >> 32) == id;
    const std::uint64_t fills = same_window ? std::min((cur & kFillsMask) + 1, kFillsMask) : 1;
    const std::uint64_t was_disabled = cur & kFlowDisabled;  // Outlives its window.
    const std::uint64_t trips =
        static_cast<std::int64_t>(fills) >= n ? kFlowDisabled : std::uint64_t{0};
    next = std::uint64_t{id} << 32 | was_disabled | trips | fills;
  } while (!row.fill_window[side].compare_exchange_weak(cur, next, std::memory_order_release,
                                                        std::memory_order_relaxed));
  return (cur & kFlowDisabled) == 0 && (next & kFlowDisabled) != 0;
}

ExecOutcome Engine::on_execution(Reservation& t, const ExecEvent& ev) noexcept {
  ExecOutcome out;
  if (!t.active) return out;
  switch (ev.kind) {
    case ExecKind::kNewAck:
    case ExecKind::kReplaced:
      return out;
    case ExecKind::kPartialFill:
    case ExecKind::kFill: {
      const std::int64_t q = ev.last_qty > 0 ? ev.last_qty : 0;
      PairState& pair = pairs_[t.pair_slot];
      AccountState& acc = accounts_[t.account];
      const Rmw rmw(one_writer_);
      // Position first, then open quantity (release): see check(). The rest
      // relaxed: each counter guards only itself.
      rmw.add<std::memory_order_relaxed>(pair.position, t.side == Side::kBuy ? q : -q);
      const std::int64_t rel = q < t.leaves_qty ? q : t.leaves_qty;
      const Micros reserved =
          sat_mul(t.leaves_qty, t.reserved_px) - sat_mul(t.leaves_qty - rel, t.reserved_px);
      rmw.sub<std::memory_order_release>(pair.sides[side_index(t.side)].open_qty, rel);
      rmw.sub<std::memory_order_relaxed>(acc.open_notional, reserved);
      // Gross: the working estimate becomes the traded value.
      const Micros traded = sat_mul(q, ev.last_px < 0 ? -ev.last_px : ev.last_px);
      // Saturating: an absurd LastPx from the venue saturates `traded`, and a
      // plain add would wrap the day's gross negative, which no limit refuses.
      (void)rmw.update<std::memory_order_relaxed>(
          acc.gross_day, [d = traded - reserved](std::int64_t cur, std::int64_t& next) noexcept {
            next = sat_add(cur, d);
            return true;
          });
      add_session_share(t, traded - reserved, -reserved);
      t.leaves_qty -= rel;
      if (parent_current(t)) rmw.add<std::memory_order_relaxed>(parents_[t.parent_slot].filled, q);
      const Snapshot& sn = *snap();
      if (sn.collar_follows_last_fill && ev.last_px > 0) {
        last_fill_px_[t.symbol].store(ev.last_px, std::memory_order_relaxed);
      }
      // The flow envelope of the session whose order filled, and nobody
      // else's (scoping: a fill from session A never charges session B).
      if (ev.restoring) {
        if (ev.kind == ExecKind::kFill) close(t);
        return out;
      }
      if (t.session < caps_.max_sessions && t.flow_slot != kNoIdx && q > 0) {
        const flow::Verdict v =
            flow::on_fill(sn.flow, flows_[t.session], session_symbols_[t.flow_slot].net,
                          t.side == Side::kBuy ? q : -q, static_cast<double>(traded), ev.now_ns);
        // Reported once, when the kill engages or the throttle starts: a
        // throttle only extended by later fills is not news (and would flood
        // the audit at the fill rate).
        if (v.rule != RuleId::kNone && v.action != FlowAction::kRefuse &&
            act_on_flow(v, t.session, ev.now_ns)) {
          out.session_killed = v.action == FlowAction::kKill;
          out.throttled = v.action == FlowAction::kThrottle;
          out.rule = v.rule;
          out.actual = v.actual;
          out.limit = v.limit;
          out.values_are_micros = v.micros;
        }
      }
      if (count_fill(t, ev.now_ns)) {
        out.flow_disabled = true;
        if (sn.auto_kill.on_repeated_execution_throttle &&
            kills_.engage(KillScope::kClientSession, t.session,
                          KillReason::kAutoRepeatedExecution)) {
          out.session_killed = true;
        }
        if (out.rule == RuleId::kNone) {
          out.rule = RuleId::kRepeatedExecutionThrottle;
          out.actual = sn.throttles.repeated_exec_max_fills;
          out.limit = sn.throttles.repeated_exec_max_fills;
          out.values_are_micros = false;
        }
      }
      if (ev.kind == ExecKind::kFill) close(t);
      return out;
    }
    case ExecKind::kTradeBust: {
      // The position and the parent's filled quantity give the busted
      // quantity back. The day's gross notional and cumulative quantity keep
      // it: a report after the fact never loosens a day limit (so a busted
      // quantity the venue reopens counts in gross twice, fail closed). The
      // flow envelope's net keeps it too: it measures the flow as it came.
      // Open quantity first, then the position: when the venue reopens the
      // busted quantity, the buy side's worst case (position + open) only
      // grows on the way; when it does not, both steps lower it. (A reader on
      // another thread could still pair the new position with the old open
      // quantity; with one writer, today's gateway, check() runs on this
      // thread and sees both.)
      const std::int64_t q = ev.last_qty > 0 ? ev.last_qty : 0;
      if (ev.leaves_qty > t.leaves_qty) {
        reserve_leaves(t, ev.leaves_qty - t.leaves_qty);
      } else if (ev.leaves_qty < t.leaves_qty) {
        release_leaves(t, t.leaves_qty - ev.leaves_qty);
      }
      const Rmw rmw(one_writer_);
      rmw.add<std::memory_order_relaxed>(pairs_[t.pair_slot].position,
                                         t.side == Side::kBuy ? -q : q);
      if (parent_current(t)) rmw.sub<std::memory_order_relaxed>(parents_[t.parent_slot].filled, q);
      // Busts are often of trades at an erroneous price: a collar that
      // follows the last fill must not stay anchored to the busted print.
      // Back to the reference price until the next fill.
      if (snap()->collar_follows_last_fill && ev.last_px > 0 &&
          last_fill_px_[t.symbol].load(std::memory_order_relaxed) == ev.last_px)
        last_fill_px_[t.symbol].store(0, std::memory_order_relaxed);
      return out;
    }
    case ExecKind::kRejected:
      // Never lived at the exchange: it was not really sent either.
      release_sent(t, t.sent_qty);
      close(t);
      return out;
    case ExecKind::kCanceled:
    case ExecKind::kExpired:
      // Children count open + executed quantity: what was cancelled never
      // traded, so it goes back to the parent (and the cumulative quantity).
      release_sent(t, t.leaves_qty);
      close(t);
      return out;
  }
  return out;
}

void Engine::on_ended_correction(const Reservation& t, std::int64_t qty_delta,
                                 Micros last_px) noexcept {
  if (qty_delta == 0 || t.pair_slot == kNoIdx || t.account == kNoIdx) return;
  const Rmw rmw(one_writer_);
  // Relaxed: each counter guards only itself (no open quantity moves here).
  rmw.add<std::memory_order_relaxed>(pairs_[t.pair_slot].position,
                                     t.side == Side::kBuy ? qty_delta : -qty_delta);
  if (parent_current(t))
    rmw.add<std::memory_order_relaxed>(parents_[t.parent_slot].filled, qty_delta);
  const Snapshot& sn = *snap();
  if (qty_delta < 0) {
    // As a live order's bust: the anchor must not stay on a busted print.
    if (sn.collar_follows_last_fill && last_px > 0 &&
        last_fill_px_[t.symbol].load(std::memory_order_relaxed) == last_px)
      last_fill_px_[t.symbol].store(0, std::memory_order_relaxed);
    return;
  }
  // Counted in today's gross whatever day the ticket says: the caller keeps
  // ended orders for the current day only, and a ticket restored from the
  // journal carries no day (so the same correction counts the same before
  // and after a restart). An upward correction is a trade reported today.
  const Micros px = last_px != 0 ? last_px : t.reserved_px;
  const Micros traded = sat_mul(qty_delta, px < 0 ? -px : px);
  (void)rmw.update<std::memory_order_relaxed>(
      accounts_[t.account].gross_day, [traded](std::int64_t cur, std::int64_t& next) noexcept {
        next = sat_add(cur, traded);
        return true;
      });
  add_session_share(t, traded, 0);
}

void Engine::on_replaced(Reservation& original, Reservation& replacement,
                         std::int64_t venue_open) noexcept {
  if (!original.active) return;
  // The replacement carries the child from now on: its sent quantity becomes
  // the original's plus what the replace added (check() reserved only the
  // increase), less whatever a smaller replace gives back.
  if (replacement.active) {
    // Fills the original took while the replace was pending traded out of
    // the replacement's quantity too (FIX: the new OrderQty includes every
    // fill): its working part shrinks by them. Whether or not it is the same
    // child for the parent and day counters (a replace across the day roll
    // is not), so its open quantity and notional are never overstated.
    const std::int64_t executed_now = original.order_qty - original.leaves_qty;
    const std::int64_t executed_then = replacement.order_qty - replacement.leaves_qty;
    if (executed_now > executed_then) {
      release_leaves(replacement, std::min(executed_now - executed_then, replacement.leaves_qty));
    }
    // The venue's word on what it has open: a reservation short of it (a
    // bust on the original while the replace was pending, a venue that
    // counts otherwise) reserves the rest, never beyond the replacement's
    // quantity. Never lowered on that word alone: fills and cancels do that.
    if (venue_open > replacement.leaves_qty) {
      reserve_leaves(replacement,
                     std::min(venue_open, replacement.order_qty) - replacement.leaves_qty);
    }
  }
  if (replacement.active && same_child(original, replacement)) {
    replacement.sent_qty += original.sent_qty;
    // The original's quantity was counted in its own window; a window that
    // differs is not released from later (it rolls over by itself).
    if (replacement.cum_window_id != original.cum_window_id) replacement.cum_window_id = 0;
    replacement.cum_day_counted = replacement.cum_day_counted || original.cum_day_counted;
    original.sent_qty = 0;
    release_sent(replacement, replacement.sent_qty - replacement.order_qty);
  } else {
    release_sent(original, original.leaves_qty);
  }
  release_leaves(original, original.leaves_qty);
  if (original.counts_open_order) {
    if (replacement.active && !replacement.counts_open_order) {
      replacement.counts_open_order = true;  // The unit moves; the counter stays.
    } else {
      // Relaxed: the counter guards only itself.
      Rmw(one_writer_).sub<std::memory_order_relaxed>(accounts_[original.account].open_orders, 1);
    }
    original.counts_open_order = false;
  }
  original.active = false;
}

bool Engine::reenable_flow(std::string_view account, std::string_view symbol, Side side) noexcept {
  const Snapshot& sn = *snap();
  const std::uint32_t a = sn.find_account(account);
  const std::uint32_t s = sn.find_symbol(symbol);
  if (a == kNoIdx || s == kNoIdx) return false;
  // The throttle is per (session, symbol, side): clear it for every session
  // that trades the symbol (the account names the request; rows are per
  // session, not per account).
  for (std::uint64_t p = 0; p <= session_symbol_mask_; ++p) {
    SessionSymbolState& row = session_symbols_[p];
    const std::uint64_t key = row.key.load(std::memory_order_acquire);
    if (key == 0 || ((key - 1) & 0xFFFF'FFFFu) != s) continue;
    // One store clears the count and the tripped bit together (see
    // SessionSymbolState). Release pairs with check()'s acquire load.
    row.fill_window[side_index(side)].store(0, std::memory_order_release);
  }
  return true;
}

void Engine::reset_session_day(SessionState& session) noexcept {
  session.ids_.clear();
}

void Engine::reset_day() noexcept {
  // On the I/O thread (see engine.hpp). Were another thread to reserve
  // meanwhile (several writers), nothing would be lost: gross is reduced by
  // what was traded, not overwritten. Relaxed: each counter guards only itself.
  const Rmw rmw(one_writer_);
  pair_list_->for_each([&](std::uint32_t p) {
    for (SideState& s : pairs_[p].sides) {
      const std::int64_t d = s.cum_day.load(std::memory_order_relaxed);
      rmw.sub<std::memory_order_relaxed>(s.cum_day, d);
    }
  });
  for (std::uint32_t a = 0; a < caps_.max_accounts; ++a) {
    const std::int64_t g = accounts_[a].gross_day.load(std::memory_order_relaxed);
    const std::int64_t open = accounts_[a].open_notional.load(std::memory_order_relaxed);
    rmw.sub<std::memory_order_relaxed>(accounts_[a].gross_day, g - open);
  }
  // Each session keeps, like its accounts, only the notional still working.
  for (std::uint32_t i = 0; i < caps_.max_sessions; ++i) {
    for (auto& sh : flows_[i].shares) {
      sh.gross.store(sh.open.load(std::memory_order_relaxed), std::memory_order_relaxed);
    }
  }
  // Parents are per day: a new day starts with an empty table, so it can
  // never fill up for good. Tickets of yesterday's children see the day
  // change (parent_current) and leave the rows alone.
  rmw.add<std::memory_order_relaxed>(day_, 1u);
  for (std::uint64_t p = 0; p <= parent_mask_; ++p) {
    ParentState& ps = parents_[p];
    ps.parent_qty.store(0, std::memory_order_relaxed);
    ps.sent.store(0, std::memory_order_relaxed);
    ps.filled.store(0, std::memory_order_relaxed);
    // Release: a thread that acquires the empty key sees the zeroed row.
    ps.key.store(0, std::memory_order_release);
  }
  parents_used_.store(0, std::memory_order_relaxed);
}

}  // namespace riskgate::risk
