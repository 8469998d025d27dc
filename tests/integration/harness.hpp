// End-to-end fixture: exchange-sim <- riskgate <- engine-sim, every one a real
// process on loopback with ephemeral ports (tests/support/process.hpp).
//
// Each test owns a TempDir (state dir, audit log, kill file, config copies),
// starts exchange-sim on --port 0, writes a riskgate config derived from
// config/riskgate.toml by text replacement, starts riskgate, reads the ports it
// prints and runs engine-sim against them. Readiness is awaited on printed
// lines (or polled: the audit file, riskgatectl status), never on fixed
// sleeps. Every process is stopped by its own PID.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "tests/support/process.hpp"
#include "tests/support/summary.hpp"

namespace riskgate::itest {

using riskgate::testing::ChildProcess;
using riskgate::testing::num;
using riskgate::testing::Summary;
using namespace std::chrono_literals;

// A fresh directory under $TMPDIR (or /tmp), removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

[[nodiscard]] std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);
// The same, created with mode 0600 (token and secrets files).
void write_private_file(const std::string& path, const std::string& text);
// Replaces the one occurrence of `from`; throws if it is absent, so a test can
// never silently run with the default value.
[[nodiscard]] std::string replace_once(std::string text, const std::string& from,
                                       const std::string& to);
// Sets `key = value` (value as TOML text) in the [[session]] whose Name is
// `session`, replacing the key's line or adding it after the Name line.
[[nodiscard]] std::string set_session_key(std::string text, const std::string& session,
                                          const std::string& key, const std::string& value);

// exchange-sim on an ephemeral port, SenderCompID EXCHANGE, accepting RISKGATE.
class Exchange {
 public:
  // `extra` is appended to the command line (e.g. {"--fill-model", "ack"}).
  explicit Exchange(const std::vector<std::string>& extra = {});
  [[nodiscard]] int port() const noexcept { return port_; }
  ChildProcess& proc() noexcept { return proc_; }
  // Waits for the n-th (1-based, counted over the whole run) "exchange-sim
  // logon" line.
  [[nodiscard]] bool wait_logon(int n, std::chrono::milliseconds timeout = 15s);
  // SIGTERM, then the parsed summary line (empty on failure, which fails the
  // test through num()).
  Summary stop();

 private:
  ChildProcess proc_;
  int port_ = 0;
};

struct GatewayConfig {
  int exchange_port = 0;
  std::string manifest;        // Default: the repository's config/manifest.toml.
  int exchange_heartbeat = 0;  // 0 = as in config/riskgate.toml.
  // More edits: (session name, key, TOML value) applied with set_session_key.
  std::vector<std::tuple<std::string, std::string, std::string>> session_keys;
  // [gateway] keys added to the section: (key, TOML value).
  std::vector<std::pair<std::string, std::string>> gateway_keys;
};

// Writes the config derived from config/riskgate.toml into `dir`; returns its path.
[[nodiscard]] std::string write_gateway_config(const TempDir& dir, const GatewayConfig& cfg);

// riskgate, started on a written config; stdout and stderr on one pipe.
class Gateway {
 public:
  explicit Gateway(const std::string& config_path);
  [[nodiscard]] int client_port() const noexcept { return client_port_; }
  [[nodiscard]] const std::string& admin_url() const noexcept { return admin_url_; }
  ChildProcess& proc() noexcept { return proc_; }
  // Every line printed up to "started", e.g. the startup warnings.
  [[nodiscard]] std::string startup_output() const;
  void kill9();
  int stop();  // SIGTERM; the exit code.

 private:
  ChildProcess proc_;
  int client_port_ = 0;
  std::string admin_url_;
  std::size_t startup_lines_ = 0;
};

struct Identity {
  std::string sender = "ENGINE1";
  std::string account = "ACC1";
  std::string version = "0.1.0";  // Empty: declare no identity at all.
};

