// A route group: one exchange session and the client sessions routed to it.
//
// A group lives on exactly one I/O thread, so everything an order does, from
// the client's bytes to the exchange's socket, happens on that thread without
// a handoff: receive -> frame -> scan -> session checks -> translate -> risk
// check -> ClOrdID rewrite -> send. Nothing here allocates after start, takes
// a lock, or makes a syscall other than the socket write inside send.
//
// ClOrdIDs: several clients share the exchange session, so every ClOrdID (11)
// and OrigClOrdID (41) is prefixed on the way out with the client's
// ClOrdIDPrefix, and the prefix is stripped on the way back. The order table
// remembers which client owns each exchange ClOrdID, so reports go only to
// their owner.
//
// Exchange reports (gateway/route/route_reports.cpp) are routed by the order
// they name in the order table, and their quantities decide the order's
// state by the FIX state model (gateway/route/exec_state.hpp). A report the
// group cannot square with its order (an overfill, an unknown order, another
// session's order, an oversize identifier) is audited (report_anomaly) and
// counted; it never reaches a client that does not own the order. A session
// Reject (35=3) or BusinessMessageReject (35=j) for one of our forwarded
// messages becomes an order reject or cancel reject to its engine.
//
// Fail closed: an order is refused (never forwarded) when the exchange leg is
// not logged on, the audit cannot take the record, the order table is full,
// or risk says no. Cancels always pass risk (a cancel budget aside).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/latency_histogram.hpp"
#include "common/relaxed_counter.hpp"
#include "gateway/audit/audit_record.hpp"
#include "gateway/codec/codec.hpp"
#include "gateway/journal/record.hpp"
#include "gateway/route/exec_state.hpp"
#include "gateway/route/order_table.hpp"
#include "gateway/route/translate.hpp"
#include "gateway/session/session.hpp"
#include "risk/engine.hpp"

namespace riskgate::route {

using Ticket = risk::Reservation;
using Table = OrderTable<Ticket>;

// Where order-path audit records go (an AuditProducer in the gateway; a
// recorder in tests). try_record false => the order is refused.
class AuditSink {
 public:
  virtual ~AuditSink() = default;
  [[nodiscard]] virtual bool try_record(const audit::AuditRecord& r) noexcept = 0;
};

// Which working orders a kill cancels, and which sessions it logs out.
struct Scope {
  risk::KillScope kind = risk::KillScope::kGlobal;
  std::uint32_t idx = risk::kNoIdx;  // Session / account / symbol index for the scope.
  std::string_view name;             // Account or symbol name for matching orders.
};

// Where the order table's changes go to be durable (issue 11): the gateway's
// journal, or nothing (journal off, most tests). record() false means the
// event is NOT durable: the caller must not forward a new order or replace
// it describes (refused, journal_unavailable). `out_seq`: for a new order or
// replace, the exchange MsgSeqNum it is about to go out with (a restart
// drops one whose message was never recorded as sent); 0 otherwise.
// `in_seq`: for a new order or replace, the MsgSeqNum of the engine message
// it acts on (the journal may record it with the order: app/order_journal);
// 0 otherwise. I/O thread only; wait-free.
class OrderJournal {
 public:
  virtual ~OrderJournal() = default;
  [[nodiscard]] virtual bool record(const journal::OrderEvent& e, std::uint64_t out_seq,
                                    std::uint64_t in_seq) noexcept = 0;
  // Generated ids below `next` (kill cancels, mass cancels, our ExecIDs) may
  // have been issued: a restart starts above it (RouteGroup::restore_id_floor).
  [[nodiscard]] virtual bool record_id_floor(std::uint64_t next) noexcept {
    (void)next;
    return true;
  }
};

class RouteGroup;

// Rate limit for protocol-event audit lines (garbled data, rejects sent).
struct EventLimiter {
  std::int64_t last_ns = 0;      // Steady clock of the last line written.
  std::uint64_t suppressed = 0;  // Events dropped since.
};

struct ClientOptions {
  std::string name;
  std::string cl_ord_id_prefix;
  bool cancel_on_disconnect = false;
  bool logout_on_kill = false;
  bool fix42 = false;
};

// One trading-engine session. Receives session callbacks and hands app
// messages to its group.
class ClientLeg final : public session::Handler {
 public:
  ClientLeg(RouteGroup& group, risk::SessionIdx idx, ClientOptions opts, risk::SessionState state);
  void attach(session::Session& s) noexcept { session_ = &s; }

