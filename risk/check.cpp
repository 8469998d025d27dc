// The check chain: check() for New/Replace (which leaves the order pending;
// commit.cpp ends the step), note_message(),
// and the undo of what a refused check had already reserved. I/O threads: no
// lock, no syscall, no allocation, no exception (see the design notes in
// engine.hpp).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "risk/detail.hpp"
#include "risk/engine.hpp"
#include "risk/snapshot.hpp"

namespace riskgate::risk {

using namespace detail;  // The engine's private helpers (risk/detail.hpp, snapshot.hpp).

// ---------------------------------------------------------------------------
// The check chain
// ---------------------------------------------------------------------------

// What this check has reserved so far, to give back if a later rule refuses.
struct Engine::Undo {
  // A bit per reservation taken; a value is read only when its bit is set, so
  // the values need no zeroing (this runs on every check).
  enum : std::uint32_t {
    kTookRate = 1,
    kTookParent = 2,
    kTookCumWindow = 4,
    kTookCumDay = 8,
    kTookOpenOrder = 16,
    kTookNotional = 32,
    kTookOpenQty = 64,
  };
  Undo(Engine& en, AccountIdx acc, int sd) noexcept : e(en), account(acc), side(sd) {}
  Engine& e;
  AccountIdx account;
  int side;
  std::uint32_t taken = 0;
  std::uint32_t pair;
  std::uint32_t parent;
  std::uint32_t cum_window_id;
  std::int64_t rate_interval;
  std::int64_t sent;  // Parent sent or cumulative qty, whichever was counted.
  std::int64_t notional;
  std::int64_t open_qty;

