#include "gateway/app/order_journal.hpp"

#include <optional>

#include "common/utc_clock.hpp"
#include "gateway/journal/journal.hpp"

namespace riskgate::app {

bool GroupOrderJournal::fail() noexcept {
  failures_.store(failures_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  failed_.store(true, std::memory_order_release);  // Pairs with the order path's acquire.
  return false;
}

bool GroupOrderJournal::record(const journal::OrderEvent& route_event, std::uint64_t out_seq,
                               std::uint64_t in_seq) noexcept {
  // The owner as the journal knows it (see DurableState::make_store); the
  // route's client index is only this run's. Copied only when they differ
  // (a config whose [[session]] blocks moved): the order step's event stays
  // where the route built it.
  const std::uint16_t owner = journal_id(route_event.client_session);
  std::optional<journal::OrderEvent> moved;
  if (owner != route_event.client_session) {
    moved.emplace(route_event);
    moved->client_session = owner;
  }
  const journal::OrderEvent& e = moved ? *moved : route_event;
  const bool opens =
      e.kind == journal::OrderEventKind::kNew || e.kind == journal::OrderEventKind::kReplace;
  // Once anything was lost, no new order or replace is accepted as durable
  // (acquire pairs with the failing writer's release store). What happens
  // to orders already out (fills, ends) is still written: a restart after a
  // transient ring overflow must not lose them.
  if (opens && failed_.load(std::memory_order_acquire)) return false;
  JournaledStore* const exchange = store(index_);
  if (exchange != nullptr && exchange->has_staged_order()) {
    // The staged order's forward failed before its message was stored: it
    // never left, so it is forgotten rather than journaled and ended.
    if (e.kind == journal::OrderEventKind::kDone && exchange->unstage_order(e.cl_ord_id))
      return true;
    exchange->flush_staged_order();
  }
  if (opens && out_seq != 0 && exchange != nullptr) {
    // Whether it fits is known at the store(): a refusal there stops the
    // send (SendResult::kNotStored), and the route refuses the order.
    exchange->stage_order(e, out_seq, store(route_event.client_session), in_seq);
    return true;
  }
  if (journal::append_order_event(ring_, journal_id(index_), out_seq, utc_coarse_ns(), e) ==
      journal::AppendStatus::kOk)
    return true;
  return fail();
}

bool GroupOrderJournal::record_id_floor(std::uint64_t next) noexcept {
  return journal::append_kill_cancel_counter(ring_, next, utc_coarse_ns()) ==
         journal::AppendStatus::kOk;
}

}  // namespace riskgate::app
