// engine-sim's order generator: a deterministic function of (pattern, seed,
// order index). Pure logic, no QuickFIX, so the same seed replays the same flow.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace riskgate {
namespace sim {

enum class Pattern { kNormal, kFatFinger, kRunaway, kKnight };
Pattern parse_pattern(const std::string& text);  // throws std::invalid_argument

struct FlowConfig {
  Pattern pattern = Pattern::kNormal;
  std::uint64_t seed = 1;
  std::vector<std::pair<std::string, double>> symbols;  // symbol, reference price
  int lot_size = 100;
  int max_lots = 5;          // normal sizes: 1..max_lots round lots
  double price_band = 0.01;  // normal limit prices within +-band of the reference
  int fat_finger_at = 3;     // 1-based index of the fat-finger order
  int fat_finger_multiplier = 1000;
  std::string parent_id = "PARENT-1";
  std::int64_t parent_qty = 1000;  // runaway: the parent order's quantity
  std::int64_t child_qty = 100;    // runaway: each child's quantity
  // runaway / knight: children carry no parent reference (no parent id and
  // parent quantity tags), so only the gateway's flow envelope can see them.
  bool untagged = false;
  int knight_price_steps = 50;  // knight: distinct prices per symbol, a cent apart
};

struct PlannedOrder {
  std::string symbol;
  char side = '1';  // 1 = buy, 2 = sell
  std::int64_t qty = 0;
  double price = 0;    // limit price, rounded to cents
  bool child = false;  // Carries the parent id and quantity tags.
  std::string parent_id;
  std::int64_t parent_qty = 0;
  bool fat_finger = false;
};

class OrderFlow {
 public:
  explicit OrderFlow(FlowConfig config);  // throws std::invalid_argument on a bad config
  PlannedOrder next();
  int produced() const { return produced_; }

 private:
  std::uint64_t random();  // splitmix64: fixed algorithm, same sequence everywhere

  FlowConfig config_;
  std::uint64_t state_;
  int produced_ = 0;
};

}  // namespace sim
}  // namespace riskgate
