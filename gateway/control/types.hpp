// Small vocabulary shared by the operations plane.
//
// Scope names are part of the admin API, the kill-state file and the audit
// log: once released, a name never changes meaning.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/utc_clock.hpp"

namespace riskgate::control {

// Kill-switch scopes (issue 4). The risk helper's kill board (risk/kill_switch.hpp)
// maps each (scope, target) to its atomic flag; the gateway translates.
enum class Scope : std::uint8_t {
  kGlobal = 0,           // Everything; target is empty.
  kExchangeSession = 1,  // One exchange (initiator) session by config Name, e.g. "EXCH".
  kClientSession = 2,    // One engine (acceptor) session by config Name, e.g. "ENGINE1".
  kAccount = 3,          // Tag 1 value.
  kSymbol = 4,           // Tag 55 value.
};

// "global", "exchange", "session", "account", "symbol".
[[nodiscard]] std::string_view to_string(Scope s) noexcept;
// Accepts the names above and the long forms "exchange_session" and
// "client_session". nullopt for anything else.
[[nodiscard]] std::optional<Scope> parse_scope(std::string_view s) noexcept;

// Wall clock, ns since the Unix epoch; defined in common/utc_clock.hpp so
// the order path has it without this plane. Re-exported for control code.
using riskgate::utc_now_ns;
// "2024-05-01T12:00:00.123456789Z". Allocates: not for the order path.
[[nodiscard]] std::string format_utc(std::int64_t utc_ns);

}  // namespace riskgate::control
