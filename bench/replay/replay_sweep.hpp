// rg-replay --sweep: the margins of a set of limits on both sides.
//   (i)   an untagged runaway over 150 symbols at 100..3,000 children/s of
//         100 or 500 shares: how long after its first child past a filled
//         parent it is tripped, and what it executed by then (or that
//         nothing stopped it within the bound);
//   (ii)  each normal flow shape at 1x, 2x and 5x its default rate: refusals
//         and kills;
//   (iii) the trending market maker through a 5-minute trend, at more and
//         more lopsided fills.
#pragma once

#include <cstdint>

#include "risk/config.hpp"

namespace riskgate::replay {

struct SweepOptions {
  std::int64_t normal_orders = 200'000;  // Per normal run.
  double runaway_minutes = 45;           // Bound on an unstopped runaway.
};

// Prints the three tables to stdout (wall time per run to stderr).
void print_sweep(const risk::RiskConfig& config, const SweepOptions& options);

}  // namespace riskgate::replay
