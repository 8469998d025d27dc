// What a route group writes to the audit log: order-path records (refusals,
// automatic trips, throttles, disabled flows, session events), built into
// fixed scratch buffers on the I/O thread, never allocating. Kill and flow
// records name the rule and its numbers in the reject-text style
// ("flow_net_qty: 250100 > 250000 (ACC2 AAPL)"), so the audit says which
// rule acted, on what, and by how much.
#include <algorithm>
#include <charconv>
#include <cstring>

#include "gateway/codec/tags.hpp"
#include "gateway/route/route_group.hpp"
#include "gateway/route/text_buf.hpp"

namespace riskgate::route {

using audit::AuditEvent;
using audit::AuditRecord;
namespace mt = codec::msgtype;

bool RouteGroup::audit(AuditEvent ev, const ClientLeg* leg, const risk::OrderView* view,
                       const risk::Decision* d, std::string_view text) noexcept {
  AuditRecord r;
  r.utc_ns = clock_.utc_ns();
  r.event = ev;
  AuditRecord::set(r.session, leg != nullptr ? std::string_view(leg->options().name)
                                             : std::string_view(opts_.exchange_name));
  if (view != nullptr) {
    r.quantity = view->quantity;
    r.price_micros = view->price;
    r.side = fix_side(view->side);
    AuditRecord::set(r.account, view->account);
    AuditRecord::set(r.symbol, view->symbol);
    AuditRecord::set(r.cl_ord_id, view->cl_ord_id);
  }
  if (d != nullptr) {
    r.value = d->actual;
    r.limit = d->limit;
    AuditRecord::set(r.rule, risk::rule_name(d->rule));
  }
  AuditRecord::set(r.text, text);
  return audit_.try_record(r);
}

std::string_view RouteGroup::trip_text(std::string_view head, risk::KillReason why,
                                       const risk::Decision& d, const risk::OrderView& v) noexcept {
  TextBuf t(text_, sizeof text_);
  t.put(head);
  if (why != risk::KillReason::kNone) {
    t.put(" (");
    t.put(risk::kill_reason_name(why));
    t.put(")");
  }
  t.put(": ");
  t.advance(risk::format_reject_text(d, v, t.end(), t.room()));
  return t.view();
}

std::string_view RouteGroup::kill_why(risk::KillReason why, risk::RuleId rule) noexcept {
  TextBuf t(why_, sizeof why_);
  if (why != risk::KillReason::kNone) {
    t.put(risk::kill_reason_name(why));
    t.put(": ");
  }
  t.put(risk::rule_name(rule));
  return t.view();
}

void RouteGroup::audit_exec_outcome(const risk::ExecOutcome& out, const ClientLeg* owner,
                                    const Table::Entry& order, const risk::ExecEvent& ev,
                                    std::string_view client_id) noexcept {
  // The fill that tripped the rule, in the fields of an order record.
  risk::OrderView v;
  v.account = order.account.view();
  v.symbol = order.symbol.view();
  v.side = to_side(order.side);
  v.quantity = ev.last_qty;
  v.price = ev.last_px;
  v.cl_ord_id = client_id;
  risk::Decision d;
  d.rule = out.rule;
  d.actual = out.actual;
  d.limit = out.limit;
  d.values_are_micros = out.values_are_micros;
  // The repeated-execution throttle trips on the fill that REACHES its count.
  d.relation = out.rule == risk::RuleId::kRepeatedExecutionThrottle ? risk::Relation::kReached
                                                                    : risk::Relation::kAbove;
  if (out.session_killed) {
    const risk::KillReason why =
        engine_.kills().reason(risk::KillScope::kClientSession, order.client_session);
    (void)audit(AuditEvent::kKillTripped, owner, &v, &d,
                trip_text("session kill switch engaged", why, d, v));
  } else if (out.throttled) {
    (void)audit(AuditEvent::kFlowThrottled, owner, &v, &d,
                trip_text("session throttled", risk::KillReason::kNone, d, v));
  }
  if (out.flow_disabled) {
    // The (account, symbol, side) flow stays disabled until an operator
    // re-enables it, whatever else this fill did: a record of its own.
    if (out.rule == risk::RuleId::kRepeatedExecutionThrottle) {
      (void)audit(AuditEvent::kFlowDisabled, owner, &v, &d,
                  trip_text("flow disabled", risk::KillReason::kNone, d, v));
    } else {
      // The outcome's numbers belong to the flow-envelope rule; this one has
      // none to show.
      risk::Decision r;
      r.rule = risk::RuleId::kRepeatedExecutionThrottle;
      TextBuf t(text_, sizeof text_);
      t.put("flow disabled: repeated_execution_throttle (");
      t.put(v.account);
      t.put(" ");
      t.put(v.symbol);
      t.put(")");
      (void)audit(AuditEvent::kFlowDisabled, owner, &v, &r, t.view());
    }
  }
}

void RouteGroup::note_protocol_event(const ClientLeg* leg, std::string_view what,
                                     EventLimiter& limiter) noexcept {
  // At most one audit line per leg per second: a peer that sends garbage must
  // not crowd refusal and kill records out of the shared audit ring.
  const std::int64_t now = clock_.steady_ns();
  if (limiter.last_ns != 0 && now - limiter.last_ns < 1'000'000'000) {
    ++limiter.suppressed;
    return;
  }
  char detail[32];
  std::size_t n = 0;
  if (limiter.suppressed > 0) {
    const auto r = std::to_chars(detail, detail + sizeof detail - 16, limiter.suppressed);
    n = static_cast<std::size_t>(r.ptr - detail);
    std::memcpy(detail + n, " more suppressed", 16);
    n += 16;
  }
  limiter.last_ns = now;
  limiter.suppressed = 0;
  note_session_event(leg, what, std::string_view(detail, n));
}

void RouteGroup::note_session_event(const ClientLeg* leg, std::string_view what,
                                    std::string_view detail) noexcept {
  TextBuf t(text_, sizeof text_);
  t.put(what);
  if (!detail.empty()) {
    t.put(": ");
    t.put(detail);
  }
  // A session event that cannot be audited changes nothing on the order
  // path: new orders are refused anyway while the log is unhealthy.
  (void)audit(AuditEvent::kSessionEvent, leg, nullptr, nullptr, t.view());
}

void RouteGroup::audit_repeated_tag(const ClientLeg& leg, const risk::OrderView& view,
                                    std::uint32_t tag) noexcept {
  TextBuf t(text_, sizeof text_);
  t.put("session reject 373=13: tag ");
  t.put_uint(tag);
  t.put(" appears more than once");
  // Not a risk decision: it counts toward no auto-kill.
  (void)audit(AuditEvent::kOrderRefused, &leg, &view, nullptr, t.view());
}

void RouteGroup::audit_rejected_message(const ClientLeg* leg, const codec::Message& msg, int reason,
                                        std::uint32_t ref_tag, std::string_view text) noexcept {
  // What the record shows of the message is its first occurrence of each
  // field: enough to find it, never used for a decision.
  risk::OrderView v;
  v.cl_ord_id = msg.get(codec::tag::kClOrdID);
  v.account = msg.get(codec::tag::kAccount);
  v.symbol = msg.get(codec::tag::kSymbol);
  const std::string_view side = msg.get(codec::tag::kSide);
  v.side = side.size() == 1 ? to_side(side[0]) : risk::Side::kUnknown;
  std::int64_t qty = 0;
  if (codec::parse_int(msg.get(codec::tag::kOrderQty), qty)) v.quantity = qty;
  TextBuf t(text_, sizeof text_);
  // The exchange leg's note first: a long reason text is what gets truncated.
  t.put(leg != nullptr ? "session reject 373="
                       : "not acted on, order state may be stale: session reject 373=");
  t.put_uint(static_cast<std::uint64_t>(reason));
  t.put(": tag ");
  t.put_uint(ref_tag);
  t.put(" (35=");
  t.put(msg.msg_type());
  t.put(", 34=");
  t.put_uint(msg.seq_num());
  t.put("): ");
  t.put(text);
  // An order refused this way is on record like any refusal; it is not a
  // risk decision, so it counts toward no auto-kill.
  const std::string_view type = msg.msg_type();
  const bool order =
      leg != nullptr && (type == mt::kNewOrderSingle || type == mt::kOrderCancelReplaceRequest ||
                         type == mt::kOrderCancelRequest);
  (void)audit(order ? AuditEvent::kOrderRefused : AuditEvent::kMessageRejected, leg, &v, nullptr,
              t.view());
}

}  // namespace riskgate::route
