// The pre-trade risk engine (issue 3): plain order view in, decision out.
//
// ============================================================================
// DESIGN
// ============================================================================
// Threads
//   * Control thread: constructs the Engine, calls reload(), reenable_flow(),
//     set_audit_available(), set_exchange_available(), and the kill board's
//     engage/release. These may allocate and throw.
//   * I/O threads: check(), commit(), rollback(), check_cancel(),
//     note_message(), on_sent_failed(), on_execution(), on_replaced(), and at the
//     trading-day boundary reset_day() and reset_session_day(). No lock, no syscall, no
//     allocation, no exception. Each SessionState is owned by the one I/O thread that serves that
//     client session (its route group); Reservations are owned by the gateway's order record, on
//     that same thread.
//   * Writers of the shared counters: one thread or several, chosen at
//     construction (WriterThreads, below). With one, a read-modify-write of a
//     counter is a load and a store instead of a lock-prefixed instruction.
//
// Two kinds of state
//   (a) An immutable compiled Snapshot of limits and reference data: name ->
//       index hash maps, per-symbol reference data, per-account permissions
//       and layered limits pre-merged so that resolving the limits of an
//       (account, symbol) costs one probe of the account+symbol override map
//       and, without an override, one select per field between the account
//       layer and the (symbol over defaults) layer. reload() compiles a new
//       one and publishes the pointer with a release store; I/O threads load
//       it with acquire once per call. Old snapshots are RETAINED for the
//       life of the process (no reader registration, no epoch on the hot
//       path); a snapshot is O(names in config), ~100 bytes per name, and at
//       most kMaxSnapshots reloads are accepted (a further reload throws: a
//       restart reclaims them). A reload that changes capacities, drops a
//       name or exceeds a capacity is refused and the running limits stay.
//       Names keep their index across reloads; new names are appended.
//   (b) Mutable state, allocated once from Capacities at construction:
//       per-account counters (one cache line per account), a lock-free
//       insert-only (account, symbol) table (position, open quantity per
//       side, cumulative quantities: what every session on the account
//       shares), a lock-free insert-only (session, symbol) table (typical-size
//       statistic, execution throttle, one-sided accumulation: what belongs
//       to one session's flow), per-session flow envelopes (flow.hpp), a
//       lock-free parent table cleared each trading day, per-symbol last fill
//       price, per-exchange-session availability flags. The open-order
//       "ledger" is the set of Reservation tickets the gateway keeps with its
//       orders: each ticket records exactly what it reserved so execution
//       events release exactly that; the engine keeps only the aggregates.
//
// Check chain for New/Replace (first refusal wins; earlier reservations are
// then released):
//   1 kill switch (global > exchange session > client session > account >
//     symbol)
//   2 retired feature (also engages the client session's kill switch)
//   3 audit / exchange unavailable (flags set by the gateway: fail closed)
//   4 validity: missing field, cl_ord_id, quantity > 0, side, ord type,
//     limit has price, symbol known, account known, lot size
//   5 restrictions: restricted symbol, per-account permitted symbols
//   6 duplicates: ClOrdID reused in this session (PossDup replays of a known
//     ClOrdID are refused here and count toward nothing), more than K
//     identical (account, symbol, side, qty, price) orders within T
//   7 rates: session messages, session orders; then the flow envelope: a
//     throttled session is held to the throttle rate, and a breached refuse
//     rule refuses orders that add to it (flow.hpp); then account orders
//   8 size and value: max_order_qty, max_order_notional
//   9 price collar
//  10 quantity multipliers: typical size (this session's), repeated-execution
//     throttle (this session's flow disabled), parent/child filled then sent
//     (orders with a parent), or
//     cumulative qty per (account, symbol, side) per window then per day
//     (orders without a parent)
//  11 exposure: max open orders, max open notional, max |net position|,
//     max gross notional per day
// Then, on acceptance, the order is pending (PendingOrder): the shared
// limits above stay reserved, and only commit(), after the gateway tracked
// and forwarded the order, remembers the ClOrdID, consumes the duplicate-
// order count and the session rate budgets, updates the typical-size
// statistic and counts the order into the session's flow windows; rollback()
// gives the reservations back instead.
//
// Semantics (all limits: exactly at the limit passes, one unit over refuses)
//   * Notional = qty x price in micros (saturating). A market order is
//     valued at the collar reference widened by the collar on BOTH sides:
//     ref x (1 + bps/10000). Value limits are gross measures, so the larger
//     value is the safe one for a sell too. No collar: the reference itself.
//   * Collar: |price - ref| x 10000 <= bps x ref. ref is the symbol's
//     reference price, or the last fill price when collar_follows_last_fill.
//     Market orders are not collared.
//   * Typical size: per (client session, symbol), so one session's sizes
//     never move another's limit: an exponentially weighted mean of
//     log2(size) of its accepted orders (alpha 1/16), each sample clamped to within x4 of the
//     current value, so one fat finger that slips through moves it by < 10%. The seed is used until
//     typical_size_min_history orders were accepted; no seed and too little history: the rule is
//     off. Limit = floor(multiple x typical). One writer per row (the session's thread); relaxed
//     atomics so status can read it.
//   * Parent/child (key: account + parent id, 64-bit hash; a collision would
//     merge two parents, probability ~n^2/2^64): the parent quantity is the
//     one the first committed child declared (a child checked before any
//     commit is held to its own). Refused when children filled + qty >
//     parent qty (parent_child_filled), or children sent + qty >
//     floor(parent qty x max_sent_multiple) (parent_child_sent). "Sent" is
//     open + executed: a child that never reached the exchange, was rejected,
//     or was cancelled / expired gives back what did not trade, so repricing
//     by cancel-and-new never counts twice. A replace reserves only its
//     increase while pending; once acked the child counts its new total
//     (a smaller replace gives the difference back). The table is per
//     trading day: reset_day() clears it, and tickets from before carry the
//     old day number and leave the new day's rows alone. Full: the order is
//     refused (risk_state_full); table_usage() shows the fill level.
//   * Cumulative qty (orders without parent): per (account, symbol, side);
//     the window is a tumbling window of cum_qty_window_ms (one atomic word
//     holding window id + quantity), so a burst straddling a boundary can
//     reach 2x the limit within one window length; the day total resets on
//     reset_day(). Open + executed, like the parent's children. Sell and
//     sell-short share the sell side. Counted only
//     while the limit is set (cost: two RMWs per order), so a limit enabled
//     by a reload counts from then on.
//   * Repeated execution throttle: executions (partial or full fills) of one
//     (client session, symbol, side) counted in a tumbling window of
//     repeated_exec_window_ms; the fill that REACHES repeated_exec_max_fills
//     disables the flow (relation ">=" in the text) until reenable_flow().
//   * Rates: GCRA (virtual scheduling) with rate R/s and a burst of R: R
//     orders at one instant pass, the R+1th is refused, and the budget
//     refills at one order per 1/R s. Only forwarded messages consume a
//     budget. Session budgets live in SessionState (not atomic); the account
//     budget is one atomic "theoretical arrival time" updated by CAS and
//     given back if a later rule refuses. Cancels consume the message budget
//     but are refused only by the cancel budget.
//   * Exposure, reserve-then-commit: open orders, open notional, open
//     buy/sell quantity (for net position) and gross notional (filled +
//     working) are reserved by bounded CAS loops at check time, so two threads
//     can never both take the last unit (with WriterThreads::kOne, by a load,
//     the bound and a store: there is no second thread). A fill moves quantity from open to
//     position (position first, so the worst case is over- never
//     under-stated in between) and trues gross notional up to the fill price;
//     cancel / reject / expire / forward-failure release the leaves. Net
//     position worst case: buy: pos + open_buy + qty; sell: open_sell + qty -
//     pos. Account-level counters are compared with the limit resolved for
//     this order's (account, symbol).
//   * Flow envelope (flow.hpp): per client session, decayed windows over
//     what it executes and sends; each rule refuses, throttles or kills.
//     Fills are charged to the session whose order filled (the ticket's
//     session), never to another session on the account.
//   * Auto-kill engages the client session's kill switch
//     (Decision::session_killed / ExecOutcome::session_killed) on: a
//     sustained refusal rate (N refusals within T that are also at least a
//     configured share of the session's orders in T; refused PossDup
//     replays, kills, fail-closed and throttle refusals do not count, and an
//     account-level limit's refusal counts only for a session holding at
//     least account_breach_min_share of the account's day gross); a
//     parent/child breach (on_parent_child_breach) or typical-size breach
//     (on_typical_size_breach); the repeated-execution throttle; a flow rule
//     with action kill; a retired feature (always).
// ============================================================================
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/cacheline.hpp"
#include "risk/cl_ord_id_set.hpp"
#include "risk/config.hpp"
#include "risk/flow.hpp"
#include "risk/kill_switch.hpp"
#include "risk/types.hpp"

