#include "gateway/route/route_group.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "gateway/codec/tags.hpp"

namespace riskgate::route {

namespace tag = codec::tag;
namespace mt = codec::msgtype;
using audit::AuditEvent;
using audit::AuditRecord;

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
  latency.set_sample_every(opts_.latency_sample_every);
  if (opts_.max_ended_orders != 0) {
    ended_.emplace(opts_.max_ended_orders);
    ended_fifo_ = std::make_unique<std::uint32_t[]>(opts_.max_ended_orders);
  }
  // Generated ids (kill cancels, mass cancels, our own ExecIDs) must never
  // repeat, across restarts and days, because venues refuse a duplicate
  // ClOrdID within a day. The counter starts at the wall clock in ns: a
  // restart takes far longer than one id per ns, so a new process starts
  // above every id the old one issued; the journal keeps the highest block
  // reserved (next_id), so a clock stepped back across a restart cannot
  // take it below them either (restore_id_floor).
  id_counter_ = static_cast<std::uint64_t>(clock_.utc_ns());
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
  // prefix + the counter in base 36 (digits, then upper-case letters):
  // "RGK" + 12 characters, inside the 20 characters many venues allow for
  // ClOrdID. Prefixes are short literals ("RGR", "RGK", "RGM").
  static constexpr char kDigits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::size_t n = prefix.size();
  std::memcpy(gen_id_, prefix.data(), n);
  char digits[16];
  std::size_t d = 0;
  std::uint64_t v = ++id_counter_;
  if (v >= id_reserved_ && journal_ != nullptr) {
    // On record before the id goes out (the ring keeps order): best effort,
    // the clock start still holds if the journal cannot take it.
    id_reserved_ = v + kIdBlock;
    (void)journal_->record_id_floor(id_reserved_);
  }
  do {
    digits[d++] = kDigits[v % 36];
    v /= 36;
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

  // Sampled (every Nth order): two clock reads on this order only; 0 = not
  // timed. Orders answered with a session Reject or refused outside trading
  // hours return before the end and are not recorded.
  const std::int64_t t0 = latency.due() ? LatencyHistogram::now_ns() : 0;

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
  if (t0 != 0) {
    latency.record(
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, LatencyHistogram::now_ns() - t0)));
  }
}