// engine-sim against riskgate with `id`, --reset-on-logon, --rate 0 unless
// `extra` says otherwise (the last occurrence of an option wins).
[[nodiscard]] ChildProcess start_engine(int port, const Identity& id,
                                        const std::vector<std::string>& extra);

struct EngineRun {
  int exit_code = -1;
  Summary summary;
  std::map<std::string, long> reject_rules;  // "engine-sim reject_rule: r=n"
  std::vector<std::string> reject_texts;
  std::vector<std::string> lines;
  // Refusals by rule id. engine-sim keys its histogram by the text before the
  // first ':', and every riskgate reject text reads "rule: detail (ACC SYM)".
  [[nodiscard]] long rule(const std::string& r) const {
    const auto it = reject_rules.find(r);
    return it == reject_rules.end() ? 0 : it->second;
  }
  [[nodiscard]] std::string describe() const;  // For failure messages.
};

// Waits for a started engine-sim to print its summary and exit.
[[nodiscard]] EngineRun finish_engine(ChildProcess& engine,
                                      std::chrono::milliseconds timeout = 40s);
[[nodiscard]] EngineRun run_engine(int port, const Identity& id,
                                   const std::vector<std::string>& extra);

struct CtlResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};
// riskgatectl args... (e.g. its offline release steps).
[[nodiscard]] CtlResult riskgatectl(const std::vector<std::string>& args);
// riskgatectl --url URL --token-file FILE args...
[[nodiscard]] CtlResult ctl(const std::string& url, const std::string& token_file,
                            const std::vector<std::string>& args);
// A token file holding `token` in dir; returns its path.
[[nodiscard]] std::string token_file(const TempDir& dir, const std::string& name,
                                     const std::string& token);
inline constexpr const char* kOperatorToken = "demo-operator-token-not-secret";
inline constexpr const char* kAdminToken = "demo-admin-token-not-secret";

// Plain HTTP/1.1 GET on loopback with no Authorization header; the status code.
[[nodiscard]] int http_get_status(const std::string& url, const std::string& path);

struct HttpReply {
  int status = -1;  // -1: no answer (refused, timed out, not HTTP)
  std::string body;
};
// HTTP/1.1 GET on loopback with `Authorization: Bearer <token>` and
// Connection: close; the status and the whole body, read until the peer
// closes or `timeout` passes.
[[nodiscard]] HttpReply http_get(const std::string& url, const std::string& path,
                                 const std::string& token, std::chrono::milliseconds timeout = 5s);

// A loopback TCP port that is free now and outside the kernel's ephemeral
// range, for a listener that must keep its port across restarts: a client
// reconnecting to an ephemeral port can be handed that very port as its own
// source (a TCP self-connect) while nothing listens, and then holds it.
[[nodiscard]] int free_fixed_port();

// Lines of the audit log (JSON, one per line) containing every one of `needles`.
[[nodiscard]] std::vector<std::string> audit_lines(const std::string& audit_log,
                                                   const std::vector<std::string>& needles);
// The same, polled until at least one line matches: the audit writer thread
// writes a little after the event.
[[nodiscard]] std::vector<std::string> wait_audit(const std::string& audit_log,
                                                  const std::vector<std::string>& needles,
                                                  std::chrono::milliseconds timeout = 5s);

// Everything a typical test needs, started in order and ready: exchange-sim,
// riskgate logged on to it. Members are destroyed in reverse order, so
// riskgate goes before exchange-sim.
struct Stack {
  explicit Stack(const std::vector<std::string>& exchange_args = {}, GatewayConfig cfg = {});
  TempDir dir;
  Exchange exchange;
  std::string config_path;
  std::optional<Gateway> gateway;
  [[nodiscard]] std::string audit_log() const { return dir.file("audit.log"); }
  [[nodiscard]] EngineRun run(const Identity& id, const std::vector<std::string>& extra) {
    return run_engine(gateway->client_port(), id, extra);
  }
};

}  // namespace riskgate::itest