  void unwind() noexcept {
    // Relaxed throughout: each counter guards only itself (see reserve_bounded).
    const Rmw rmw(e.one_writer_);
    if (taken & kTookRate) {
      rmw.sub<std::memory_order_relaxed>(e.accounts_[account].rate_tat, rate_interval);
    }
    if (taken & kTookParent) rmw.sub<std::memory_order_relaxed>(e.parents_[parent].sent, sent);
    if (taken & (kTookCumWindow | kTookCumDay | kTookOpenQty)) {
      SideState& ss = e.pairs_[pair].sides[side];
      if (taken & kTookCumWindow) release_window(rmw, ss.cum_window, cum_window_id, sent);
      if (taken & kTookCumDay) rmw.sub<std::memory_order_relaxed>(ss.cum_day, sent);
      if (taken & kTookOpenQty) rmw.sub<std::memory_order_relaxed>(ss.open_qty, open_qty);
    }
    if (taken & kTookOpenOrder) {
      rmw.sub<std::memory_order_relaxed>(e.accounts_[account].open_orders, 1);
    }
    if (taken & kTookNotional) {
      rmw.sub<std::memory_order_relaxed>(e.accounts_[account].open_notional, notional);
    }
    // Gross notional is the last reservation: nothing after it can refuse.
  }
};

namespace {

// Limits whose budget every session on the account shares.
bool account_level(RuleId r) noexcept {
  switch (r) {
    case RuleId::kAccountOrderRate:
    case RuleId::kMaxOpenOrders:
    case RuleId::kMaxOpenNotional:
    case RuleId::kMaxNetPosition:
    case RuleId::kMaxGrossNotionalDay:
    case RuleId::kCumulativeQtyWindow:
    case RuleId::kCumulativeQtyDay:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool Engine::consumes_account(const SessionState& ss, AccountIdx a) const noexcept {
  if (a >= caps_.max_accounts || ss.index() >= caps_.max_sessions) return true;
  // Relaxed: two statistics compared once; a stale value moves the verdict by
  // one order at most.
  const double all = static_cast<double>(accounts_[a].gross_day.load(std::memory_order_relaxed));
  if (all <= 0) return true;  // Nothing used yet: the refused order itself is the use.
  const flow::SessionFlow::AccountShare* sh = flow::find_share(flows_[ss.index()], a);
  if (sh == nullptr) return false;  // This session holds none of it.
  const double mine = static_cast<double>(sh->gross.load(std::memory_order_relaxed));
  return mine >= snap()->auto_kill.account_breach_min_share * all;
}

Decision Engine::refuse(Decision d, const OrderView& o, SessionState& ss, AccountIdx a) noexcept {
  // Refused PossDup replays, and refusals the client did not cause (a kill
  // already engaged, audit or exchange down, a table of ours full, a throttle
  // already imposed), do not count toward auto-kill: otherwise releasing a
  // global kill would leave every session tripped.
  if ((o.poss_dup && d.rule == RuleId::kDuplicateClOrdID) || d.rule == RuleId::kKillSwitch ||
      d.rule == RuleId::kAuditUnavailable || d.rule == RuleId::kExchangeUnavailable ||
      d.rule == RuleId::kRiskStateFull || d.rule == RuleId::kFlowThrottle) {
    return d;
  }
  // An account-level limit refuses every session on the account alike; it
  // counts toward tripping only the sessions that consumed the budget.
  if (account_level(d.rule) && !consumes_account(ss, a)) return d;
  const Snapshot& sn = *snap();
  const std::int64_t n = sn.auto_kill.session_refusals;
  if (n > 0) {
    ss.roll_refusal_window(o.now_ns, sn.refusal_window_ns);
    ++ss.refusal_count_;
    if (ss.refusal_count_ >= n &&
        static_cast<double>(ss.refusal_count_) >=
            sn.auto_kill.session_refusal_ratio * static_cast<double>(ss.window_orders_) &&
        kills_.engage(KillScope::kClientSession, ss.index(), KillReason::kAutoRefusals)) {
      d.session_killed = true;
    }
  }
  return d;
}

bool Engine::act_on_flow(const flow::Verdict& v, SessionIdx session, std::int64_t now_ns) noexcept {
  if (session >= caps_.max_sessions) return false;
  if (v.action == FlowAction::kKill) {
    return kills_.engage(KillScope::kClientSession, session, KillReason::kAutoFlowEnvelope);
  }
  if (v.action == FlowAction::kThrottle) {
    // Relaxed: single writer (the session's I/O thread), see flow.hpp.
    flow::SessionFlow& sf = flows_[session];
    const std::int64_t was = sf.throttle_until_ns.load(std::memory_order_relaxed);
    const std::int64_t until = now_ns + snap()->flow.throttle_ns;
    if (until > was) sf.throttle_until_ns.store(until, std::memory_order_relaxed);
    return was <= now_ns;
  }
  return false;
}

void Engine::prefetch(const SessionState& ss, std::string_view cl_ord_id) const noexcept {
  ss.ids_.prefetch(hash_bytes(cl_ord_id) | 1u);
}

bool Engine::count_order_flow(const Snapshot& sn, SessionIdx session, std::int64_t now_ns,
                              flow::Verdict& v) noexcept {
  v = flow::on_order(sn.flow, flows_[session], now_ns);
  return v.rule != RuleId::kNone && act_on_flow(v, session, now_ns);
}

Decision Engine::check(const OrderView& o, SessionState& ss, PendingOrder& pending,
                       const Reservation* original) noexcept {
  // The ClOrdID set's fingerprint bucket is random by hash (and may be out of
  // cache): start loading its line now, so that the name lookups, kill switch
  // and validity below overlap the miss.
  const std::uint64_t id_hash = hash_bytes(o.cl_ord_id) | 1u;
  ss.ids_.prefetch(id_hash);
  pending.ticket = Reservation{};
  pending.state_ = PendingOrder::State::kNone;
  const Snapshot& sn = *snap();
  const std::uint32_t a = sn.find_account(o.account);
  const std::uint32_t s = sn.find_symbol(o.symbol);
  // The (session, symbol) row is read after the kill switch and validity:
  // start loading its home slot now (a miss there costs a cache miss later).
  const std::uint64_t srow_key = (static_cast<std::uint64_t>(ss.index()) << 32 | s) + 1;
  const std::uint64_t srow_home = mix64(srow_key) & session_symbol_mask_;
  __builtin_prefetch(&session_symbols_[srow_home]);
  // Set once the flow envelope's kOrders rules passed the order (7b): it is
  // counted into them when committed, or here when a later rule refuses it
  // (a refused order is still flow; see flow::on_order).
  bool flow_order = false;
  auto fail = [&](RuleId r, std::int64_t actual = 0, std::int64_t limit = 0, bool micros = false,
                  Relation rel = Relation::kAbove) __attribute__((noinline, cold)) {
    // Cold: every refusal leaves through here, out of the accepted path's
    // lines (see RouteGroup::refuse).
    if (flow_order) {
      // The verdict is the one peek_order found (none, or a throttle whose
      // start this applies): nothing to add to the refusal.
      flow::Verdict v;
      (void)count_order_flow(sn, ss.index(), o.now_ns, v);
    }
    Decision d;
    d.rule = r;
    d.actual = actual;
    d.limit = limit;
    d.values_are_micros = micros;
    d.relation = rel;
    return refuse(d, o, ss, a);
  };
  // The window's order count is what rollback() gives back, in the same window.
  if (sn.auto_kill.session_refusals > 0) {
    ss.roll_refusal_window(o.now_ns, sn.refusal_window_ns);
    ++ss.window_orders_;
  }
  flow::SessionFlow* sf = ss.index() < caps_.max_sessions ? &flows_[ss.index()] : nullptr;
  if (sf == nullptr) return fail(RuleId::kRiskStateFull);  // A session the engine cannot track.
  // 1 Kill switch.
  const KillScope ks = kills_.is_killed({o.exchange_session, ss.index(), a, s});
  if (ks != KillScope::kNone) {
    std::uint32_t idx = 0;
    switch (ks) {
      case KillScope::kExchangeSession:
        idx = o.exchange_session;
        break;
      case KillScope::kClientSession:
        idx = ss.index();
        break;
      case KillScope::kAccount:
        idx = a;
        break;
      case KillScope::kSymbol:
        idx = s;
        break;
      default:
        break;
    }
    return fail(RuleId::kKillSwitch, static_cast<std::int64_t>(ks),
                static_cast<std::int64_t>(kills_.reason(ks, idx)));
  }
  // 2 Retired feature: dormant code woke up; stop the session at its first order.
  if (o.carries_retired_value) {
    const bool tripped =
        kills_.engage(KillScope::kClientSession, ss.index(), KillReason::kRetiredFeature);
    Decision d = fail(RuleId::kRetiredFeature, o.retired_tag);
    d.session_killed = d.session_killed || tripped;
    return d;
  }
  // 3 Fail closed when what we depend on is down. Acquire pairs with the
  // gateway's release stores in set_*_available().
  if (flags_.audit_available.load(std::memory_order_acquire) == 0) {
    return fail(RuleId::kAuditUnavailable);
  }
  if (o.exchange_session < caps_.max_sessions &&
      exchange_available_[o.exchange_session].load(std::memory_order_acquire) == 0) {
    return fail(RuleId::kExchangeUnavailable);
  }
  // 4 Validity.
  if (o.missing_required) return fail(RuleId::kMissingField, o.missing_tag);
  if (o.cl_ord_id.empty()) return fail(RuleId::kMissingField, 11);
  if (o.action == Action::kReplace && o.orig_cl_ord_id.empty()) {
    return fail(RuleId::kMissingField, 41);
  }
  if (o.quantity <= 0) return fail(RuleId::kBadQuantity, o.quantity);
  if (o.side != Side::kBuy && o.side != Side::kSell && o.side != Side::kSellShort) {
    return fail(RuleId::kUnknownSide);
  }
  if (o.ord_type != OrdType::kMarket && o.ord_type != OrdType::kLimit) {
    return fail(RuleId::kUnknownOrdType);
  }
  if (o.ord_type == OrdType::kLimit && (!o.has_price || o.price <= 0)) {
    return fail(RuleId::kMissingPrice);
  }
  if (s == kNoIdx) return fail(RuleId::kUnknownSymbol);
  if (a == kNoIdx) return fail(RuleId::kUnknownAccount);
  const SymbolData& sym = sn.symbols[s];
  if (sym.lot_size != 1 && o.quantity % sym.lot_size != 0) {
    return fail(RuleId::kLotSize, o.quantity, sym.lot_size);
  }
  const bool has_parent = sn.parent_child.parent_id_tag != 0 && !o.parent_id.empty();
  if (has_parent && o.parent_quantity <= 0) {
    return fail(RuleId::kMissingField, sn.parent_child.parent_qty_tag);
  }
  // 5 Restrictions.
  if (sym.restricted) return fail(RuleId::kRestrictedSymbol);
  if (!sn.permitted(a, s)) return fail(RuleId::kInstrumentNotPermitted);

  // 6 Duplicates.
  const ClOrdIdSet::Probe id_probe = ss.ids_.probe(id_hash);
  if (id_probe.found) return fail(RuleId::kDuplicateClOrdID);
  if (ss.ids_.full()) return fail(RuleId::kRiskStateFull);
  const int side = side_index(o.side);
  const std::int64_t K = sn.throttles.duplicate_max_identical;
  std::uint64_t order_hash = 0;
  std::int64_t dup_count = 0;
  if (K > 0) {
    const std::int64_t px = o.ord_type == OrdType::kLimit ? o.price : 0;
    order_hash = mix64((static_cast<std::uint64_t>(a) << 32 | s) ^
                       mix64(static_cast<std::uint64_t>(o.quantity) * 3 + side) ^
                       mix64(static_cast<std::uint64_t>(px) ^ 0x5bd1e995u)) |
                 1u;
    const SessionState::DupSlot& ds = ss.dups_[order_hash & (SessionState::kDupSlots - 1)];
    if (ds.hash == order_hash && o.now_ns - ds.start_ns <= sn.dup_window_ns) dup_count = ds.count;
    if (dup_count + 1 > K) return fail(RuleId::kDuplicateOrder, dup_count + 1, K);
  }

  // 7 Rates. Session budgets are committed only on acceptance.
  std::int64_t next_msg_tat = ss.message_tat_;
  std::int64_t next_order_tat = ss.order_tat_;
  if (sn.rates.max_messages_per_sec > 0 &&
      !gcra(ss.message_tat_, o.now_ns, sn.session_messages, next_msg_tat)) {
    return fail(RuleId::kSessionMessageRate, 0, sn.rates.max_messages_per_sec);
  }
  if (sn.rates.max_orders_per_sec > 0 &&
      !gcra(ss.order_tat_, o.now_ns, sn.session_orders, next_order_tat)) {
    return fail(RuleId::kSessionOrderRate, 0, sn.rates.max_orders_per_sec);
  }
  // 7b Flow envelope: a throttled session is held to the throttle rate; a
  // breached refuse rule refuses what would add to it. The (session, symbol)
  // row is needed from here on (typical size, repeated executions).
  // Acquire pairs with the inserting CAS (tables.cpp); the home slot is the
  // common case, looked at inline.
  const std::uint32_t fr =
      session_symbols_[srow_home].key.load(std::memory_order_acquire) == srow_key
          ? static_cast<std::uint32_t>(srow_home)
          : find_or_insert_session_symbol(ss.index(), s);
  if (fr == kNoIdx) return fail(RuleId::kRiskStateFull);
  SessionSymbolState& srow = session_symbols_[fr];
  std::int64_t next_throttle_tat = 0;
  bool throttled = false;
  // kOrders rules count this order (PossDup replays aside: they are not new
  // flow). A refuse or kill rule refuses the order that crosses it; a
  // throttle rule starts the throttle, which this order then meets below.
  // The windows are decayed statistics, not reservable: the order is judged
  // on what counting it would give (peek_order) and counted at commit (or at
  // its refusal), so a rolled-back order leaves them untouched.
  // Relaxed: single writer, this thread (flow.hpp).
  std::int64_t throttle_until = sf->throttle_until_ns.load(std::memory_order_relaxed);
  if (sn.flow.order_mask != 0 && !o.poss_dup) {
    std::uint32_t breached_after = 0;
    const flow::Verdict v = flow::peek_order(sn.flow, *sf, o.now_ns, breached_after);
    if (v.rule == RuleId::kNone) {
      flow_order = true;
    } else if (v.action == FlowAction::kThrottle &&
               breached_after == sf->breached.load(std::memory_order_relaxed)) {
      // Only throttle rules crossed: the throttle starts when the order is
      // counted (as act_on_flow would start it); this order meets it now.
      flow_order = true;
      throttle_until = std::max(throttle_until, o.now_ns + sn.flow.throttle_ns);
    } else {
      // A refuse or kill rule crossed: the order is refused (by it, or by the
      // breach refusing() finds below), so count it now, as ever.
      flow::Verdict applied;
      const bool tripped = count_order_flow(sn, ss.index(), o.now_ns, applied);
      if (applied.action != FlowAction::kThrottle) {
        Decision d = fail(applied.rule, applied.actual, applied.limit);
        d.session_killed = d.session_killed || (applied.action == FlowAction::kKill && tripped);
        return d;
      }
      throttle_until = sf->throttle_until_ns.load(std::memory_order_relaxed);
    }
  }
  if (o.now_ns < throttle_until) {
    const Gcra g{sn.flow.throttle_interval_ns, 0};
    if (!gcra(sf->throttle_tat, o.now_ns, g, next_throttle_tat)) {
      return fail(RuleId::kFlowThrottle, 0, 1'000'000'000 / sn.flow.throttle_interval_ns);
    }
    throttled = true;
  }
  bool maybe = sf->breached.load(std::memory_order_relaxed) != 0;
  if (!maybe && sn.flow.symbol_refuse) {
    for (std::uint32_t w = 0; w < sn.flow.net_windows; ++w) {
      maybe = maybe || std::fabs(srow.net.net[w].value.load(std::memory_order_relaxed)) >
                           sn.flow.symbol_refuse_floor;
    }
  }
  if (maybe) {
    const flow::Verdict v =
        flow::refusing(sn.flow, *sf, &srow.net, o.side == Side::kBuy ? 1 : -1, o.now_ns);
    if (v.rule != RuleId::kNone) return fail(v.rule, v.actual, v.limit, v.micros);
  }
  Resolved lim;
  sn.resolve(a, s, lim);
  Undo undo(*this, a, side);
  const Rmw rmw(one_writer_);
  AccountState& acc = accounts_[a];
  if (lim[kAccountRate] != kOff && lim[kAccountRate] > 0) {
    const std::int64_t rate = lim[kAccountRate];
    const Gcra g{lim[kAccountRateInterval], (rate - 1) * lim[kAccountRateInterval]};
    // Relaxed: the TAT guards only itself.
    if (!rmw.update<std::memory_order_relaxed>(
            acc.rate_tat,
            [&](std::int64_t tat, std::int64_t& next) { return gcra(tat, o.now_ns, g, next); })) {
      return fail(RuleId::kAccountOrderRate, 0, rate);
    }
    undo.rate_interval = g.interval;
    undo.taken |= Undo::kTookRate;
  } else if (lim[kAccountRate] == 0) {
    return fail(RuleId::kAccountOrderRate, 0, 0);
  }
  auto refuse_undo = [&](RuleId r, std::int64_t actual, std::int64_t limit, bool micros = false,
                         Relation rel = Relation::kAbove) {
    undo.unwind();
    return fail(r, actual, limit, micros, rel);
  };

  // 8 Size and value.
  if (o.quantity > lim[kQty]) return refuse_undo(RuleId::kMaxOrderQty, o.quantity, lim[kQty]);
  Micros ref = sym.reference_price;
  if (sn.collar_follows_last_fill) {
    // Relaxed: a single price; nothing else is published with it.
    const Micros last = last_fill_px_[s].load(std::memory_order_relaxed);
    if (last > 0) ref = last;
  }
  const std::int64_t bps = lim[kCollarBps];
  Micros unit_px = o.price;
  if (o.ord_type == OrdType::kMarket) {
    unit_px =
        bps == kOff ? ref : static_cast<Micros>(static_cast<i128>(ref) * (10'000 + bps) / 10'000);
  }
  const Micros notional = sat_mul(o.quantity, unit_px);
  // A replace's OrderQty is the order's new total, its fills included: what
  // it keeps working, and reserves, is that total less what already traded.
  // A replacement ticket carries the same split (leaves = order - executed),
  // so a chain of replaces keeps its executed quantity.
  const std::int64_t own_filled =
      original == nullptr
          ? 0
          : std::clamp<std::int64_t>(original->order_qty - original->leaves_qty, 0, o.quantity);
  const std::int64_t working = o.quantity - own_filled;
  const Micros reserve = sat_mul(working, unit_px);
  if (notional > lim[kNotional]) {
    return refuse_undo(RuleId::kMaxOrderNotional, notional, lim[kNotional], true);
  }
  // 9 Price collar (limit orders).
  if (bps != kOff && o.ord_type == OrdType::kLimit) {
    const i128 p = static_cast<i128>(o.price) * 10'000;
    const i128 hi = static_cast<i128>(ref) * (10'000 + bps);
    const i128 lo = static_cast<i128>(ref) * (10'000 - bps);
    if (p > hi) {
      return refuse_undo(RuleId::kPriceCollar, o.price, static_cast<Micros>(hi / 10'000), true);
    }
    if (p < lo) {
      return refuse_undo(RuleId::kPriceCollar, o.price, static_cast<Micros>((lo + 9'999) / 10'000),
                         true, Relation::kBelow);
    }
  }

  // 10 Quantity multipliers.
  const std::uint32_t pr = find_or_insert_pair(a, s);
  if (pr == kNoIdx) return refuse_undo(RuleId::kRiskStateFull, 0, 0);
  undo.pair = pr;
  PairState& pair = pairs_[pr];
  SideState& sside = pair.sides[side];
  auto multiplier_breach = [&](RuleId r, std::int64_t actual, std::int64_t limit) {
    Decision d = refuse_undo(r, actual, limit);
    const bool trips = r == RuleId::kTypicalSizeMultiple ? sn.auto_kill.on_typical_size_breach
                                                         : sn.auto_kill.on_parent_child_breach;
    if (trips &&
        kills_.engage(KillScope::kClientSession, ss.index(), KillReason::kAutoQuantityMultiplier)) {
      d.session_killed = true;
    }
    return d;
  };
  if (lim[kTypicalMultipleMicro] != kOff) {
    // Relaxed: a statistic of this session's own orders; see the header.
    const std::int64_t seen = srow.accepted.load(std::memory_order_relaxed);
    std::int64_t typical = 0;
    if (seen >= sn.throttles.typical_size_min_history && seen > 0) {
      typical = srow.typical.load(std::memory_order_relaxed);
    } else if (lim[kTypicalSeed] != kOff) {
      typical = lim[kTypicalSeed];
    }
    // qty > floor(m x typical)  <=>  qty x 1e6 > m_micro x typical (qty is an
    // integer), so the division is paid only when refusing.
    if (typical > 0 && static_cast<i128>(o.quantity) * 1'000'000 >
                           static_cast<i128>(lim[kTypicalMultipleMicro]) * typical) {
      const i128 l = static_cast<i128>(lim[kTypicalMultipleMicro]) * typical / 1'000'000;
      const std::int64_t limit = l > INT64_MAX ? INT64_MAX : static_cast<std::int64_t>(l);
      { return multiplier_breach(RuleId::kTypicalSizeMultiple, o.quantity, limit); }
    }
  }
  if (sn.throttles.repeated_exec_max_fills > 0 &&
      (srow.fill_window[side].load(std::memory_order_acquire) & kFlowDisabled) !=
          0) {  // Pairs with count_fill's and reenable_flow's release.
    return refuse_undo(RuleId::kRepeatedExecutionThrottle, sn.throttles.repeated_exec_max_fills,
                       sn.throttles.repeated_exec_max_fills, false, Relation::kReached);
  }
  std::int64_t sent_delta = o.quantity;
  std::uint32_t parent_slot = kNoIdx;
  std::int64_t declare_parent_qty = 0;
  if (has_parent) {
    parent_slot = find_or_insert_parent(parent_key(a, o.parent_id));
    if (parent_slot == kNoIdx) return refuse_undo(RuleId::kRiskStateFull, 0, 0);
    ParentState& ps = parents_[parent_slot];
    std::int64_t pq = ps.parent_qty.load(std::memory_order_relaxed);
    if (pq == 0) {
      // The first child declares the parent quantity when it is committed
      // (so a rolled-back child declares nothing); until then it is held to
      // its own declaration, as is a racing first child, and the first
      // commit's CAS wins.
      pq = o.parent_quantity;
      declare_parent_qty = o.parent_quantity;
    }
    // A replace's quantity is the child's new total, its own fills included:
    // count only what it adds.
    const bool same_parent =
        original != nullptr && original->parent_slot == parent_slot && parent_current(*original);
    if (same_parent) sent_delta = std::max<std::int64_t>(0, o.quantity - original->order_qty);
    const std::int64_t filled = ps.filled.load(std::memory_order_relaxed);
    const std::int64_t adds = same_parent ? working : o.quantity;
    if (filled + adds > pq) {
      return multiplier_breach(RuleId::kParentChildFilled, filled + adds, pq);
    }
    const double cap_d = static_cast<double>(pq) * sn.parent_child.max_sent_multiple + 1e-9;
    const std::int64_t cap = cap_d >= 9.2e18 ? INT64_MAX : static_cast<std::int64_t>(cap_d);
    std::int64_t seen = 0;
    if (!reserve_bounded(rmw, ps.sent, sent_delta, cap, seen)) {
      return multiplier_breach(RuleId::kParentChildSent, seen, cap);
    }
    undo.parent = parent_slot;
    undo.sent = sent_delta;
    undo.taken |= Undo::kTookParent;
  } else {
    if (original != nullptr && original->pair_slot == pr && side_index(original->side) == side &&
        original->parent_slot == kNoIdx && day_current(*original)) {
      sent_delta = std::max<std::int64_t>(0, o.quantity - original->order_qty);
    }
    undo.sent = sent_delta;
    // Counted only while the limit is set: each count is two atomic RMWs per
    // order (reserve and release), a third of the chain's budget. A limit
    // enabled by a reload therefore counts from that reload on (the window
    // from the next one; the day total misses what was sent before).
    if (lim[kCumWindow] != kOff) {
      // Tumbling window: one word holds (window id + 1) << 40 | qty.
      const auto id = static_cast<std::uint32_t>(
          (static_cast<std::uint64_t>(o.now_ns / sn.cum_window_ns) & 0xFFFFFF) + 1);
      std::uint64_t want = 0;
      // Relaxed: the word guards only itself.
      if (!rmw.update<std::memory_order_relaxed>(
              sside.cum_window, [&](std::uint64_t cur, std::uint64_t& next) {
                const std::uint64_t have = (cur >> 40) == id ? (cur & kQty40) : 0;
                want = have + static_cast<std::uint64_t>(sent_delta);
                if (want > static_cast<std::uint64_t>(lim[kCumWindow]) || want > kQty40) {
                  return false;
                }
                next = std::uint64_t{id} << 40 | want;
                return true;
              })) {
        return refuse_undo(RuleId::kCumulativeQtyWindow, static_cast<std::int64_t>(want),
                           lim[kCumWindow]);
      }
      undo.cum_window_id = id;
      undo.taken |= Undo::kTookCumWindow;
    }
    if (lim[kCumDay] != kOff) {
      std::int64_t seen = 0;
      if (!reserve_bounded(rmw, sside.cum_day, sent_delta, lim[kCumDay], seen)) {
        return refuse_undo(RuleId::kCumulativeQtyDay, seen, lim[kCumDay]);
      }
      undo.taken |= Undo::kTookCumDay;
    }
  }

  // 11 Exposure.
  std::int64_t seen = 0;
  const bool takes_open_order = original == nullptr || !original->counts_open_order;
  if (takes_open_order) {
    if (!reserve_bounded(rmw, acc.open_orders, 1, lim[kOpenOrders], seen)) {
      return refuse_undo(RuleId::kMaxOpenOrders, seen, lim[kOpenOrders]);
    }
    undo.taken |= Undo::kTookOpenOrder;
  }
  if (!reserve_bounded(rmw, acc.open_notional, reserve, lim[kOpenNotional], seen)) {
    return refuse_undo(RuleId::kMaxOpenNotional, seen, lim[kOpenNotional], true);
  }
  undo.notional = reserve;
  undo.taken |= Undo::kTookNotional;
  {
    // Worst case: buy: pos + open_buy + qty; sell: open_sell + qty - pos.
    // Acquire on open_qty (the CAS's loads; with one writer, the load) pairs
    // with the release decrement in on_execution (the RMW's, or the store's),
    // which follows the position update: seeing the smaller open quantity
    // implies seeing the larger position, so the sum is never under-stated.
    // (With one writer both run on this thread and program order alone gives
    // it; the acquire costs nothing on x86 and keeps one rule for both.)
    const std::int64_t limit = lim[kNetPosition];
    std::int64_t worst = 0;
    if (!rmw.update<std::memory_order_acquire>(
            sside.open_qty, [&](std::int64_t cur, std::int64_t& next) {
              const std::int64_t pos = pair.position.load(std::memory_order_relaxed);
              worst = side == 0 ? pos + cur + working : cur + working - pos;
              next = cur + working;
              return limit == kOff || worst <= limit;
            })) {
      return refuse_undo(RuleId::kMaxNetPosition, worst, limit);
    }
    undo.open_qty = working;
    undo.taken |= Undo::kTookOpenQty;
  }
  if (!reserve_bounded(rmw, acc.gross_day, reserve, lim[kGrossDay], seen)) {
    return refuse_undo(RuleId::kMaxGrossNotionalDay, seen, lim[kGrossDay], true);
  }

  // Accepted: pending. What commit() applies is kept, not applied: the
  // shared reservations above are all that is taken until then.
  pending.id_hash_ = id_hash;
  pending.id_slot_ = id_probe.slot;
  pending.id_count_ = ss.ids_.size();
  pending.order_hash_ = order_hash;
  pending.dup_count_ = dup_count;
  pending.next_msg_tat_ = next_msg_tat;
  pending.next_order_tat_ = next_order_tat;
  pending.next_throttle_tat_ = next_throttle_tat;
  pending.now_ns_ = o.now_ns;
  pending.typical_seed_ = lim[kTypicalSeed];
  pending.declare_parent_qty_ = declare_parent_qty;
  pending.rate_interval_ = (undo.taken & Undo::kTookRate) ? undo.rate_interval : 0;
  pending.refusal_window_start_ = ss.refusal_window_start_;
  pending.throttled_ = throttled;
  pending.flow_order_ = flow_order;
  pending.window_order_ = sn.auto_kill.session_refusals > 0;
  pending.state_ = PendingOrder::State::kPending;

  // Built whole, then stored once: writing the bit-fields into `out` field by
  // field would read back the line just stored above (a stalled store
  // forward, ~10 ns).
  Reservation t;
  t.account = a;
  t.symbol = s;
  t.pair_slot = pr;
  t.parent_slot = parent_slot;
  // Relaxed: the day number only tags the ticket (see Reservation).
  t.parent_day = day_.load(std::memory_order_relaxed) & 127u;
  t.flow_slot = fr;
  t.session = ss.index();
  t.cum_window_id = (undo.taken & Undo::kTookCumWindow) ? undo.cum_window_id : 0;
  t.order_qty = o.quantity;
  t.leaves_qty = working;
  t.sent_qty = sent_delta;
  t.reserved_px = unit_px;
  t.side = o.side;
  t.counts_open_order = takes_open_order;
  t.cum_day_counted = (undo.taken & Undo::kTookCumDay) != 0;
  t.active = true;
  pending.ticket = t;
  return Decision{};
}

void Engine::note_message(SessionState& ss, std::int64_t now_ns) noexcept {
  const Snapshot& sn = *snap();
  std::int64_t next = 0;
  // Counted when within budget; never refused, never put into debt.
  if (sn.rates.max_messages_per_sec > 0 &&
      gcra(ss.message_tat_, now_ns, sn.session_messages, next)) {
    ss.message_tat_ = next;
  }
}

}  // namespace riskgate::risk
