// Restart: orders put back from the journal without a check (see
// Engine::restore_order in engine.hpp). Runs before the I/O thread serves
// traffic (the gateway replays the journal on its main thread, then starts
// the I/O thread); the same atomics as check() with the same orders, so a
// reader (status) never sees a torn counter.
#include <atomic>
#include <cstdint>

#include "risk/detail.hpp"
#include "risk/engine.hpp"
#include "risk/snapshot.hpp"

namespace riskgate::risk {

using namespace detail;  // The engine's private helpers (risk/detail.hpp, snapshot.hpp).

Reservation Engine::restore_order(const OrderView& o, SessionState& ss, std::int64_t working,
                                  bool counts_open_order) noexcept {
  Reservation t;
  const Snapshot& sn = *snap();
  const std::uint32_t a = sn.find_account(o.account);
  const std::uint32_t s = sn.find_symbol(o.symbol);
  // The ClOrdID first: even an order we cannot reserve for is a duplicate
  // if the engine sends its ID again today.
  if (!o.cl_ord_id.empty()) {
    const std::uint64_t id_hash = hash_bytes(o.cl_ord_id) | 1u;
    const ClOrdIdSet::Probe probe = ss.ids_.probe(id_hash);
    if (!probe.found && !ss.ids_.full()) (void)ss.ids_.insert(probe, id_hash);
    ClOrdIdSet::publish();  // Inserted here for the I/O thread to probe.
  }
  if (a == kNoIdx || s == kNoIdx || working < 0) return t;
  if (o.side != Side::kBuy && o.side != Side::kSell && o.side != Side::kSellShort) return t;
  const std::uint32_t pr = find_or_insert_pair(a, s);
  if (pr == kNoIdx) return t;
  const std::uint32_t fr = ss.index() < caps_.max_sessions
                               ? find_or_insert_session_symbol(ss.index(), s)
                               : static_cast<std::uint32_t>(kNoIdx);
  const Micros unit_px =
      o.ord_type == OrdType::kLimit && o.price > 0 ? o.price : sn.symbols[s].reference_price;
  const Micros reserve = sat_mul(working, unit_px);
  AccountState& acc = accounts_[a];
  // Relaxed: each counter guards only itself; open_qty's release pairs with
  // check()'s acquire as on_execution()'s does (position is not touched).
  const Rmw rmw(one_writer_);
  if (counts_open_order) rmw.add<std::memory_order_relaxed>(acc.open_orders, 1);
  rmw.add<std::memory_order_relaxed>(acc.open_notional, reserve);
  rmw.add<std::memory_order_release>(pairs_[pr].sides[side_index(o.side)].open_qty, working);
  rmw.add<std::memory_order_relaxed>(acc.gross_day, reserve);
  t.account = a;
  t.symbol = s;
  t.pair_slot = pr;
  t.flow_slot = fr;
  t.session = ss.index();
  t.side = o.side;
  t.counts_open_order = counts_open_order;
  t.order_qty = o.quantity;
  t.leaves_qty = working;
  t.reserved_px = unit_px;
  t.active = true;
  add_session_share(t, reserve, reserve);
  return t;
}

bool Engine::restore_position(std::string_view account, std::string_view symbol,
                              std::int64_t net) noexcept {
  const Snapshot& sn = *snap();
  const std::uint32_t a = sn.find_account(account);
  const std::uint32_t s = sn.find_symbol(symbol);
  if (a == kNoIdx || s == kNoIdx) return false;
  const std::uint32_t pr = find_or_insert_pair(a, s);
  if (pr == kNoIdx) return false;
  // Relaxed: as on_execution() writes it; the I/O thread starts after.
  pairs_[pr].position.store(net, std::memory_order_relaxed);
  return true;
}

bool Engine::restore_last_fill(std::string_view symbol, Micros px) noexcept {
  const std::uint32_t s = snap()->find_symbol(symbol);
  if (s == kNoIdx || s >= caps_.max_symbols) return false;
  last_fill_px_[s].store(px, std::memory_order_relaxed);  // As on_execution() writes it.
  return true;
}

}  // namespace riskgate::risk
