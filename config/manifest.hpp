// The release manifest (issue 4): what is approved to be deployed on both
// sides of riskgate. Knight Capital's eighth server ran code nobody had
// approved; riskgate compares what it sees (its own binary and config, and
// what each engine declares at Logon) with this file.
//
// File format (TOML; config/manifest.toml is the annotated example):
//
//   [gateway]                    # the approved gateway release
//   version = "0.1.0"            # riskgate's release version
//   build_digest = "<sha256>"    # of the riskgate executable, 64 hex chars, or "any"
//   config_digest = "<sha256>"   # of the config file bytes, or "any"
//
//   [[engine]]                   # one per trading-engine identity
//   sender_comp_id = "ENGINE1"   # the engine's SenderCompID (our TargetCompID)
//   host = "10.0.0.7"            # optional: identity only valid from this peer address
//   app_name = "engine-sim"      # must equal ApplicationSystemName (1603)
//   version = "1.0.0"            # must equal TradingSystemVersion (1604)
//   vendor = "riskgate"          # must equal ApplicationSystemVendor (1605)
//   build_digest = "<sha256>"    # must equal the build digest tag, or "any"
//
//   [[compatibility]]            # component dependencies
//   gateway_versions = ["0.1.0"] # these gateway releases...
//   app_name = "engine-sim"      # ...are approved with this engine application
//   engine_versions = ["1.0.0"]  # ...at these versions
//
//   [[retired]]                  # tag values that belonged to retired features
//   tag = 9700
//   value = "PWRPEG"             # optional: omitted = any value of the tag
//   note = "Power Peg, retired 2003"
//
// Retired values compare after normalising both sides the same way: every
// ASCII whitespace byte (space, \t, \n, \v, \f, \r) is deleted wherever it
// is, leading, trailing or interior, and ASCII letters fold to upper case;
// every other byte compares exactly (no locale, no Unicode). So value =
// "PWRPEG" retires 9700=pwrpeg, 9700= PwrPeg and 9700=PWR PEG. The loader
// stores RetiredValue::value normalised and refuses a value that is empty
// after normalising ("  "), one holding a control or non-ASCII byte (a
// pasted non-breaking space or look-alike letter would silently never
// match), and a second entry for the same tag and normalised value
// ("duplicate retired entry"). The rule lives in
// gateway/route/retired_match.hpp, shared with the order path.
//
// "any" disables one digest comparison; it exists for tests and development
// only. The loader refuses it unless the manifest says, at the top level,
//
//   test_setup = true            # this manifest is for a test setup
//
// so a release manifest cannot approve "anything" by accident. The release
// step (`riskgatectl manifest`, README "Releasing") writes a manifest with the
// real digests from such a template.
//
//   [attestation]                # optional: engines must present a signed attestation
//   public_key = "<64 hex>"      # the release key's raw Ed25519 public key
//   release_issued_at = 1764471600   # unix seconds, or "2025-11-30T03:00:00Z"
//
// With [attestation], every acceptor session with IdentityRequired must send,
// at Logon, an attestation signed by the release key (attestation.hpp) whose
// tuple matches its declared identity, its peer address and an approved
// engine, issued at or after release_issued_at and not expired. Otherwise the
// session's OnUnapprovedIdentity applies. verify_attestation is the one
// check, for the gateway and for `riskgatectl audit`.
//
// Exactly one identity is approved per (sender_comp_id, host): a rollout is a
// manifest change, so "which version is allowed here" always has one answer.
// A second approval for the same pair, and a digest that is neither "any" nor
// 64 hex characters, are load errors naming the file, line and key.
//
// [[compatibility]] is the rule that fails closed: an engine is approved only
// if some entry lists its (app_name, version) with the gateway release. A
// manifest without the section approves no engine at all, whatever its
// [[engine]] entries say (a missing dependency table is not a wildcard).
//
// This module is the one parser and the one verifier of the manifest (issue
// 12): the gateway's Logon check, its self-check at start, the check of a
// reloaded config and `riskgatectl audit` all call the functions below, so
// no two of them can give different verdicts for the same facts.
//
// Thread safety: loading is a setup step (allocates, throws). The lookups are
// const and may be called from any thread; the gateway copies what the order
// path needs (retired tags) into its own structures at start.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/attestation.hpp"
#include "config/config.hpp"  // ConfigError

