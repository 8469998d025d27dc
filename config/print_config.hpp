// The effective configuration as TOML (`riskgate --print-config`, like
// `sshd -T`): every key the loader accepts, with every default filled in and
// every derived value resolved (AuditLog from StateDir, ClOrdIDPrefix from
// Name, role-dependent session defaults, IdentityRequired from Manifest, a
// session schedule's zone from the gateway's), in the file's own format and
// key names. The text loads back with load_config() into the same Config and
// prints the same again.
//
// - Prices and notionals are printed from their scaled integers as exact
//   decimal text (190.1, never 190.09999999999999).
// - A limit that is unset (its rule off) is printed as a comment
//   "# <key>: off", as are unset optional files and an absent schedule. A
//   [[risk.override]] prints only the limits it sets (the others come from
//   the less specific layers).
// - price_collar_pct in the file is printed as price_collar_bps (1% = 100
//   bps), restricted symbols appear both in restricted_symbols and as
//   `restricted = true` on their [[risk.symbol]], and a TimeZone prints in
//   its canonical form ("UTC", "UTC+05:30"): the loader's own normal forms.
//
// Adding a config key: one line in print_config.cpp, where the loader's
// section order is followed; the tests (tests/config/print_config_test.cpp)
// fail until both the printer and tests/config/data/every_key.toml have it.
//
// Pure: no I/O; allocates. Thread-safe (no shared state).
#pragma once

#include <string>

#include "config/config.hpp"

namespace riskgate::config {

// What the header comment names; the caller computes these (the digest and
// the build id belong to the control plane).
struct PrintHeader {
  std::string source_path;  // The file that was loaded.
  std::string sha256;       // Hex SHA-256 of its bytes: what the manifest approves.
  std::string build_id;     // The riskgate build that loaded it.
};

[[nodiscard]] std::string print_config(const Config& cfg, const PrintHeader& header);

}  // namespace riskgate::config
