// Engine construction, the control plane (reload, fail-closed flags, name
// lookups) and introspection. The rest of the engine lives beside it by
// concern: snapshot.cpp (compiling a config), tables.cpp (the lock-free
// tables), check.cpp (the check chain), lifecycle.cpp (execution events).
#include "risk/engine.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>

#include "risk/detail.hpp"
#include "risk/snapshot.hpp"

namespace riskgate::risk {

using namespace detail;  // The engine's private helpers (risk/detail.hpp, snapshot.hpp).

// ---------------------------------------------------------------------------
// SessionState
// ---------------------------------------------------------------------------

SessionState::SessionState(SessionIdx index, std::uint32_t cl_ord_id_capacity) : index_(index) {
  if (cl_ord_id_capacity == 0) throw std::invalid_argument("session state: capacity must be > 0");
  ids_ = ClOrdIdSet(cl_ord_id_capacity);
  dups_.assign(kDupSlots, DupSlot{});
}

// ---------------------------------------------------------------------------
// Engine: construction and control plane
// ---------------------------------------------------------------------------

Engine::Engine(const RiskConfig& config, WriterThreads writers)
    : caps_(config.capacities),
      one_writer_(writers == WriterThreads::kOne),
      kills_(std::max(config.capacities.max_sessions, 1u),
             std::max(config.capacities.max_accounts, 1u),
             std::max(config.capacities.max_symbols, 1u)) {
  auto first = compile(config, nullptr, 1);
  accounts_ = std::make_unique<AccountState[]>(caps_.max_accounts);
  pair_mask_ = pow2_at_least(std::uint64_t{caps_.max_account_symbols} * 2) - 1;
  pairs_ = std::make_unique<PairState[]>(pair_mask_ + 1);
  pair_list_ = std::make_unique<RowList>(caps_.max_account_symbols);
  parent_mask_ = pow2_at_least(std::uint64_t{caps_.max_parents} * 2) - 1;
  parents_ = std::make_unique<ParentState[]>(parent_mask_ + 1);
  session_symbol_mask_ = pow2_at_least(std::uint64_t{caps_.max_session_symbols} * 2) - 1;
  session_symbols_ = std::make_unique<SessionSymbolState[]>(session_symbol_mask_ + 1);
  flows_ = std::make_unique<flow::SessionFlow[]>(caps_.max_sessions);
  last_fill_px_ = std::make_unique<std::atomic<Micros>[]>(caps_.max_symbols);
  exchange_available_ = std::make_unique<std::atomic<std::uint32_t>[]>(caps_.max_sessions);
  for (std::uint32_t i = 0; i < caps_.max_sessions; ++i) {
    exchange_available_[i].store(1, std::memory_order_relaxed);
  }
  snapshots_.reserve(kMaxSnapshots);
  // Release pairs with snap()'s acquire (threads started later would also be
  // ordered by the thread start, but keep one rule for every publication).
  current_.store(first.get(), std::memory_order_release);
  snapshots_.push_back(std::move(first));
}

Engine::~Engine() = default;

void Engine::reload(const RiskConfig& config) {
  if (!same_capacities(config.capacities, caps_)) {
    bad("capacities cannot change on reload (restart to resize)");
  }
  if (snapshots_.size() >= kMaxSnapshots) {
    throw std::length_error("risk config: too many reloads in one process (" +
                            std::to_string(kMaxSnapshots) + "); restart to reclaim snapshots");
  }
  const Snapshot* prev = current_.load(std::memory_order_relaxed);  // Only writer: us.
  auto next = compile(config, prev, prev->version + 1);
  // Release: the compiled contents happen-before any reader that acquires the
  // pointer (snap()). The previous snapshot stays alive (retained).
  current_.store(next.get(), std::memory_order_release);
  snapshots_.push_back(std::move(next));
}

SessionState Engine::make_session(SessionIdx index) const {
  return SessionState(index, caps_.max_cl_ord_ids);
}

std::uint64_t Engine::snapshot_version() const noexcept {
  return snap()->version;
}

std::optional<AccountIdx> Engine::account_index(std::string_view name) const noexcept {
  const std::uint32_t i = snap()->find_account(name);
  if (i == kNoIdx) return std::nullopt;
  return i;
}
std::optional<SymbolIdx> Engine::symbol_index(std::string_view name) const noexcept {
  const std::uint32_t i = snap()->find_symbol(name);
  if (i == kNoIdx) return std::nullopt;
  return i;
}

void Engine::set_audit_available(bool available) noexcept {
  // Release/acquire: pairs with the load in check(); the flag carries no data.
  flags_.audit_available.store(available ? 1 : 0, std::memory_order_release);
}
void Engine::set_exchange_available(std::uint32_t exchange_session, bool available) noexcept {
  if (exchange_session >= caps_.max_sessions) return;
  exchange_available_[exchange_session].store(available ? 1 : 0, std::memory_order_release);
}

// ---------------------------------------------------------------------------
// Introspection
// ---------------------------------------------------------------------------

AccountUsage Engine::account_usage(std::string_view account) const noexcept {
  AccountUsage u;
  const std::uint32_t a = snap()->find_account(account);
  if (a == kNoIdx) return u;
  u.open_orders = accounts_[a].open_orders.load(std::memory_order_relaxed);
  u.open_notional = accounts_[a].open_notional.load(std::memory_order_relaxed);
  u.gross_notional_day = accounts_[a].gross_day.load(std::memory_order_relaxed);
  return u;
}

PairUsage Engine::pair_usage(std::string_view account, std::string_view symbol) const noexcept {
  PairUsage u;
  const Snapshot& sn = *snap();
  const std::uint32_t a = sn.find_account(account);
  const std::uint32_t s = sn.find_symbol(symbol);
  if (a == kNoIdx || s == kNoIdx) return u;
  const std::uint32_t p = find_pair(a, s);
  if (p == kNoIdx) return u;
  const PairState& ps = pairs_[p];
  u.position = ps.position.load(std::memory_order_relaxed);
  u.open_buy_qty = ps.sides[0].open_qty.load(std::memory_order_relaxed);
  u.open_sell_qty = ps.sides[1].open_qty.load(std::memory_order_relaxed);
  return u;
}

template <typename F>
void Engine::for_each_named_pair(const Snapshot& sn, F&& f) const {
  pair_list_->for_each([&](std::uint32_t p) {
    const PairState& ps = pairs_[p];
    // Acquire pairs with the inserting CAS (find_or_insert_row): the key is
    // the row's only published field; the counters are relaxed as elsewhere.
    const std::uint64_t key = ps.key.load(std::memory_order_acquire);
    if (key == 0) return;
    const auto a = static_cast<std::uint32_t>((key - 1) >> 32);
    const auto s = static_cast<std::uint32_t>((key - 1) & 0xffff'ffffu);
    if (a >= sn.account_names.size() || s >= sn.symbol_names.size()) return;
    f(sn.account_names[a], sn.symbol_names[s], ps);
  });
}

std::vector<PositionRow> Engine::positions() const {
  std::vector<PositionRow> out;
  for_each_named_pair(
      *snap(), [&](const std::string& account, const std::string& symbol, const PairState& ps) {
        PositionRow r;
        r.account = account;
        r.symbol = symbol;
        r.usage.position = ps.position.load(std::memory_order_relaxed);
        r.usage.open_buy_qty = ps.sides[0].open_qty.load(std::memory_order_relaxed);
        r.usage.open_sell_qty = ps.sides[1].open_qty.load(std::memory_order_relaxed);
        out.push_back(std::move(r));
      });
  return out;
}

void Engine::carry(CarryVisitor& v) const noexcept {
  const Snapshot& sn = *snap();
  for_each_named_pair(
      sn, [&](const std::string& account, const std::string& symbol, const PairState& ps) {
        v.position(account, symbol, ps.position.load(std::memory_order_relaxed));
      });
  const std::size_t symbols = std::min<std::size_t>(sn.symbol_names.size(), caps_.max_symbols);
  for (std::size_t s = 0; s < symbols; ++s) {
    const Micros px = last_fill_px_[s].load(std::memory_order_relaxed);  // As check() reads it.
    if (px != 0) v.last_fill(sn.symbol_names[s], px);
  }
}

SessionSymbolUsage Engine::session_symbol_usage(SessionIdx session,
                                                std::string_view symbol) const noexcept {
  SessionSymbolUsage u;
  const Snapshot& sn = *snap();
  const std::uint32_t s = sn.find_symbol(symbol);
  if (s == kNoIdx) return u;
  const std::uint32_t p = find_session_symbol(session, s);
  if (p == kNoIdx) return u;
  const SessionSymbolState& row = session_symbols_[p];
  u.accepted_count = row.accepted.load(std::memory_order_relaxed);
  u.typical_size = u.accepted_count > 0 ? row.typical.load(std::memory_order_relaxed) : 0;
  // Acquire pairs with count_fill's and reenable_flow's release.
  u.buy_disabled = (row.fill_window[0].load(std::memory_order_acquire) & kFlowDisabled) != 0;
  u.sell_disabled = (row.fill_window[1].load(std::memory_order_acquire) & kFlowDisabled) != 0;
  if (sn.flow.net_windows > 0) u.net_qty = row.net.net[0].value.load(std::memory_order_relaxed);
  return u;
}

FlowUsage Engine::flow_usage(SessionIdx session, std::int64_t now_ns) const {
  FlowUsage u;
  if (session >= caps_.max_sessions) return u;
  const Snapshot& sn = *snap();
  const flow::SessionFlow& sf = flows_[session];
  const std::int64_t tick = flow::tick_of(now_ns);
  const std::uint32_t breached = sf.breached.load(std::memory_order_relaxed);
  const std::int64_t first = sf.first_ns.load(std::memory_order_relaxed);
  for (std::uint32_t i = 0; i < sn.flow.count; ++i) {
    const flow::Rule& r = sn.flow.rules[i];
    FlowUsage::Rule out;
    out.rule = r.rule;
    const flow::Decay& d = sn.flow.decays[r.decay];
    switch (r.metric) {
      case FlowMetric::kNetQty:
        out.value = sf.net_abs[r.net].at(tick, d);
        break;
      case FlowMetric::kSymbolNetQty:
        out.value = 0;  // Per symbol: see session_symbol_usage().
        break;
      default:
        out.value = sf.value[i].at(tick, d);
        break;
    }
    out.threshold = flow::threshold(sn.flow, r, sf, i, now_ns);
    if (first != 0 && now_ns - first >= sn.flow.warmup_ns) {
      out.baseline = sf.baseline[i].value.load(std::memory_order_relaxed);
    }
    out.breached = (breached >> i) & 1u;
    u.rules.push_back(out);
  }
  u.throttled = now_ns < sf.throttle_until_ns.load(std::memory_order_relaxed);
  for (const auto& sh : sf.shares) u.gross_day += sh.gross.load(std::memory_order_relaxed);
  return u;
}

TableUsage Engine::table_usage() const noexcept {
  TableUsage u;
  // Relaxed: plain counters.
  u.pairs = pairs_used_.load(std::memory_order_relaxed);
  u.pairs_capacity = caps_.max_account_symbols;
  u.parents = parents_used_.load(std::memory_order_relaxed);
  u.parents_capacity = caps_.max_parents;
  u.session_symbols = session_symbols_used_.load(std::memory_order_relaxed);
  u.session_symbols_capacity = caps_.max_session_symbols;
  return u;
}

ParentUsage Engine::parent_usage(std::string_view account,
                                 std::string_view parent_id) const noexcept {
  ParentUsage u;
  const std::uint32_t a = snap()->find_account(account);
  if (a == kNoIdx) return u;
  const std::uint32_t p = find_parent(parent_key(a, parent_id));
  if (p == kNoIdx) return u;
  u.parent_qty = parents_[p].parent_qty.load(std::memory_order_relaxed);
  u.children_sent = parents_[p].sent.load(std::memory_order_relaxed);
  u.children_filled = parents_[p].filled.load(std::memory_order_relaxed);
  return u;
}

}  // namespace riskgate::risk
