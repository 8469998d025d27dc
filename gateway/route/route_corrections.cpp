// Trade cancel and correct (ExecType H / G; FIX 4.2 ExecTransType 1 / 2):
// the venue takes back or changes an execution it reported. The venue's new
// CumQty is the order's executed quantity from now on (exec_state.hpp says
// how it is read). Applied to an order still working, a bust gives the
// quantity back to the position and, where the venue says so, to the order's
// open quantity; a later fill is then counted, where before it read as a
// replay of the busted one. Every such report gets an audit line (those of
// orders that have ended, at most one a second), because it changes what was
// believed traded: risk staff reconcile it with the venue's trade record.
//
// Most busts come after the order has ended (a trade is found erroneous
// minutes or hours later). So that these still move the position, an order
// that ends with executions is remembered for the rest of the trading day
// (ended_, the most recent MaxEndedOrders): its closed risk reservation says
// which position and parent its executions went to, and its executed
// quantity what a correction is read against. A bust of an order no longer
// remembered (evicted, or from an earlier day) is audited only.
#include "gateway/route/bump.hpp"
#include "gateway/route/route_group.hpp"
#include "gateway/route/text_buf.hpp"

namespace riskgate::route {

void RouteGroup::apply_trade_bust(Table::Entry& target, const ExecVerdict& v,
                                  risk::ExecEvent ev) noexcept {
  ev.kind = risk::ExecKind::kTradeBust;
  ev.last_qty = v.counted_qty;
  ev.cum_qty = v.cum_qty;
  // An order the venue ends with the bust keeps its open quantity here: the
  // cancel below gives it back as any cancel does (to the parent and the
  // cumulative quantity too), not as a bust.
  ev.leaves_qty = v.done ? target.ticket.leaves_qty : v.leaves_qty;
  (void)engine_.on_execution(target.ticket, ev);
  target.cum_qty = v.cum_qty;
  // Journaled as the engine took it, so a replay does the same: an ending
  // bust's open rest is given back by the kDone that follows, as here.
  target.leaves_qty = ev.leaves_qty;
  // Best effort, as a fill's: the bust has happened at the venue.
  if (journal_ != nullptr) {
    (void)journal_entry(journal::OrderEventKind::kTradeBust, target, {}, v.counted_qty, ev.last_px);
  }
  if (v.done) {
    // The venue says the order is over: what is open never trades.
    risk::ExecEvent rest = ev;
    rest.kind = risk::ExecKind::kCanceled;
    rest.last_qty = 0;
    (void)engine_.on_execution(target.ticket, rest);
    finish(&target);
  }
}

void RouteGroup::remember_ended(const Table::Entry& e) noexcept {
  if (!ended_ || e.cum_qty <= 0 || e.replaced) return;
  const std::size_t cap = ended_->capacity();
  // The id already ended once today (an order restored and ended again by a
  // replayed report, a GTC id reused after its order ended): the later end
  // is the one a correction names. Looked up first, so that nothing older
  // is evicted for an entry that takes no new slot; its slot moves to the
  // newest end of the FIFO, as the newest end it is (eviction and
  // ended_replacement_of() rely on that order). A shift of up to
  // MaxEndedOrders indexes, for an event that is rare and cold.
  if (Table::Entry* r = ended_->find(e.exch_id.view()); r != nullptr) {
    *r = e;
    const std::size_t idx = ended_->index_of(r);
    std::size_t k = 0;
    while (k < ended_count_ && ended_fifo_[(ended_head_ + k) % cap] != idx) ++k;
    for (; k + 1 < ended_count_; ++k)
      ended_fifo_[(ended_head_ + k) % cap] = ended_fifo_[(ended_head_ + k + 1) % cap];
    ended_fifo_[(ended_head_ + ended_count_ - 1) % cap] = idx;
    return;
  }
  if (ended_count_ == cap) {  // Full: the oldest goes.
    ended_->erase(ended_->at(ended_fifo_[ended_head_]));
    ended_head_ = (ended_head_ + 1) % cap;
    --ended_count_;
  }
  Table::Entry* r = ended_->insert(e.exch_id.view());
  if (r == nullptr) return;  // Cannot happen: a slot was just freed, the id is absent.
  *r = e;
  ended_fifo_[(ended_head_ + ended_count_) % cap] = ended_->index_of(r);
  ++ended_count_;
}

void RouteGroup::forget_ended() noexcept {
  if (!ended_) return;
  const std::size_t cap = ended_->capacity();
  for (; ended_count_ > 0; --ended_count_) {
    ended_->erase(ended_->at(ended_fifo_[ended_head_]));
    ended_head_ = (ended_head_ + 1) % cap;
  }
  ended_head_ = 0;
}

const Table::Entry* RouteGroup::ended_order(std::string_view id) noexcept {
  return ended_ ? ended_->find(id) : nullptr;
}

bool RouteGroup::correct_ended(const ClientLeg* owner, std::string_view id, std::string_view orig,
                               std::string_view client_id, const ExecFields& f,
                               EndedOverfill& overfill) noexcept {
  if (!ended_) return false;
  Table::Entry* r = ended_->find(id);
  if (r == nullptr && !orig.empty()) r = ended_->find(orig);
  // A venue that names the chain's first ClOrdID: an order replaced is not
  // remembered (its executions carried over to its replacement), the
  // replacement that ended is.
  if (r == nullptr) r = ended_replacement_of(id);
  if (r == nullptr && !orig.empty()) r = ended_replacement_of(orig);
  if (r == nullptr) return false;
  // The line first: it says what the order had counted.
  note_trade_correction(owner, r, client_id, f, true);
  if (!f.has_cum || f.cum_qty < 0 || f.cum_qty == r->cum_qty) return true;
  const std::int64_t delta = f.cum_qty - r->cum_qty;
  if (delta > 0 && f.cum_qty > r->order_qty) {
    // Corrected beyond what was ordered: traded all the same (the position
    // takes it), and an anomaly as a working order's overfill is.
    bump(counters.overfills);
    TextBuf t(text_, sizeof text_);
    t.put("overfill by a trade correction of an ended order: CumQty ");
    t.put_int(f.cum_qty);
    t.put(" > OrderQty ");
    t.put_int(r->order_qty);
    note_report_anomaly(owner, r, client_id, t.view(), f.cum_qty, r->order_qty);
    overfill.found = true;
    overfill.owner = leg_of(r->client_session);
  }
  engine_.on_ended_correction(r->ticket, delta, f.last_px);
  r->cum_qty = f.cum_qty;
  // Best effort, as a live order's bust: a replay reads the change from
  // the new CumQty against the ended order it rebuilt (restore_event).
  if (journal_ != nullptr) {
    (void)journal_entry(journal::OrderEventKind::kTradeBust, *r, {}, -delta, f.last_px);
  }
  return true;
}

Table::Entry* RouteGroup::ended_replacement_of(std::string_view id) noexcept {
  // Newest first: of two replacements of one id (a replace refused, then
  // another acked), the later one carries the chain. A walk of up to
  // MaxEndedOrders entries, for a report that is rare and already cold.
  const std::size_t cap = ended_->capacity();
  for (std::size_t k = ended_count_; k-- > 0;) {
    Table::Entry* e = ended_->at(ended_fifo_[(ended_head_ + k) % cap]);
    if (e->orig_exch_id.view() == id) return e;
  }
  return nullptr;
}

Table::Entry* RouteGroup::replacement_of(std::string_view id) noexcept {
  Table::Entry* found = nullptr;
  orders_.for_each([&](Table::Entry& e) {
    if (found == nullptr && e.state == OrderState::kWorking && e.orig_exch_id.view() == id)
      found = &e;
  });
  return found;
}

void RouteGroup::note_trade_correction(const ClientLeg* owner, const Table::Entry* target,
                                       std::string_view client_id, const ExecFields& f,
                                       bool ended) noexcept {
  TextBuf t(text_, sizeof text_);
  t.put(f.exec_type == 'G' || f.exec_trans_type == '2' ? "trade correct" : "trade cancel");
  if (ended) t.put(" of an ended order");
  if (target == nullptr) {
    // Most busts come after the order ended: its table entry is gone.
    t.put(" for an order no longer working: riskgate's position does not reflect it (CumQty ");
    t.put_int(f.has_cum ? f.cum_qty : -1);
    t.put(", LastQty ");
    t.put_int(f.has_last ? f.last_qty : -1);
    t.put(")");
    note_report_anomaly(owner, nullptr, client_id, t.view(), f.cum_qty, 0, &ended_limiter_,
                        audit::AuditEvent::kTradeCorrected);
    return;
  }
  const std::int64_t before = target->cum_qty;
  if (!f.has_cum) {
    t.put(" without a usable CumQty: executed quantity left at ");
    t.put_int(before);
  } else if (f.cum_qty != before) {
    t.put(": executed quantity ");
    t.put_int(before);
    t.put(" -> ");
    t.put_int(f.cum_qty);
    if (f.cum_qty < before) {
      t.put(", ");
      t.put_int(before - f.cum_qty);
      t.put(" taken off the position");
    } else {
      t.put(", counted as an execution");
    }
  } else {
    t.put(": executed quantity unchanged at ");
    t.put_int(before);
  }
  note_report_anomaly(owner, target, client_id, t.view(), f.has_cum ? f.cum_qty : before, before,
                      ended ? &ended_limiter_ : nullptr, audit::AuditEvent::kTradeCorrected);
}

}  // namespace riskgate::route