namespace riskgate::risk {

namespace detail {
class RowList;  // risk/detail.hpp
}  // namespace detail

struct Snapshot;  // Compiled limits; snapshot.hpp.

// What a check reserved. The gateway stores it with the order and hands it
// back with every event of that order. Trivially copyable, no pointers.
struct Reservation {
  AccountIdx account = kNoIdx;
  SymbolIdx symbol = kNoIdx;
  std::uint32_t pair_slot = kNoIdx;    // (account, symbol) state row.
  std::uint32_t parent_slot = kNoIdx;  // kNoIdx: no parent.
  std::uint32_t flow_slot = kNoIdx;    // (session, symbol) state row.
  SessionIdx session = kNoIdx;
  // Window sent_qty was counted in; 0: none (ids are 24 bits + 1).
  std::uint32_t cum_window_id : 25 = 0;
  // Trading day the parent row belongs to (mod 128): after reset_day() the
  // parent table is cleared, and a late event of yesterday's child must not
  // touch whichever parent took the row since.
  std::uint32_t parent_day : 7 = 0;
  // The one-byte fields fill the gap before the 8-byte ones: 64 bytes in all.
  Side side = Side::kUnknown;
  bool counts_open_order = false;
  bool cum_day_counted = false;  // sent_qty went to the day's cumulative qty.
  bool active = false;           // Something is still reserved.
  std::int64_t order_qty = 0;
  std::int64_t leaves_qty = 0;  // Quantity whose exposure is still reserved.
  // Counted into the parent's children (open + executed: cancelled and
  // rejected quantity is given back) or into the cumulative quantity.
  std::int64_t sent_qty = 0;
  Micros reserved_px = 0;  // Per-unit price of the notional reservation.
};
static_assert(std::is_trivially_copyable_v<Reservation>);
static_assert(sizeof(Reservation) == 64);

// A New or Replace that check() accepted and the caller has not yet applied
// (issue 11: one transactional order step). While pending, the order holds
// its shares of the limits every session on the account reaches (account
// rate, open orders, open notional, open quantity, gross notional, parent
// children, cumulative quantity): reserved by check(), so two threads never
// both take the last unit, and given back exactly by rollback(). Nothing
// else is recorded: the ClOrdID, the session's rate budgets, the identical-
// order count, the typical-size sample, the session's flow windows and its
// share of the account, and a parent's declared quantity are applied by
// commit(). So an order the gateway could not track or forward is, after
// rollback(), as if it never arrived (a retry with its ClOrdID is accepted).
//
// Owned by the I/O thread of the session it was checked for; trivially
// copyable, no pointers. One pending order per session at a time: commit or
// roll back before the next check() on that session.
class PendingOrder {
 public:
  // What the order reserves; the gateway stores it with the order (it is
  // valid for on_execution() etc. once committed).
  Reservation ticket;
  [[nodiscard]] bool pending() const noexcept { return state_ == State::kPending; }
  [[nodiscard]] bool committed() const noexcept { return state_ == State::kCommitted; }

