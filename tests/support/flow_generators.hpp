// Flow generators for the replay (flow_replay.hpp): one client session's
// requests and its market model, deterministic from FlowSpec::seed.
//
// Protocol with the driver: next() yields the flow's next step (time stamps
// never decrease); the driver executes it against the engine and the
// simulated exchange and reports back through on_outcome() before asking
// again. Flows never stop by themselves: the driver ends a flow on its order
// count, its duration or a kill.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "risk/types.hpp"
#include "tests/support/flow_replay.hpp"

namespace riskgate::replay {

enum class StepKind : std::uint8_t {
  kNew,
  kReplace,
  kCancel,
  kHit,  // The market trades against a working passive order (orig_id).
};

struct Step {
  StepKind kind = StepKind::kNew;
  std::int64_t at_ns = 0;     // Since the replay's start.
  std::uint64_t id = 0;       // ClOrdID of the request (new, replace, cancel).
  std::uint64_t orig_id = 0;  // Replace, cancel: the working order; hit: its target.
  std::uint32_t symbol = 0;   // Synthetic symbol index.
  risk::Side side = risk::Side::kBuy;
  risk::OrdType ord_type = risk::OrdType::kLimit;
  std::int64_t qty = 0;     // New/replace: order quantity (replace: total, incl. executed);
                            // hit: shares traded.
  risk::Micros price = 0;   // Limit price; 0 for market orders.
  bool marketable = false;  // Fills in full on arrival at the reference price.
  // The flow's parent for this child (-1: none) and its quantity; the order
  // carries them (OrderView::parent_id / parent_quantity) only when `tagged`.
  std::int32_t parent = -1;
  std::int64_t parent_qty = 0;
  bool tagged = false;
  std::uint32_t slot = 0;  // The flow's own bookkeeping, echoed back.
};

struct Outcome {
  bool accepted = false;    // New/replace/cancel accepted (hit: always true).
  std::int64_t filled = 0;  // Shares executed by this step.
  bool done = false;        // The order is no longer working.
};

// Reference prices of the synthetic symbols, in micros.
struct SymbolBook {
  std::vector<risk::Micros> reference;
};

class Flow {
 public:
  virtual ~Flow() = default;
  [[nodiscard]] virtual Step next() = 0;
  virtual void on_outcome(const Step& step, const Outcome& outcome) = 0;
};

// Throws std::invalid_argument if the spec's symbols fall outside the book.
[[nodiscard]] std::unique_ptr<Flow> make_flow(const FlowSpec& spec, const SymbolBook& book);

}  // namespace riskgate::replay
