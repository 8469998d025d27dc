// Deployment attestations (issue 12, item 5): a release step signs, with an
// Ed25519 release key, the identity an engine host was deployed with, so a
// server that was not deployed (Knight's eighth) cannot claim it was. The
// engine sends the line at Logon in RawData(96) with RawDataLength(95); the
// gateway and `riskgatectl audit` verify it through Manifest::verify_attestation
// (manifest.hpp), the one verifier.
//
// The line (printable ASCII, at most kMaxAttestationBytes, fields in exactly
// this order, each exactly once):
//
//   RGA1|comp=ENGINE1|host=10.0.0.7|app=engine-sim|ver=0.1.0|vendor=riskgate
//       |build=<64 hex>|iat=<unix s>|exp=<unix s>|sig=<128 hex>
//
// (one line; broken here for width). The signed bytes are everything before
// "|sig=". Values are printable ASCII without '|', never empty; build and sig
// are lowercase hex; iat and exp are decimal digits only (no sign, no
// spaces, at most 12 digits) and exp > iat. Anything else is malformed: the
// parser never guesses.
//
// Thread safety: every function here is reentrant. parse_attestation does not
// allocate; the signature check allocates inside OpenSSL. Logon-time only,
// never on the order path (one verification costs tens of microseconds:
// bench/micro/attestation_bench.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/hex.hpp"  // to_hex, parse_hex_bytes

namespace riskgate::config {

inline constexpr std::size_t kMaxAttestationBytes = 2048;
inline constexpr std::string_view kAttestationMagic = "RGA1";
// How far in the future an issue time may be before it is refused: the
// signer's and the gateway's clocks differ a little. Raise it only for hosts
// whose clocks are known to drift.
inline constexpr std::int64_t kAttestationClockSkewS = 120;

using Ed25519PublicKey = std::array<std::uint8_t, 32>;
using Ed25519Signature = std::array<std::uint8_t, 64>;

// The [attestation] section of the manifest.
struct AttestationPolicy {
  Ed25519PublicKey public_key{};
  std::string public_key_hex;  // Lowercase, as written in the manifest.
  // Attestations issued before this (unix seconds) belong to a previous
  // release: replaying one is refused as previous_release.
  std::int64_t release_issued_at = 0;
};

// What is signed. Views into the caller's line (parse) or strings it owns (sign).
struct AttestationClaims {
  std::string_view comp;     // The engine's SenderCompID.
  std::string_view host;     // The address it was deployed on (the peer address seen by riskgate).
  std::string_view app;      // ApplicationSystemName(1603).
  std::string_view version;  // TradingSystemVersion(1604).
  std::string_view vendor;   // ApplicationSystemVendor(1605).
  std::string_view build;    // Build digest, 64 lowercase hex.
  std::int64_t issued_at = 0;   // iat, unix seconds.
  std::int64_t expires_at = 0;  // exp, unix seconds.
};

struct ParsedAttestation {
  AttestationClaims claims;
  std::string_view signed_bytes;  // Everything before "|sig=".
  Ed25519Signature signature{};
};

// Stable verdicts; the audit's rule is to_string(v). Checked in this order,
// so the first failing check names the verdict: the signature before any
// field is believed, the identity before the times.
enum class AttestationVerdict : std::uint8_t {
  kOk,
  kMissing,          // No RawData(96) on the Logon.
  kMalformed,        // Not a well-formed line, or RawDataLength(95) disagrees.
  kBadSignature,     // Not signed by the manifest's release key.
  kWrongHost,        // Signed for another host than the peer's address.
  kMismatch,         // comp/app/version/vendor/build differ from the declared identity.
  kExpired,          // now > exp, or iat further in the future than the clock skew.
  kPreviousRelease,  // iat before the manifest's release_issued_at: a replay.
  kNotApproved,      // The attested identity is not one the manifest approves.
};
[[nodiscard]] std::string_view to_string(AttestationVerdict v) noexcept;

// Strict parse (see the format above). On failure returns false and, if
// `reason` is set, says what is wrong.
[[nodiscard]] bool parse_attestation(std::string_view line, ParsedAttestation& out,
                                     std::string* reason = nullptr);

// The signed bytes for `c` ("RGA1|comp=...|exp=N"), validated like the
// parser validates them; throws std::invalid_argument naming the bad field.
// The signer (riskgatectl attest) and the tests build lines with this, so
// producer and parser cannot disagree on the order.
[[nodiscard]] std::string attestation_payload(const AttestationClaims& c);
// payload + "|sig=" + 128 hex.
[[nodiscard]] std::string attestation_line(std::string_view payload, const Ed25519Signature& sig);

// Ed25519 (RFC 8032) through OpenSSL's EVP interface.
[[nodiscard]] bool ed25519_verify(const Ed25519PublicKey& key, std::string_view message,
                                  const Ed25519Signature& sig) noexcept;

// "1764471600" (unix seconds) or "2025-11-30T03:00:00Z" (RFC 3339, UTC, no
// fraction) -> unix seconds; nullopt for anything else.
[[nodiscard]] std::optional<std::int64_t> parse_utc_time(std::string_view text) noexcept;
// Unix seconds -> "2025-11-30T03:00:00Z".
[[nodiscard]] std::string format_utc_time(std::int64_t unix_s);

}  // namespace riskgate::config
