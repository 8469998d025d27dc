// The exchange leg of a route group: execution reports, cancel rejects and
// the exchange's rejects of our messages, each acted on for the order it
// names in the order table and forwarded to that order's engine only.
//
// Trust no peer: every identifier is bounded before anything copies it
// (ids_fit), the quantities of a report are read through the FIX state model
// (exec_state.hpp) and checked against the order, and a report that names an
// order of one session with an id of another is neither acted on nor
// forwarded. All on the group's I/O thread; nothing allocates.
#include <algorithm>
#include <charconv>
#include <cstring>

#include "gateway/codec/tags.hpp"
#include "gateway/route/bump.hpp"
#include "gateway/route/exec_state.hpp"
#include "gateway/route/route_group.hpp"
#include "gateway/route/text_buf.hpp"

namespace riskgate::route {

namespace tag = codec::tag;
namespace mt = codec::msgtype;
using audit::AuditEvent;

// ---------------------------------------------------------------------------
// Session callbacks of the exchange leg.
// ---------------------------------------------------------------------------
// Whether a report's ids name another session's order: an id with a
// session's prefix that is not the owner's (or, for an order we do not
// know, 11 and 41 naming two different sessions). Acting on it could move
// the wrong order; forwarding it could tell the wrong engine.
bool RouteGroup::is_foreign(bool known, const ClientLeg* owner, const ClientLeg* by_id,
                            const ClientLeg* by_orig) noexcept {
  return known ? (by_id != nullptr && by_id != owner) || (by_orig != nullptr && by_orig != owner)
               : by_id != nullptr && by_orig != nullptr && by_id != by_orig;
}

void RouteGroup::note_foreign(const Table::Entry* e, std::string_view what, std::string_view id,
                              std::string_view orig) noexcept {
  bump(counters.foreign_reports);
  TextBuf t(text_, sizeof text_);
  t.put(what);
  t.put(" names another session's order, not acted on or forwarded: 11=");
  t.put(id);
  t.put(" 41=");
  t.put(orig);
  note_report_anomaly(nullptr, e, id, t.view(), 0, 0);
}

void RouteGroup::on_logon() noexcept {
  // A Logon may have reset the sequence numbers: old numbers name nothing.
  std::fill(seq_ring_.begin(), seq_ring_.end(), 0u);
  engine_.set_exchange_available(opts_.exchange_idx, true);
  note_session_event(nullptr, "logged on", {});
  if (opts_.cancel_on_kill) finish_kills();
  // No OrderStatusRequest yet: the session finds a gap (and asks for the
  // resend) only after this returns. on_tick() or on_resend_answered() asks.
}

// A kill engaged while the exchange leg was down sent no cancel then (or a
// cancel was lost with the connection): every order still working in a
// killed scope gets its cancel now, the first moment the venue can take it.
std::size_t RouteGroup::finish_kills() noexcept {
  std::size_t sent = 0;
  orders_.for_each([&](Table::Entry& e) {
    if (!is_order_state(e.state) || e.gateway_initiated || !in_killed_scope(e)) return;
    if (send_kill_cancel(e)) ++sent;
  });
  if (sent != 0) {
    counters.kill_cancels.store(counters.kill_cancels.load(std::memory_order_relaxed) + sent,
                                std::memory_order_relaxed);
    TextBuf t(text_, sizeof text_);
    t.put("exchange back: ");
    t.put_uint(sent);
    t.put(" kill cancels sent for orders still working in killed scopes");
    (void)audit(AuditEvent::kCancelSent, nullptr, nullptr, nullptr, t.view());
  }
  return sent;
}

void RouteGroup::mass_cancel_refused(std::string_view how, std::string_view code,
                                     std::string_view text) noexcept {
  mass_cancel_seq_ = 0;
  char why[192];  // Not text_: the sweep's audit lines are composed there.
  TextBuf w(why, sizeof why);
  w.put("mass cancel refused by the exchange (");
  w.put(how);
  w.put(code);
  w.put(": ");
  w.put(text);
  w.put(")");
  (void)audit(AuditEvent::kCancelSent, nullptr, nullptr, nullptr, w.view());
  if (opts_.cancel_on_kill) (void)finish_kills();
}

bool RouteGroup::in_killed_scope(const Table::Entry& e) const noexcept {
  risk::KillKey key;
  key.exchange_session = opts_.exchange_idx;
  key.client_session = e.client_session;
  key.account = e.ticket.account;
  key.symbol = e.ticket.symbol;
  return engine_.kills().is_killed(key) != risk::KillScope::kNone;
}

void RouteGroup::on_logout(std::string_view reason) noexcept {
  engine_.set_exchange_available(opts_.exchange_idx, false);
  // Its answer, if any, is lost with the session (the next numbering may
  // reuse its number); the kill's cancels are finished at the next logon.
  mass_cancel_seq_ = 0;
  if (reconciling_.load(std::memory_order_relaxed)) forget_status_asks();
  note_session_event(nullptr, "logged out; new orders refused until it logs on again", reason);
}

void RouteGroup::on_session_event(std::string_view what) noexcept {
  note_protocol_event(nullptr, what, event_limiter_);
}

void RouteGroup::on_message_rejected(const codec::Message& msg, int reason, std::uint32_t ref_tag,
                                     std::string_view text) noexcept {
  bump(counters.reports_rejected);
  audit_rejected_message(nullptr, msg, reason, ref_tag, text);
}

void RouteGroup::on_app_message(const codec::Message& msg) noexcept {
  bump(counters.reports_in);
  const std::string_view type = msg.msg_type();
  if (type == mt::kExecutionReport) {
    on_execution_report(msg);
  } else if (type == mt::kOrderCancelReject) {
    on_cancel_reject(msg);
  } else if (type == mt::kBusinessMessageReject) {
    on_business_reject(msg);
  } else if (type == mt::kOrderMassCancelReport) {
    if (mass_cancel_seq_ != 0 && msg.get(tag::kMassCancelResponse) == "0") {
      mass_cancel_refused("OrderMassCancelReport 531=", "0", msg.get(tag::kText));
    } else {
      mass_cancel_seq_ = 0;  // Answered.
      (void)audit(AuditEvent::kMassCancelSent, nullptr, nullptr, nullptr,
                  "OrderMassCancelReport received");
    }
  } else {
    bump(counters.unroutable);
  }
}

// ---------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------
ClientLeg* RouteGroup::leg_of(risk::SessionIdx idx) noexcept {
  for (auto& c : clients_)
    if (c->index() == idx) return c.get();
  return nullptr;
}

std::string_view RouteGroup::client_view(const ClientLeg* owner, std::string_view exch) noexcept {
  if (owner == nullptr) return exch;
  const std::string& p = owner->options().cl_ord_id_prefix;
  return exch.size() > p.size() && exch.starts_with(p) ? exch.substr(p.size()) : exch;
}

void RouteGroup::remember_seq(Table::Entry& e, bool kill_cancel) noexcept {
  if (exchange_ == nullptr) return;
  // forward_app / send_app stamp the message with exactly this number.
  const std::uint64_t seq = exchange_->store().next_sender_seq();
  (kill_cancel ? e.kill_seq : e.out_seq) = seq;
  seq_ring_[seq & (kSeqRingSize - 1)] = orders_.index_of(&e) + 1;
}

Table::Entry* RouteGroup::entry_for_seq(std::uint64_t seq) noexcept {
  if (seq == 0) return nullptr;
  const std::uint32_t slot = seq_ring_[seq & (kSeqRingSize - 1)];
  if (slot == 0) return nullptr;
  Table::Entry* e = orders_.at(slot - 1);
  // The slot may name an entry freed or reused since: it must still carry
  // the number.
  if (e == nullptr || e->state == OrderState::kFree) return nullptr;
  return e->out_seq == seq || e->kill_seq == seq ? e : nullptr;
}

bool RouteGroup::ids_fit(const codec::Message& msg) noexcept {
  struct Bound {
    std::uint32_t tag;
    std::size_t max;
  };
  static constexpr Bound kBounds[] = {{tag::kClOrdID, kMaxIdLen},
                                      {tag::kOrigClOrdID, kMaxIdLen},
                                      {tag::kBusinessRejectRefID, kMaxIdLen},
                                      {tag::kOrderID, kMaxVenueIdLen},
                                      {tag::kExecID, kMaxVenueIdLen}};
  for (const Bound& b : kBounds) {
    const std::size_t n = msg.get(b.tag).size();
    if (n <= b.max) continue;
    // A protocol error, as a dictionary failure is: the venue hears it, the
    // report is not acted on (never truncated: a cut id could name another
    // order), and the audit says the order's state may now be stale.
    bump(counters.reports_rejected);
    exchange_->send_reject(msg.seq_num(), msg.msg_type(), codec::reject_reason::kValueIncorrect,
                           b.tag, "identifier too long");
    TextBuf t(text_, sizeof text_);
    t.put("not acted on, order state may be stale: tag ");
    t.put_uint(b.tag);
    t.put(" is ");
    t.put_uint(n);
    t.put(" bytes, over ");
    t.put_uint(b.max);
    t.put(" (35=");
    t.put(msg.msg_type());
    t.put(", 34=");
    t.put_uint(msg.seq_num());
    t.put(")");
    (void)audit(AuditEvent::kReportAnomaly, nullptr, nullptr, nullptr, t.view());
    return false;
  }
  return true;
}

void RouteGroup::trip_on_anomaly(AnomalyKill kind, const ClientLeg* owner) noexcept {
  if ((opts_.kill_on_anomaly & kind) == 0) return;
  const bool session_scope = kind == kKillOnOverfill && owner != nullptr;
  const Scope s = session_scope ? Scope{risk::KillScope::kClientSession, owner->index(), {}}
                                : Scope{risk::KillScope::kExchangeSession, opts_.exchange_idx, {}};
  if (!engine_.kills().engage(s.kind, s.idx, risk::KillReason::kReportAnomaly)) return;
  const std::string_view what = kind == kKillOnOverfill  ? "overfill"
                                : kind == kKillOnForeign ? "foreign report"
                                                         : "unknown-order report";
  TextBuf t(text_, sizeof text_);
  t.put(session_scope ? "session" : "exchange session");
  t.put(" kill switch engaged (report_anomaly): ");
  t.put(what);
  t.put(" (KillOnReportAnomaly)");
  (void)audit(AuditEvent::kKillTripped, owner, nullptr, nullptr, t.view());
  if (opts_.cancel_on_kill) cancel_working(s, "report_anomaly");
}

void RouteGroup::note_report_anomaly(const ClientLeg* owner, const Table::Entry* e,
                                     std::string_view client_id, std::string_view text,
                                     std::int64_t value, std::int64_t limit, EventLimiter* limiter,
                                     AuditEvent event) noexcept {
  if (limiter != nullptr) {
    // A venue that floods unknown ids must not crowd refusals and kills out
    // of the audit ring; the counters keep the exact number.
    const std::int64_t now = clock_.steady_ns();
    if (limiter->last_ns != 0 && now - limiter->last_ns < 1'000'000'000) {
      ++limiter->suppressed;
      return;
    }
    limiter->last_ns = now;
    limiter->suppressed = 0;
  }
  risk::OrderView v;
  v.cl_ord_id = client_id;
  if (e != nullptr) {
    v.account = e->account.view();
    v.symbol = e->symbol.view();
    v.side = to_side(e->side);
    v.quantity = e->order_qty;
  }
  risk::Decision d;
  d.actual = value;
  d.limit = limit;
  (void)audit(event, owner, &v, &d, text);
}

// ---------------------------------------------------------------------------
// ExecutionReport (35=8).
// ---------------------------------------------------------------------------
void RouteGroup::on_execution_report(const codec::Message& msg) noexcept {
  if (!ids_fit(msg)) return;
  const MassReport mass =
      mass_status_id_len_ != 0 ? on_mass_status_report(msg) : MassReport::kNotOurs;
  if (mass == MassReport::kNoOrders) return;  // Names no order: nothing to apply or forward.
  const std::string_view id = msg.get(tag::kClOrdID);
  const std::string_view orig_field = msg.get(tag::kOrigClOrdID);
  const ExecFields f = read_exec_fields(msg);

  // The order the report belongs to: the entry of its ClOrdID, else the
  // order its OrigClOrdID names (a kill cancel riskgate sent itself carries
  // our RGK id in 11; a cancel the full table could not track carries the
  // engine's own).
  Table::Entry* e = orders_.find(id);
  bool via_orig = false;
  if (e == nullptr && !orig_field.empty()) {
    e = orders_.find(orig_field);
    via_orig = e != nullptr;
  }
  // A trade cancel / correct names the ClOrdID the trade was done under,
  // which a replace may have retired since, and a venue may report a fill
  // under the order's first ClOrdID after the replace took effect: the
  // replacement carries that order now.
  // A walk of the working orders, so only for an id one of our sessions
  // issued (a retired ClOrdID has its prefix): a venue's flood of reports
  // for ids nobody here issued costs no walk each.
  if (e == nullptr && !id.empty() &&
      (is_trade_adjustment(f) || f.exec_type == 'F' || f.exec_type == '1' || f.exec_type == '2') &&
      owner_by_prefix(id) != nullptr)
    e = replacement_of(id);
  // Found through 41 alone, only our own kill cancel or a request id with
  // a session's prefix speaks for the order; an id nobody issued does not.
  ClientLeg* const by_id = owner_by_prefix(id);
  ClientLeg* const by_orig = orig_field.empty() ? nullptr : owner_by_prefix(orig_field);
  if (via_orig && !e->gateway_initiated && by_id == nullptr) e = nullptr;
  ClientLeg* const owner = e != nullptr ? leg_of(e->client_session) : by_id;

  // An id with a session's prefix that is not the order's owner: the report
  // names one session's order with another's id. Acting on it could move the
  // wrong order, forwarding it could tell the wrong engine.
  if (is_foreign(e != nullptr, owner, by_id, by_orig)) {
    note_foreign(e, "report", id, orig_field);
    trip_on_anomaly(kKillOnForeign, nullptr);
    return;
  }
  if (e != nullptr) status_answered(*e);

  // Client-facing ids: our prefix stripped; a kill cancel reports on the
  // client's own order id. Copied into scratch: the entry may be erased (and
  // reused) below. Lengths are bounded by ids_fit; std::copy_n, not memcpy:
  // an empty view may have a null data().
  std::string_view client_id, client_orig;
  if (e != nullptr && via_orig && e->gateway_initiated) {
    client_id = client_orig = client_view(owner, e->exch_id.view());
  } else {
    client_id = client_view(owner, id);
    client_orig = client_view(owner, orig_field);
  }
  std::copy_n(client_id.data(), client_id.size(), id_buf_);
  client_id = {id_buf_, client_id.size()};
  std::copy_n(client_orig.data(), client_orig.size(), id_buf2_);
  client_orig = {id_buf2_, client_orig.size()};

  // An ended order's correction beyond its quantity: trips after the report
  // is forwarded, as a working order's overfill (below).
  EndedOverfill ended_overfill;
  if (e == nullptr && mass != MassReport::kOurs && is_ended_order_correction(f)) {
    // A bust of an order that has ended (most are: a trade is busted after
    // the fact): expected, so never a kill, and audited as what it is (at
    // most one line a second, as unknown reports: a venue's mass bust must
    // not crowd kills out of the audit ring). Applied to the position when
    // riskgate still remembers the order (correct_ended).
    if (!correct_ended(owner, id, orig_field, client_id, f, ended_overfill)) {
      bump(counters.unknown_orders);
      note_trade_correction(owner, nullptr, client_id, f);
    }
  } else if (e == nullptr) {
    bump(counters.unknown_orders);
    TextBuf t(text_, sizeof text_);
    // The venue's answer to our OrderMassStatusRequest naming an order the
    // table does not hold: one riskgate never knew of, or one that ended
    // after the request. Each is audited (not rate-limited: a live one is
    // exposure no kill covers), and only a live one is an anomaly.
    bool live = true;
    if (mass == MassReport::kOurs) {
      std::int64_t leaves = 0;
      live = codec::parse_fixed6(msg.get(tag::kLeavesQty), leaves) && leaves > 0;
      if (live) ++mass_status_unknown_;
      t.put(live ? "OrderMassStatus report of a working order riskgate does not know (no kill "
                   "covers it): 11="
                 : "OrderMassStatus report of an ended order riskgate does not know: 11=");
    } else {
      t.put(owner != nullptr ? "report for an unknown order, forwarded by ClOrdID prefix: 11="
                             : "report for an unknown order, unroutable: 11=");
    }
    t.put(id);
    if (mass == MassReport::kOurs) {
      t.put(" 37=");
      t.put(msg.get(tag::kOrderID));
    }
    note_report_anomaly(owner, nullptr, client_id, t.view(), 0, 0,
                        mass == MassReport::kOurs ? nullptr : &unknown_limiter_);
    // A resent report (after a restart or reconnect) may name an order that
    // ended before the crash: expected, so never a reason to kill.
    if (!msg.poss_dup() && live) trip_on_anomaly(kKillOnUnknown, nullptr);
  }

  // A kill tripped by this report logs its session out (LogoutOnKill) once
  // the report itself has been forwarded.
  bool logout_after_report = false;
  bool overfill = false;
  if (e != nullptr) {
    // A cancel request's reports speak of its order: that order's
    // TimeInForce says whether "done for day" ends it.
    const Table::Entry* order = !via_orig && e->state == OrderState::kPendingCancel
                                    ? orders_.find(e->orig_exch_id.view())
                                    : e;
    const bool rests = order != nullptr && outlives_day(order->time_in_force);
    const ExecVerdict first = decide_exec(f, e->order_qty, e->cum_qty, rests);
    // The entry that carries the order's exposure: a cancel request's order,
    // or the original while a replace is pending (fills and cancels of it).
    Table::Entry* target = e;
    if (!via_orig &&
        (e->state == OrderState::kPendingCancel ||
         (e->state == OrderState::kPendingReplace && first.action != ExecAction::kReplaced &&
          first.action != ExecAction::kRejected && first.action != ExecAction::kNewAck))) {
      target = orders_.find(e->orig_exch_id.view());
    }
    risk::ExecEvent ev;
    ev.now_ns = clock_.steady_ns();
    ev.last_px = f.last_px;
    ev.leaves_qty = f.leaves_qty;
    ev.cum_qty = f.cum_qty;
    // A trade cancel / correct speaks of the executions of the order the
    // target carries: read against what that order counted, not against a
    // cancel or replace request's entry (whose CumQty is not the order's).
    ExecAction action = first.action;
    const bool target_live = target != nullptr && is_order_state(target->state);
    if (first.adjustment && target != e) {
      action = target_live ? decide_exec(f, target->order_qty, target->cum_qty,
                                         outlives_day(target->time_in_force))
                                 .action
                           : ExecAction::kNone;
    }
    if (first.adjustment) {
      // Before the switch: the line says what the order had counted. A
      // request whose order has ended: the ended order, if remembered.
      if (target_live || !correct_ended(owner, id, orig_field, client_id, f, ended_overfill))
        note_trade_correction(owner, target_live ? target : nullptr, client_id, f);
    }
    switch (action) {
      case ExecAction::kNewAck:
        if (!via_orig && e->state == OrderState::kPendingNew) {
          e->state = OrderState::kWorking;
          ev.kind = risk::ExecKind::kNewAck;
          (void)engine_.on_execution(e->ticket, ev);
        }
        break;
      case ExecAction::kTrade: {
        // A cancel, expiry or done for day whose CumQty counts an execution
        // (decide_exec): besides the trade, it answers what the kCanceled
        // case answers, the cancel request it names and a replace in flight.
        const bool ending_report = f.exec_type == '4' || f.exec_type == 'C' || f.exec_type == '3';
        const bool cancel_entry =
            ending_report && !via_orig && e->state == OrderState::kPendingCancel;
        if (target == nullptr || !is_order_state(target->state)) {
          if (cancel_entry) {
            if (Table::Entry* again = orders_.find(id)) finish(again);
          }
          break;
        }
        const ExecVerdict v = target == e ? first
                                          : decide_exec(f, target->order_qty, target->cum_qty,
                                                        outlives_day(target->time_in_force));
        if (v.overfill) {
          bump(counters.overfills);
          // Forwarded all the same (the engine must know what traded), and
          // counted once: only the CumQty increase reaches risk.
          TextBuf t(text_, sizeof text_);
          const bool by_cum = v.cum_qty > target->order_qty;
          t.put(by_cum ? "overfill: CumQty " : "overfill: LastQty ");
          t.put_int(by_cum ? v.cum_qty : f.last_qty);
          t.put(by_cum ? " > OrderQty " : " > open ");
          const std::int64_t open = std::max<std::int64_t>(0, target->order_qty - target->cum_qty);
          t.put_int(by_cum ? target->order_qty : open);
          note_report_anomaly(owner, target, client_id, t.view(), by_cum ? v.cum_qty : f.last_qty,
                              by_cum ? target->order_qty : open);
          overfill = true;
        } else if ((v.inconsistent || v.duplicate) && !v.adjustment) {
          // (A correction has its own line: note_trade_correction.)
          TextBuf t(text_, sizeof text_);
          t.put(v.duplicate ? "trade adds nothing to CumQty, not counted again: "
                            : "report quantities disagree: ");
          t.put("LastQty ");
          t.put_int(f.last_qty);
          t.put(" CumQty ");
          t.put_int(f.cum_qty);
          t.put(" LeavesQty ");
          t.put_int(f.leaves_qty);
          t.put(" OrderQty ");
          t.put_int(target->order_qty);
          t.put(" counted before ");
          t.put_int(target->cum_qty);
          note_report_anomaly(owner, target, client_id, t.view(), v.cum_qty, target->order_qty);
        }
        risk::ExecOutcome out;
        if (v.counted_qty > 0) {
          ev.kind =
              v.done && !v.rest_canceled ? risk::ExecKind::kFill : risk::ExecKind::kPartialFill;
          ev.last_qty = v.counted_qty;
          ev.leaves_qty = v.leaves_qty;
          ev.cum_qty = v.cum_qty;
          // A status or restatement report counting a missed execution often
          // carries no LastPx: value it at the price it was reserved at.
          if (ev.last_px == 0) ev.last_px = target->ticket.reserved_px;
          out = engine_.on_execution(target->ticket, ev);
          bump(counters.fills);
          counters.filled_qty.store(counters.filled_qty.load(std::memory_order_relaxed) +
                                        static_cast<std::uint64_t>(v.counted_qty),
                                    std::memory_order_relaxed);
        }
        if (v.done && (v.counted_qty == 0 || v.rest_canceled)) {
          // Done with nothing (more) traded: what is left never will be.
          risk::ExecEvent rest = ev;
          rest.kind = ending_report && f.exec_type != '4' ? risk::ExecKind::kExpired
                                                          : risk::ExecKind::kCanceled;
          rest.last_qty = 0;
          (void)engine_.on_execution(target->ticket, rest);
        }
        target->cum_qty = v.cum_qty;
        target->leaves_qty = v.leaves_qty;
        if (target->state == OrderState::kPendingNew) target->state = OrderState::kWorking;
        // Best effort, as finish(): the fill has happened at the exchange
        // whatever the journal says, and its report must reach the engine.
        if (journal_ != nullptr && v.counted_qty > 0)
          (void)journal_entry(journal::OrderEventKind::kFill, *target, {}, v.counted_qty,
                              ev.last_px);
        const risk::SessionIdx owner_idx = target->client_session;
        if (out.flow_disabled || out.session_killed || out.throttled) {
          audit_exec_outcome(out, owner, *target, ev, client_id);
        }
        if (v.done && ending_report) end_pending_replaces(*target);  // As in kCanceled below.
        if (v.done) finish(target);
        if (v.done && cancel_entry) {
          if (Table::Entry* again = orders_.find(id)) finish(again);
        }
        if (out.session_killed) {
          const Scope s{risk::KillScope::kClientSession, owner_idx, {}};
          if (opts_.cancel_on_kill) {
            cancel_working(
                s, kill_why(engine_.kills().reason(risk::KillScope::kClientSession, owner_idx),
                            out.rule));
          }
          logout_after_report = owner != nullptr && owner->options().logout_on_kill;
        }
        break;
      }
      case ExecAction::kCanceled: {  // Canceled, expired, done for day.
        ev.kind = f.exec_type == '4' ? risk::ExecKind::kCanceled : risk::ExecKind::kExpired;
        const bool cancel_entry = !via_orig && e->state == OrderState::kPendingCancel;
        if (target != nullptr && is_order_state(target->state)) {
          // A replace in flight on an order the venue ended never takes
          // effect: what the replacement reserved goes with the order, as a
          // replace reject would release it (the venue may send none).
          end_pending_replaces(*target);
          (void)engine_.on_execution(target->ticket, ev);
          finish(target);
        }
        if (cancel_entry) {
          if (Table::Entry* again = orders_.find(id)) finish(again);
        }
        break;
      }
      case ExecAction::kReplaced: {  // The replacement carries the order from now on.
        if (via_orig || e->state != OrderState::kPendingReplace) break;
        std::int64_t cum = f.has_cum ? f.cum_qty : 0;
        Table::Entry* o = orders_.find(e->orig_exch_id.view());
        if (o != nullptr && is_order_state(o->state) && f.has_cum && f.cum_qty > o->cum_qty) {
          // The venue's CumQty holds an execution of the original that no
          // report of its own brought (missed, or refused by validation):
          // counted on the original before the replacement takes over, as a
          // status report's would be, or it would never reach the position.
          risk::ExecEvent x = ev;
          x.kind = risk::ExecKind::kPartialFill;
          x.last_qty = f.cum_qty - o->cum_qty;
          x.cum_qty = f.cum_qty;
          x.leaves_qty = std::max<std::int64_t>(0, o->order_qty - f.cum_qty);
          if (x.last_px == 0) x.last_px = o->ticket.reserved_px;
          (void)engine_.on_execution(o->ticket, x);
          bump(counters.fills);
          counters.filled_qty.store(counters.filled_qty.load(std::memory_order_relaxed) +
                                        static_cast<std::uint64_t>(x.last_qty),
                                    std::memory_order_relaxed);
          o->cum_qty = f.cum_qty;
          o->leaves_qty = x.leaves_qty;
          if (journal_ != nullptr)
            (void)journal_entry(journal::OrderEventKind::kFill, *o, {}, x.last_qty, x.last_px);
        }
        if (o != nullptr) cum = std::max(cum, o->cum_qty);
        // Erasing another entry never moves this one.
        e->state = OrderState::kWorking;
        e->cum_qty = cum;
        e->leaves_qty = f.has_leaves && f.leaves_qty > 0
                            ? f.leaves_qty
                            : std::max<std::int64_t>(0, e->order_qty - cum);
        ++working_count_;
        // Journaled before the original's kDone, so a replay promotes the
        // replacement while the original still stands (as here).
        if (journal_ != nullptr)
          (void)journal_entry(journal::OrderEventKind::kReplaced, *e, e->orig_exch_id.view());
        if (o != nullptr) {
          engine_.on_replaced(o->ticket, e->ticket, e->leaves_qty);
          o->replaced = true;  // Its executions are the replacement's now.
          finish(o);
        }
        // Replaced down to what had executed (or the venue says it is over):
        // nothing of it can trade, and no later report would end it.
        if (e->leaves_qty == 0 || f.ord_status == '2' || f.ord_status == '4' ||
            f.ord_status == 'C') {
          risk::ExecEvent rest = ev;
          rest.kind = risk::ExecKind::kCanceled;
          rest.last_qty = 0;
          (void)engine_.on_execution(e->ticket, rest);
          finish(e);
          break;
        }
        // A kill's sweep skips a replace in flight (it is not the order yet)
        // and cancels the original, which the venue will now refuse as
        // replaced: the replacement is what trades, so it is cancelled here.
        // Likewise a replacement whose engine went away with CancelOnDisconnect.
        ClientLeg* const by = leg_of(e->client_session);
        const bool owner_gone = by != nullptr && by->options().cancel_on_disconnect &&
                                by->session().state() != session::State::kActive;
        if (((opts_.cancel_on_kill && in_killed_scope(*e)) || owner_gone) && send_kill_cancel(*e)) {
          counters.kill_cancels.store(counters.kill_cancels.load(std::memory_order_relaxed) + 1,
                                      std::memory_order_relaxed);
          (void)audit(AuditEvent::kCancelSent, leg_of(e->client_session), nullptr, nullptr,
                      owner_gone
                          ? "cancel on disconnect sent for a replacement that took effect"
                          : "kill cancel sent for a replacement that took effect under the kill");
        }
        break;
      }
      case ExecAction::kRejected:
        if (!via_orig &&
            (e->state == OrderState::kPendingNew || e->state == OrderState::kPendingReplace)) {
          ev.kind = risk::ExecKind::kRejected;
          (void)engine_.on_execution(e->ticket, ev);
          finish(e);
        }
        break;
      case ExecAction::kTradeBust: {
        if (target == nullptr || !is_order_state(target->state)) break;
        const ExecVerdict v = target == e ? first
                                          : decide_exec(f, target->order_qty, target->cum_qty,
                                                        outlives_day(target->time_in_force));
        if (v.action != ExecAction::kTradeBust) break;
        const bool cancel_entry = !via_orig && e->state == OrderState::kPendingCancel;
        apply_trade_bust(*target, v, ev);
        // The venue ended the order with the bust: the cancel request that
        // named it is answered too, as by a cancel.
        if (v.done && cancel_entry) {
          if (Table::Entry* again = orders_.find(id)) finish(again);
        }
        break;
      }
      case ExecAction::kNone:  // Pending states, restatements, status.
        break;
    }
  }

  if (owner == nullptr) {
    bump(counters.unroutable);
    if (ended_overfill.found) trip_on_anomaly(kKillOnOverfill, ended_overfill.owner);
    return;
  }
  forward_to_client(*owner, msg, client_id, client_orig);
  if (overfill) trip_on_anomaly(kKillOnOverfill, owner);
  if (ended_overfill.found) trip_on_anomaly(kKillOnOverfill, ended_overfill.owner);
  if (logout_after_report && owner->session().state() == session::State::kActive) {
    owner->session().logout("kill switch engaged");
  }
}

// ---------------------------------------------------------------------------
// OrderCancelReject (35=9).
// ---------------------------------------------------------------------------
// A cancel refused because the order is already over (OrdStatus canceled,
// expired, done for day or rejected: "too late to cancel"): nothing of it
// can trade any more, so it leaves the table and its exposure goes. Filled
// (2) is left to the fill's own report, which carries the quantity.
void RouteGroup::end_if_over(const codec::Message& msg, Table::Entry* order) noexcept {
  if (order == nullptr || !is_order_state(order->state)) return;
  const std::string_view st = msg.get(tag::kOrdStatus);
  if (st.size() != 1 || (st[0] != '4' && st[0] != 'C' && st[0] != '3' && st[0] != '8')) return;
  if (st[0] == '3' && outlives_day(order->time_in_force)) return;  // It rests till tomorrow.
  // Many venues put 39=8 on any refused cancel: only "too late to cancel"
  // (102=0) or "unknown order" (102=1) say the order itself is gone.
  const std::string_view why = msg.get(tag::kCxlRejReason);
  if (st[0] == '8' && why != "0" && why != "1") return;
  risk::ExecEvent ev;
  ev.kind = risk::ExecKind::kCanceled;
  ev.now_ns = clock_.steady_ns();
  (void)engine_.on_execution(order->ticket, ev);
  finish(order);
}

void RouteGroup::on_cancel_reject(const codec::Message& msg) noexcept {
  if (!ids_fit(msg)) return;
  const std::string_view id = msg.get(tag::kClOrdID);
  const std::string_view orig = msg.get(tag::kOrigClOrdID);
  Table::Entry* e = orders_.find(id);
  if (e == nullptr) {
    if (Table::Entry* o = orders_.find(orig); o != nullptr && o->gateway_initiated) {
      // The exchange refused a kill cancel (e.g. the order just filled): the
      // order stays tracked, and a later kill may try again, unless the
      // venue says it is already over.
      o->gateway_initiated = false;
      (void)audit(AuditEvent::kCancelSent, nullptr, nullptr, nullptr,
                  "kill cancel rejected by exchange");
      end_if_over(msg, o);
      return;
    }
  }
  ClientLeg* const by_id = owner_by_prefix(id);
  ClientLeg* const by_orig = orig.empty() ? nullptr : owner_by_prefix(orig);
  ClientLeg* owner = e != nullptr ? leg_of(e->client_session) : by_id;
  if (is_foreign(e != nullptr, owner, by_id, by_orig)) {
    note_foreign(e, "cancel reject", id, orig);
    trip_on_anomaly(kKillOnForeign, nullptr);
    return;
  }
  if (e != nullptr && e->state == OrderState::kPendingCancel)
    end_if_over(msg, orders_.find(e->orig_exch_id.view()));
  bool gateway_initiated = false;
  if (e != nullptr) {
    gateway_initiated = e->gateway_initiated;
    if (e->state == OrderState::kPendingReplace) {
      // The replacement never became the order: release what it reserved.
      engine_.on_sent_failed(e->ticket);
    }
    if (e->state == OrderState::kPendingCancel || e->state == OrderState::kPendingReplace)
      finish(e);
  } else {
    bump(counters.unknown_orders);
    TextBuf t(text_, sizeof text_);
    t.put(owner != nullptr ? "cancel reject for an unknown request, forwarded by prefix: 11="
                           : "cancel reject for an unknown request, unroutable: 11=");
    t.put(id);
    note_report_anomaly(owner, nullptr, client_view(owner, id), t.view(), 0, 0, &unknown_limiter_);
  }
  if (gateway_initiated) {
    (void)audit(AuditEvent::kCancelSent, owner, nullptr, nullptr,
                "kill cancel rejected by exchange");
    return;
  }
  if (owner == nullptr) {
    bump(counters.unroutable);
    return;
  }
  forward_to_client(*owner, msg, client_view(owner, id), client_view(owner, orig));
}

// ---------------------------------------------------------------------------
// The exchange's rejects of our messages: session Reject (35=3), received by
// the session and handed over here, and BusinessMessageReject (35=j).
// ---------------------------------------------------------------------------
void RouteGroup::on_reject_received(std::uint64_t ref_seq, std::string_view ref_msg_type,
                                    int reason, std::string_view text) noexcept {
  // The sequence number names the message; 372 is optional.
  if (mass_cancel_seq_ != 0 && ref_seq == mass_cancel_seq_ &&
      (ref_msg_type.empty() || ref_msg_type == mt::kOrderMassCancelRequest)) {
    char code[16];
    const auto n = std::to_chars(code, code + sizeof code, reason).ptr - code;
    mass_cancel_refused("session reject 373=", {code, static_cast<std::size_t>(n)}, text);
    return;
  }
  if (mass_status_inflight_ && ref_seq != 0 && ref_seq == mass_status_seq_ &&
      (ref_msg_type.empty() || ref_msg_type == mt::kOrderMassStatusRequest)) {
    // Its own buffer: mass_status_refused composes its line in text_.
    char why[192];
    TextBuf w(why, sizeof why);
    w.put("session reject 373=");
    w.put_int(reason);
    w.put(": ");
    w.put(text);
    if (mass_status_refused(w.view())) return;
  }
  Table::Entry* e = entry_for_seq(ref_seq);
  if (e == nullptr) return;  // An admin message, or no order of ours: the session logged it.
  if (e->kill_seq == ref_seq) {
    if (!e->gateway_initiated) return;
    // Our kill cancel never reached the book: the order stays tracked and
    // working, and a later kill may try again.
    e->gateway_initiated = false;
    TextBuf t(text_, sizeof text_);
    t.put("kill cancel rejected by exchange: session reject 373=");
    t.put_int(reason);
    t.put(": ");
    t.put(text);
    (void)audit(AuditEvent::kCancelSent, leg_of(e->client_session), nullptr, nullptr, t.view());
    return;
  }
  TextBuf t(text_, sizeof text_);
  t.put("exchange session reject 373=");
  t.put_int(reason);
  t.put(": ");
  t.put(text);
  relay_exchange_reject(*e, t.view());
}

void RouteGroup::on_app_not_resent(const codec::Message& stored) noexcept {
  const std::string_view type = stored.msg_type();
  if (type != mt::kNewOrderSingle && type != mt::kOrderCancelReplaceRequest &&
      type != mt::kOrderCancelRequest)
    return;
  Table::Entry* e = orders_.find(stored.get(tag::kClOrdID));
  if (e == nullptr && type == mt::kOrderCancelRequest) {
    // A kill cancel carries a generated id that is not in the table: the
    // order it names is.
    Table::Entry* o = orders_.find(stored.get(tag::kOrigClOrdID));
    if (o != nullptr && o->gateway_initiated) {
      o->gateway_initiated = false;
      (void)audit(AuditEvent::kCancelSent, leg_of(o->client_session), nullptr, nullptr,
                  "kill cancel not delivered (gap-filled on the exchange's resend); sent again "
                  "while its kill holds");
      retry_kills_ = true;  // After the gap fill: on_resend_answered().
    }
    return;
  }
  // Acknowledged entries are at the exchange whatever it asks for again; an
  // entry still pending never got there.
  if (e == nullptr || e->state == OrderState::kWorking) return;
  relay_exchange_reject(*e,
                        "not delivered: the exchange asked for it again after a reconnect, and "
                        "riskgate does not replay stale orders (ResendApplication = false)");
}

void RouteGroup::on_resend_answered() noexcept {
  ask_order_status();  // The exchange has caught up: now the status is current.
  if (!retry_kills_) return;
  retry_kills_ = false;
  if (opts_.cancel_on_kill) (void)finish_kills();
}

void RouteGroup::on_business_reject(const codec::Message& msg) noexcept {
  if (!ids_fit(msg)) return;
  // BusinessRejectRefID is the business id of the refused message: for an
  // order, cancel or replace, our ClOrdID as sent.
  const std::string_view ref = msg.get(tag::kBusinessRejectRefID);
  Table::Entry* e = ref.empty() ? nullptr : orders_.find(ref);
  // Our OrderMassStatusRequest refused: its BusinessRejectRefID, when
  // given, is its MassStatusReqID.
  if (msg.get(tag::kRefMsgType) == mt::kOrderMassStatusRequest &&
      (ref.empty() || ref == std::string_view(mass_status_id_, mass_status_id_len_))) {
    char why[192];
    TextBuf w(why, sizeof why);
    w.put("business reject 380=");
    w.put(msg.get(tag::kBusinessRejectReason));
    w.put(": ");
    w.put(msg.get(tag::kText));
    if (mass_status_refused(w.view())) return;
  }
  if (mass_cancel_seq_ != 0 && msg.get(tag::kRefMsgType) == mt::kOrderMassCancelRequest) {
    mass_cancel_refused("business reject 380=", msg.get(tag::kBusinessRejectReason),
                        msg.get(tag::kText));
    return;
  }
  if (msg.get(tag::kRefMsgType) == mt::kOrderStatusRequest) {
    // The venue would not answer our status request: that says nothing of
    // the order itself, which stays as it was (never relayed as a reject).
    if (e != nullptr) status_answered(*e);
    TextBuf t(text_, sizeof text_);
    t.put("OrderStatusRequest refused by the exchange (business reject 380=");
    t.put(msg.get(tag::kBusinessRejectReason));
    t.put("): the order is kept as the journal had it: ");
    t.put(msg.get(tag::kText));
    note_report_anomaly(nullptr, e, ref, t.view(), 0, 0, &unknown_limiter_);
    return;
  }
  if (e == nullptr) {
    // A kill cancel's generated id is in no entry; its MsgSeqNum is.
    std::uint64_t ref_seq = 0;
    if (codec::parse_uint(msg.get(tag::kRefSeqNum), ref_seq)) {
      if (Table::Entry* o = entry_for_seq(ref_seq);
          o != nullptr && o->kill_seq == ref_seq && o->gateway_initiated) {
        // Never reached the book: the order stays, and the next kill (or
        // the next Logon while the kill holds) tries again.
        o->gateway_initiated = false;
        TextBuf t(text_, sizeof text_);
        t.put("kill cancel rejected by exchange: business reject 380=");
        t.put(msg.get(tag::kBusinessRejectReason));
        t.put(": ");
        t.put(msg.get(tag::kText));
        (void)audit(AuditEvent::kCancelSent, leg_of(o->client_session), nullptr, nullptr, t.view());
        return;
      }
    }
    bump(counters.unroutable);
    TextBuf t(text_, sizeof text_);
    t.put("business reject for no order of ours, not relayed: 372=");
    t.put(msg.get(tag::kRefMsgType));
    t.put(" 379=");
    t.put(ref);
    t.put(" 380=");
    t.put(msg.get(tag::kBusinessRejectReason));
    t.put(": ");
    t.put(msg.get(tag::kText));
    note_report_anomaly(nullptr, nullptr, ref, t.view(), 0, 0, &unknown_limiter_);
    return;
  }
  TextBuf t(text_, sizeof text_);
  t.put("exchange business reject 380=");
  t.put(msg.get(tag::kBusinessRejectReason));
  t.put(": ");
  t.put(msg.get(tag::kText));
  relay_exchange_reject(*e, t.view());
}

void RouteGroup::relay_exchange_reject(Table::Entry& e, std::string_view text) noexcept {
  ClientLeg* owner = leg_of(e.client_session);
  const std::string_view client_id = client_view(owner, e.exch_id.view());
  if (e.state == OrderState::kWorking) {
    // The exchange acknowledged the order already: a reject of the message
    // that created it contradicts that. Kept working, on record.
    note_report_anomaly(owner, &e, client_id, text, 0, 0);
    return;
  }
  bump(counters.exchange_rejects);
  {
    risk::OrderView v;
    v.cl_ord_id = client_id;
    v.account = e.account.view();
    v.symbol = e.symbol.view();
    v.side = to_side(e.side);
    v.quantity = e.order_qty;
    (void)audit(AuditEvent::kExchangeReject, owner, &v, nullptr, text);
  }
  // Built while the entry still holds the ids the body refers to.
  codec::BodyBuilder b({body_, sizeof body_});
  bool ok = false;
  std::string_view out_type;
  if (e.state == OrderState::kPendingNew) {
    // As a 35=8 39=8 from the exchange would be: the order never lived.
    risk::ExecEvent ev;
    ev.kind = risk::ExecKind::kRejected;
    ev.now_ns = clock_.steady_ns();
    (void)engine_.on_execution(e.ticket, ev);
    char qty[24];
    const auto r = std::to_chars(qty, qty + sizeof qty, e.order_qty);
    const char side[1] = {e.side};
    RejectInfo ri;
    ri.cl_ord_id = client_id;
    ri.account = e.account.view();
    ri.symbol = e.symbol.view();
    ri.side = std::string_view(side, 1);
    ri.order_qty = std::string_view(qty, static_cast<std::size_t>(r.ptr - qty));
    ri.exec_id = next_id("RGR");
    ri.transact_time = now_stamp();
    ri.ord_rej_reason = 99;  // Other: the Text says what the exchange said.
    ri.text = text;
    ri.fix42 = owner != nullptr && owner->options().fix42;
    ok = build_order_reject(b, ri);
    out_type = mt::kExecutionReport;
  } else {
    // A cancel or replace request: the order itself is unchanged.
    if (e.state == OrderState::kPendingReplace) engine_.on_sent_failed(e.ticket);
    CancelRejectInfo ri;
    ri.cl_ord_id = client_id;
    ri.orig_cl_ord_id = client_view(owner, e.orig_exch_id.view());
    ri.response_to = e.state == OrderState::kPendingReplace ? '2' : '1';
    ri.cxl_rej_reason = 99;
    ri.text = text;
    ok = build_cancel_reject(b, ri);
    out_type = mt::kOrderCancelReject;
  }
  finish(&e);
  if (owner == nullptr) {
    bump(counters.unroutable);
    return;
  }
  if (ok) {
    (void)owner->session().send_app(out_type, b.view());
    owner->counters.reports_out.store(
        owner->counters.reports_out.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
}

}  // namespace riskgate::route
