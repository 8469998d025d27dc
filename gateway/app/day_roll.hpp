// The trading-day roll, as the I/O thread journals it: the day's carry (the
// working orders of every route group, then every position and collar
// anchor of the risk engine) followed by the roll record that counts it.
// The journal thread then starts the new day's file with that carry at its
// head (journal/journal.hpp, "A file per trading day"), and a restart from
// that file rebuilds the same orders and positions from it
// (DurableState::restore_orders) without the days before.
//
// Thread: the ring's producer (the I/O thread at the boundary, or setup
// before it starts). No allocation: the records go straight into the ring.
#pragma once

#include <cstdint>
#include <span>

#include "gateway/journal/ring.hpp"
#include "gateway/route/route_group.hpp"
#include "risk/engine.hpp"

namespace riskgate::app {

struct CarriedGroup {
  route::RouteGroup* group = nullptr;
  std::uint16_t journal_id = 0;  // Its exchange session's journal id.
};

struct DayRollAppended {
  std::uint64_t orders = 0;     // kCarriedOrder records.
  std::uint64_t positions = 0;  // kPositionCarry records.
  // The carry did not all fit (the roll went out without it: the file is
  // not split that day, and nothing is lost).
  bool carry_failed = false;
  bool roll_failed = false;  // The roll record itself did not fit.
};

// `journal_ids`: journal id by route client index (an order's owner);
// kNoSession for an index it does not hold. `engine` null: no carry at all
// (the roll is journaled unsplit).
DayRollAppended append_day_roll(journal::JournalRing& ring, std::span<const CarriedGroup> groups,
                                const risk::Engine* engine,
                                std::span<const std::uint16_t> journal_ids, std::uint32_t from_day,
                                std::uint32_t to_day, std::int64_t utc_ns) noexcept;

}  // namespace riskgate::app
