// A route group's order events, to the journal (issue 11, item 3): what
// route::OrderJournal asks of the gateway, with the order step's one record.
//
// A new order or replace is not appended when the route records it (before
// its forward): it is staged on the exchange session's JournaledStore, whose
// store() of the message writes event, message and the engine's inbound
// number as one kOrderSent record. Every other event is appended at once.
// If that record does not fit, store() refuses the message: the session
// sends nothing (SendResult::kNotStored) and the route refuses the order as
// journal_unavailable, rolling back what it reserved.
//
// Thread: the group's I/O thread (the ring's only producer).
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "gateway/app/journaled_store.hpp"
#include "gateway/journal/ring.hpp"
#include "gateway/route/route_group.hpp"

namespace riskgate::app {

class GroupOrderJournal final : public route::OrderJournal {
 public:
  // `exchange_index`: the group's exchange session's config index.
  // `stores` and `journal_ids`: the journaled stores and the journal ids by
  // config index (the route's client index); read at each event, so
  // sessions may be added after this is built. `failed` and `failures` are
  // the gateway's shared journal-failed flag and failure count.
  GroupOrderJournal(journal::JournalRing& ring, std::uint16_t exchange_index,
                    const std::vector<JournaledStore*>& stores,
                    const std::vector<std::uint16_t>& journal_ids, std::atomic<bool>& failed,
                    std::atomic<std::uint64_t>& failures) noexcept
      : ring_(ring),
        index_(exchange_index),
        stores_(stores),
        journal_ids_(journal_ids),
        failed_(failed),
        failures_(failures) {}

  [[nodiscard]] bool record(const journal::OrderEvent& e, std::uint64_t out_seq,
                            std::uint64_t in_seq) noexcept override;
  [[nodiscard]] bool record_id_floor(std::uint64_t next) noexcept override;

 private:
  [[nodiscard]] JournaledStore* store(std::uint32_t index) const noexcept {
    return index < stores_.size() ? stores_[index] : nullptr;
  }
  [[nodiscard]] std::uint16_t journal_id(std::uint32_t index) const noexcept {
    return index < journal_ids_.size() ? journal_ids_[index] : journal::kNoSession;
  }
  bool fail() noexcept;

  journal::JournalRing& ring_;
  std::uint16_t index_;
  const std::vector<JournaledStore*>& stores_;
  const std::vector<std::uint16_t>& journal_ids_;
  std::atomic<bool>& failed_;
  std::atomic<std::uint64_t>& failures_;
};

}  // namespace riskgate::app
