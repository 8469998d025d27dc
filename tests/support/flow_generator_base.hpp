// Internal to the flow generators (flow_generators.cpp and the header-only
// generators it includes): the common base of a flow, its random draws and
// the price helpers. Not for tests or tools: they use flow_replay.hpp.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>

#include "risk/types.hpp"
#include "tests/support/flow_generators.hpp"

namespace riskgate::replay::detail {

using risk::Micros;
using risk::Side;

inline constexpr Micros kCent = risk::kMicro / 100;
inline constexpr std::int64_t kMs = 1'000'000;

class FlowBase : public Flow {
 protected:
  FlowBase(const FlowSpec& spec, const SymbolBook& book)
      : spec_(spec), book_(book), rng_(spec.seed) {}

  std::uint64_t new_id() { return next_id_++; }
  double uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }
  Side random_side() { return uniform() < 0.5 ? Side::kBuy : Side::kSell; }
  std::uint32_t random_symbol() {
    return spec_.first_symbol + static_cast<std::uint32_t>(uniform_int(0, spec_.symbols - 1));
  }
  // Poisson arrivals at the spec's rate.
  std::int64_t gap_ns() {
    const double s = std::exponential_distribution<double>(spec_.rate_per_sec)(rng_);
    return std::max<std::int64_t>(1, std::llround(s * 1e9));
  }
  [[nodiscard]] Micros ref(std::uint32_t symbol) const { return book_.reference[symbol]; }

  // A resting price `bps` away from the reference on the passive side, on a
  // cent, at least one cent away.
  Micros passive_price(std::uint32_t symbol, Side side, std::int64_t bps) const {
    const Micros r = ref(symbol);
    const Micros off = std::max<Micros>(kCent, r * bps / 10'000 / kCent * kCent);
    return side == Side::kBuy ? r / kCent * kCent - off : (r + kCent - 1) / kCent * kCent + off;
  }
  // A price through the reference by `bps` (crosses the spread: fills on arrival).
  Micros marketable_price(std::uint32_t symbol, Side side, std::int64_t bps) const {
    const Micros r = ref(symbol);
    const Micros off = r * bps / 10'000;
    return side == Side::kBuy ? (r + off + kCent - 1) / kCent * kCent : (r - off) / kCent * kCent;
  }

  // A limit child of parent `p` (any parent type with index, symbol, side
  // and qty), tagged with its parent; the caller sets quantity and price.
  template <typename Parent>
  static Step child_of(const Parent& p, std::uint32_t slot, std::int64_t at) {
    Step s;
    s.at_ns = at;
    s.slot = slot;
    s.symbol = p.symbol;
    s.side = p.side;
    s.ord_type = risk::OrdType::kLimit;
    s.parent = p.index;
    s.parent_qty = p.qty;
    s.tagged = true;
    return s;
  }

  const FlowSpec spec_;
  const SymbolBook& book_;
  std::mt19937_64 rng_;
  std::uint64_t next_id_ = 1;
};

}  // namespace riskgate::replay::detail