 private:
  friend class Engine;
  enum class State : std::uint8_t { kNone, kPending, kCommitted };
  // Applied by commit(): session-local state, single writer.
  std::uint64_t id_hash_ = 0;      // ClOrdID key for the session's set.
  std::uint32_t id_slot_ = 0;      // Where probe() put it ...
  std::uint32_t id_count_ = 0;     // ... while the set held this many (else probe again).
  std::uint64_t order_hash_ = 0;   // Identical-order slot key; 0: rule off.
  std::int64_t dup_count_ = 0;     // Identical orders before this one in the window.
  std::int64_t next_msg_tat_ = 0;  // Session GCRA states after this order.
  std::int64_t next_order_tat_ = 0;
  std::int64_t next_throttle_tat_ = 0;
  std::int64_t now_ns_ = 0;
  std::int64_t typical_seed_ = 0;        // kTypicalSeed when checked (kOff: none).
  std::int64_t declare_parent_qty_ = 0;  // First child: the parent quantity; else 0.
  // Given back by rollback(): the account rate budget taken (0: none), and
  // the order counted into the auto-kill window that started then.
  std::int64_t rate_interval_ = 0;
  std::int64_t refusal_window_start_ = 0;
  bool throttled_ = false;     // next_throttle_tat_ applies.
  bool flow_order_ = false;    // Count the order into the kOrders flow rules.
  bool window_order_ = false;  // refusal_window_start_ applies.
  State state_ = State::kNone;
};
static_assert(std::is_trivially_copyable_v<PendingOrder>);

// A cancel that check_cancel() accepted: its cancel and message budgets are
// taken by commit(), once it was forwarded; rollback() forgets it.
class PendingCancel {
 public:
  [[nodiscard]] bool pending() const noexcept { return pending_; }