  [[nodiscard]] session::Session& session() noexcept { return *session_; }
  [[nodiscard]] risk::SessionIdx index() const noexcept { return idx_; }
  [[nodiscard]] const ClientOptions& options() const noexcept { return opts_; }
  [[nodiscard]] risk::SessionState& risk_state() noexcept { return risk_state_; }
  // Inside its trading hours (and its exchange session's): new orders and
  // replaces may go. Set by route::TradingDay on this leg's I/O thread;
  // true when no schedule applies.
  [[nodiscard]] bool in_trading_hours() const noexcept { return trading_hours_; }
  void set_trading_hours(bool open) noexcept { trading_hours_ = open; }

  // Decides whether a Logon may proceed (identity / version checks). Set by
  // the gateway at start; empty = always accepted.
  std::function<std::string_view(ClientLeg&, const codec::Message&)> logon_check;
  std::function<void(ClientLeg&, bool up, std::string_view why)> on_state_change;

  // session::Handler
  std::string_view on_logon_request(const codec::Message& logon) noexcept override;
  void on_logon() noexcept override;
  void on_logout(std::string_view reason) noexcept override;
  void on_app_message(const codec::Message& msg) noexcept override;
  void on_session_event(std::string_view what) noexcept override;
  void on_message_rejected(const codec::Message& msg, int reason, std::uint32_t ref_tag,
                           std::string_view text) noexcept override;

  // Counters read by the control thread for status: single writer (this
  // leg's I/O thread) with relaxed stores; readers get a recent value.
  struct Counters {
    std::atomic<std::uint64_t> orders_in{0}, forwarded{0}, refused{0}, cancels{0}, reports_out{0};
    // Refusals by rule (RouteGroup::refuse: risk, schedule and restart
    // rules; dictionary rejects count only in `refused`). The metrics
    // scrape reads them; relaxed as above.
    std::array<RelaxedCounter, static_cast<std::size_t>(risk::RuleId::kCount)> refused_by_rule{};
  } counters;

 private:
  RouteGroup& group_;
  EventLimiter event_limiter_;
  risk::SessionIdx idx_;
  ClientOptions opts_;
  risk::SessionState risk_state_;
  session::Session* session_ = nullptr;
  bool trading_hours_ = true;
};

// Report anomalies that engage a kill switch besides being audited and
// counted ([gateway] KillOnReportAnomaly): bits of GroupOptions::kill_on_anomaly.
// An overfill kills the owning engine's session (more traded than it asked
// for); a report naming another session's order, or an order riskgate does
// not know, kills the exchange session (the venue or the routing is
// confused, and nothing it reports can be trusted to the right owner).
enum AnomalyKill : std::uint8_t {
  kKillOnOverfill = 1,
  kKillOnForeign = 2,
  kKillOnUnknown = 4,
};

struct GroupOptions {
  std::string exchange_name;
  std::uint32_t exchange_idx = 0;  // Index in the kill board's session space.
  bool supports_mass_cancel = false;
  // After a restart: ask each restored working order's status (35=H) once
  // the exchange has resent what it missed; new orders wait for the answers,
  // at most order_status_timeout_ns.
  bool supports_order_status = false;
  // The same with one OrderMassStatusRequest (35=AF, MassStatusReqType 7:
  // every order) instead of one 35=H per order; preferred when both are set.
  bool supports_order_mass_status = false;
  std::int64_t order_status_timeout_ns = 5'000'000'000;
  // 35=H sent per second while reconciling (0: all at once), for a venue
  // whose message-rate limit would refuse the burst.
  std::uint32_t order_status_rate = 0;
  bool forward_unknown_app_messages = false;
  bool cancel_on_kill = true;
  std::uint8_t kill_on_anomaly = 0;  // AnomalyKill bits; 0 = audit only.
  bool fix42 = false;                // Exchange leg's BeginString.
  std::size_t max_working_orders = 1 << 16;
  // Orders that ended with executions, remembered for trade cancels and
  // corrections (RouteGroup::correct_ended). 0: none.
  std::size_t max_ended_orders = 1 << 16;
  // Time every Nth order step into RouteGroup::latency (0: none). See
  // common/latency_histogram.hpp for the cost.
  std::uint32_t latency_sample_every = 0;
  TranslateConfig translate;
};

class RouteGroup final : public session::Handler {
 public:
  RouteGroup(GroupOptions opts, risk::Engine& engine, session::Clock& clock, AuditSink& audit);

