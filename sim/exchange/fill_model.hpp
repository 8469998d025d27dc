// Deterministic fill models for exchange-sim. Pure logic, no QuickFIX.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace riskgate {
namespace sim {

struct FillModel {
  enum class Kind { kFull, kPartial, kAckOnly };
  Kind kind = Kind::kFull;
  int partial_fills = 1;  // kPartial: fills per order
  int reject_every = 0;   // > 0: every K-th NewOrderSingle received is rejected
  // > 0: every K-th NewOrderSingle received (that is not rejected) is only
  // acknowledged and rests, whatever the kind: working orders for a kill to cancel.
  int rest_every = 0;

  // Comma-separated items: "full", "ack", "partial:N", "reject-every:K",
  // "rest-every:K", e.g. "partial:3,reject-every:5". Throws
  // std::invalid_argument naming the item.
  static FillModel parse(const std::string& text);
  std::string describe() const;
};

// Sizes of the fills for an order of `qty` shares: one for kFull, N near-equal
// pieces for kPartial (the last takes the remainder; fewer when qty < N), none
// for kAckOnly. `order_number` is the 1-based count of NewOrderSingles
// received: with rest_every = K, every K-th gets no fill.
std::vector<std::int64_t> fill_sizes(const FillModel& model, std::int64_t qty,
                                     std::int64_t order_number = 0);

}  // namespace sim
}  // namespace riskgate
