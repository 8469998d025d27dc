#include "gateway/app/day_roll.hpp"

#include "gateway/journal/journal.hpp"

namespace riskgate::app {
namespace {

class PositionWriter final : public risk::Engine::CarryVisitor {
 public:
  PositionWriter(journal::JournalRing& ring, std::int64_t utc_ns) noexcept
      : ring_(ring), utc_ns_(utc_ns) {}
  void position(std::string_view account, std::string_view symbol,
                std::int64_t net) noexcept override {
    journal::PositionCarry c;
    c.flags = journal::PositionCarry::kHasPosition;
    c.position = net;
    c.account = account;
    c.symbol = symbol;
    put(c);
  }
  void last_fill(std::string_view symbol, risk::Micros px) noexcept override {
    journal::PositionCarry c;
    c.flags = journal::PositionCarry::kHasLastFill;
    c.last_fill_px = px;
    c.symbol = symbol;
    put(c);
  }
  std::uint64_t written = 0;
  bool failed = false;

 private:
  void put(const journal::PositionCarry& c) noexcept {
    if (failed) return;
    if (journal::append_position_carry(ring_, c, utc_ns_) != journal::AppendStatus::kOk) {
      failed = true;
      return;
    }
    ++written;
  }
  journal::JournalRing& ring_;
  std::int64_t utc_ns_;
};

}  // namespace

DayRollAppended append_day_roll(journal::JournalRing& ring, std::span<const CarriedGroup> groups,
                                const risk::Engine* engine,
                                std::span<const std::uint16_t> journal_ids, std::uint32_t from_day,
                                std::uint32_t to_day, std::int64_t utc_ns) noexcept {
  DayRollAppended out;
  if (engine != nullptr) {
    for (const CarriedGroup& g : groups) {
      g.group->carry_orders([&](journal::OrderEvent& e) {
        if (out.carry_failed) return;
        e.client_session = e.client_session < journal_ids.size() ? journal_ids[e.client_session]
                                                                 : journal::kNoSession;
        if (journal::append_carried_order(ring, g.journal_id, utc_ns, e) !=
            journal::AppendStatus::kOk) {
          out.carry_failed = true;
          return;
        }
        ++out.orders;
      });
    }
    // After the orders: a restart replays them first, and these then set
    // what that replay moved.
    PositionWriter positions(ring, utc_ns);
    if (!out.carry_failed) engine->carry(positions);
    out.positions = positions.written;
    out.carry_failed = out.carry_failed || positions.failed;
  }
  // A carry that did not all fit is not counted: the journal thread then
  // keeps the old file, whose events say everything the carry would have.
  const bool carried = engine != nullptr && !out.carry_failed;
  const std::uint64_t count = carried ? out.orders + out.positions + 1 : 0;
  out.roll_failed = journal::append_trading_day_roll(ring, from_day, to_day, utc_ns, count) !=
                    journal::AppendStatus::kOk;
  return out;
}

}  // namespace riskgate::app
