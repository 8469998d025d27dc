// Engine passwords (issue 12, item 4): the EngineSecretsFile holds one salted
// PBKDF2-HMAC-SHA256 hash per acceptor session, never a password. Written by
// `riskgatectl engine-secret`, read by the gateway at startup.
//
// File format, one entry per line ('#' starts a comment line; blank lines
// are ignored); fields are separated by spaces:
//   <session> <username> pbkdf2-sha256 <iterations> <salt: 32 hex> <hash: 64 hex>
// <session> is the [[session]] Name, <username> what the engine sends in
// Username(553). Each entry has its own random salt and iteration count, so
// entries made at different strengths coexist.
//
// Control plane and app layer only (links OpenSSL): never from gateway/route
// or gateway/session. Not thread-safe; verification allocates (OpenSSL).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace riskgate::control {

// Work factor of new entries. A verification costs about this many HMACs on
// the thread that checks the Logon (tens of ms at 100k): raise it for
// stronger hashes, lower it if Logons stall other sessions too long.
inline constexpr std::uint32_t kDefaultPbkdf2Iterations = 100'000;
// Accepted in a file. The floor keeps an edited entry from being trivially
// brute-forced; the ceiling bounds what one Logon can cost.
inline constexpr std::uint32_t kMinPbkdf2Iterations = 1'000;
inline constexpr std::uint32_t kMaxPbkdf2Iterations = 5'000'000;

struct EngineSecret {
  std::string session;
  std::string username;
  std::uint32_t iterations = 0;
  std::array<std::uint8_t, 16> salt{};
  std::array<std::uint8_t, 32> hash{};
};

class EngineSecrets {
 public:
  EngineSecrets() = default;
  // Refuses a file accessible to group or others (require_private_file),
  // then parses it. Throws std::runtime_error naming the file and line.
  [[nodiscard]] static EngineSecrets load(const std::filesystem::path& path);
  // Throws std::runtime_error "<source>:<line>: <reason>" on a malformed
  // entry or a session named twice.
  [[nodiscard]] static EngineSecrets parse(std::string_view text, const std::string& source);

  [[nodiscard]] const EngineSecret* find(std::string_view session) const noexcept;
  [[nodiscard]] const std::vector<EngineSecret>& entries() const noexcept { return entries_; }

 private:
  std::vector<EngineSecret> entries_;
};

// True when `username` and `password` match `secret`. The hash is always
// computed and compared in constant time (CRYPTO_memcmp), whether or not the
// username matches, so the answer's timing reveals neither.
[[nodiscard]] bool verify_engine_password(const EngineSecret& secret, std::string_view username,
                                          std::string_view password);

// SHA-256 of the entry's salt, the username and the password: cheap proof
// that a password is one already verified with PBKDF2 (the gateway keeps the
// last one per session so a reconnect does not pay PBKDF2 again).
[[nodiscard]] std::array<std::uint8_t, 32> quick_password_digest(const EngineSecret& secret,
                                                                 std::string_view username,
                                                                 std::string_view password);

// One file line (no newline) for `session`, with a fresh random salt
// (RAND_bytes). Throws std::invalid_argument on an empty or blank-containing
// session or username, an empty password, or iterations out of range.
[[nodiscard]] std::string make_engine_secret_line(
    std::string_view session, std::string_view username, std::string_view password,
    std::uint32_t iterations = kDefaultPbkdf2Iterations);

}  // namespace riskgate::control
