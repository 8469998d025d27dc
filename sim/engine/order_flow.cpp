#include "sim/engine/order_flow.hpp"

#include <cmath>
#include <stdexcept>

namespace riskgate {
namespace sim {

Pattern parse_pattern(const std::string& text) {
  if (text == "normal") return Pattern::kNormal;
  if (text == "fat-finger") return Pattern::kFatFinger;
  if (text == "runaway") return Pattern::kRunaway;
  if (text == "knight") return Pattern::kKnight;
  throw std::invalid_argument("unknown pattern '" + text +
                              "' (normal, fat-finger, runaway, knight)");
}

OrderFlow::OrderFlow(FlowConfig config) : config_(std::move(config)), state_(config_.seed) {
  if (config_.symbols.empty()) throw std::invalid_argument("order flow needs at least one symbol");
  if (config_.lot_size <= 0 || config_.max_lots <= 0 || config_.child_qty <= 0 ||
      config_.parent_qty <= 0 || config_.fat_finger_multiplier <= 0 ||
      config_.knight_price_steps <= 0) {
    throw std::invalid_argument("order flow sizes must be positive");
  }
}

std::uint64_t OrderFlow::random() {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

PlannedOrder OrderFlow::next() {
  ++produced_;
  PlannedOrder o;
  if (config_.pattern == Pattern::kRunaway) {
    // The Knight failure: children keep coming for one parent whatever has
    // already been sent or filled.
    o.symbol = config_.symbols.front().first;
    o.side = '1';
    o.qty = config_.child_qty;
    o.price = std::round(config_.symbols.front().second * 100.0) / 100.0;
    o.child = !config_.untagged;
    o.parent_id = config_.parent_id;
    o.parent_qty = config_.parent_qty;
    return o;
  }
  if (config_.pattern == Pattern::kKnight) {
    // Knight's dormant code: small buy children (Knight's were 100 shares)
    // spread over many symbols, each one normal on its own, priced a few cents through the
    // reference (marketable) and stepping a cent at a time, so no two consecutive children of a
    // symbol are identical orders. Deterministic, no random().
    const std::size_t n = config_.symbols.size();
    const std::size_t i = static_cast<std::size_t>(produced_ - 1);
    const auto& sym = config_.symbols[i % n];
    const int step =
        static_cast<int>((i / n) % static_cast<std::size_t>(config_.knight_price_steps));
    o.symbol = sym.first;
    o.side = '1';
    o.qty = config_.child_qty;
    o.price = (std::round(sym.second * 100.0) + 1.0 + step) / 100.0;
    o.child = !config_.untagged;
    o.parent_id = config_.parent_id;
    o.parent_qty = config_.parent_qty;
    return o;
  }
  const std::uint64_t r = random();
  const auto& sym = config_.symbols[r % config_.symbols.size()];
  o.symbol = sym.first;
  o.side = ((r >> 20) & 1U) != 0 ? '2' : '1';
  o.qty = static_cast<std::int64_t>(config_.lot_size) *
          static_cast<std::int64_t>(1 + (r >> 24) % static_cast<std::uint64_t>(config_.max_lots));
  // Offset in 1/1000ths of the band, at most 99% of it so that a collar of
  // exactly the band never sees a price on its edge after cent rounding.
  const double step = static_cast<double>((r >> 40) % 1981) - 990.0;
  o.price = std::round(sym.second * (1.0 + config_.price_band * step / 1000.0) * 100.0) / 100.0;
  if (config_.pattern == Pattern::kFatFinger && produced_ == config_.fat_finger_at) {
    o.qty *= config_.fat_finger_multiplier;
    o.fat_finger = true;
  }
  return o;
}

}  // namespace sim
}  // namespace riskgate
