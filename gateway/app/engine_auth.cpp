#include "gateway/app/engine_auth.hpp"

#include <openssl/crypto.h>

#include <stdexcept>

namespace riskgate::app {

std::string_view EngineAuth::rule(Verdict v) noexcept {
  switch (v) {
    case Verdict::kOk:
      return "ok";
    case Verdict::kAddressNotAllowed:
      return "address_not_allowed";
    case Verdict::kNoCredentials:
      return "no_credentials";
    case Verdict::kBadCredentials:
      return "bad_credentials";
    case Verdict::kBackoff:
      return "credentials_backoff";
  }
  return "unknown";
}

std::string_view EngineAuth::text(Verdict v) noexcept {
  switch (v) {
    case Verdict::kOk:
      return "ok";
    case Verdict::kAddressNotAllowed:
      return "address not in AllowedRemoteAddresses";
    case Verdict::kNoCredentials:
      return "Logon without Username(553)/Password(554)";
    case Verdict::kBadCredentials:
      return "wrong Username(553)/Password(554)";
    case Verdict::kBackoff:
      return "a wrong password less than 1 s ago: retry later";
  }
  return "unknown";
}

EngineAuth::EngineAuth(const config::Config& cfg) {
  const std::string& file = cfg.gateway.engine_secrets_file;
  if (!file.empty()) secrets_ = control::EngineSecrets::load(file);
  sessions_.resize(cfg.sessions.size());
  for (std::size_t i = 0; i < cfg.sessions.size(); ++i) {
    const auto& d = cfg.sessions[i];
    sessions_[i].def = &d;
    if (d.connection_type != config::ConnectionType::kAcceptor) continue;
    sessions_[i].secret = secrets_.find(d.name);
    if (!file.empty() && sessions_[i].secret == nullptr)
      warnings_.push_back("engine session " + d.name + " has no entry in EngineSecretsFile " +
                          file + ": it logs on without a password");
  }
  for (const auto& e : secrets_.entries()) {
    const config::SessionDef* d = cfg.find_session(e.session);
    if (d == nullptr || d->connection_type != config::ConnectionType::kAcceptor)
      throw std::runtime_error("EngineSecretsFile: " + file + ": entry for \"" + e.session +
                               "\", which is not an acceptor session of this config");
  }
}

EngineAuth::Verdict EngineAuth::check_address(std::size_t session,
                                              std::span<const std::uint8_t> addr) const noexcept {
  const auto& allowed = sessions_[session].def->allowed_remote_addresses;
  if (allowed.empty()) return Verdict::kOk;
  for (const auto& r : allowed)
    if (r.contains(addr)) return Verdict::kOk;
  return Verdict::kAddressNotAllowed;
}

EngineAuth::Verdict EngineAuth::check_password(std::size_t session, std::string_view username,
                                               std::string_view password,
                                               std::int64_t now_ns) noexcept {
  PerSession& s = sessions_[session];
  if (s.secret == nullptr) return Verdict::kOk;
  if (username.empty() || password.empty()) return Verdict::kNoCredentials;
  try {
    const auto quick = control::quick_password_digest(*s.secret, username, password);
    if (s.has_verified && CRYPTO_memcmp(quick.data(), s.verified.data(), quick.size()) == 0)
      return Verdict::kOk;
    if (now_ns < s.backoff_until_ns) return Verdict::kBackoff;
    if (!control::verify_engine_password(*s.secret, username, password)) {
      s.backoff_until_ns = now_ns + kFailureBackoffNs;
      return Verdict::kBadCredentials;
    }
    s.verified = quick;
    s.has_verified = true;
    return Verdict::kOk;
  } catch (const std::exception&) {
    return Verdict::kBadCredentials;  // Fail closed.
  }
}

}  // namespace riskgate::app
