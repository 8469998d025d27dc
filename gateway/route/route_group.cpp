#include "gateway/route/route_group.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "gateway/codec/tags.hpp"

namespace riskgate::route {

namespace tag = codec::tag;
namespace mt = codec::msgtype;
using audit::AuditEvent;
using audit::AuditRecord;

namespace {

std::int64_t field_int(const codec::Message& m, std::uint32_t t) noexcept {
  std::int64_t micros = 0;
  if (!codec::parse_fixed6(m.get(t), micros)) return 0;
  return micros / risk::kMicro;
}

std::int64_t field_micros(const codec::Message& m, std::uint32_t t) noexcept {
  std::int64_t micros = 0;
  return codec::parse_fixed6(m.get(t), micros) ? micros : 0;
}

bool is_order_state(OrderState s) noexcept {
  return s == OrderState::kPendingNew || s == OrderState::kWorking;
}

}  // namespace

// ---------------------------------------------------------------------------
// ClientLeg
// ---------------------------------------------------------------------------
ClientLeg::ClientLeg(RouteGroup& group, risk::SessionIdx idx, ClientOptions opts,
                     risk::SessionState state)
    : group_(group), idx_(idx), opts_(std::move(opts)), risk_state_(std::move(state)) {}

std::string_view ClientLeg::on_logon_request(const codec::Message& logon) noexcept {
  return logon_check ? logon_check(*this, logon) : std::string_view();
}

void ClientLeg::on_logon() noexcept {
  group_.note_session_event(this, "logged on", {});
  if (on_state_change) on_state_change(*this, true, {});
}

void ClientLeg::on_logout(std::string_view reason) noexcept {
  group_.note_session_event(this, "logged out", reason);
  group_.on_client_down(*this);
  if (on_state_change) on_state_change(*this, false, reason);
}

void ClientLeg::on_app_message(const codec::Message& msg) noexcept {
  group_.on_client_message(*this, msg);
}

void ClientLeg::on_session_event(std::string_view what) noexcept {
  group_.note_protocol_event(this, what, event_limiter_);
}

void ClientLeg::on_message_rejected(const codec::Message& msg, int reason, std::uint32_t ref_tag,
                                    std::string_view text) noexcept {
  const std::string_view type = msg.msg_type();
  if (type == mt::kNewOrderSingle || type == mt::kOrderCancelReplaceRequest ||
      type == mt::kOrderCancelRequest) {
    counters.orders_in.store(counters.orders_in.load(std::memory_order_relaxed) + 1,
                             std::memory_order_relaxed);
    counters.refused.store(counters.refused.load(std::memory_order_relaxed) + 1,
                           std::memory_order_relaxed);
  }
  group_.audit_rejected_message(this, msg, reason, ref_tag, text);
}

// ---------------------------------------------------------------------------
// RouteGroup
// ---------------------------------------------------------------------------
RouteGroup::RouteGroup(GroupOptions opts, risk::Engine& engine, session::Clock& clock,
                       AuditSink& audit)
    : opts_(std::move(opts)),
      engine_(engine),
      clock_(clock),
      audit_(audit),
      orders_(opts_.max_working_orders) {
  // Until the exchange leg logs on, every new order is refused.
  engine_.set_exchange_available(opts_.exchange_idx, false);
}

ClientLeg& RouteGroup::add_client(risk::SessionIdx idx, ClientOptions opts) {
  clients_.push_back(
      std::make_unique<ClientLeg>(*this, idx, std::move(opts), engine_.make_session(idx)));
  return *clients_.back();
}

std::string_view RouteGroup::now_stamp() noexcept {
  const std::size_t n = codec::format_utc_timestamp({stamp_, sizeof stamp_}, clock_.utc_ns());
  return {stamp_, n};
}

std::string_view RouteGroup::next_id(std::string_view prefix) noexcept {
  // prefix + decimal counter; prefixes are short literals ("RGR", "RGK").
  std::size_t n = prefix.size();
  std::memcpy(gen_id_, prefix.data(), n);
  char digits[24];
  std::size_t d = 0;
  std::uint64_t v = ++id_counter_;
  do {
    digits[d++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (d > 0) gen_id_[n++] = digits[--d];
  return {gen_id_, n};
}

std::string_view RouteGroup::exch_id(std::string_view prefix, std::string_view id,
                                     char* buf) noexcept {
  if (id.empty() || prefix.size() + id.size() > kMaxIdLen) return {};
  std::memcpy(buf, prefix.data(), prefix.size());
  std::memcpy(buf + prefix.size(), id.data(), id.size());
  return {buf, prefix.size() + id.size()};
}

// The order path.
void RouteGroup::on_client_message(ClientLeg& leg, const codec::Message& msg) noexcept {
  const std::string_view type = msg.msg_type();
  const bool is_new = type == mt::kNewOrderSingle;
  const bool is_cancel = type == mt::kOrderCancelRequest;
  const bool is_replace = type == mt::kOrderCancelReplaceRequest;
  const std::int64_t now = clock_.steady_ns();

  if (!is_new && !is_cancel && !is_replace) {
    engine_.note_message(leg.risk_state(), now);
    if (opts_.forward_unknown_app_messages && exchange_ != nullptr &&
        exchange_->state() == session::State::kActive) {
      (void)exchange_->forward_app(msg);
      return;
    }
    codec::BodyBuilder b({body_, sizeof body_});
    // 3 = unsupported message type (BusinessRejectReason).
    if (build_business_reject(b, msg.seq_num(), type, 3,
                              "riskgate does not forward this message type"))
      (void)leg.session().send_app(mt::kBusinessMessageReject, b.view());
    return;
  }

  // Start the two random accesses of a new order (the duplicate-ClOrdID
  // bucket, the order table's index slot for the exchange ClOrdID) now, so
  // their misses overlap translation and the risk check.
  if (!is_cancel) {
    const std::string_view cl_ord_id = msg.get(tag::kClOrdID);
    engine_.prefetch(leg.risk_state(), cl_ord_id);
    const std::string_view new_id = exch_id(leg.options().cl_ord_id_prefix, cl_ord_id, id_buf_);
    if (!new_id.empty()) orders_.prefetch(new_id);
  }
  risk::OrderView view;
  view.session = leg.index();
  view.exchange_session = opts_.exchange_idx;
  view.now_ns = now;
  const TranslateResult tr = translate_order(msg, opts_.translate, view);
  leg.counters.orders_in.store(leg.counters.orders_in.load(std::memory_order_relaxed) + 1,
                               std::memory_order_relaxed);
  if (tr.bad_tag != 0) {
    // A required field missing, malformed or repeated: the FIX answer is a
    // session-level Reject naming the tag; nothing is forwarded.
    const int why = tr.session_reject_reason;
    const std::string_view text =
        why == codec::reject_reason::kRequiredTagMissing       ? "Required tag missing"
        : why == codec::reject_reason::kTagAppearsMoreThanOnce ? "Tag appears more than once"
                                                               : "Incorrect data format for value";
    leg.session().send_reject(msg.seq_num(), type, why, tr.bad_tag, text);
    if (why == codec::reject_reason::kTagAppearsMoreThanOnce) {
      // Two readings of one order is an attack or a broken engine, not a
      // typo: on record with the tag (the refusal is not a risk decision, so
      // it counts toward no auto-kill).
      view.cl_ord_id = msg.get(tag::kClOrdID);
      view.account = msg.get(tag::kAccount);
      view.symbol = msg.get(tag::kSymbol);
      audit_repeated_tag(leg, view, tr.bad_tag);
    }
    return;
  }
  if (!is_cancel && !leg.in_trading_hours()) {
    // Outside the schedule window (route::TradingDay keeps the flag): refused
    // before risk, so it consumes no budget and counts toward no auto-kill.
    // Cancels pass, so working orders can always be pulled.
    risk::Decision closed;
    closed.rule = risk::RuleId::kOutsideTradingHours;
    refuse(leg, msg, view, closed);
    return;
  }
  if (is_cancel) {
    handle_cancel(leg, msg, view);
  } else {
    handle_new_or_replace(leg, msg, view);
  }
}

void RouteGroup::refuse(ClientLeg& leg, const codec::Message& msg, const risk::OrderView& view,
                        const risk::Decision& d) noexcept {
  const std::size_t n = risk::format_reject_text(d, view, text_, sizeof text_);
  const std::string_view text(text_, n);
  leg.counters.refused.store(leg.counters.refused.load(std::memory_order_relaxed) + 1,
                             std::memory_order_relaxed);
  // A refusal we cannot audit is still a refusal: nothing was forwarded.
  (void)audit(d.rule == risk::RuleId::kRetiredFeature ? AuditEvent::kRetiredValue
                                                      : AuditEvent::kOrderRefused,
              &leg, &view, &d, text);
  codec::BodyBuilder b({body_, sizeof body_});
  bool ok;
  std::string_view out_type;
  if (view.action == risk::Action::kNew) {
    RejectInfo r;
    r.cl_ord_id = view.cl_ord_id;
    r.account = view.account;
    r.symbol = view.symbol;
    r.side = msg.get(tag::kSide);
    r.order_qty = msg.get(tag::kOrderQty);
    r.exec_id = next_id("RGR");
    r.transact_time = now_stamp();
    r.ord_rej_reason = risk::ord_rej_reason(d.rule);
    r.text = text;
    r.fix42 = leg.options().fix42;
    ok = build_order_reject(b, r);
    out_type = mt::kExecutionReport;
  } else {
    CancelRejectInfo r;
    r.cl_ord_id = view.cl_ord_id;
    r.orig_cl_ord_id = view.orig_cl_ord_id;
    r.response_to = view.action == risk::Action::kReplace ? '2' : '1';
    r.cxl_rej_reason = 99;
    r.text = text;
    ok = build_cancel_reject(b, r);
    out_type = mt::kOrderCancelReject;
  }
  if (ok) (void)leg.session().send_app(out_type, b.view());

  if (d.session_killed) {
    // The rule that tripped it (a flow-envelope rule, a parent/child breach,
    // a retired value, or the refusal that reached the refusal-rate trip) and
    // why the kill board holds it (auto_flow_envelope, auto_refusals, ...).
    const risk::KillReason why =
        engine_.kills().reason(risk::KillScope::kClientSession, leg.index());
    (void)audit(AuditEvent::kKillTripped, &leg, &view, &d,
                trip_text("session kill switch engaged", why, d, view));
    const Scope s{risk::KillScope::kClientSession, leg.index(), {}};
    if (opts_.cancel_on_kill) cancel_working(s, kill_why(why, d.rule));
    if (leg.options().logout_on_kill) leg.session().logout("kill switch engaged");
  }
}

void RouteGroup::handle_new_or_replace(ClientLeg& leg, const codec::Message& msg,
                                       risk::OrderView& view) noexcept {
  const std::string_view prefix = leg.options().cl_ord_id_prefix;
  const std::string_view new_id = exch_id(prefix, view.cl_ord_id, id_buf_);
  if (new_id.empty()) {
    risk::Decision d;
    d.rule = risk::RuleId::kMissingField;  // An id we cannot carry is as good as missing.
    d.actual = static_cast<std::int64_t>(view.cl_ord_id.size() + prefix.size());
    d.limit = static_cast<std::int64_t>(kMaxIdLen);
    refuse(leg, msg, view, d);
    return;
  }
  Table::Entry* orig = nullptr;
  std::string_view orig_id;
  if (view.action == risk::Action::kReplace) {
    orig_id = exch_id(prefix, view.orig_cl_ord_id, id_buf2_);
    orig = orig_id.empty() ? nullptr : orders_.find(orig_id);
    if (orig == nullptr || orig->client_session != leg.index() || !is_order_state(orig->state)) {
      risk::Decision d;
      d.rule = risk::RuleId::kMissingField;
      CancelRejectInfo r;
      r.cl_ord_id = view.cl_ord_id;
      r.orig_cl_ord_id = view.orig_cl_ord_id;
      r.response_to = '2';
      r.cxl_rej_reason = 1;  // Unknown order.
      r.text = "unknown_order: OrigClOrdID is not a working order of this session";
      codec::BodyBuilder b({body_, sizeof body_});
      if (build_cancel_reject(b, r)) (void)leg.session().send_app(mt::kOrderCancelReject, b.view());
      return;
    }
  }
  // The engine alone decides exchange availability (check 3), after the kill
  // switch and retired values, so a retired value still trips its session and
  // a killed flow is refused naming the kill switch. on_logout() lowers the
  // flag; a leg that is logging out (our Logout awaits its answer) counts as
  // down already, so the engine refuses it before committing anything.
  if (exchange_ == nullptr || exchange_->state() != session::State::kActive)
    engine_.set_exchange_available(opts_.exchange_idx, false);
  Ticket ticket;
  const risk::Decision d =
      engine_.check(view, leg.risk_state(), ticket, orig != nullptr ? &orig->ticket : nullptr);
  if (!d.accepted()) {
    refuse(leg, msg, view, d);
    return;
  }
  // Track before sending: an order we could not cancel on a kill must not go.
  Table::Entry* e = orders_.insert(new_id);
  if (e == nullptr) {
    engine_.on_sent_failed(ticket);
    risk::Decision full;
    full.rule = orders_.find(new_id) != nullptr ? risk::RuleId::kDuplicateClOrdID
                                                : risk::RuleId::kRiskStateFull;
    full.actual = static_cast<std::int64_t>(orders_.size());
    full.limit = static_cast<std::int64_t>(orders_.capacity());
    refuse(leg, msg, view, full);
    return;
  }
  e->client_session = leg.index();
  e->state =
      view.action == risk::Action::kNew ? OrderState::kPendingNew : OrderState::kPendingReplace;
  e->side = fix_side(view.side);
  e->order_qty = view.quantity;
  e->leaves_qty = view.quantity;
  e->ticket = ticket;
  (void)e->symbol.assign(view.symbol);
  (void)e->account.assign(view.account);
  if (!orig_id.empty()) (void)e->orig_exch_id.assign(orig_id);
  if (e->state == OrderState::kPendingNew) ++working_count_;

  codec::Substitution subs[2] = {{tag::kClOrdID, new_id}, {tag::kOrigClOrdID, orig_id}};
  const std::size_t nsubs = orig_id.empty() ? 1 : 2;
  const session::SendResult sr = exchange_->forward_app(msg, {subs, nsubs});
  if (sr != session::SendResult::kSent) {
    // Re-find: nothing erased since insert, but keep the no-pointer-across-
    // erase rule simple.
    if (Table::Entry* again = orders_.find(new_id)) {
      engine_.on_sent_failed(again->ticket);
      finish(again);
    }
    risk::Decision down;
    down.rule = risk::RuleId::kExchangeUnavailable;
    refuse(leg, msg, view, down);
    return;
  }
  leg.counters.forwarded.store(leg.counters.forwarded.load(std::memory_order_relaxed) + 1,
                               std::memory_order_relaxed);
}

void RouteGroup::handle_cancel(ClientLeg& leg, const codec::Message& msg,
                               risk::OrderView& view) noexcept {
  const std::string_view prefix = leg.options().cl_ord_id_prefix;
  const std::string_view new_id = exch_id(prefix, view.cl_ord_id, id_buf_);
  const std::string_view orig_id = exch_id(prefix, view.orig_cl_ord_id, id_buf2_);
  leg.counters.cancels.store(leg.counters.cancels.load(std::memory_order_relaxed) + 1,
                             std::memory_order_relaxed);
  const risk::Decision d = engine_.check_cancel(view, leg.risk_state());
  if (!d.accepted()) {
    refuse(leg, msg, view, d);
    return;
  }
  // A cancel is never refused for being unknown to us: after a restart the
  // table is empty but the exchange may still have the order. It always goes
  // out when the exchange leg is up, because it can only reduce risk.
  if (new_id.empty() || orig_id.empty() || exchange_ == nullptr ||
      exchange_->state() != session::State::kActive) {
    risk::Decision down;
    down.rule = new_id.empty() || orig_id.empty() ? risk::RuleId::kMissingField
                                                  : risk::RuleId::kExchangeUnavailable;
    refuse(leg, msg, view, down);
    return;
  }
  if (Table::Entry* e = orders_.insert(new_id)) {
    e->client_session = leg.index();
    e->state = OrderState::kPendingCancel;
    (void)e->orig_exch_id.assign(orig_id);
    (void)e->symbol.assign(view.symbol);
  }
  // A full table only costs us the routing of the cancel's own reports by
  // entry; they still route by prefix.
  codec::Substitution subs[2] = {{tag::kClOrdID, new_id}, {tag::kOrigClOrdID, orig_id}};
  if (exchange_->forward_app(msg, subs) != session::SendResult::kSent) {
    if (Table::Entry* again = orders_.find(new_id)) finish(again);
    risk::Decision down;
    down.rule = risk::RuleId::kExchangeUnavailable;
    refuse(leg, msg, view, down);
    return;
  }
  leg.counters.forwarded.store(leg.counters.forwarded.load(std::memory_order_relaxed) + 1,
                               std::memory_order_relaxed);
}

void RouteGroup::finish(Table::Entry* e) noexcept {
  if (is_order_state(e->state) && working_count_ > 0) --working_count_;
  orders_.erase(e);
}

ClientLeg* RouteGroup::owner_by_prefix(std::string_view id) noexcept {
  for (auto& c : clients_) {
    const std::string& p = c->options().cl_ord_id_prefix;
    if (id.size() > p.size() && id.substr(0, p.size()) == p) return c.get();
  }
  return nullptr;
}

void RouteGroup::forward_to_client(ClientLeg& leg, const codec::Message& msg,
                                   std::string_view cl_ord_id, std::string_view orig) noexcept {
  codec::Substitution subs[2] = {{tag::kClOrdID, cl_ord_id}, {tag::kOrigClOrdID, orig}};
  (void)leg.session().forward_app(msg, subs);
  leg.counters.reports_out.store(leg.counters.reports_out.load(std::memory_order_relaxed) + 1,
                                 std::memory_order_relaxed);
}

// The exchange leg.
void RouteGroup::on_logon() noexcept {
  engine_.set_exchange_available(opts_.exchange_idx, true);
  note_session_event(nullptr, "logged on", {});
}

void RouteGroup::on_logout(std::string_view reason) noexcept {
  engine_.set_exchange_available(opts_.exchange_idx, false);
  note_session_event(nullptr, "logged out; new orders refused until it logs on again", reason);
}

void RouteGroup::on_session_event(std::string_view what) noexcept {
  note_protocol_event(nullptr, what, event_limiter_);
}

void RouteGroup::on_message_rejected(const codec::Message& msg, int reason, std::uint32_t ref_tag,
                                     std::string_view text) noexcept {
  counters.reports_rejected.store(counters.reports_rejected.load(std::memory_order_relaxed) + 1,
                                  std::memory_order_relaxed);
  audit_rejected_message(nullptr, msg, reason, ref_tag, text);
}

void RouteGroup::on_app_message(const codec::Message& msg) noexcept {
  counters.reports_in.store(counters.reports_in.load(std::memory_order_relaxed) + 1,
                            std::memory_order_relaxed);
  const std::string_view type = msg.msg_type();
  if (type == mt::kExecutionReport) {
    on_execution_report(msg);
  } else if (type == mt::kOrderCancelReject) {
    on_cancel_reject(msg);
  } else if (type == mt::kOrderMassCancelReport) {
    (void)audit(AuditEvent::kMassCancelSent, nullptr, nullptr, nullptr,
                "OrderMassCancelReport received");
  } else {
    counters.unroutable.store(counters.unroutable.load(std::memory_order_relaxed) + 1,
                              std::memory_order_relaxed);
  }
}

void RouteGroup::on_execution_report(const codec::Message& msg) noexcept {
  const std::string_view id = msg.get(tag::kClOrdID);
  const std::string_view exec_type = msg.get(tag::kExecType);
  const char et = exec_type.size() == 1 ? exec_type[0] : '?';
  const std::string_view orig_field = msg.get(tag::kOrigClOrdID);
  Table::Entry* e = orders_.find(id);
  if (e == nullptr && !orig_field.empty()) {
    // Reports on a cancel riskgate sent itself carry our RGK id in 11 and the
    // order in 41: they belong to the order.
    Table::Entry* o = orders_.find(orig_field);
    if (o != nullptr && o->gateway_initiated) e = o;
  }

  ClientLeg* owner = nullptr;
  if (e != nullptr) {
    for (auto& c : clients_)
      if (c->index() == e->client_session) owner = c.get();
  } else {
    owner = owner_by_prefix(id);
  }

  // Client-facing ids: strip our prefix; a gateway-initiated cancel reports
  // on the client's original order id.
  std::string_view client_id, client_orig;
  if (e != nullptr && e->gateway_initiated) {
    const std::string_view o = e->exch_id.view();
    client_id = client_orig = owner ? o.substr(owner->options().cl_ord_id_prefix.size()) : o;
  } else if (owner != nullptr) {
    const std::size_t p = owner->options().cl_ord_id_prefix.size();
    client_id = id.size() > p ? id.substr(p) : id;
    if (orig_field.size() > p && orig_field.substr(0, p) == owner->options().cl_ord_id_prefix)
      client_orig = orig_field.substr(p);
    else
      client_orig = orig_field;
  }
  // Trust no length from a peer: riskgate never issues an id longer than
  // kMaxIdLen, so a longer 11 or 41 is not about one of our orders. Such a
  // report still updates exposure below (the entry was found by a short id)
  // but is not forwarded; it is audited as unroutable. Without this check the
  // copies below overran id_buf_/id_buf2_ (found by tests/fuzz/fuzz_route).
  if (client_id.size() > kMaxIdLen || client_orig.size() > kMaxIdLen) {
    owner = nullptr;
    client_id = client_orig = {};
  }
  // Copy into scratch: the entry is freed (and may be reused) on erase below.
  // std::copy_n, not memcpy: with no owner the views are empty with a null
  // data(), and memcpy from null is undefined even for 0 bytes (UBSan).
  std::copy_n(client_id.data(), client_id.size(), id_buf_);
  client_id = {id_buf_, client_id.size()};
  std::copy_n(client_orig.data(), client_orig.size(), id_buf2_);
  client_orig = {id_buf2_, client_orig.size()};

  // A kill tripped by this report logs its session out (LogoutOnKill) once
  // the report itself has been forwarded.
  bool logout_after_report = false;
  if (e != nullptr) {
    // The entry that carries the order's exposure.
    Table::Entry* target = e;
    if (e->state == OrderState::kPendingCancel ||
        (e->state == OrderState::kPendingReplace && et != '5' && et != '8' && et != '0')) {
      target = orders_.find(e->orig_exch_id.view());
    }
    risk::ExecEvent ev;
    ev.now_ns = clock_.steady_ns();
    ev.last_qty = field_int(msg, tag::kLastQty);
    ev.last_px = field_micros(msg, tag::kLastPx);
    ev.leaves_qty = field_int(msg, tag::kLeavesQty);
    ev.cum_qty = field_int(msg, tag::kCumQty);
    switch (et) {
      case '0':  // New
        if (e->state == OrderState::kPendingNew) {
          e->state = OrderState::kWorking;
          ev.kind = risk::ExecKind::kNewAck;
          (void)engine_.on_execution(e->ticket, ev);
        }
        break;
      case '1':    // Partial fill (4.2)
      case '2':    // Fill (4.2)
      case 'F': {  // Trade (4.4)
        if (target == nullptr) break;
        const bool done = ev.leaves_qty <= 0;
        ev.kind = done ? risk::ExecKind::kFill : risk::ExecKind::kPartialFill;
        const risk::ExecOutcome out = engine_.on_execution(target->ticket, ev);
        target->leaves_qty = ev.leaves_qty;
        if (target->state == OrderState::kPendingNew) target->state = OrderState::kWorking;
        const risk::SessionIdx owner_idx = target->client_session;
        if (out.flow_disabled || out.session_killed || out.throttled) {
          audit_exec_outcome(out, owner, *target, ev, client_id);
        }
        if (done) finish(target);
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
      case '4':    // Canceled
      case 'C':    // Expired
      case '3': {  // Done for day
        ev.kind = et == '4' ? risk::ExecKind::kCanceled : risk::ExecKind::kExpired;
        const bool cancel_entry = e->state == OrderState::kPendingCancel;
        if (target != nullptr) {
          (void)engine_.on_execution(target->ticket, ev);
          finish(target);
        }
        if (cancel_entry) {
          if (Table::Entry* again = orders_.find(id)) finish(again);
        }
        break;
      }
      case '5': {  // Replaced: the replacement carries the order from now on.
        if (e->state != OrderState::kPendingReplace) break;
        Table::Entry* o = orders_.find(e->orig_exch_id.view());
        if (o != nullptr) {
          engine_.on_replaced(o->ticket, e->ticket);
          finish(o);
        }
        if (Table::Entry* again = orders_.find(id)) {
          again->state = OrderState::kWorking;
          again->leaves_qty = ev.leaves_qty;
          ++working_count_;
        }
        break;
      }
      case '8':  // Rejected by the exchange.
        if (e->state == OrderState::kPendingNew || e->state == OrderState::kPendingReplace) {
          ev.kind = risk::ExecKind::kRejected;
          (void)engine_.on_execution(e->ticket, ev);
          finish(e);
        }
        break;
      default:  // Pending states, restatements, order status: no exposure change.
        break;
    }
  }

  if (owner == nullptr) {
    counters.unroutable.store(counters.unroutable.load(std::memory_order_relaxed) + 1,
                              std::memory_order_relaxed);
    (void)audit(AuditEvent::kOther, nullptr, nullptr, nullptr, "unroutable execution report");
    return;
  }
  forward_to_client(*owner, msg, client_id, client_orig);
  if (logout_after_report && owner->session().state() == session::State::kActive) {
    owner->session().logout("kill switch engaged");
  }
}

void RouteGroup::on_cancel_reject(const codec::Message& msg) noexcept {
  const std::string_view id = msg.get(tag::kClOrdID);
  Table::Entry* e = orders_.find(id);
  ClientLeg* owner = nullptr;
  if (e == nullptr) {
    if (Table::Entry* o = orders_.find(msg.get(tag::kOrigClOrdID));
        o != nullptr && o->gateway_initiated) {
      // The exchange refused a kill cancel (e.g. the order just filled): the
      // order stays tracked, and a later kill may try again.
      o->gateway_initiated = false;
      (void)audit(AuditEvent::kCancelSent, nullptr, nullptr, nullptr,
                  "kill cancel rejected by exchange");
      return;
    }
  }
  bool gateway_initiated = false;
  if (e != nullptr) {
    for (auto& c : clients_)
      if (c->index() == e->client_session) owner = c.get();
    gateway_initiated = e->gateway_initiated;
    if (e->state == OrderState::kPendingReplace) {
      // The replacement never became the order: release what it reserved.
      engine_.on_sent_failed(e->ticket);
    }
    if (e->state == OrderState::kPendingCancel || e->state == OrderState::kPendingReplace)
      finish(e);
  } else {
    owner = owner_by_prefix(id);
  }
  if (gateway_initiated) {
    (void)audit(AuditEvent::kCancelSent, owner, nullptr, nullptr,
                "kill cancel rejected by exchange");
    return;
  }
  if (owner == nullptr) {
    counters.unroutable.store(counters.unroutable.load(std::memory_order_relaxed) + 1,
                              std::memory_order_relaxed);
    return;
  }
  const std::size_t p = owner->options().cl_ord_id_prefix.size();
  const std::string_view orig = msg.get(tag::kOrigClOrdID);
  forward_to_client(*owner, msg, id.size() > p ? id.substr(p) : id,
                    orig.size() > p ? orig.substr(p) : orig);
}

void RouteGroup::on_client_down(ClientLeg& leg) noexcept {
  if (!leg.options().cancel_on_disconnect) return;
  const Scope s{risk::KillScope::kClientSession, leg.index(), {}};
  cancel_working(s, "cancel on disconnect");
}

bool RouteGroup::in_scope(const Table::Entry& e, const Scope& s) const noexcept {
  switch (s.kind) {
    case risk::KillScope::kGlobal:
    case risk::KillScope::kExchangeSession:
      return true;
    case risk::KillScope::kClientSession:
      return e.client_session == s.idx;
    case risk::KillScope::kAccount:
      return e.account.view() == s.name;
    case risk::KillScope::kSymbol:
      return e.symbol.view() == s.name;
    default:
      return false;
  }
}

std::size_t RouteGroup::cancel_working(const Scope& scope, std::string_view why) noexcept {
  if (exchange_ == nullptr || exchange_->state() != session::State::kActive) return 0;
  const bool whole_session =
      scope.kind == risk::KillScope::kGlobal || scope.kind == risk::KillScope::kExchangeSession;
  if (whole_session && opts_.supports_mass_cancel && !opts_.fix42) {
    codec::BodyBuilder b({body_, sizeof body_});
    b.add(tag::kClOrdID, next_id("RGM"));
    b.add(tag::kMassCancelRequestType, "7");  // 7 = cancel all orders
    b.add(tag::kTransactTime, now_stamp());
    if (!b.overflowed() &&
        exchange_->send_app(mt::kOrderMassCancelRequest, b.view()) == session::SendResult::kSent) {
      (void)audit(AuditEvent::kMassCancelSent, nullptr, nullptr, nullptr, why);
      counters.kill_cancels.store(counters.kill_cancels.load(std::memory_order_relaxed) + 1,
                                  std::memory_order_relaxed);
      return 1;
    }
  }
  // Collect first: inserting cancel entries while iterating would move
  // entries under the iteration. The ids go into a fixed ring of scratch.
  std::size_t sent = 0;
  orders_.for_each([&](Table::Entry& e) {
    if (!is_order_state(e.state) || !in_scope(e, scope)) return;
    if (e.gateway_initiated) return;
    CancelInfo c;
    c.cl_ord_id = next_id("RGK");
    c.orig_cl_ord_id = e.exch_id.view();
    c.account = e.account.view();
    c.symbol = e.symbol.view();
    c.side = e.side;
    c.order_qty = e.order_qty;
    c.transact_time = now_stamp();
    codec::BodyBuilder b({body_, sizeof body_});
    if (!build_cancel_request(b, c)) return;
    if (exchange_->send_app(mt::kOrderCancelRequest, b.view()) != session::SendResult::kSent)
      return;
    // Mark the order so its own cancel ack routes back to the client, and so
    // a second kill does not cancel it twice.
    e.gateway_initiated = true;
    ++sent;
  });
  counters.kill_cancels.store(counters.kill_cancels.load(std::memory_order_relaxed) + sent,
                              std::memory_order_relaxed);
  if (sent > 0) (void)audit(AuditEvent::kCancelSent, nullptr, nullptr, nullptr, why);
  return sent;
}

void RouteGroup::logout_clients(const Scope& scope, std::string_view why) noexcept {
  for (auto& c : clients_) {
    if (!c->options().logout_on_kill) continue;
    const bool hit = scope.kind == risk::KillScope::kGlobal ||
                     scope.kind == risk::KillScope::kExchangeSession ||
                     (scope.kind == risk::KillScope::kClientSession && scope.idx == c->index());
    if (hit && c->session().state() == session::State::kActive) c->session().logout(why);
  }
}

}  // namespace riskgate::route
