// Trade cancel and correct (ExecType H / G; FIX 4.2 ExecTransType 1 / 2):
// the venue takes back or changes an execution it reported. The venue's new
// CumQty is the order's executed quantity from now on (exec_state.hpp says
// how it is read). Applied to an order still working, a bust gives the
// quantity back to the position and, where the venue says so, to the order's
// open quantity; a later fill is then counted, where before it read as a
// replay of the busted one. Every such report gets an audit line (those of
// orders that have ended, at most one a second), because it changes what was
// believed traded: risk staff reconcile it with the venue's trade record.
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

Table::Entry* RouteGroup::replacement_of(std::string_view id) noexcept {
  Table::Entry* found = nullptr;
  orders_.for_each([&](Table::Entry& e) {
    if (found == nullptr && e.state == OrderState::kWorking && e.orig_exch_id.view() == id)
      found = &e;
  });
  return found;
}

void RouteGroup::note_trade_correction(const ClientLeg* owner, const Table::Entry* target,
                                       std::string_view client_id, const ExecFields& f) noexcept {
  TextBuf t(text_, sizeof text_);
  t.put(f.exec_type == 'G' || f.exec_trans_type == '2' ? "trade correct" : "trade cancel");
  if (target == nullptr) {
    // Most busts come after the order ended: its table entry is gone.
    t.put(" for an order no longer working: riskgate's position does not reflect it (CumQty ");
    t.put_int(f.has_cum ? f.cum_qty : -1);
    t.put(", LastQty ");
    t.put_int(f.has_last ? f.last_qty : -1);
    t.put(")");
    note_report_anomaly(owner, nullptr, client_id, t.view(), f.cum_qty, 0, &unknown_limiter_,
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
                      nullptr, audit::AuditEvent::kTradeCorrected);
}

}  // namespace riskgate::route
