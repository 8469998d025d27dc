// The release steps of riskgatectl (issue 12, item 5), all offline:
//
//   attest-keygen --out FILE
//       a new Ed25519 release key: the private key as PEM in FILE (created
//       0600, never overwritten); prints `public_key = "<64 hex>"` for the
//       manifest's [attestation].
//   attest --key FILE --comp ID --host ADDR --app NAME --version V --vendor V
//          --build-digest SHA256 [--issued-at T] --valid-for DURATION
//       prints one attestation line (config/attestation.hpp) for the engine's
//       RawData(96). The key file must be private (mode 0600), like the
//       tokens file. T: unix seconds or "2025-11-30T03:00:00Z" (default: now);
//       DURATION: a number with s, m, h or d ("30d").
//   manifest --from TEMPLATE --gateway-binary FILE --config FILE
//            [--engine-binary APP=FILE]... [--attestation-public-key HEX
//            [--release-issued-at T]] --out FILE
//       the release manifest: TEMPLATE's approvals with the real SHA-256 of
//       the gateway binary, of the config and of each engine application's
//       binary; with a public key, an [attestation] section issued at T
//       (default: now). The result is loaded back with config::load_manifest,
//       which refuses an "any" left in it (it is not a test setup).
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace riskgate::control {

struct AttestCommands {
  CLI::App* keygen = nullptr;
  CLI::App* attest = nullptr;
  CLI::App* manifest = nullptr;
  std::string out;
  std::string key;
  std::string comp, host, app, version, vendor, build_digest, issued_at, valid_for;
  std::string from, gateway_binary, config;
  std::vector<std::string> engine_binaries;  // APP=FILE
  std::string public_key, release_issued_at;
};

// Registers the three subcommands on `app`.
void add_attest_commands(CLI::App& app, AttestCommands& c);
// The exit code if one of them was given, else nullopt.
[[nodiscard]] std::optional<int> run_attest_commands(const AttestCommands& c, std::ostream& out,
                                                     std::ostream& err);

// "90s", "15m", "12h", "30d" -> seconds; nullopt if malformed or not positive.
[[nodiscard]] std::optional<std::int64_t> parse_duration_s(std::string_view text) noexcept;

}  // namespace riskgate::control