void RouteGroup::refuse(ClientLeg& leg, const codec::Message& msg, const risk::OrderView& view,
                        const risk::Decision& d) noexcept {
  const std::size_t n = risk::format_reject_text(d, view, text_, sizeof text_);
  const std::string_view text(text_, n);
  leg.counters.refused.store(leg.counters.refused.load(std::memory_order_relaxed) + 1,
                             std::memory_order_relaxed);
  if (const auto r = static_cast<std::size_t>(d.rule); r < leg.counters.refused_by_rule.size())
    leg.counters.refused_by_rule[r].add(1);
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
  // A resend of an order that is working (the engine's ResendRequest after
  // our restart, while we reconcile or while a kill holds): its reports
  // answer it, and a reject from any rule below would contradict them.
  if (view.poss_dup && view.action == risk::Action::kNew && orders_.find(new_id) != nullptr) {
    risk::Decision known;
    known.rule = risk::RuleId::kDuplicateClOrdID;
    (void)audit(AuditEvent::kOrderRefused, &leg, &view, &known,
                "possdup_ignored: a resent order that is working; its reports stand");
    return;
  }
  // The engine alone decides exchange availability (check 3), after the kill
  // switch and retired values, so a retired value still trips its session and
  // a killed flow is refused naming the kill switch. on_logout() lowers the
  // flag; a leg that is logging out (our Logout awaits its answer) counts as
  // down already, so the engine refuses it before committing anything.
  if (exchange_ == nullptr || exchange_->state() != session::State::kActive)
    engine_.set_exchange_available(opts_.exchange_idx, false);
  // After a restart, the table is only as good as what the exchange has not
  // yet told us: nothing new goes until it has (cancels are not held).
  if (reconciling_.load(std::memory_order_relaxed) && !reconciled()) {
    risk::Decision wait;
    wait.rule = risk::RuleId::kReconciling;
    refuse(leg, msg, view, wait);
    return;
  }
  // One transactional step (issue 11): the engine's decision is pending until
  // the order is in the table and forwarded; any failure in between rolls it
  // back whole, so a retry of the same ClOrdID is judged afresh.
  risk::PendingOrder pending;
  const risk::Decision d =
      engine_.check(view, leg.risk_state(), pending, orig != nullptr ? &orig->ticket : nullptr);
  if (!d.accepted()) {
    if (view.poss_dup && d.rule == risk::RuleId::kDuplicateClOrdID) {
      // A resend of an order already processed (the engine's ResendRequest
      // after our restart, or its own replay): its reports answer it, a
      // reject would contradict them. On record, not answered.
      (void)audit(AuditEvent::kOrderRefused, &leg, &view, &d,
                  "possdup_ignored: a resent order already processed; its reports stand");
      return;
    }
    refuse(leg, msg, view, d);
    return;
  }
  // Track before sending: an order we could not cancel on a kill must not go.
  Table::Entry* e = orders_.insert(new_id);
  if (e == nullptr) {
    engine_.rollback(pending, leg.risk_state());
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
  // A replace without TimeInForce keeps the order's: what rests past the day
  // stays tracked as such.
  e->time_in_force =
      view.time_in_force != 0 || orig == nullptr ? view.time_in_force : orig->time_in_force;
  e->order_qty = view.quantity;
  e->leaves_qty = view.quantity;
  e->ticket = pending.ticket;
  (void)e->symbol.assign(view.symbol);
  (void)e->account.assign(view.account);
  if (!orig_id.empty()) (void)e->orig_exch_id.assign(orig_id);
  if (orig != nullptr) orig->replace_sent = true;
  if (e->state == OrderState::kPendingNew) ++working_count_;
  // Durable before it goes (issue 11): an order the journal does not hold is
  // one a restart could not cancel or count.
  if (journal_ != nullptr &&
      !journal_entry(view.action == risk::Action::kNew ? journal::OrderEventKind::kNew
                                                       : journal::OrderEventKind::kReplace,
                     *e, orig_id, 0, view.has_price ? view.price : 0,
                     view.ord_type == risk::OrdType::kLimit ? '2' : '1', msg.seq_num())) {
    engine_.rollback(pending, leg.risk_state());
    // Not journaled, so no end to journal either (drop, not finish).
    if (Table::Entry* again = orders_.find(new_id)) drop(again);
    risk::Decision nj;
    nj.rule = risk::RuleId::kJournalUnavailable;
    refuse(leg, msg, view, nj);
    return;
  }

  remember_seq(*e, false);
  codec::Substitution subs[2] = {{tag::kClOrdID, new_id}, {tag::kOrigClOrdID, orig_id}};
  const std::size_t nsubs = orig_id.empty() ? 1 : 2;
  const session::SendResult sr = exchange_->forward_app(msg, {subs, nsubs});
  if (sr != session::SendResult::kSent) {
    engine_.rollback(pending, leg.risk_state());
    // Re-find: nothing erased since insert, but keep the no-pointer-across-
    // erase rule simple. kNotStored: the journal never took the order, so
    // its end is not journaled either (drop, not finish); otherwise the
    // journal holds it and must see it end.
    if (Table::Entry* again = orders_.find(new_id)) {
      if (sr == session::SendResult::kNotStored) {
        drop(again);
      } else {
        finish(again);
      }
    }
    risk::Decision down;
    // kNotStored: the journal could not hold the order with its message.
    down.rule = sr == session::SendResult::kNotStored ? risk::RuleId::kJournalUnavailable
                                                      : risk::RuleId::kExchangeUnavailable;
    refuse(leg, msg, view, down);
    return;
  }
  engine_.commit(pending, leg.risk_state());
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
  // Its budgets are taken only once it is forwarded (issue 11).
  risk::PendingCancel pending;
  const risk::Decision d = engine_.check_cancel(view, leg.risk_state(), pending);
  if (!d.accepted()) {
    refuse(leg, msg, view, d);
    return;
  }
  // A cancel is never refused for being unknown to us: after a restart the
  // table is empty but the exchange may still have the order. It always goes
  // out when the exchange leg is up, because it can only reduce risk.
  if (new_id.empty() || orig_id.empty() || exchange_ == nullptr ||
      exchange_->state() != session::State::kActive) {
    engine_.rollback(pending);
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
    remember_seq(*e, false);
  }
  // A full table only costs us the routing of the cancel's own reports by
  // entry; they still route by prefix.
  codec::Substitution subs[2] = {{tag::kClOrdID, new_id}, {tag::kOrigClOrdID, orig_id}};
  if (exchange_->forward_app(msg, subs) != session::SendResult::kSent) {
    engine_.rollback(pending);
    if (Table::Entry* again = orders_.find(new_id)) finish(again);
    risk::Decision down;
    down.rule = risk::RuleId::kExchangeUnavailable;
    refuse(leg, msg, view, down);
    return;
  }
  engine_.commit(pending, leg.risk_state());
  leg.counters.forwarded.store(leg.counters.forwarded.load(std::memory_order_relaxed) + 1,
                               std::memory_order_relaxed);
}

void RouteGroup::end_pending_replaces(const Table::Entry& order) noexcept {
  if (!order.replace_sent) return;
  // Collected first: finish() erases, which for_each must not see. More
  // than a handful of replaces in flight on one order is not a real flow.
  std::array<Table::Entry*, 8> found{};
  std::size_t n = 0;
  const std::string_view id = order.exch_id.view();
  orders_.for_each([&](Table::Entry& r) {
    if (n < found.size() && &r != &order && r.state == OrderState::kPendingReplace &&
        r.orig_exch_id.view() == id)
      found[n++] = &r;
  });
  for (std::size_t k = 0; k < n; ++k) {
    engine_.on_sent_failed(found[k]->ticket);
    finish(found[k]);
  }
}

void RouteGroup::finish(Table::Entry* e) noexcept {
  // Cancel-request entries are not journaled (a restart matches their
  // reports by OrigClOrdID), so their end is not either.
  if (journal_ != nullptr &&
      (is_order_state(e->state) || e->state == OrderState::kPendingReplace)) {
    // Best effort: the entry goes either way. A lost kDone makes a restart
    // restore an order that ended; the exchange's resend or the kill's
    // cancel reject then ends it again.
    (void)journal_entry(journal::OrderEventKind::kDone, *e);
  }
  drop(e);
}

void RouteGroup::drop(Table::Entry* e) noexcept {
  status_answered(*e);
  if (is_order_state(e->state)) remember_ended(*e);
  if (is_order_state(e->state) && working_count_ > 0) --working_count_;
  orders_.erase(e);
}

bool RouteGroup::journal_entry(journal::OrderEventKind kind, const Table::Entry& e,
                               std::string_view orig, std::int64_t last_qty, std::int64_t price,
                               char ord_type, std::uint64_t in_seq) noexcept {
  journal::OrderEvent ev;
  ev.kind = kind;
  ev.side = e.side;
  ev.ord_type = ord_type;
  ev.client_session = e.client_session;
  ev.order_qty = e.order_qty;
  ev.price = price;
  ev.last_qty = last_qty;
  ev.cum_qty = e.cum_qty;
  ev.leaves_qty = e.leaves_qty;
  ev.cl_ord_id = e.exch_id.view();
  ev.orig_cl_ord_id = orig;
  std::uint64_t out_seq = 0;
  if (kind == journal::OrderEventKind::kNew || kind == journal::OrderEventKind::kReplace) {
    ev.symbol = e.symbol.view();
    ev.time_in_force = e.time_in_force;
    ev.account = e.account.view();
    if (exchange_ != nullptr) out_seq = exchange_->store().next_sender_seq();
  }
  return journal_->record(ev, out_seq, in_seq);
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

bool RouteGroup::send_kill_cancel(Table::Entry& e) noexcept {
  if (exchange_ == nullptr || exchange_->state() != session::State::kActive) return false;
  CancelInfo c;
  c.cl_ord_id = next_id("RGK");
  c.orig_cl_ord_id = e.exch_id.view();
  c.account = e.account.view();
  c.symbol = e.symbol.view();
  c.side = e.side;
  c.order_qty = e.order_qty;
  c.transact_time = now_stamp();
  codec::BodyBuilder b({body_, sizeof body_});
  if (!build_cancel_request(b, c)) return false;
  remember_seq(e, true);
  if (exchange_->send_app(mt::kOrderCancelRequest, b.view()) != session::SendResult::kSent)
    return false;
  // Mark the order so its own cancel ack routes back to the client, and so
  // a second kill does not cancel it twice.
  e.gateway_initiated = true;
  return true;
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
    const std::uint64_t seq = exchange_->store().next_sender_seq();
    if (!b.overflowed() &&
        exchange_->send_app(mt::kOrderMassCancelRequest, b.view()) == session::SendResult::kSent) {
      mass_cancel_seq_ = seq;
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
    if (send_kill_cancel(e)) ++sent;
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
