#include "risk/kill_switch.hpp"

#include <stdexcept>

namespace riskgate::risk {

std::string_view kill_scope_name(KillScope s) noexcept {
  switch (s) {
    case KillScope::kNone:
      return "none";
    case KillScope::kGlobal:
      return "global";
    case KillScope::kExchangeSession:
      return "exchange_session";
    case KillScope::kClientSession:
      return "client_session";
    case KillScope::kAccount:
      return "account";
    case KillScope::kSymbol:
      return "symbol";
  }
  return "unknown";
}

std::string_view kill_reason_name(KillReason r) noexcept {
  switch (r) {
    case KillReason::kNone:
      return "none";
    case KillReason::kOperator:
      return "operator";
    case KillReason::kVersionMismatch:
      return "version_mismatch";
    case KillReason::kAutoRefusals:
      return "auto_refusals";
    case KillReason::kAutoQuantityMultiplier:
      return "auto_quantity_multiplier";
    case KillReason::kAutoRepeatedExecution:
      return "auto_repeated_execution";
    case KillReason::kRetiredFeature:
      return "retired_feature";
    case KillReason::kLocalEmergency:
      return "local_emergency";
    case KillReason::kAutoFlowEnvelope:
      return "auto_flow_envelope";
    case KillReason::kReportAnomaly:
      return "report_anomaly";
  }
  return "unknown";
}

namespace {
std::unique_ptr<std::atomic<std::uint16_t>[]> make_flags(std::uint32_t n) {
  // Value-initialised: every flag starts released (0).
  return std::make_unique<std::atomic<std::uint16_t>[]>(n);
}
}  // namespace

KillSwitchBoard::KillSwitchBoard(std::uint32_t max_sessions, std::uint32_t max_accounts,
                                 std::uint32_t max_symbols)
    : max_sessions_(max_sessions), max_accounts_(max_accounts), max_symbols_(max_symbols) {
  if (max_sessions == 0 || max_accounts == 0 || max_symbols == 0) {
    throw std::invalid_argument("kill switch board: capacities must be > 0");
  }
  exchange_sessions_ = make_flags(max_sessions);
  client_sessions_ = make_flags(max_sessions);
  accounts_ = make_flags(max_accounts);
  symbols_ = make_flags(max_symbols);
}

KillSwitchBoard::Flag* KillSwitchBoard::flag(KillScope scope, std::uint32_t idx) noexcept {
  return const_cast<Flag*>(static_cast<const KillSwitchBoard*>(this)->flag(scope, idx));
}

const KillSwitchBoard::Flag* KillSwitchBoard::flag(KillScope scope,
                                                   std::uint32_t idx) const noexcept {
  switch (scope) {
    case KillScope::kGlobal:
      return &global_;
    case KillScope::kExchangeSession:
      return idx < max_sessions_ ? &exchange_sessions_[idx] : nullptr;
    case KillScope::kClientSession:
      return idx < max_sessions_ ? &client_sessions_[idx] : nullptr;
    case KillScope::kAccount:
      return idx < max_accounts_ ? &accounts_[idx] : nullptr;
    case KillScope::kSymbol:
      return idx < max_symbols_ ? &symbols_[idx] : nullptr;
    case KillScope::kNone:
      break;
  }
  return nullptr;
}

bool KillSwitchBoard::engage(KillScope scope, std::uint32_t idx, KillReason reason) noexcept {
  Flag* f = flag(scope, idx);
  if (f == nullptr || reason == KillReason::kNone) return false;
  std::uint16_t expected = 0;
  // acq_rel: release publishes the engagement (pairs with the acquire loads in
  // is_killed/reason); acquire on failure is not needed but harmless. A CAS
  // rather than a store keeps the first reason when two trips race.
  if (!f->compare_exchange_strong(expected, static_cast<std::uint16_t>(reason),
                                  std::memory_order_acq_rel, std::memory_order_relaxed)) {
    return false;
  }
  // Release: a reader that acquires the new generation sees the flag above.
  generation_.value.fetch_add(1, std::memory_order_release);
  return true;
}

bool KillSwitchBoard::release(KillScope scope, std::uint32_t idx) noexcept {
  Flag* f = flag(scope, idx);
  if (f == nullptr) return false;
  // Release pairs with the readers' acquire loads, like engage().
  const std::uint16_t was = f->exchange(0, std::memory_order_acq_rel);
  if (was == 0) return false;
  generation_.value.fetch_add(1, std::memory_order_release);
  return true;
}

KillReason KillSwitchBoard::reason(KillScope scope, std::uint32_t idx) const noexcept {
  const Flag* f = flag(scope, idx);
  if (f == nullptr) return KillReason::kNone;
  return static_cast<KillReason>(f->load(std::memory_order_acquire));
}

KillScope KillSwitchBoard::is_killed(const KillKey& key) const noexcept {
  // Acquire loads pair with engage()'s release CAS.
  if (global_.load(std::memory_order_acquire) != 0) return KillScope::kGlobal;
  if (key.exchange_session < max_sessions_ &&
      exchange_sessions_[key.exchange_session].load(std::memory_order_acquire) != 0) {
    return KillScope::kExchangeSession;
  }
  if (key.client_session < max_sessions_ &&
      client_sessions_[key.client_session].load(std::memory_order_acquire) != 0) {
    return KillScope::kClientSession;
  }
  if (key.account < max_accounts_ && accounts_[key.account].load(std::memory_order_acquire) != 0) {
    return KillScope::kAccount;
  }
  if (key.symbol < max_symbols_ && symbols_[key.symbol].load(std::memory_order_acquire) != 0) {
    return KillScope::kSymbol;
  }
  return KillScope::kNone;
}

}  // namespace riskgate::risk
