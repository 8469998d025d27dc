// Restart (issue 11, item 4): the order table and the risk engine's exposure
// rebuilt from the journal's order events, then held (reconciling) until the
// exchange has resent what riskgate missed while it was down and, where the
// venue answers OrderStatusRequest (SupportsOrderStatus), until every
// restored working order's status has come back (at most 5 s). A FIX 4.4
// venue that answers OrderMassStatusRequest (SupportsOrderMassStatus) is
// asked once for all of them instead: a restart with thousands of working
// orders then sends one message, not a burst of 35=H that a venue's
// message-rate limit could refuse (or log the session out for).
//
// The replay applies each event as the live path applied it (route_group.cpp
// and route_reports.cpp), with the engine's restore entry points instead of
// check()/commit(): nothing is sent, audited or journaled again.
#include <algorithm>
#include <cstring>

#include "gateway/codec/tags.hpp"
#include "gateway/route/route_group.hpp"
#include "gateway/route/text_buf.hpp"
#include "gateway/route/translate.hpp"

namespace riskgate::route {

using journal::OrderEventKind;
namespace tag = codec::tag;
namespace mt = codec::msgtype;

Table::Entry* RouteGroup::restore_entry(const journal::OrderEvent& ev, Reserve reserve,
                                        std::int64_t reserved) noexcept {
  const bool is_new = ev.kind == OrderEventKind::kNew;
  Table::Entry* orig = is_new ? nullptr : orders_.find(ev.orig_cl_ord_id);
  Table::Entry* e = orders_.insert(ev.cl_ord_id);
  if (e == nullptr) {
    ++restore_skipped_;
    return nullptr;
  }
  e->client_session = ev.client_session;
  e->state = is_new ? OrderState::kPendingNew : OrderState::kPendingReplace;
  e->side = ev.side;
  e->time_in_force = ev.time_in_force;
  e->order_qty = ev.order_qty;
  e->leaves_qty = ev.order_qty;
  (void)e->symbol.assign(ev.symbol);
  (void)e->account.assign(ev.account);
  if (!is_new) (void)e->orig_exch_id.assign(ev.orig_cl_ord_id);
  if (orig != nullptr) orig->replace_sent = true;
  if (is_new) ++working_count_;
  ClientLeg* leg = leg_of(ev.client_session);
  // Tracked for a kill; reserves nothing.
  if (leg == nullptr || reserve == Reserve::kNothing) return e;
  risk::OrderView v;
  v.action = is_new ? risk::Action::kNew : risk::Action::kReplace;
  v.session = leg->index();
  v.exchange_session = opts_.exchange_idx;
  v.cl_ord_id = client_view(leg, ev.cl_ord_id);
  v.orig_cl_ord_id = client_view(leg, ev.orig_cl_ord_id);
  v.account = ev.account;
  v.symbol = ev.symbol;
  v.side = to_side(ev.side);
  v.ord_type = ev.ord_type == '2' ? risk::OrdType::kLimit : risk::OrdType::kMarket;
  v.quantity = ev.order_qty;
  v.price = ev.price;
  v.has_price = ev.price != 0;
  // A replacement reserves what stays open of its new total (as check()).
  const std::int64_t filled = orig != nullptr ? orig->cum_qty : 0;
  const std::int64_t working = reserve == Reserve::kExactly
                                   ? std::max<std::int64_t>(0, reserved)
                                   : std::max<std::int64_t>(0, ev.order_qty - filled);
  e->ticket = engine_.restore_order(v, leg->risk_state(), working, is_new);
  return e;
}

bool RouteGroup::restore_event(const journal::OrderEvent& ev) noexcept {
  switch (ev.kind) {
    case OrderEventKind::kNew:
    case OrderEventKind::kReplace:
      return restore_entry(ev, Reserve::kAsSent, 0) != nullptr;
    case OrderEventKind::kFill:
    case OrderEventKind::kTradeBust: {
      Table::Entry* e = orders_.find(ev.cl_ord_id);
      const bool bust = ev.kind == OrderEventKind::kTradeBust;
      if (e == nullptr) {
        // A correction of an order that had ended (correct_ended): read, as
        // live, from the new CumQty against the ended order rebuilt so far.
        Table::Entry* r = bust && ended_ ? ended_->find(ev.cl_ord_id) : nullptr;
        if (r != nullptr && ev.cum_qty >= 0 && ev.cum_qty != r->cum_qty) {
          engine_.on_ended_correction(r->ticket, ev.cum_qty - r->cum_qty, ev.price);
          r->cum_qty = ev.cum_qty;
        }
        return true;
      }
      risk::ExecEvent x;
      x.kind = bust                 ? risk::ExecKind::kTradeBust
               : ev.leaves_qty == 0 ? risk::ExecKind::kFill
                                    : risk::ExecKind::kPartialFill;
      x.last_qty = ev.last_qty;
      x.last_px = ev.price;
      x.leaves_qty = ev.leaves_qty;
      x.cum_qty = ev.cum_qty;
      x.now_ns = clock_.steady_ns();
      x.restoring = true;
      (void)engine_.on_execution(e->ticket, x);
      e->cum_qty = ev.cum_qty;
      e->leaves_qty = ev.leaves_qty;
      if (!bust && e->state == OrderState::kPendingNew) e->state = OrderState::kWorking;
      return true;
    }
    case OrderEventKind::kReplaced: {
      Table::Entry* e = orders_.find(ev.cl_ord_id);
      if (e == nullptr || e->state != OrderState::kPendingReplace) return true;
      Table::Entry* o = orders_.find(ev.orig_cl_ord_id);
      e->state = OrderState::kWorking;
      e->cum_qty = ev.cum_qty;
      e->leaves_qty = ev.leaves_qty;
      ++working_count_;
      // The original's kDone follows and erases it (its ticket is spent).
      if (o != nullptr) {
        engine_.on_replaced(o->ticket, e->ticket, e->leaves_qty);
        o->replaced = true;
      }
      return true;
    }
    case OrderEventKind::kDone:
    case OrderEventKind::kRejected: {
      Table::Entry* e = orders_.find(ev.cl_ord_id);
      if (e == nullptr) return true;
      risk::ExecEvent x;
      x.kind = risk::ExecKind::kCanceled;  // What is left never trades.
      x.now_ns = clock_.steady_ns();
      x.restoring = true;
      (void)engine_.on_execution(e->ticket, x);
      drop(e);
      return true;
    }
    case OrderEventKind::kCancel:
      return true;  // Not journaled live; a cancel's reports match by OrigClOrdID.
  }
  return true;
}

bool RouteGroup::restore_carried(const journal::OrderEvent& ev) noexcept {
  if (ev.kind != OrderEventKind::kNew && ev.kind != OrderEventKind::kReplace) return false;
  // The reservation as it stood (last_qty; < 0: none), not recomputed from
  // the quantities: a bust or a restatement may have left less open than
  // ordered minus executed, and a replacement keeps what it was sent with.
  Table::Entry* e =
      restore_entry(ev, ev.last_qty < 0 ? Reserve::kNothing : Reserve::kExactly, ev.last_qty);
  if (e == nullptr) return false;
  // Its position and anchor come with the carry; gross notional restarts
  // with the day.
  e->cum_qty = ev.cum_qty;
  e->leaves_qty = ev.leaves_qty;
  if (ev.kind == OrderEventKind::kNew && ev.cum_qty > 0) e->state = OrderState::kWorking;
  return true;
}

void RouteGroup::finish_restore() noexcept {
  if (orders_.size() == 0) return;
  // Relaxed: a flag this thread reads on the order path, status reads apart.
  reconciling_.store(true, std::memory_order_relaxed);
  restore_note_due_ = true;
}

void RouteGroup::note_restored() noexcept {
  restore_note_due_ = false;
  // Its own buffer: note_session_event composes its line in text_.
  char detail[192];
  TextBuf t(detail, sizeof detail);
  t.put_int(static_cast<std::int64_t>(working_count_));
  t.put(
      " working orders restored from the journal; new orders wait until the exchange has "
      "resent what it sent while riskgate was down");
  note_session_event(nullptr, "reconciling", t.view());
}

void RouteGroup::exchange_numbering_reset() noexcept {
  if (working_count_ == 0) return;
  char detail[320];  // Its own buffer: note_session_event composes its line in text_.
  TextBuf t(detail, sizeof detail);
  // The audit record holds 120 characters.
  t.put("exchange numbering reset with ");
  t.put_uint(working_count_);
  t.put(working_count_ == 1 ? " order working" : " orders working");
  t.put(": any report not yet read is lost");
  if (!asks_order_status()) {
    t.put("; kept (no SupportsOrderStatus)");
    note_report_anomaly(nullptr, nullptr, {}, t.view(), 0, 0, nullptr);
    return;
  }
  if (reconciling_.load(std::memory_order_relaxed)) {
    // Already waiting (a restart): answers to requests sent on the old
    // numbering may never come, so the round starts again.
    forget_status_asks();
    return;
  }
  t.put("; status to be asked");
  // Relaxed: as in finish_restore().
  reconciling_.store(true, std::memory_order_relaxed);
  reconciling_after_reset_ = true;
  forget_status_asks();
  note_session_event(nullptr, "reconciling", t.view());
}

bool RouteGroup::reconciled() noexcept {
  if (exchange_ == nullptr || exchange_->state() != session::State::kActive ||
      exchange_->awaiting_resend())
    return false;
  if (asks_order_status()) {
    ask_order_status();
    send_status_asks();  // Paced 35=H: what the rate allows by now.
    // A send that failed while asking disconnects the leg: wait for it.
    if (!status_asked_ || exchange_->state() != session::State::kActive) return false;
    // Paced orders not asked yet are waited for whatever the clock says:
    // the deadline is for answers to what went out.
    if (status_pending_ > 0 && mass_status_end_ == MassEnd::kWaiting &&
        (status_to_ask_ > 0 || clock_.steady_ns() < status_deadline_ns_))
      return false;
  }
  reconciling_.store(false, std::memory_order_relaxed);
  // Asked with 35=AF: still in flight, or refused without a 35=H fallback
  // (mass_status_refused() has already ended the flight).
  const bool by_mass = mass_status_inflight_ || mass_status_end_ == MassEnd::kRefused;
  mass_status_inflight_ = false;  // The wait is over; late reports still count.
  mass_status_seq_ = 0;
  // Its own buffer: note_session_event composes its line in text_.
  char detail[320];
  TextBuf t(detail, sizeof detail);
  if (status_pending_ > 0) {
    // Not a reason to refuse for good: they stay as the journal left them,
    // on record, and a kill still cancels them.
    t.put_uint(status_pending_);
    if (!by_mass) {
      t.put(" working orders did not answer their OrderStatusRequest in time");
    } else if (mass_status_end_ == MassEnd::kRefused) {
      t.put(" working orders not asked for: the exchange refused OrderMassStatusRequest");
    } else if (mass_status_end_ == MassEnd::kLastReport) {
      t.put(" working orders were not in the exchange's OrderMassStatusRequest reports");
    } else {
      t.put(" working orders were not reported in time after OrderMassStatusRequest");
    }
    t.put("; kept as the journal had them; new orders accepted");
    clear_status_marks();  // Asked once: status_asked_ stays set.
  } else {
    t.put(reconciling_after_reset_
              ? "every working order asked for after the exchange's numbering reset has "
                "answered; new orders accepted"
          : status_asked_ ? "the exchange has resent what riskgate missed and reported every "
                            "restored working order; new orders accepted"
                          : "the exchange has resent what riskgate missed; new orders accepted");
  }
  reconciling_after_reset_ = false;
  note_session_event(nullptr, "reconciled", t.view());
  if (by_mass && mass_status_unknown_ > 0) {
    // A line of its own: exposure no kill covers must not be cut off the
    // end of the reconciled line.
    TextBuf u(detail, sizeof detail);
    u.put_uint(mass_status_unknown_);
    u.put(
        " working orders the exchange reported are unknown to riskgate (each audited): no "
        "kill covers them");
    note_report_anomaly(nullptr, nullptr, {}, u.view(), 0, 0, nullptr);
  }
  return true;
}

void RouteGroup::clear_status_marks() noexcept {
  status_pending_ = 0;
  status_to_ask_ = 0;
  status_cursor_ = 0;
  orders_.for_each([](Table::Entry& e) { e.status_ask = Table::Entry::StatusAsk::kNone; });
}

std::size_t RouteGroup::mark_working_orders(Table::Entry::StatusAsk mark) noexcept {
  std::size_t n = 0;
  orders_.for_each([&](Table::Entry& e) {
    if (!is_order_state(e.state)) return;
    e.status_ask = mark;
    ++n;
  });
  return n;
}

void RouteGroup::forget_status_asks() noexcept {
  if (!status_asked_) return;
  status_asked_ = false;
  mass_status_inflight_ = false;
  mass_status_seq_ = 0;
  clear_status_marks();
}

void RouteGroup::ask_order_status() noexcept {
  if (!asks_order_status() || status_asked_ || !reconciling_.load(std::memory_order_relaxed) ||
      exchange_ == nullptr || exchange_->state() != session::State::kActive ||
      exchange_->awaiting_resend())
    return;
  status_asked_ = true;
  status_deadline_ns_ = clock_.steady_ns() + opts_.order_status_timeout_ns;
  if (opts_.supports_order_mass_status && !mass_refused_) {
    ask_order_mass_status();
    return;
  }
  const std::size_t to_ask = mark_working_orders(Table::Entry::StatusAsk::kToAsk);
  status_pending_ = to_ask;
  status_to_ask_ = to_ask;
  status_cursor_ = 0;
  // A round of 35=H waits for its own answers, whatever an earlier 35=AF's
  // reports said (a refused one falls back to this).
  mass_status_end_ = MassEnd::kWaiting;
  // One request's credit to start with, not a full bucket: the first second
  // then carries at most the rate, for a venue that counts a sliding second.
  status_credit_ = kStatusCreditPerRequest;
  status_refill_ns_ = clock_.steady_ns();
  char detail[160];
  TextBuf t(detail, sizeof detail);
  t.put_uint(to_ask);
  t.put(reconciling_after_reset_ ? " working orders to ask with OrderStatusRequest"
                                 : " restored working orders to ask with OrderStatusRequest");
  if (opts_.order_status_rate > 0) {
    t.put(", ");
    t.put_uint(opts_.order_status_rate);
    t.put(" a second");
  }
  t.put("; new orders wait for the answers");
  note_session_event(nullptr, "reconciling", t.view());
  send_status_asks();
}

// One 35=H (ClOrdID, Symbol, Side) per order marked kToAsk, as many as the
// rate allows now; each one sent moves the deadline, so a paced round is
// not cut short by the wait meant for one answer.
void RouteGroup::send_status_asks() noexcept {
  if (status_to_ask_ == 0 || exchange_ == nullptr || exchange_->state() != session::State::kActive)
    return;
  const std::int64_t now = clock_.steady_ns();
  std::size_t budget = status_to_ask_;
  if (opts_.order_status_rate > 0) {
    // Integer credit (ns x requests per second; kStatusCreditPerRequest is
    // one request), capped at a tenth of a second's worth, at least one.
    const auto rate = static_cast<std::int64_t>(opts_.order_status_rate);
    const std::int64_t elapsed =
        std::clamp<std::int64_t>(now - status_refill_ns_, 0, 1'000'000'000);
    const std::int64_t cap = std::max(kStatusCreditPerRequest, rate * 100'000'000);
    status_credit_ = std::min(cap, status_credit_ + elapsed * rate);
    status_refill_ns_ = now;
    budget = std::min(budget, static_cast<std::size_t>(status_credit_ / kStatusCreditPerRequest));
    if (budget == 0) return;
  }
  std::size_t sent = 0;
  bool failed = false;
  // From where the last batch stopped: no entry below the cursor is still
  // kToAsk (entries are marked only when a round starts, with the cursor at
  // 0), so a paced round walks the table once in all, not once per batch.
  const std::size_t stop = orders_.visit_from(status_cursor_, [&](Table::Entry& e) {
    if (status_to_ask_ == 0 || sent == budget) return false;
    if (e.status_ask != Table::Entry::StatusAsk::kToAsk) return true;
    codec::BodyBuilder b({body_, sizeof body_});
    b.add(tag::kClOrdID, e.exch_id.view());
    b.add(tag::kSymbol, e.symbol.view());
    b.add(tag::kSide, std::string_view(&e.side, 1));
    if (b.overflowed()) {  // Identifiers too long to ask with: kept as they are.
      e.status_ask = Table::Entry::StatusAsk::kNone;
      --status_to_ask_;
      if (status_pending_ > 0) --status_pending_;
      return true;
    }
    if (exchange_->send_app(mt::kOrderStatusRequest, b.view()) != session::SendResult::kSent) {
      failed = true;  // Still to ask: the next batch starts at this entry.
      return false;
    }
    e.status_ask = Table::Entry::StatusAsk::kAsked;
    --status_to_ask_;
    ++sent;
    return true;
  });
  // Unless a send's failure ended the round meanwhile (the leg went down:
  // forget_status_asks() cleared the marks and the cursor).
  if (status_to_ask_ != 0) status_cursor_ = stop;
  if (opts_.order_status_rate > 0)
    status_credit_ -= static_cast<std::int64_t>(sent) * kStatusCreditPerRequest;
  if (failed && exchange_->state() != session::State::kActive) {
    // The leg is going down: everything is asked again at its next Logon.
    forget_status_asks();
    return;
  }
  // A send refused with the leg up (its store could not take it) is tried
  // again at the next tick, at the same rate: not a fresh round.
  if (sent > 0) status_deadline_ns_ = now + opts_.order_status_timeout_ns;
}

// One request for every order of this session at the venue (585=7); each
// working order we restored is marked as asked, and each report that names
// one answers it, as a 35=H answer would. The venue ends its answer with
// LastRptRequested(912)=Y (or after TotNumReports(911) reports); orders it
// did not report stay as the journal had them, as for a 35=H that never
// answers: absence from a venue's list is not proof the order is gone, and
// dropping a live order would hide it from the next kill.
void RouteGroup::ask_order_mass_status() noexcept {
  const std::string_view id = next_id("RGS");
  std::memcpy(mass_status_id_, id.data(), id.size());
  mass_status_id_len_ = id.size();
  mass_status_reports_ = 0;
  mass_status_total_ = 0;
  mass_status_has_total_ = false;
  mass_status_end_ = MassEnd::kWaiting;
  mass_status_unknown_ = 0;
  mass_status_inflight_ = true;
  codec::BodyBuilder b({body_, sizeof body_});
  b.add(tag::kMassStatusReqID, id);
  b.add(tag::kMassStatusReqType, "7");  // Status for all orders.
  mass_status_seq_ = exchange_->store().next_sender_seq();
  if (exchange_->send_app(mt::kOrderMassStatusRequest, b.view()) != session::SendResult::kSent) {
    forget_status_asks();  // The leg is going down: asked again at its next Logon.
    return;
  }
  const std::size_t asked = mark_working_orders(Table::Entry::StatusAsk::kAsked);
  status_pending_ = asked;
  char detail[160];
  TextBuf t(detail, sizeof detail);
  t.put("OrderMassStatusRequest 584=");
  t.put(id);
  t.put(" sent for ");
  t.put_uint(asked);
  t.put(" restored working orders; new orders wait for its reports");
  note_session_event(nullptr, "reconciling", t.view());
}

RouteGroup::MassReport RouteGroup::on_mass_status_report(const codec::Message& msg) noexcept {
  if (msg.get(tag::kMassStatusReqID) != std::string_view(mass_status_id_, mass_status_id_len_))
    return MassReport::kNotOurs;
  ++mass_status_reports_;
  if (std::uint64_t total = 0; codec::parse_uint(msg.get(tag::kTotNumReports), total)) {
    mass_status_total_ = total;
    mass_status_has_total_ = true;
  }
  if (mass_status_end_ == MassEnd::kWaiting &&
      (msg.get(tag::kLastRptRequested) == "Y" ||
       (mass_status_has_total_ && mass_status_reports_ >= mass_status_total_)))
    mass_status_end_ = MassEnd::kLastReport;
  // "No orders" only when the venue says there are none: a report without
  // ClOrdID (optional in 4.4's ExecutionReport) that is one of several may
  // be a live order entered elsewhere, and is audited as unknown.
  if (mass_status_has_total_ && mass_status_total_ == 0 && msg.get(tag::kClOrdID).empty() &&
      msg.get(tag::kOrigClOrdID).empty())
    return MassReport::kNoOrders;
  return MassReport::kOurs;
}

bool RouteGroup::mass_status_refused(std::string_view why) noexcept {
  if (!mass_status_inflight_) return false;
  mass_status_inflight_ = false;
  mass_status_seq_ = 0;
  const bool fall_back = opts_.supports_order_status;
  // The outcome first: an audit record keeps 120 characters.
  TextBuf t(text_, sizeof text_);
  t.put(fall_back ? "OrderMassStatusRequest refused; asking each order with 35=H: "
                  : "OrderMassStatusRequest refused; orders kept as journaled: ");
  t.put(why);
  // Not rate-limited: once per restart at most, and support needs it.
  note_report_anomaly(nullptr, nullptr, {}, t.view(), 0, 0, nullptr);
  if (!fall_back) {
    mass_status_end_ = MassEnd::kRefused;
    return true;
  }
  mass_refused_ = true;  // This venue does not take 35=AF: not asked again.
  clear_status_marks();
  status_asked_ = false;
  ask_order_status();  // 35=H each, with a fresh deadline.
  return true;
}

}  // namespace riskgate::route
