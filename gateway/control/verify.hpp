// Deployed-version checks against the release manifest (issue 4).
//
// ManifestView is the subset of the manifest the operations plane needs, as
// plain structs, so this code does not depend on config/. The gateway fills
// it from config::Manifest (field for field: gateway.version/build_digest/
// config_digest, engines[], compatibility[]); riskgatectl reads it straight
// from the manifest file with load_manifest_view(), which understands the
// format documented in config/manifest.hpp (unknown keys are ignored).
//
// Digests compare case-insensitively; "any" matches everything (development
// and demo only).
//
// Thread safety: pure functions; allocate (not for the order path: the gateway
// verifies an engine once, at Logon, on the I/O thread before the session is
// admitted — see the note on verify_engine_identity).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace riskgate::control {

struct EngineApprovalView {
  std::string sender_comp_id;
  std::string host;  // Empty: any host.
  std::string app_name;
  std::string version;
  std::string vendor;
  std::string build_digest;  // Hex or "any".
};

struct CompatibilityView {
  std::vector<std::string> gateway_versions;
  std::string app_name;
  std::vector<std::string> engine_versions;
};

struct ManifestView {
  std::string gateway_version;
  std::string build_digest;   // Hex or "any".
  std::string config_digest;  // Hex or "any".
  std::vector<EngineApprovalView> engines;
  // Empty: compatibility is not checked (a manifest without [[compatibility]]).
  // Non-empty: an engine must appear with the gateway version in one entry.
  std::vector<CompatibilityView> compatibility;
};

// Reads a manifest file (TOML, format in config/manifest.hpp). Throws
// std::runtime_error naming the file and the problem.
[[nodiscard]] ManifestView load_manifest_view(const std::filesystem::path& path);
[[nodiscard]] ManifestView parse_manifest_view(std::string_view toml_text, std::string_view source);

// True if `expected` is "any" or equals `actual` ignoring hex case. An empty
// `actual` never matches a concrete digest.
[[nodiscard]] bool digest_matches(std::string_view expected, std::string_view actual) noexcept;

struct SelfVerdict {
  bool binary_ok = false;
  bool config_ok = false;
  // One line per failed check, e.g. "binary sha256 3f2a... does not match the
  // manifest's approved build_digest 9c1b..."; "ok" when both pass.
  std::string reason;
  [[nodiscard]] bool ok() const noexcept { return binary_ok && config_ok; }
};

// The gateway's start-up check. !ok() → start with the global kill engaged
// (actor "verify", reason = verdict.reason) and log it loudly.
[[nodiscard]] SelfVerdict verify_self(const ManifestView& m, std::string_view binary_sha256,
                                      std::string_view config_sha256);

// What an engine declared at Logon.
struct EngineIdentity {
  std::string app_name;  // 1603 ApplicationSystemName
  std::string version;   // 1604 TradingSystemVersion
  std::string vendor;    // 1605 ApplicationSystemVendor
  std::string digest;    // The configured build-digest tag (5000-9999).
};

struct EngineVerdict {
  bool approved = false;
  // "approved", or e.g. `ENGINE1: TradingSystemVersion 2.0.0 not approved
  // (approved: 2.1.0)`; suitable for a Logout Text (58) and the audit.
  std::string reason;
};

// `host` is the peer address; an approval with that exact host wins over a
// host-less one. (config::Manifest::verify_engine implements the same rules
// for the Logon path; this one serves riskgatectl audit and tests. Keep them
// in step or have the gateway call one of them only.)
[[nodiscard]] EngineVerdict verify_engine_identity(const ManifestView& m,
                                                   std::string_view sender_comp_id,
                                                   std::string_view host, const EngineIdentity& id);

}  // namespace riskgate::control
