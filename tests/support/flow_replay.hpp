// Flow replay: the Knight Capital runaway and realistic normal flows, driven
// through risk::Engine directly (no sockets, simulated clock), to measure
// missed breaches (a runaway that trades on) and false refusals (a normal flow
// refused or killed) with a given set of limits.
//
// What is simulated:
//   * Flows (flow_generators.hpp): one client session each, deterministic
//     from a seed, emitting new / replace / cancel requests and, for passive
//     orders, the market's hits on them, each with a simulated time stamp.
//   * An exchange that acks every accepted order; marketable orders fill at
//     once, in full, at the symbol's reference price; passive orders fill
//     only when their flow's market model hits them (partial or full, at the
//     order's limit price); cancels are acked as ExecKind::kCanceled;
//     replaces are acked through Engine::on_replaced.
//   * The gateway's call sequence (gateway/route/route_group.cpp): check()
//     with the original's Reservation for a replace, on_execution() with the
//     order's own ticket for every report, on_replaced(original,
//     replacement) on the replace ack, and on a session kill every working
//     order of that session cancelled at the exchange (OnKillCancelWorking).
//
// Single-threaded; a replay allocates freely (it is a test instrument, not
// the order path).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "risk/config.hpp"
#include "risk/types.hpp"

namespace riskgate::replay {

inline constexpr std::int64_t kNsPerSec = 1'000'000'000;

enum class FlowKind : std::uint8_t {
  // Power Peg: parents over symbols, 100-share marketable children
  // round-robin over the parents, never stopping once a parent is filled.
  kRunawayTagged,    // Children carry the parent id and quantity.
  kRunawayUntagged,  // Children carry no parent reference.
  kRunawaySpread,    // Untagged, over many symbols at a modest per-symbol rate.
  // Normal flows.
  kRetail,         // Marketable orders, lognormal sizes, Zipf-ish symbols.
  kMarketMaker,    // Passive two-sided quotes, requoted by replace and cancel.
  kAlgoReplace,    // Parent-tagged passive children repriced by replace.
  kAlgoCancelNew,  // ... repriced by cancel, then a new child.
  // A one-sided basket (every parent buys, then the next program sells) on a
  // schedule: parent-tagged children, repriced by replace, partly filled.
  // The normal flow most like a runaway.
  kProgramTrade,
  kRetailBurst,          // kRetail with peaks: the open at 5x for 60 s, news at 3x.
  kMarketMakerTrending,  // kMarketMaker while the market trends: fills lopsided.
};

[[nodiscard]] std::string_view flow_kind_name(FlowKind k) noexcept;
[[nodiscard]] bool is_runaway(FlowKind k) noexcept;

// One client session's flow. Zero-valued knobs take the kind's default
// (flow_generators.cpp lists them).
struct FlowSpec {
  FlowKind kind = FlowKind::kRetail;
  std::string name;            // Row label; empty: the kind's name.
  std::string account = "RG";  // Added to the config (default limits) if absent.
  std::uint64_t seed = 1;
  std::int64_t start_ns = 0;       // Offset from the replay's start.
  std::int64_t max_orders = 0;     // New + replace requests; 0: unbounded.
  std::int64_t duration_ns = 0;    // From start_ns; 0: unbounded.
  double rate_per_sec = 0;         // Runaways: children/s; retail, algos: orders/s;
                                   // market maker: messages/s; program trade:
                                   // algo events/s (its pace scales with it).
  std::uint32_t first_symbol = 0;  // Synthetic symbols [first, first + symbols).
  std::uint32_t symbols = 0;
  std::uint32_t parents = 0;   // Runaways: parents; algos: parents worked at once;
                               // program trade: parents in the basket.
  std::int64_t child_qty = 0;  // Runaways: shares per child.
  // Program trade: the basket's notional (currency units) and the time its
  // schedule takes (0: 45 minutes at the kind's default rate, shorter in
  // proportion at a higher rate).
  double program_notional = 0;
  std::int64_t program_ns = 0;
  // Market maker trending: share of the fills on the side the trend hits
  // (the bids in a falling market), while a trend lasts.
  double lopsided = 0;
};

// The spec with every zero-valued knob set to its kind's default.
[[nodiscard]] FlowSpec with_defaults(FlowSpec spec);

// Synthetic reference data: S0000..S1999, reference prices 10..500
// (log-uniform, deterministic), lot size 1.
inline constexpr std::uint32_t kSyntheticSymbols = 2000;
[[nodiscard]] std::string synthetic_symbol(std::uint32_t k);
[[nodiscard]] risk::Micros synthetic_reference_price(std::uint32_t k) noexcept;

// The [risk] section of config/riskgate.toml, as shipped.
[[nodiscard]] risk::RiskConfig shipped_risk_config();

// Adds the synthetic symbols and the named accounts (no permissions list,
// no overrides: the file's default limits apply) unless already present.
// Never changes a limit. Capacities are raised only when the added reference
// data would not fit; each raise is described in the returned notes.
std::vector<std::string> add_synthetic_reference_data(risk::RiskConfig& config,
                                                      const std::vector<std::string>& accounts);

inline constexpr std::size_t kRuleCount = static_cast<std::size_t>(risk::RuleId::kCount);

struct SessionResult {
  std::string name;
  FlowKind kind = FlowKind::kRetail;
  std::string account;
  risk::SessionIdx session = risk::kNoIdx;