 private:
  friend class Engine;
  std::int64_t next_cancel_tat_ = 0;
  std::int64_t next_msg_tat_ = 0;
  bool cancel_budget_ = false;  // next_cancel_tat_ applies.
  bool msg_budget_ = false;     // next_msg_tat_ applies.
  bool pending_ = false;
};

enum class ExecKind : std::uint8_t {
  kNewAck,
  kPartialFill,
  kFill,
  kCanceled,
  kRejected,
  kExpired,
  kReplaced,  // Ack of a replace: see on_replaced().
  // The venue cancelled or corrected down an execution (a bust): last_qty
  // is no longer executed; leaves_qty is what the order has open after it.
  kTradeBust,
};

struct ExecEvent {
  ExecKind kind = ExecKind::kNewAck;
  std::int64_t last_qty = 0;
  Micros last_px = 0;
  std::int64_t leaves_qty = 0;
  std::int64_t cum_qty = 0;
  std::int64_t now_ns = 0;  // Steady clock, as OrderView::now_ns.
  // A fill replayed from the journal at restart: exposure, position and
  // gross notional move as they did; the flow envelope and the repeated-
  // execution throttle are not fed (old fills must not trip a kill today).
  bool restoring = false;
};

struct ExecOutcome {
  bool flow_disabled = false;   // This fill tripped the repeated-exec throttle.
  bool session_killed = false;  // This fill engaged the session's kill switch.
  bool throttled = false;       // This fill put the session under the throttle.
  // The rule behind flow_disabled / session_killed / throttled, with the
  // numbers for the audit ("flow_net_qty: 312000 > 300000").
  RuleId rule = RuleId::kNone;
  std::int64_t actual = 0;
  std::int64_t limit = 0;
  bool values_are_micros = false;
};

// Per client session, owned by one I/O thread. Not thread-safe; not atomic.
class SessionState {
 public:
  // cl_ord_id_capacity ClOrdIDs are remembered (ClOrdIdSet: 2.5 bytes of
  // fingerprints, probed per order, and 10 bytes of keys each); when full, new
  // orders are refused with risk_state_full. make_session() uses
  // capacities.max_cl_ord_ids (default 1M -> 2.5 MB + 10 MB per session); size
  // it to a session's orders per day. The probe is random-access, so check()
  // prefetches its bucket first thing.
  SessionState(SessionIdx index, std::uint32_t cl_ord_id_capacity);

  [[nodiscard]] SessionIdx index() const noexcept { return index_; }
  [[nodiscard]] std::uint32_t cl_ord_ids_remembered() const noexcept { return ids_.size(); }

 private:
  friend class Engine;
  struct DupSlot {
    std::uint64_t hash = 0;
    std::int64_t start_ns = 0;
    std::int64_t count = 0;
  };
  static constexpr std::uint32_t kDupSlots = 1024;  // Direct-mapped; a collision
                                                    // evicts (may under-count).

  SessionIdx index_;
  ClOrdIdSet ids_;  // Keys: hash_bytes(ClOrdID) | 1.
  std::vector<DupSlot> dups_;
  // GCRA theoretical arrival times (ns).
  std::int64_t order_tat_ = INT64_MIN / 2;
  std::int64_t message_tat_ = INT64_MIN / 2;
  std::int64_t cancel_tat_ = INT64_MIN / 2;
  // Sustained refusal rate (AutoKill): refusals and orders in the current
  // tumbling window.
  std::int64_t refusal_window_start_ = 0;
  std::int64_t refusal_count_ = 0;
  std::int64_t window_orders_ = 0;
  // The window is tumbling; its refusals and orders count from its first order.
  void roll_refusal_window(std::int64_t now_ns, std::int64_t window_ns) noexcept {
    if (now_ns - refusal_window_start_ > window_ns) {
      refusal_window_start_ = now_ns;
      refusal_count_ = 0;
      window_orders_ = 0;
    }
  }
};

// Read-only views of the counters, for status, metrics and tests.
struct AccountUsage {
  std::int64_t open_orders = 0;
  Micros open_notional = 0;
  Micros gross_notional_day = 0;
};
struct PairUsage {
  std::int64_t position = 0;
  std::int64_t open_buy_qty = 0;
  std::int64_t open_sell_qty = 0;
};
struct ParentUsage {
  std::int64_t parent_qty = 0;
  std::int64_t children_sent = 0;  // Open + executed quantity of its children.
  std::int64_t children_filled = 0;
};
// What one session did in one symbol.
struct SessionSymbolUsage {
  std::int64_t typical_size = 0;  // 0: no history yet.
  std::int64_t accepted_count = 0;
  bool buy_disabled = false;
  bool sell_disabled = false;
  // Net shares over the first net window (buy > 0), as of the row's last
  // fill (not decayed to now).
  double net_qty = 0;
};
// One (account, symbol) row of the position table (Engine::positions()).
struct PositionRow {
  std::string account;
  std::string symbol;
  PairUsage usage;
};
// A session's flow envelope, rule by rule (config order).
struct FlowUsage {
  struct Rule {
    RuleId rule = RuleId::kNone;
    double value = 0;      // Windowed value now.
    double threshold = 0;  // What it is held to now (+inf: no limit yet).
    double baseline = 0;   // Learned baseline (0 until warm).
    bool breached = false;
  };
  std::vector<Rule> rules;
  bool throttled = false;
  Micros gross_day = 0;  // This session's day gross over the accounts it trades.
};
// Fill level of the fixed tables: raise a capacity before it is reached.
struct TableUsage {
  std::uint32_t pairs = 0, pairs_capacity = 0;
  std::uint32_t parents = 0, parents_capacity = 0;
  std::uint32_t session_symbols = 0, session_symbols_capacity = 0;
};

// Who may mutate the engine's shared counters: the per-account counters, the
// (account, symbol) position, open and cumulative quantities, the parent
// rows, the tables' keys and fill counts, and the trading day number.
//   kMany: any number of threads (several I/O threads; a test that drives one
//     engine from several threads). Every read-modify-write is an atomic RMW,
//     so two threads never both take the last unit. The safe default.
//   kOne: INVARIANT: every mutation of the shared counters comes from one
//     thread; the status/metrics scrape only reads. A read-modify-write is
//     then a load and a store (no lock prefix); readers still load whole
//     values. Breaking the invariant loses updates, and a limit can be
//     overrun. The gateway holds it with one I/O thread: check(), commit(),
//     rollback(), the execution events (route groups) and reset_day() (the
//     trading-day roll) run on that thread; restore_order() and the journal
//     replay run on the main thread before the I/O thread starts, so the
//     thread start orders them before its first mutation.
// Not governed by this (the same in both modes): the kill switch board, the
// fail-closed flags and the snapshot pointer (control plane -> I/O thread);
// the per-session flow state, whose one writer is the session's thread
// (flow.hpp); and the repeated-execution count and flag, which the control
// thread's reenable_flow() resets, so count_fill() keeps its CAS and exchange.
enum class WriterThreads : std::uint8_t { kMany, kOne };

class Engine {
 public:
  // The repeated-execution throttle's word per (session, symbol, side):
  // window id << 32 | kFlowDisabled | fills (SessionSymbolState::fill_window).
  // Public for config validation: repeated_exec_max_fills <= kFillsMask.
  static constexpr std::uint64_t kFlowDisabled = std::uint64_t{1} << 31;
  static constexpr std::uint64_t kFillsMask = kFlowDisabled - 1;
  static constexpr std::size_t kMaxSnapshots = 4096;

