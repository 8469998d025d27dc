// `riskgate --print-config -c FILE`: what a gateway started with FILE would
// run. Loads and validates FILE as a start does (the config loader, then the
// risk engine's own checks of the limits) and prints config::print_config()'s
// TOML, headed by the file's path, the SHA-256 of the bytes loaded (the
// digest the manifest approves) and this build's id.
//
// It opens nothing else (no journal, audit log, sockets or state), so it is
// safe to run beside the gateway that is running with FILE. Checks of the
// files the config names (Manifest, AdminTokensFile's mode, EngineSecretsFile)
// are --check-config's: they need those files, not the config.
#pragma once

#include <iosfwd>
#include <string>

namespace riskgate::app {

// Returns the process exit code: 0 with the TOML on `out`, or 78 (EX_CONFIG,
// as a start refused for its config) with the loader's errors on `err`.
[[nodiscard]] int print_config_command(const std::string& config_path, std::ostream& out,
                                       std::ostream& err);

}  // namespace riskgate::app
