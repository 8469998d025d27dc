// riskgatectl's logic as a library, so tests can run it in-process.
//
//   riskgatectl [--url URL] [--token-file PATH] [--timeout-ms N] COMMAND ...
//     status                                   pretty-prints GET /status
//     kill    --scope S [--target NAME] --reason TEXT
//     release --scope S [--target NAME] --reason TEXT   (admin token)
//     reload  [--reason TEXT]                            (admin token)
//     audit   --instances FILE_OR_LIST --manifest PATH
//     journal FILE [--session NAME] [--order CLORDID]   (offline: no URL, no token)
//     engine-secret --session NAME [--username U] [--iterations N] [--file PATH]
//                                             (offline; password on stdin)
//     audit-log verify FILE [FILE...]                    (offline; oldest file first)
//     attest-keygen, attest, manifest                    (offline release steps:
//                                                         ctl_attest.hpp)
//     msglog --dir DIR --cl-ord-id ID [--date YYYYMMDD] [--session NAME]
//                                             (offline; ctl_msglog.hpp)
//
// URL defaults to http://127.0.0.1:8081. The token is read from --token-file
// or, if absent, from the file named by $RISKGATE_TOKEN_FILE; there is
// deliberately no option taking the token itself (it would show in `ps` and
// shell history). Token file: either TOML with a top-level `token = "..."`,
// or the bare token on the first non-empty, non-# line.
//
// Exit codes: 0 ok; 1 drift found (audit), a broken audit chain (audit-log
// verify) or the gateway refused the request
// (HTTP 4xx/5xx); 2 an instance was unreachable (audit: also counts as drift);
// 64 usage error (bad options, unreadable token file or manifest).
#pragma once

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/manifest.hpp"

namespace riskgate::control {

inline constexpr int kCtlOk = 0;
inline constexpr int kCtlDrift = 1;  // Also: request refused.
inline constexpr int kCtlUnreachable = 2;
inline constexpr int kCtlUsage = 64;

// args[0] is the program name, as in main().
int run_ctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// `riskgatectl status`: prints a GET /status answer for humans. Sections:
// identity and digests, alerts (e.g. a risk table near capacity), sessions
// (each client session's flow envelope, one line per rule, or "idle"),
// kills, table fill levels, limits. Tolerates missing keys.
void print_status(const nlohmann::json& status, std::ostream& out);

// Throws std::runtime_error naming the file.
[[nodiscard]] std::string read_token_file(const std::filesystem::path& path);

// --instances: an existing file (one URL per line, # comments) or a
// comma-separated list of URLs.
[[nodiscard]] std::vector<std::string> parse_instances(const std::string& file_or_list);

// The fleet audit. For each instance: GET /status, then compare the build
// digest and the digest of the config it is running (after any reload) with
// the manifest, and every connected engine's declared identity with the
// manifest's approvals. The verdicts are config::Manifest's, the very
// functions the gateway calls at start, at reload and at Logon. Also flags any instance
// whose build digest differs from the fleet's majority (catches a stale
// binary even under a development manifest that says "any"). Prints one block
// per instance and a summary naming the drifted instances.
// Returns kCtlOk, kCtlDrift or kCtlUnreachable (unreachable wins).
int audit_fleet(const std::vector<std::string>& urls, const config::Manifest& manifest,
                const std::string& token, std::ostream& out,
                std::chrono::milliseconds timeout = std::chrono::seconds(3));

// `riskgatectl audit-log verify`: checks the hash chain across `files`
// (oldest first, audit_chain.hpp). Prints "OK, N records in K files" and
// returns kCtlOk, or prints the first break (file, line, what is wrong) and
// returns kCtlDrift.
int verify_audit_log(const std::vector<std::filesystem::path>& files, std::ostream& out);

}  // namespace riskgate::control
