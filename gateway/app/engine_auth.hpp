// Who may log on as an engine session (issue 12, item 4), apart from the
// identity the manifest approves: the peer's address (AllowedRemoteAddresses)
// and the Logon's Username(553)/Password(554) against EngineSecretsFile.
//
// Built at startup (throws on a bad secrets file); the checks then run on the
// I/O thread, at a Logon only, never per message. A password check costs one
// PBKDF2 (control::kDefaultPbkdf2Iterations), so it is bounded: the last
// password that passed is remembered per session as a cheap digest (a
// reconnect costs one SHA-256), and after a failure the session refuses
// further passwords for kFailureBackoffNs without hashing them, so wrong
// guesses cannot keep the I/O thread hashing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "gateway/control/engine_secrets.hpp"

namespace riskgate::app {

class EngineAuth {
 public:
  // One wrong password locks the session's password check for this long;
  // the password already verified still passes meanwhile.
  static constexpr std::int64_t kFailureBackoffNs = 1'000'000'000;

  enum class Verdict : std::uint8_t {
    kOk,
    kAddressNotAllowed,  // Peer outside the session's AllowedRemoteAddresses.
    kNoCredentials,      // The session has a secret; the Logon has no 553/554.
    kBadCredentials,     // Username or password wrong.
    kBackoff,            // Refused unchecked: a wrong password less than a second ago.
  };
  // Stable rule id for the audit ("address_not_allowed", ...).
  [[nodiscard]] static std::string_view rule(Verdict v) noexcept;
  // Logout text / audit text.
  [[nodiscard]] static std::string_view text(Verdict v) noexcept;

  // Loads [gateway] EngineSecretsFile when set. Throws std::runtime_error if
  // the file is unsafe or malformed, or an entry names no acceptor session
  // (a typo would leave that session without its password).
  explicit EngineAuth(const config::Config& cfg);
  // It keeps references into the config's sessions: never a temporary.
  explicit EngineAuth(config::Config&&) = delete;

  // Setup notes for the operator (acceptor sessions without a password).
  [[nodiscard]] const std::vector<std::string>& warnings() const noexcept { return warnings_; }

  // `addr`: the peer's address bytes (4 or 16, network order).
  [[nodiscard]] Verdict check_address(std::size_t session,
                                      std::span<const std::uint8_t> addr) const noexcept;
  // `now_ns`: steady clock. noexcept: an OpenSSL failure refuses the Logon.
  [[nodiscard]] Verdict check_password(std::size_t session, std::string_view username,
                                       std::string_view password, std::int64_t now_ns) noexcept;

 private:
  struct PerSession {
    const config::SessionDef* def = nullptr;
    const control::EngineSecret* secret = nullptr;  // Into secrets_; null: no password.
    bool has_verified = false;
    std::array<std::uint8_t, 32> verified{};  // quick_password_digest of the last pass.
    std::int64_t backoff_until_ns = 0;
  };
  control::EngineSecrets secrets_;
  std::vector<PerSession> sessions_;  // Index = session index in the config.
  std::vector<std::string> warnings_;
};

}  // namespace riskgate::app
