// The kill-switch board (issue 4): which parts of the flow may not trade.
//
// Threads: engage()/release() are called by the control thread (operator
// action, failed version check, persisted state at start) and by I/O threads
// (automatic trips from the risk engine). is_killed() is called by every I/O
// thread for every new order. Nothing here allocates after construction and
// nothing blocks.
//
// Memory orders: each flag holds the reason code (0 = released). A writer
// stores it with release; readers load it with acquire, which pairs with that
// store so that whatever the writer did before engaging (e.g. write the
// persisted kill record) is visible to a thread that saw the flag. The
// generation counter is bumped with a release fetch_add *after* the flag
// store, so a reader that acquires a new generation also sees the new flag:
// the gateway polls generation() once per loop turn to notice changes cheaply
// (e.g. to start a mass cancel) without scanning every flag.
//
// Layout: flags are written rarely (operator speed) and read on every order,
// so they are packed densely (read-mostly lines are shared cheaply between
// cores); only the generation counter gets its own line.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

#include "common/cacheline.hpp"
#include "risk/types.hpp"

namespace riskgate::risk {

// Checked in this order; is_killed() reports the broadest engaged scope.
enum class KillScope : std::uint8_t {
  kNone = 0,
  kGlobal,
  kExchangeSession,
  kClientSession,
  kAccount,
  kSymbol,
};

// Why a kill is engaged. Stable values: they are persisted and audited.
enum class KillReason : std::uint16_t {
  kNone = 0,
  kOperator = 1,
  kVersionMismatch = 2,         // Engine or gateway identity not in the manifest.
  kAutoRefusals = 3,            // N refusals from one session within T.
  kAutoQuantityMultiplier = 4,  // Typical-size or parent/child breach.
  kAutoRepeatedExecution = 5,
  kRetiredFeature = 6,    // An order carried a retired tag value.
  kLocalEmergency = 7,    // Signal or file, when the admin API is unreachable.
  kAutoFlowEnvelope = 8,  // A risk.flow rule with action "kill" was breached.
  // An exchange report riskgate cannot square with its orders (overfill,
  // another session's order, an unknown order) and [gateway]
  // KillOnReportAnomaly names that kind.
  kReportAnomaly = 9,
};

[[nodiscard]] std::string_view kill_scope_name(KillScope s) noexcept;
[[nodiscard]] std::string_view kill_reason_name(KillReason r) noexcept;

// The entities an order touches; kNoIdx for "not known" (that scope is then
// not consulted).
struct KillKey {
  std::uint32_t exchange_session = kNoIdx;
  SessionIdx client_session = kNoIdx;
  AccountIdx account = kNoIdx;
  SymbolIdx symbol = kNoIdx;
};

class KillSwitchBoard {
 public:
  // Sessions (exchange and client) share one index space bound, like
  // RiskConfig::capacities.max_sessions. Throws std::invalid_argument on 0.
  KillSwitchBoard(std::uint32_t max_sessions, std::uint32_t max_accounts,
                  std::uint32_t max_symbols);

  // Returns true if this call changed the state (it was released before).
  // An engaged kill keeps its first reason. `idx` is ignored for kGlobal.
  // Out-of-range idx: returns false and changes nothing.
  bool engage(KillScope scope, std::uint32_t idx, KillReason reason) noexcept;
  // Releasing is a separate, explicit operator action (the caller audits who
  // and why). Returns true if it was engaged.
  bool release(KillScope scope, std::uint32_t idx) noexcept;

  [[nodiscard]] KillReason reason(KillScope scope, std::uint32_t idx) const noexcept;
  [[nodiscard]] bool engaged(KillScope scope, std::uint32_t idx) const noexcept {
    return reason(scope, idx) != KillReason::kNone;
  }

  // The broadest engaged scope covering the key, or kNone. Five acquire
  // loads at most; hot path.
  [[nodiscard]] KillScope is_killed(const KillKey& key) const noexcept;

  // Bumped after every state change; see the header comment.
  [[nodiscard]] std::uint64_t generation() const noexcept {
    return generation_.value.load(std::memory_order_acquire);
  }

  [[nodiscard]] std::uint32_t max_sessions() const noexcept { return max_sessions_; }
  [[nodiscard]] std::uint32_t max_accounts() const noexcept { return max_accounts_; }
  [[nodiscard]] std::uint32_t max_symbols() const noexcept { return max_symbols_; }

 private:
  using Flag = std::atomic<std::uint16_t>;
  [[nodiscard]] Flag* flag(KillScope scope, std::uint32_t idx) noexcept;
  [[nodiscard]] const Flag* flag(KillScope scope, std::uint32_t idx) const noexcept;

  std::uint32_t max_sessions_;
  std::uint32_t max_accounts_;
  std::uint32_t max_symbols_;
  Flag global_{0};
  std::unique_ptr<Flag[]> exchange_sessions_;
  std::unique_ptr<Flag[]> client_sessions_;
  std::unique_ptr<Flag[]> accounts_;
  std::unique_ptr<Flag[]> symbols_;
  // Written on every change by whichever thread changes state; kept off the
  // flags' lines so the readers' lines stay clean.
  struct alignas(kCacheLine) Generation {
    std::atomic<std::uint64_t> value{0};
  } generation_;
  static_assert(sizeof(Generation) == kCacheLine);
};

}  // namespace riskgate::risk
