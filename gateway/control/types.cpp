#include "gateway/control/types.hpp"

#include <cstdio>
#include <ctime>

namespace riskgate::control {

std::string_view to_string(Scope s) noexcept {
  switch (s) {
    case Scope::kGlobal:
      return "global";
    case Scope::kExchangeSession:
      return "exchange";
    case Scope::kClientSession:
      return "session";
    case Scope::kAccount:
      return "account";
    case Scope::kSymbol:
      return "symbol";
  }
  return "unknown";
}

std::optional<Scope> parse_scope(std::string_view s) noexcept {
  if (s == "global") return Scope::kGlobal;
  if (s == "exchange" || s == "exchange_session") return Scope::kExchangeSession;
  if (s == "session" || s == "client_session") return Scope::kClientSession;
  if (s == "account") return Scope::kAccount;
  if (s == "symbol") return Scope::kSymbol;
  return std::nullopt;
}

std::string format_utc(std::int64_t utc_ns) {
  const std::time_t secs = static_cast<std::time_t>(utc_ns / 1'000'000'000);
  const long nanos = static_cast<long>(utc_ns % 1'000'000'000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[48];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%.*s.%09ldZ", static_cast<int>(n), buf, nanos);
  return out;
}

}  // namespace riskgate::control