  void attach_exchange(session::Session& s) noexcept { exchange_ = &s; }
  // Setup: where order-table changes are journaled (null: nowhere).
  void set_journal(OrderJournal* j) noexcept { journal_ = j; }

  // Restart (gateway/route/route_restore.cpp). Setup, on the group's I/O
  // thread before it serves traffic: one journaled order event of this
  // group, in journal order, applied to the table and the risk engine as it
  // was applied live (see risk::Engine::restore_order). Returns false for an
  // event the table cannot take (full; counted in restore_skipped()).
  bool restore_event(const journal::OrderEvent& e) noexcept;
  // The trading-day roll's carry (the journal starts a file per day,
  // gateway/app/day_roll.cpp): every order in the table as one event a
  // restart rebuilds it from (restore_carried). First each order (kind kNew:
  // its quantity, reserved price, executed and open quantity as they stand),
  // then each replace not yet acked (kind kReplace, naming its order), so a
  // replay meets the order first. Cancel requests are not carried: their
  // reports match by OrigClOrdID. client_session is the route's index, as
  // in the table. I/O thread (or setup); no allocation.
  template <typename F>
  void carry_orders(F&& f) noexcept {
    for (const bool replaces : {false, true}) {
      orders_.for_each([&](Table::Entry& e) {
        if (replaces ? e.state != OrderState::kPendingReplace : !is_order_state(e.state)) return;
        journal::OrderEvent ev;
        ev.kind = replaces ? journal::OrderEventKind::kReplace : journal::OrderEventKind::kNew;
        ev.side = e.side;
        ev.time_in_force = e.time_in_force;
        ev.client_session = e.client_session;
        ev.order_qty = e.order_qty;
        // What its exposure is reserved at (the reference price for a market
        // order): restored as a limit at that price, the same reservation.
        ev.price = e.ticket.reserved_px;
        ev.ord_type = ev.price > 0 ? '2' : '1';
        ev.cum_qty = e.cum_qty;
        ev.leaves_qty = e.leaves_qty;
        // What its exposure reserves (the risk ticket's open quantity); -1:
        // nothing (an order of an account no longer configured).
        ev.last_qty = e.ticket.active ? e.ticket.leaves_qty : -1;
        ev.cl_ord_id = e.exch_id.view();
        if (replaces) ev.orig_cl_ord_id = e.orig_exch_id.view();
        ev.symbol = e.symbol.view();
        ev.account = e.account.view();
        f(ev);
      });
    }
  }
  // Restart, at the head of a day's journal file: one carried order (above),
  // restored as restore_event() restores a new order or replace, with what
  // it had executed and has open and the exact reservation it held. Returns
  // false as restore_event().
  bool restore_carried(const journal::OrderEvent& e) noexcept;
  // After the last event: orders still in the table are working at the
  // exchange as far as riskgate knows. New orders and replaces are refused
  // (rule reconciling) until the exchange leg has logged on and caught up
  // (no resend outstanding); cancels pass. Starts the wait when anything was
  // restored.
  void finish_restore() noexcept;
  // Restart: generated ids continue above `floor` (the journal's last
  // record_id_floor), whatever the wall clock says.
  void restore_id_floor(std::uint64_t floor) noexcept {
    id_counter_ = std::max(id_counter_, floor);
    id_reserved_ = 0;
  }
  // I/O thread, each timer tick: a restarted group that waits for the
  // exchange finishes reconciling as soon as it can, not at the next order.
  void on_tick() noexcept {
    if (restore_note_due_) note_restored();
    if (reconciling_.load(std::memory_order_relaxed)) (void)reconciled();
  }
  [[nodiscard]] bool reconciling() const noexcept {
    return reconciling_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::size_t restore_skipped() const noexcept { return restore_skipped_; }
  [[nodiscard]] session::Session* exchange() noexcept { return exchange_; }
  ClientLeg& add_client(risk::SessionIdx idx, ClientOptions opts);  // Setup only.

  [[nodiscard]] std::vector<std::unique_ptr<ClientLeg>>& clients() noexcept { return clients_; }
  [[nodiscard]] const GroupOptions& options() const noexcept { return opts_; }
  [[nodiscard]] Table& orders() noexcept { return orders_; }
  [[nodiscard]] std::size_t working_orders() const noexcept { return working_count_; }
  // The ended order `id` as remembered for trade corrections (its executed
  // quantity as corrected since), or null. For status and tests.
  [[nodiscard]] const Table::Entry* ended_order(std::string_view id) noexcept;
  [[nodiscard]] std::size_t ended_orders() const noexcept { return ended_count_; }
  // A new trading day: the ended orders are forgotten (a bust of
  // yesterday's trade is audited only, as after a restart from the day's
  // file, which does not hold them). At most MaxEndedOrders erases, on the
  // I/O thread, once a day.
  void forget_ended() noexcept;

  // The order path: an application message from a client.
  void on_client_message(ClientLeg& leg, const codec::Message& msg) noexcept;
  void on_client_down(ClientLeg& leg) noexcept;

  // Kill actions (on this group's I/O thread): cancel working orders in
  // scope at the exchange, and log out clients in scope that asked for it.
  // Returns the number of cancel requests sent (1 for a mass cancel).
  std::size_t cancel_working(const Scope& scope, std::string_view why) noexcept;
  // On the exchange leg's Logon: cancels every order still working in a
  // scope the kill board has engaged (a kill while the leg was down).
  std::size_t finish_kills() noexcept;
  // The venue refused a kill's OrderMassCancelRequest (35=r with 531=0, or a
  // 35=j / 35=3 naming it): nothing was cancelled, so the orders in killed
  // scopes are cancelled one by one. Audited as "<how> <code>: <text>"
  // (e.g. "business reject 380=3: unsupported").
  void mass_cancel_refused(std::string_view how, std::string_view code,
                           std::string_view text) noexcept;
  // Whether an engaged kill covers the order's exchange session, engine
  // session, account or symbol.
  [[nodiscard]] bool in_killed_scope(const Table::Entry& e) const noexcept;
  void logout_clients(const Scope& scope, std::string_view why) noexcept;

  // An audit line (AuditEvent::kSessionEvent) for a session's logon, logout
  // or protocol event; `leg` null = the exchange leg. I/O thread only.
  [[gnu::cold]] void note_session_event(const ClientLeg* leg, std::string_view what,
                                        std::string_view detail) noexcept;
  // The same for protocol events, at most one line per second per leg.
  [[gnu::cold]] void note_protocol_event(const ClientLeg* leg, std::string_view what,
                                         EventLimiter& limiter) noexcept;

  // session::Handler for the exchange leg.
  void on_logon() noexcept override;
  void on_logout(std::string_view reason) noexcept override;
  // The exchange leg's numbering was reset: see exchange_numbering_reset().
  void on_inbound_reset() noexcept override { exchange_numbering_reset(); }
  void on_app_message(const codec::Message& msg) noexcept override;
  void on_session_event(std::string_view what) noexcept override;
  void on_message_rejected(const codec::Message& msg, int reason, std::uint32_t ref_tag,
                           std::string_view text) noexcept override;
  void on_reject_received(std::uint64_t ref_seq, std::string_view ref_msg_type, int reason,
                          std::string_view text) noexcept override;
  // The exchange asked again for an order, cancel or replace we sent and got
  // a gap fill (ResendApplication = false: stale orders are never replayed):
  // it never reached the book. The engine gets the reject the exchange would
  // have sent; a kill cancel is sent afresh while its kill holds.
  void on_app_not_resent(const codec::Message& stored) noexcept override;
  void on_resend_answered() noexcept override;

  // A message from `leg` (null: the exchange) that failed data-dictionary
  // validation and drew a session Reject: on record with the reason and the
  // tag, and never acted on or forwarded. I/O thread only.
  void audit_rejected_message(const ClientLeg* leg, const codec::Message& msg, int reason,
                              std::uint32_t ref_tag, std::string_view text) noexcept;

  struct Counters {
    std::atomic<std::uint64_t> reports_in{0}, unroutable{0}, kill_cancels{0};
    // Exchange messages refused by validation: each is a report riskgate did
    // not act on, so the state of the order it named may be stale.
    std::atomic<std::uint64_t> reports_rejected{0};
    // Executions beyond the order quantity or beyond what was open; reports
    // for no order in the table; reports naming another session's order (not
    // forwarded); exchange rejects (35=3 / 35=j) relayed to an engine.
    std::atomic<std::uint64_t> overfills{0}, unknown_orders{0}, foreign_reports{0},
        exchange_rejects{0};
    // Execution reports that traded (ExecType F/1/2 counted toward an
    // order), and the quantity they added to the orders' CumQty.
    std::atomic<std::uint64_t> fills{0}, filled_qty{0};
  } counters;
  // The order step (a client's New, Replace or Cancel from the route's
  // receipt to the forward or refusal), sampled every
  // GroupOptions::latency_sample_every-th order. Written by this group's I/O
  // thread only; read by the metrics scrape.
  LatencyHistogram latency;

 private:
  void handle_new_or_replace(ClientLeg& leg, const codec::Message& msg,
                             risk::OrderView& view) noexcept;
  void handle_cancel(ClientLeg& leg, const codec::Message& msg, risk::OrderView& view) noexcept;
  // [[gnu::cold]] on the refusal, audit and anomaly paths (here, in the
  // session's Impl and risk::Engine::refuse): GCC moves them and the
  // branches that lead to them out of the hot functions' lines, so an
  // accepted order's path runs through fewer instruction-cache lines. The
  // order step is front-end bound (a virtual call and four prefetches added
  // to it measured +10 ns); this measured about -3 % on its median
  // (BM_Route_ReceiveCheckRewrite_NewOrderSingle/20, alternating runs).
  [[gnu::cold]] void refuse(ClientLeg& leg, const codec::Message& msg, const risk::OrderView& view,
                            const risk::Decision& d) noexcept;
  void on_execution_report(const codec::Message& msg) noexcept;
  // Audits what a fill did to its session's flow (a kill, a throttle, a
  // disabled flow), naming the rule and its numbers. `order` is the filled
  // order, `client_id` its ClOrdID as the client knows it.
  // An order refused at session level because a tag that risk reads stands
  // twice in it (373=13): on record with the tag.
  void audit_repeated_tag(const ClientLeg& leg, const risk::OrderView& view,
                          std::uint32_t tag) noexcept;
  void audit_exec_outcome(const risk::ExecOutcome& out, const ClientLeg* owner,
                          const Table::Entry& order, const risk::ExecEvent& ev,
                          std::string_view client_id) noexcept;
  // Into text_: "<head> (<kill reason>): <rule>: <actual> > <limit> (ACCOUNT
  // SYMBOL)", the reject-text style; no reason part when `why` is kNone.
  std::string_view trip_text(std::string_view head, risk::KillReason why, const risk::Decision& d,
                             const risk::OrderView& v) noexcept;
  // Into why_: "<kill reason>: <rule>", the text of the cancels a trip sends.
  std::string_view kill_why(risk::KillReason why, risk::RuleId rule) noexcept;
  void on_cancel_reject(const codec::Message& msg) noexcept;
  void end_if_over(const codec::Message& msg, Table::Entry* order) noexcept;
  void on_business_reject(const codec::Message& msg) noexcept;
  // A 35=3 or 35=j for the message that created `e`: the engine gets the
  // reject it would have got from the exchange, and the exposure goes.
  [[gnu::cold]] void relay_exchange_reject(Table::Entry& e, std::string_view text) noexcept;
  // Every identifier of an exchange report within its fixed bound (11, 41,
  // 379: kMaxIdLen; 37, 17: kMaxVenueIdLen), checked before anything copies
  // one. false: the report was answered with a session Reject (373=5),
  // audited and counted, and must not be acted on.
  bool ids_fit(const codec::Message& msg) noexcept;
  // An audit line (report_anomaly) about a report and the order it named
  // (`e` may be null). Rate-limited when `limiter` is given.
  static bool is_foreign(bool known, const ClientLeg* owner, const ClientLeg* by_id,
                         const ClientLeg* by_orig) noexcept;
  [[gnu::cold]] void note_foreign(const Table::Entry* e, std::string_view what, std::string_view id,
                                  std::string_view orig) noexcept;
  // When KillOnReportAnomaly names `kind`: engages the kill it calls for
  // (see AnomalyKill), audits the trip and cancels what is working in its
  // scope. `owner` is the order's session (overfills).
  [[gnu::cold]] void trip_on_anomaly(AnomalyKill kind, const ClientLeg* owner) noexcept;
  // `event`: what the line is filed as (a trade correction's line has the
  // same shape).
  [[gnu::cold]] void note_report_anomaly(
      const ClientLeg* owner, const Table::Entry* e, std::string_view client_id,
      std::string_view text, std::int64_t value, std::int64_t limit,
      EventLimiter* limiter = nullptr,
      audit::AuditEvent event = audit::AuditEvent::kReportAnomaly) noexcept;
  // A trade cancel / correct (route_corrections.cpp). apply_trade_bust:
  // `target`'s executed quantity lowered as `v` says (v.action kTradeBust).
  // note_trade_correction: the audit line for any such report, written
  // before it is applied; `target` is the working order it applies to, or
  // null when none is.
  void apply_trade_bust(Table::Entry& target, const ExecVerdict& v, risk::ExecEvent ev) noexcept;
  // The working order that replaced the order `id` (null if none): a scan,
  // for the rare report that names an order by a ClOrdID a replace retired.
  [[gnu::cold]] Table::Entry* replacement_of(std::string_view id) noexcept;
  // The same among the remembered ended orders (ended_, not null): the
  // newest whose OrigClOrdID is `id`, or null.
  [[gnu::cold]] Table::Entry* ended_replacement_of(std::string_view id) noexcept;
  // `ended`: `target` is a remembered ended order (ended_), not a working one.
  [[gnu::cold]] void note_trade_correction(const ClientLeg* owner, const Table::Entry* target,
                                           std::string_view client_id, const ExecFields& f,
                                           bool ended = false) noexcept;
  // A trade cancel or correct no working order explains: applied to the
  // remembered ended order its ClOrdID (else its OrigClOrdID) names, or
  // that replaced the order one of them names; audited and journaled. False
  // when no such order is remembered (the caller audits the report as one
  // riskgate cannot apply). `overfill` filled in when the correction takes
  // the order's CumQty beyond its OrderQty: audited here, and the caller
  // trips KillOnReportAnomaly "overfill" for the ended order's own session
  // once the report is forwarded (or found unroutable), as for a working
  // order's.
  struct EndedOverfill {
    bool found = false;
    const ClientLeg* owner = nullptr;  // The ended order's session (null: unowned).
  };
  [[gnu::cold]] bool correct_ended(const ClientLeg* owner, std::string_view id,
                                   std::string_view orig, std::string_view client_id,
                                   const ExecFields& f, EndedOverfill& overfill) noexcept;
  // drop()'s: keeps `e` (an order, not a request) in ended_ when it executed
  // something and its executions did not pass to a replacement. The oldest
  // goes when ended_ is full.
  void remember_ended(const Table::Entry& e) noexcept;
  // Records the exchange leg's next MsgSeqNum as the one the message about
  // to go out for `e` gets (its own order/request, or a kill cancel): a
  // session Reject names a message only by that number.
  void remember_seq(Table::Entry& e, bool kill_cancel) noexcept;
  // The live entry whose message went out with `seq`, or null.
  Table::Entry* entry_for_seq(std::uint64_t seq) noexcept;
  ClientLeg* leg_of(risk::SessionIdx idx) noexcept;
  // `exch` without `owner`'s prefix (as the engine knows it); unchanged when
  // it does not carry the prefix.
  static std::string_view client_view(const ClientLeg* owner, std::string_view exch) noexcept;
  void forward_to_client(ClientLeg& leg, const codec::Message& msg, std::string_view cl_ord_id,
                         std::string_view orig_cl_ord_id) noexcept;
  ClientLeg* owner_by_prefix(std::string_view exch_id) noexcept;
  bool in_scope(const Table::Entry& e, const Scope& s) const noexcept;
  // One OrderCancelRequest for `e`, marking it gateway-initiated; false when
  // the leg is down or the send failed (the next kill or Logon tries again).
  bool send_kill_cancel(Table::Entry& e) noexcept;
  void finish(Table::Entry* e) noexcept;
  void drop(Table::Entry* e) noexcept;  // finish() without the journal record.
  // Journals `e`'s change (kind): false when the journal cannot take it.
  bool journal_entry(journal::OrderEventKind kind, const Table::Entry& e,
                     std::string_view orig = {}, std::int64_t last_qty = 0, std::int64_t price = 0,
                     char ord_type = 0, std::uint64_t in_seq = 0) noexcept;
  // While reconciling: true once the exchange leg is logged on with nothing
  // outstanding to resend (then reconciling stops for good, audited).
  bool reconciled() noexcept;
  // The exchange leg's inbound numbering was reset or jumped forward
  // (Session::Handler::on_inbound_reset) while orders were working: a
  // report the venue sent on the old numbering that riskgate never read (a
  // fill, an expiry, an unsolicited cancel) can no longer be resent. With
  // SupportsOrderStatus / SupportsOrderMassStatus the working orders are
  // reconciled as after a restart (new orders wait for the answers); without,
  // it is audited as a report anomaly.
  void exchange_numbering_reset() noexcept;
  // While reconciling, with the exchange logged on and caught up: one
  // OrderStatusRequest per restored working order, or one
  // OrderMassStatusRequest for all of them (once per Logon).
  void ask_order_status() noexcept;
  // Marks every working order (not cancel requests) with `mark`; how many.
  std::size_t mark_working_orders(Table::Entry::StatusAsk mark) noexcept;
  // The paced part of it: sends the 35=H the rate allows now.
  void send_status_asks() noexcept;
  [[nodiscard]] bool asks_order_status() const noexcept {
    return opts_.supports_order_status || opts_.supports_order_mass_status;
  }
  // What an execution report is to our OrderMassStatusRequest.
  enum class MassReport : std::uint8_t {
    kNotOurs,   // No MassStatusReqID, or another request's.
    kNoOrders,  // The venue's "no orders" answer (TotNumReports 0, names no order).
    kOurs,      // A report of one order: applied as any report naming it.
  };
  // Counts a report answering our latest request (late ones too); the last
  // (LastRptRequested=Y, or TotNumReports reached) ends the wait.
  MassReport on_mass_status_report(const codec::Message& msg) noexcept;
  void ask_order_mass_status() noexcept;
  // The venue refused the request in flight (a business or session Reject):
  // with SupportsOrderStatus, ask order by order instead (35=AF is not asked
  // again); otherwise the wait ends and the orders stay as the journal had
  // them. false if no request was in flight (the reject is someone else's).
  bool mass_status_refused(std::string_view why) noexcept;
  // The exchange leg went down while answers were pending: they are lost
  // with it, so everything is asked again (fresh deadline) once it is back.
  void forget_status_asks() noexcept;
  // No answer pending any more: every entry's mark and the count cleared.
  void clear_status_marks() noexcept;
  // A report for `e` arrived, or `e` leaves the table: its status is known.
  void status_answered(Table::Entry& e) noexcept {
    if (e.status_ask == Table::Entry::StatusAsk::kNone) return;
    if (e.status_ask == Table::Entry::StatusAsk::kToAsk && status_to_ask_ > 0) --status_to_ask_;
    e.status_ask = Table::Entry::StatusAsk::kNone;
    if (status_pending_ > 0) --status_pending_;
  }
  [[gnu::cold]] bool audit(audit::AuditEvent ev, const ClientLeg* leg, const risk::OrderView* view,
                           const risk::Decision* d, std::string_view text) noexcept;
  std::string_view now_stamp() noexcept;
  std::string_view next_id(std::string_view prefix) noexcept;
  std::string_view exch_id(std::string_view prefix, std::string_view id, char* buf) noexcept;

  GroupOptions opts_;
  risk::Engine& engine_;
  session::Clock& clock_;
  AuditSink& audit_;
  session::Session* exchange_ = nullptr;
  EventLimiter event_limiter_;  // The exchange leg's protocol events.
  std::vector<std::unique_ptr<ClientLeg>> clients_;
  // restore_event()'s and restore_carried()'s new order or replace: the
  // table entry, and its risk reservation as sent (order quantity less what
  // the original executed), exactly `reserved`, or none. The entry, or
  // null when the table is full (counted in restore_skipped()).
  enum class Reserve : std::uint8_t { kAsSent, kExactly, kNothing };
  Table::Entry* restore_entry(const journal::OrderEvent& e, Reserve reserve,
                              std::int64_t reserved) noexcept;
  Table orders_;
  std::size_t working_count_ = 0;
  // Orders that ended with executions today (remember_ended), and their
  // indices in ended_ oldest first (a ring of ended_->capacity()): a trade
  // cancel or correct of one still moves the position. Empty when
  // max_ended_orders is 0.
  std::optional<Table> ended_;
  std::unique_ptr<std::uint32_t[]> ended_fifo_;
  std::size_t ended_head_ = 0;
  std::size_t ended_count_ = 0;
  std::uint64_t id_counter_ = 0;
  // Ids below this are on record as possibly issued (record_id_floor); the
  // journal gets one record per kIdBlock ids, before the first of them goes.
  std::uint64_t id_reserved_ = 0;
  static constexpr std::uint64_t kIdBlock = 4096;
  OrderJournal* journal_ = nullptr;
  bool retry_kills_ = false;  // A kill cancel was gap-filled: send again after the gap fill.
  // MsgSeqNum of the kill's OrderMassCancelRequest awaiting its answer (35=r,
  // or a refusal), 0 = none: a session Reject names it by number only.
  // Cleared by the answer and by a logout.
  std::uint64_t mass_cancel_seq_ = 0;
  // Relaxed: written on the I/O thread, read by status as a flag.
  std::atomic<bool> reconciling_{false};
  // Reconciling by OrderStatusRequest (GroupOptions::supports_order_status):
  // asked once per restart; the orders still unanswered; until when new
  // orders wait for them (steady clock).
  bool status_asked_ = false;
  // This round of reconciling follows a reset of the exchange's numbering,
  // not a restart (only the audit's wording differs).
  bool reconciling_after_reset_ = false;
  // finish_restore() ran with working orders: its "reconciling" line waits
  // for the first tick, on the I/O thread with the audit log started (at
  // restore, during setup, the audit log would refuse it and count a
  // refused record, which alerts as if an order had been refused).
  bool restore_note_due_ = false;
  void note_restored() noexcept;
  // Ends every replace request in flight on `order`, which the venue ended,
  // so none of them can take effect: each gives back what it reserved.
  // Before the order's own finish() (it reads the order's id). Walks the
  // table only for an order that was ever replaced (Entry::replace_sent).
  [[gnu::cold]] void end_pending_replaces(const Table::Entry& order) noexcept;
  std::size_t status_pending_ = 0;
  std::int64_t status_deadline_ns_ = 0;
  // Paced 35=H (order_status_rate): orders marked kToAsk, and a token
  // bucket of requests (at most a tenth of a second's worth) refilled from
  // the steady clock, in ns x requests per second.
  static constexpr std::int64_t kStatusCreditPerRequest = 1'000'000'000;
  std::size_t status_to_ask_ = 0;
  std::size_t status_cursor_ = 0;  // Table index the next batch starts at.
  std::int64_t status_credit_ = 0;
  std::int64_t status_refill_ns_ = 0;
  // The latest OrderMassStatusRequest (supports_order_mass_status): its
  // MassStatusReqID, kept until the next request so that its late reports
  // are still known as answers (empty: none sent); whether the wait for it
  // is on, and its exchange MsgSeqNum meanwhile (a session Reject names it);
  // the reports seen and the total the venue announced; how the wait ended;
  // the reports of orders riskgate does not know. mass_refused_: the venue
  // refused 35=AF once, so this process asks with 35=H from then on.
  enum class MassEnd : std::uint8_t { kWaiting, kLastReport, kRefused };
  char mass_status_id_[32] = {};
  std::size_t mass_status_id_len_ = 0;
  bool mass_status_inflight_ = false;
  std::uint64_t mass_status_seq_ = 0;
  std::uint64_t mass_status_reports_ = 0;
  std::uint64_t mass_status_total_ = 0;
  bool mass_status_has_total_ = false;
  MassEnd mass_status_end_ = MassEnd::kWaiting;
  std::uint64_t mass_status_unknown_ = 0;
  bool mass_refused_ = false;
  std::size_t restore_skipped_ = 0;
  // Exchange-leg MsgSeqNum -> order-table entry (index + 1; 0 empty),
  // direct-mapped on the low bits. A session Reject answers a message within
  // the venue's processing time; a slot is reused only kSeqRingSize messages
  // later, far past that. Cleared at each exchange Logon: a sequence reset
  // reuses the numbers. Allocated once, here.
  static constexpr std::size_t kSeqRingSize = std::size_t{1} << 16;
  std::vector<std::uint32_t> seq_ring_ = std::vector<std::uint32_t>(kSeqRingSize, 0);
  EventLimiter unknown_limiter_;  // Unknown-order report lines: at most one a second.
  // Lines of trade corrections of ended orders (applied, or not remembered):
  // at most one a second, on a limiter of their own, so that a venue's mass
  // bust and a flood of unknown reports never hide each other's first line.
  EventLimiter ended_limiter_;
  // Scratch buffers, reused for every message (one I/O thread).
  char id_buf_[kMaxIdLen + 1] = {};
  char id_buf2_[kMaxIdLen + 1] = {};
  char gen_id_[32] = {};
  char stamp_[32] = {};
  char text_[256] = {};
  char why_[64] = {};
  char body_[1024] = {};
};

}  // namespace riskgate::route