  // Validates and compiles `config`, allocates all state. Throws
  // std::invalid_argument with "risk config: ..." on a bad config.
  // `writers`: see WriterThreads; kOne only where its invariant holds.
  explicit Engine(const RiskConfig& config, WriterThreads writers = WriterThreads::kMany);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Control thread only. Throws std::invalid_argument (bad config, changed
  // capacities, lost name) or std::length_error (too many reloads); on throw
  // the running limits stay. Counters and positions are kept.
  void reload(const RiskConfig& config);

  // A session's state, sized from the capacities (control thread, at start).
  [[nodiscard]] SessionState make_session(SessionIdx index) const;

  // New or Replace. On acceptance `out` is pending and `out.ticket` holds the
  // reservation (also for a Replace: it reserves the new order's full
  // exposure; the original keeps its own until on_replaced). `original`, for
  // a Replace, is the replaced order's ticket: its open-order unit is not
  // taken again and parent / cumulative quantities count only the increase.
  // The caller then calls commit() once the order is in its table and was
  // forwarded, or rollback() if either failed (see PendingOrder). On refusal
  // `out` is not pending and nothing stays reserved; the refusal itself is
  // final (it counts toward auto-kill and, past the flow checks, toward the
  // kOrders flow rules).
  Decision check(const OrderView& order, SessionState& session, PendingOrder& out,
                 const Reservation* original = nullptr) noexcept;
  // Applies what a pending order recorded; it is then an open order like any
  // other (its ticket's events go to on_execution etc.).
  void commit(PendingOrder& pending, SessionState& session) noexcept;
  // Gives back everything a pending order reserved, exactly: afterwards the
  // engine is as if the order never arrived. No-op unless pending.
  void rollback(PendingOrder& pending, SessionState& session) noexcept;
  // check() then commit() at once, for callers with no forward step between
  // them (tests, replay tools, benchmarks). `out` is inactive on refusal.
  Decision check_and_commit(const OrderView& order, SessionState& session, Reservation& out,
                            const Reservation* original = nullptr) noexcept;

  // A hint, no effect on results: starts loading the duplicate-ClOrdID slot
  // for `cl_ord_id`, the one structure on the order path too big for cache.
  // Call it as soon as the ClOrdID is known, so the miss overlaps the work
  // before check() (session checks, translation).
  void prefetch(const SessionState& session, std::string_view cl_ord_id) const noexcept;

  // Cancel request: refused only by the session's cancel budget. On
  // acceptance `out` is pending: commit() once forwarded takes the cancel and
  // message budgets; rollback() forgets it.
  Decision check_cancel(const OrderView& order, SessionState& session, PendingCancel& out) noexcept;
  void commit(PendingCancel& pending, SessionState& session) noexcept;
  void rollback(PendingCancel& pending) noexcept;
  Decision check_cancel_and_commit(const OrderView& order, SessionState& session) noexcept;

  // Any other inbound application message: counts toward nothing but the
  // message budget, never refused by risk.
  void note_message(SessionState& session, std::int64_t now_ns) noexcept;

  // Restart (issue 11): an order the journal says was forwarded and is not
  // known to have ended, put back without any check. Reserves its exposure
  // (open order, open notional, open quantity, gross notional) for `working`
  // units at the order's price (the reference price for a market order) and
  // remembers its ClOrdID in `session`, so the same ID is a duplicate again
  // today. A replay of the day's journal through this and on_execution()
  // (with ExecEvent::restoring) rebuilds exposure, positions and the day's
  // gross notional as they were. Not restored: parent/child and cumulative
  // quantity windows and the flow envelope, which are intraday windows a
  // restart starts afresh. `counts_open_order` false for a pending replace
  // (its original holds the unit). An inactive ticket comes back when the
  // account or symbol is no longer configured or a table is full: the order
  // is still tracked (a kill must cancel it) but reserves nothing.
  // Thread: the order's I/O thread, or any thread before the I/O threads start
  // (the gateway replays on its main thread; the thread start orders it).
  [[nodiscard]] Reservation restore_order(const OrderView& order, SessionState& session,
                                          std::int64_t working, bool counts_open_order) noexcept;

  // The trading-day roll's carry (the journal starts a file per day): what
  // the engine holds across days besides working orders. carry() visits
  // every (account, symbol) row that has traded, with its net position, and
  // every symbol with a last fill price (the collar's anchor when
  // collar_follows_last_fill). No allocation: the names are the config's.
  // Thread: the I/O thread (it writes them), or setup before it starts.
  class CarryVisitor {
   public:
    virtual void position(std::string_view account, std::string_view symbol,
                          std::int64_t net) noexcept = 0;
    virtual void last_fill(std::string_view symbol, Micros px) noexcept = 0;

   protected:
    ~CarryVisitor() = default;
  };
  void carry(CarryVisitor& v) const noexcept;
  // Restart, at the head of a day's journal file: the position and anchor
  // the roll carried, set as they were (after the carried orders' replay,
  // which moves them too). false if the account or symbol is no longer
  // configured or the position table is full. Thread: as restore_order().
  bool restore_position(std::string_view account, std::string_view symbol,
                        std::int64_t net) noexcept;
  bool restore_last_fill(std::string_view symbol, Micros px) noexcept;

  // A committed order that never reached the exchange: release its exposure
  // and what it counted toward a parent or the cumulative quantity. (An order
  // still pending is given back whole by rollback().)
  void on_sent_failed(Reservation& ticket) noexcept;

  // An execution report for the ticket's order.
  ExecOutcome on_execution(Reservation& ticket, const ExecEvent& event) noexcept;

  // A trade cancel or correct of an order that has ended: `closed` is its
  // reservation as the end left it (nothing reserved), `qty_delta` the change
  // of its executed quantity (< 0: busted, > 0: corrected upwards), `last_px`
  // the trade's price (0: unknown). The position and the parent's filled
  // quantity follow the change. An upward correction is a trade: its value
  // goes into the day's gross notional; a bust never takes value out of it
  // (a report after the fact never loosens a day limit), as on_execution()'s
  // kTradeBust. The parent row moves only for a ticket of the current day
  // (reset_day() forgets the rows); the caller passes only the day's orders.
  void on_ended_correction(const Reservation& closed, std::int64_t qty_delta,
                           Micros last_px) noexcept;

  // The exchange acked a replace: the original's exposure is released and its
  // open-order unit moves to the replacement. `venue_open`: what the ack says
  // the replacement has open (its LeavesQty), or -1 when unknown; a
  // replacement reserving less reserves the rest.
  void on_replaced(Reservation& original, Reservation& replacement,
                   std::int64_t venue_open = -1) noexcept;

  // Operator re-enables a flow the repeated-execution throttle disabled.
  // Returns false if the names are unknown.
  bool reenable_flow(std::string_view account, std::string_view symbol, Side side) noexcept;

  // Start of a trading day: day totals (cumulative qty, gross notional) back
  // to zero (gross keeps the notional of working orders), the parent table
  // emptied, the day number bumped.
  // Thread: the I/O thread that serves every client session (the gateway
  // runs one; route::TradingDay calls it at the boundary), so no order or
  // fill of any session runs concurrently and the per-session flow shares
  // it rewrites have their one writer. With several I/O threads it would
  // have to run with all of them parked at the boundary. The control thread
  // may keep reading usage (account_usage, flow_usage, table_usage): those
  // reads are relaxed and a status taken during the reset mixes the two days.
  void reset_day() noexcept;

  // Start of a trading day for one client session: its ClOrdID table is
  // emptied, so an id used yesterday may be used again (the same id twice in
  // one day stays a duplicate). The I/O thread that owns `session`.
  void reset_session_day(SessionState& session) noexcept;

  // Fail-closed flags the gateway sets: while false, new orders are refused.
  void set_audit_available(bool available) noexcept;
  void set_exchange_available(std::uint32_t exchange_session, bool available) noexcept;

  [[nodiscard]] KillSwitchBoard& kills() noexcept { return kills_; }
  [[nodiscard]] const KillSwitchBoard& kills() const noexcept { return kills_; }

  [[nodiscard]] std::optional<AccountIdx> account_index(std::string_view name) const noexcept;
  [[nodiscard]] std::optional<SymbolIdx> symbol_index(std::string_view name) const noexcept;
  [[nodiscard]] AccountUsage account_usage(std::string_view account) const noexcept;
  [[nodiscard]] PairUsage pair_usage(std::string_view account,
                                     std::string_view symbol) const noexcept;
  [[nodiscard]] ParentUsage parent_usage(std::string_view account,
                                         std::string_view parent_id) const noexcept;
  [[nodiscard]] SessionSymbolUsage session_symbol_usage(SessionIdx session,
                                                        std::string_view symbol) const noexcept;
  // Every (account, symbol) row that has traded since start, in the order
  // they first traded. Control thread (allocates); visits only the rows in
  // use (detail::RowList), not the whole table.
  [[nodiscard]] std::vector<PositionRow> positions() const;
  // Control thread (allocates).
  [[nodiscard]] FlowUsage flow_usage(SessionIdx session, std::int64_t now_ns) const;
  [[nodiscard]] TableUsage table_usage() const noexcept;
  [[nodiscard]] std::uint64_t snapshot_version() const noexcept;
  [[nodiscard]] const Capacities& capacities() const noexcept { return caps_; }
  [[nodiscard]] WriterThreads writer_threads() const noexcept {
    return one_writer_ ? WriterThreads::kOne : WriterThreads::kMany;
  }

 private:
  // One line per account: every field is written by whichever I/O thread
  // trades the account, so they travel together; accounts never share a line.
  struct alignas(kCacheLine) AccountState {
    std::atomic<std::int64_t> open_orders{0};
    std::atomic<std::int64_t> open_notional{0};
    std::atomic<std::int64_t> gross_day{0};
    std::atomic<std::int64_t> rate_tat{INT64_MIN / 2};
  };
  static_assert(sizeof(AccountState) == kCacheLine);

  struct SideState {
    std::atomic<std::int64_t> open_qty{0};
    std::atomic<std::uint64_t> cum_window{0};  // window id << 40 | qty (40 bits).
    std::atomic<std::int64_t> cum_day{0};
  };
  static_assert(sizeof(SideState) == 24);
  // One line per (account, symbol): what every session on the account shares
  // (position, open quantity, cumulative quantity); rows never share a line.
  struct alignas(kCacheLine) PairState {
    std::atomic<std::uint64_t> key{0};  // 0 empty, else (account << 32 | symbol) + 1.
    std::atomic<std::int64_t> position{0};
    SideState sides[2];  // 0 buy, 1 sell / sell short.
  };
  static_assert(sizeof(PairState) == kCacheLine);

  // One row per (client session, symbol) that trades: the state that belongs
  // to the flow of one session, so one session's orders and fills are never
  // charged to another's (typical size, repeated executions, one-sided
  // accumulation). Written by the I/O thread serving the session (see
  // risk/flow.hpp); atomics, relaxed, so the control thread can read them.
  // The one exception is fill_window, which the control thread's
  // reenable_flow() also stores (release; see there).
  struct alignas(kCacheLine) SessionSymbolState {
    std::atomic<std::uint64_t> key{0};         // 0 empty, else (session << 32 | symbol) + 1.
    std::atomic<std::int64_t> typical_log{0};  // log2(size) x 2^16.
    std::atomic<std::int64_t> typical{0};
    std::atomic<std::int64_t> accepted{0};
    // Repeated-execution throttle, per side (0 buy, 1 sell): window id << 32
    // | kFlowDisabled | fills. The tripped bit shares the word with the count
    // that trips it, so the operator's reenable_flow() (one store of 0, on
    // the control thread) clears both at once: a fill counted before it
    // cannot disable the flow again after it.
    std::atomic<std::uint64_t> fill_window[2] = {0, 0};
    flow::SymbolNet net;
  };
  static_assert(sizeof(SessionSymbolState) == 2 * kCacheLine);

  // Parents are dense (32 bytes) rather than padded: a parent's children
  // normally come from one session, so cross-thread writes to one row are
  // rare and 64K padded rows would cost 4 MB of cache-cold memory.
  struct ParentState {
    std::atomic<std::uint64_t> key{0};  // 0 empty, else hash | 1.
    std::atomic<std::int64_t> parent_qty{0};
    std::atomic<std::int64_t> sent{0};
    std::atomic<std::int64_t> filled{0};
  };
  static_assert(sizeof(ParentState) == 32);

  struct alignas(kCacheLine) Flags {
    std::atomic<std::uint32_t> audit_available{1};
  };

  struct Undo;  // Reservations to give back on a later refusal; check.cpp.

  [[nodiscard]] const Snapshot* snap() const noexcept {
    // Acquire pairs with the release store in reload(): the snapshot's
    // contents, written before publication, are visible.
    return current_.load(std::memory_order_acquire);
  }
  std::uint32_t find_or_insert_pair(AccountIdx a, SymbolIdx s) noexcept;
  // f(account name, symbol name, row) for each (account, symbol) row in use
  // that the snapshot still names: positions() and carry() (engine.cpp).
  template <typename F>
  void for_each_named_pair(const Snapshot& sn, F&& f) const;
  [[nodiscard]] std::uint32_t find_pair(AccountIdx a, SymbolIdx s) const noexcept;
  std::uint32_t find_or_insert_parent(std::uint64_t key) noexcept;
  std::uint32_t find_or_insert_session_symbol(SessionIdx session, SymbolIdx s) noexcept;
  [[nodiscard]] std::uint32_t find_session_symbol(SessionIdx session, SymbolIdx s) const noexcept;
  // Applies a flow-envelope verdict with action kill or throttle to the
  // session; returns true if this call engaged its kill switch or started a
  // throttle (one that was already running is only extended).
  bool act_on_flow(const flow::Verdict& v, SessionIdx session, std::int64_t now_ns) noexcept;
  [[nodiscard]] std::uint32_t find_parent(std::uint64_t key) const noexcept;
  // Counts a refusal toward the session's auto-kill (a = the order's account
  // or kNoIdx) and returns `d`, with session_killed set if it tripped.
  [[gnu::cold]] Decision refuse(Decision d, const OrderView& order, SessionState& session,
                                AccountIdx a) noexcept;
  void release_leaves(Reservation& t, std::int64_t qty) noexcept;
  // The reverse: `qty` more open at the ticket's reserved price (a bust that
  // the venue put back on the book), with its notional and session share.
  void reserve_leaves(Reservation& t, std::int64_t qty) noexcept;
  // release_leaves() without the session's share of the account (a pending
  // order has none yet); returns the notional released.
  Micros release_exposure(Reservation& t, std::int64_t qty) noexcept;
  // Counts an order into the session's kOrders flow rules (flow::on_order,
  // verdict in `v`) and acts on a throttle or kill it trips; true if that
  // engaged the kill switch or started a throttle (act_on_flow).
  bool count_order_flow(const Snapshot& sn, SessionIdx session, std::int64_t now_ns,
                        flow::Verdict& v) noexcept;
  // Gives back up to `qty` of what the ticket counted as sent (parent
  // children or cumulative quantity).
  void release_sent(Reservation& t, std::int64_t qty) noexcept;
  // Releases the rest of the ticket's exposure and its open-order unit.
  void close(Reservation& t) noexcept;
  void add_session_share(const Reservation& t, Micros gross, Micros open) noexcept;
  [[nodiscard]] bool parent_current(const Reservation& t) const noexcept;
  [[nodiscard]] bool day_current(const Reservation& t) const noexcept;
  // A replace of `original` continues the same child (same parent, account
  // and symbol, side, and trading day): its counted quantity carries over.
  [[nodiscard]] bool same_child(const Reservation& original,
                                const Reservation& replacement) const noexcept;
  bool count_fill(Reservation& t, std::int64_t now_ns) noexcept;
  // Whether an account-level refusal is this session's doing (see AutoKill).
  [[nodiscard]] bool consumes_account(const SessionState& ss, AccountIdx a) const noexcept;

  Capacities caps_;
  // WriterThreads::kOne; each engine file builds its detail::Rmw from it.
  const bool one_writer_;
  KillSwitchBoard kills_;
  std::atomic<const Snapshot*> current_{nullptr};
  std::vector<std::unique_ptr<Snapshot>> snapshots_;  // Retained; see header.

  std::unique_ptr<AccountState[]> accounts_;
  std::unique_ptr<PairState[]> pairs_;
  std::uint64_t pair_mask_ = 0;
  std::unique_ptr<ParentState[]> parents_;
  std::uint64_t parent_mask_ = 0;
  std::unique_ptr<SessionSymbolState[]> session_symbols_;
  std::uint64_t session_symbol_mask_ = 0;
  std::unique_ptr<flow::SessionFlow[]> flows_;           // Per client session.
  std::unique_ptr<std::atomic<Micros>[]> last_fill_px_;  // Per symbol; 0 = none.
  std::unique_ptr<std::atomic<std::uint32_t>[]> exchange_available_;
  // Insert counters bound the fill level of the open-addressing tables.
  alignas(kCacheLine) std::atomic<std::uint32_t> pairs_used_{0};
  // The rows of pairs_ in use, for positions() and reset_day().
  std::unique_ptr<detail::RowList> pair_list_;
  alignas(kCacheLine) std::atomic<std::uint32_t> parents_used_{0};
  alignas(kCacheLine) std::atomic<std::uint32_t> session_symbols_used_{0};
  // Trading day (mod 128), bumped by reset_day(); see Reservation::parent_day.
  // Relaxed: read by the I/O threads only to tag tickets and compare them,
  // and reset_day() runs on the (one) I/O thread itself.
  std::atomic<std::uint32_t> day_{0};
  Flags flags_;
};

}  // namespace riskgate::risk