  std::int64_t orders = 0;  // New + replace requests sent.
  std::int64_t replaces = 0;
  std::int64_t accepted = 0;
  std::int64_t refused = 0;
  std::int64_t cancels = 0;  // Cancel requests sent.
  std::int64_t cancels_refused = 0;
  std::int64_t hits = 0;                                   // Passive fills the market model made.
  std::array<std::int64_t, kRuleCount> refused_by_rule{};  // Orders and cancels.
  std::int64_t first_refusal_ns = -1;
  std::string first_refusal;  // "new S0042: max_order_qty: 12000 > 10000 (FIRM S0042)"

  bool killed = false;
  std::int64_t kill_ns = -1;                     // Since the replay's start.
  std::string kill_reason;                       // risk::kill_reason_name.
  risk::RuleId kill_rule = risk::RuleId::kNone;  // Rule of the decision or execution
                                                 // that tripped it (kNone: not observed).
  std::string kill_detail;                       // Its numbers: "flow_net_qty: 600512 > 600000".
  std::int64_t throttles = 0;                    // Fills that put the session under the
                                                 // flow throttle.
  std::int64_t working_cancelled_on_kill = 0;

  std::int64_t executed_qty = 0;  // Shares, both sides.
  std::int64_t executed_buy_qty = 0;
  risk::Micros executed_notional = 0;
  std::int64_t executed_qty_at_kill = 0;  // Up to and including the kill.
  risk::Micros executed_notional_at_kill = 0;

  // Parent accounting, from what the exchange executed (whether or not the
  // children carried the parent reference).
  std::int64_t parents_seen = 0;
  std::int64_t parents_overfilled = 0;   // Executed more than the parent quantity.
  std::int64_t max_parent_overfill = 0;  // Shares over the parent quantity, worst parent.
  // First child sent (accepted or not) for a parent whose executed quantity
  // had already reached the parent quantity; -1: never.
  std::int64_t first_past_filled_ns = -1;
  std::int64_t executed_qty_since_past_filled = 0;

  std::int64_t last_step_ns = 0;

  [[nodiscard]] double refused_ratio() const noexcept {
    const std::int64_t sent = orders + cancels;
    return sent == 0 ? 0.0 : static_cast<double>(refused + cancels_refused) / sent;
  }
  // Kill time after the first child past a filled parent (0 if the kill came
  // first); nullopt if never killed.
  [[nodiscard]] std::optional<std::int64_t> kill_after_past_filled_ns() const noexcept;
  // Refusals by rule name, most frequent first.
  [[nodiscard]] std::vector<std::pair<std::string_view, std::int64_t>> refusals_by_rule() const;
};

// One line for test failures and logs: counts, kill, first refusal, executed.
[[nodiscard]] std::string describe(const SessionResult& s);

struct ReplayOptions {
  // Mirror the gateway's OnKillCancelWorking (shipped: true).
  bool cancel_working_on_kill = true;
  // Hard stop for the simulated clock (a flow with neither max_orders nor
  // duration_ns is bounded by this).
  std::int64_t max_sim_ns = 3 * 3600 * kNsPerSec;
};

struct ReplayResult {
  std::vector<SessionResult> sessions;  // In FlowSpec order; session index = position + 1
                                        // (0 is the exchange session).
  std::vector<std::string> notes;       // Capacity raises, anything unusual.
  std::int64_t steps = 0;
  std::int64_t sim_end_ns = 0;
};

// Runs the flows (each its own risk::SessionState) merged by time through one
// risk::Engine built from `config` plus the synthetic reference data. Throws
// std::invalid_argument if the engine refuses the config.
[[nodiscard]] ReplayResult run_replay(const risk::RiskConfig& config, std::vector<FlowSpec> flows,
                                      const ReplayOptions& options = {});

}  // namespace riskgate::replay