namespace riskgate::config {

inline constexpr std::string_view kAnyDigest = "any";

struct GatewayRelease {
  std::string version;
  std::string build_digest;   // Lowercase hex, or "any".
  std::string config_digest;  // Lowercase hex, or "any".
};

struct EngineApproval {
  std::string sender_comp_id;
  std::string host;  // Empty: from any host.
  std::string app_name;
  std::string version;
  std::string vendor;
  std::string build_digest;  // Lowercase hex, or "any".
};

struct Compatibility {
  std::vector<std::string> gateway_versions;
  std::string app_name;
  std::vector<std::string> engine_versions;
};

struct RetiredValue {
  std::uint32_t tag = 0;
  std::string value;  // Normalised (see above). Empty: every value of the tag is retired.
  std::string note;
};

// What an engine declares at Logon.
struct DeclaredIdentity {
  std::string_view app_name;      // 1603
  std::string_view version;       // 1604
  std::string_view vendor;        // 1605
  std::string_view build_digest;  // GatewayDef::build_digest_tag
};

enum class IdentityVerdict : std::uint8_t {
  kApproved,
  kMissing,        // A required tag is absent or empty.
  kUnknownEngine,  // No [[engine]] for this SenderCompID (and host).
  kWrongAppName,
  kWrongVersion,
  kWrongVendor,
  kWrongDigest,
  kIncompatibleWithGateway,  // Approved engine, but not with this gateway release.
};
[[nodiscard]] std::string_view to_string(IdentityVerdict v) noexcept;

// The gateway's own deployment against [gateway]: checked at start, at every
// reload (the config part) and by `riskgatectl audit` from /status.
struct DeploymentVerdict {
  bool binary_ok = false;
  bool config_ok = false;
  // "ok", or one clause per failed check joined by "; ", e.g. "config sha256
  // 3f2a... is not the approved 9c1b...".
  std::string reason;
  [[nodiscard]] bool ok() const noexcept { return binary_ok && config_ok; }
};

struct Manifest {
  bool test_setup = false;  // Top-level test_setup = true: "any" digests are allowed.
  GatewayRelease gateway;
  std::vector<EngineApproval> engines;
  std::vector<Compatibility> compatibility;
  std::vector<RetiredValue> retired;
  std::optional<AttestationPolicy> attestation;  // [attestation]; none: not required.
  std::string source_path;

  // The approval for this SenderCompID seen from `host`: an entry for that
  // exact host wins over a host-less one. nullptr if none.
  [[nodiscard]] const EngineApproval* find_engine(std::string_view sender_comp_id,
                                                  std::string_view host) const noexcept;
  // True if some [[compatibility]] lists both the engine's (app_name,
  // version) and `gateway_version`. No entry: not approved (fail closed).
  [[nodiscard]] bool engine_approved_for_gateway(const EngineApproval& engine,
                                                 std::string_view gateway_version) const noexcept;
  // The whole Logon check. `reason` (optional) receives a one-line
  // explanation for the Logout text and the audit, e.g.
  // `TradingSystemVersion(1604) "1.1.0" is not approved for ENGINE1 (expected "1.0.0")`.
  [[nodiscard]] IdentityVerdict verify_engine(std::string_view sender_comp_id,
                                              std::string_view host, const DeclaredIdentity& id,
                                              std::string_view gateway_version,
                                              std::string* reason = nullptr) const;
  // The attestation check (attestation.hpp), in the order its verdicts are
  // listed; kOk when the manifest has no [attestation]. `raw_data` and
  // `raw_data_length` are RawData(96) and RawDataLength(95) as received;
  // `now_unix_s` is the Logon time. An attestation whose signature, host,
  // tuple and times are right must still name an identity verify_engine
  // approves (kNotApproved). `reason` (optional) names the field for the
  // Logout text and the audit.
  [[nodiscard]] AttestationVerdict verify_attestation(
      std::string_view sender_comp_id, std::string_view peer_host, const DeclaredIdentity& declared,
      std::string_view raw_data, std::string_view raw_data_length, std::int64_t now_unix_s,
      std::string_view gateway_version, std::string* reason = nullptr) const;
  // `binary_sha256` and `config_sha256` as computed (or reported) for the
  // running gateway; an empty or non-hex value never matches a real digest.
  [[nodiscard]] DeploymentVerdict verify_deployment(std::string_view binary_sha256,
                                                    std::string_view config_sha256) const;
  // The config half alone, for a reload: true if `config_sha256` is
  // approved; otherwise `reason` (optional) says what the manifest expects.
  [[nodiscard]] bool config_approved(std::string_view config_sha256,
                                     std::string* reason = nullptr) const;
  // The retired entry matching this tag=value, or nullptr. `value` is as
  // received; it is normalised for the comparison (see the header comment).
  [[nodiscard]] const RetiredValue* find_retired(std::uint32_t tag,
                                                 std::string_view value) const noexcept;
};

// True if `expected` is "any" or equals `actual` (hex compared case-insensitively).
[[nodiscard]] bool digest_matches(std::string_view expected, std::string_view actual) noexcept;

// Throws ConfigError with the same "<file>:<line>: <where>: <key>: <reason>" lines.
[[nodiscard]] Manifest load_manifest(const std::filesystem::path& path);
[[nodiscard]] Manifest parse_manifest(std::string text, std::string source_name);

}  // namespace riskgate::config
