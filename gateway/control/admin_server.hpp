// Admin HTTP API (issue 4, "Control plane"): JSON over HTTP/1.1 (Boost.Beast),
// bound to 127.0.0.1 by default, bearer tokens with two roles.
//
// Endpoints (request and response bodies are JSON objects):
//   GET  /status          operator, admin   → GatewayControl::status() verbatim
//   GET  /metrics         operator, admin   → GatewayControl::metrics(): Prometheus
//                                             text format 0.0.4 (not JSON)
//   POST /kill            operator, admin   {"scope","target","reason"}
//   POST /release         admin             {"scope","target","reason"}  reason required
//   POST /reload          admin             {"reason"?}  reload config + limits
//   POST /flows/reenable  admin             {"account","symbol","side":"buy"|"sell"|FIX 54
//   char,"reason"}
//   GET  /whoami          operator, admin   → {"ok":true,"name":<token name>,"role":...}
//   GET  /refusals        operator, admin   → {"ok":true,"refusals":[<audit record>...],
//                                              "seen":N}: the latest order refusals,
//                                              newest first (AuditLog::recent_refusals)
//   GET  /, /console/*    no token          the browser ops console's files
//                                           (web_console.hpp), GET only
// scope: "global" | "exchange" | "session" | "account" | "symbol"; target is
// required (non-empty) except for global. reason is required and non-blank
// for kill and release.
//
// Success: 200 {"ok":true,"message":...,"detail":{...}}. Errors:
// {"ok":false,"status":N,"error":"<why>"} with
//   400 bad JSON / missing or invalid field   401 no or unknown token
//   403 role not allowed                       404 unknown path
//   405 wrong method (Allow header set)        409 the gateway refused (ControlResult)
//   413 body over Options::max_body            503 audit log unhealthy (release,
//       reload and reenable are refused when they could not be audited; kill
//       is always allowed: it only reduces risk).
//   415 a POST whose Content-Type is not application/json
// Checks run in that order: console file (GET, no token), authentication,
// path, method, role, then for a POST the Content-Type and Origin
// (web_console.hpp: check_state_change, 415 or 403), body.
//
// Every response, JSON or console file, carries the headers of
// kSecurityHeaders (CSP, no framing, nosniff, no referrer, no-store).
//
// Audit: every request that is refused (4xx/5xx) is recorded with
// record_control("admin_refused", {actor, method, path, status, reason, peer});
// actor is the token's name, "-" without a valid token. Every accepted
// mutating request is recorded as "kill"/"release"/"reload"/"flow_reenable"
// with actor, scope/target/reason and the gateway's detail (what it affected).
//
// Threading: one control thread owns the io_context; all GatewayControl calls
// run on it, one at a time, so the gateway's implementation needs no locking
// against other admin calls (it still must reach the I/O threads only through
// atomics and queues). KillFileWatcher shares that io_context (io_context()).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "gateway/control/types.hpp"

namespace riskgate::control {

class AuditLog;

enum class Role : std::uint8_t { kOperator = 0, kAdmin = 1 };
[[nodiscard]] std::string_view to_string(Role r) noexcept;

struct ApiToken {
  std::string name;  // Who: written to the audit.
  Role role = Role::kOperator;
  std::string token;  // The bearer secret.
};

// Reads the token file in the format of config/tokens.toml:
//   [[token]]  name = "alice"  role = "operator"|"admin"  token = "<secret, >= 16 chars>"
// Throws std::runtime_error naming the file and entry. (config::load_tokens
// reads the same file; the gateway may use either and convert.)
[[nodiscard]] std::vector<ApiToken> load_api_tokens(const std::filesystem::path& path);
[[nodiscard]] std::vector<ApiToken> parse_api_tokens(std::string_view toml_text,
                                                     std::string_view source);

struct KillRequest {
  Scope scope = Scope::kGlobal;
  std::string target;  // Empty for global.
  std::string reason;
  std::string actor;  // Token name (never taken from the body).
};

struct FlowRequest {
  std::string account;
  std::string symbol;
  char side = '1';  // FIX tag 54 value.
  std::string reason;
  std::string actor;
};

struct ControlResult {
  bool ok = true;
  std::string message;  // Human-readable, e.g. "global kill engaged; 312 cancels sent".
  // What it affected, e.g. {"orders_cancelled": 312, "sessions_logged_out": 2}.
  nlohmann::json detail = nlohmann::json::object();

  static ControlResult success(std::string msg, nlohmann::json d = nlohmann::json::object()) {
    return {true, std::move(msg), std::move(d)};
  }
  static ControlResult failure(std::string msg) { return {false, std::move(msg), {}}; }
};

// Implemented by the gateway. Called on the control thread only.
//
// status() schema (the gateway fills it; riskgatectl status/audit read it):
// {
//   "instance":       "gw-1",                 // config instance name
//   "version":        "0.1.0",                // gateway release version
//   "build_id":       "<commit>@<time>",      // control::build_id()
//   "binary_sha256":  "<64 hex>",             // sha256_file(self_executable_path())
//   "config_sha256":  "<64 hex>",             // of the config bytes loaded
//   "manifest": { "path": "...", "self_ok": bool, "reason": "ok" | "<SelfVerdict::reason>" },
//   "audit":    { "healthy": bool, "refused": <records refused> },
//   "sessions": [ {
//       "name": "ENGINE1", "role": "acceptor"|"initiator",
//       "state": "logged_on"|"disconnected"|"logging_on"|...,
//       "sender_comp_id": "ENGINE1",          // peer's CompID
//       "engine": { "app_name": "...", "version": "...", "vendor": "...", "digest": "...",
//                   "approved": bool, "reason": "approved"|"<why not>" }  // acceptors once logged
//                   on; else null
//   } ],
//   "kills":    [ {"scope":"account","target":"ACC1","reason":"...","actor":"alice","ts":"..."} ],
//   "limits":   { ... free-form usage per account/symbol, e.g.
//                 "ACC1": {"open_orders": 12, "max_open_orders": 100, ...} },
//   "flows_disabled": [ {"account":"ACC1","symbol":"AAPL","side":"1","since":"..."} ]
// }
class GatewayControl {
 public:
  virtual ~GatewayControl() = default;
  virtual nlohmann::json status() = 0;
  // The Prometheus exposition (control/metrics_text.hpp). Must not touch the
  // order path: reads counters and atomics the I/O threads publish. The
  // default exposes nothing (an empty, valid exposition).
  virtual std::string metrics() { return {}; }
  // The config the instance runs, as TOML (config::print_config): what it
  // started with, with the limits of every accepted reload. Empty: not
  // available (the route answers 404).
  virtual std::string running_config() { return {}; }
  virtual ControlResult kill(const KillRequest& r) = 0;
  virtual ControlResult release(const KillRequest& r) = 0;
  virtual ControlResult reload(const std::string& actor, const std::string& reason) = 0;
  virtual ControlResult reenable_flow(const FlowRequest& r) = 0;
};

struct HttpReply {
  HttpReply() = default;
  HttpReply(unsigned s, nlohmann::json b, std::string a = {})
      : status(s), body(std::move(b)), allow(std::move(a)) {}

  unsigned status = 200;
  nlohmann::json body;
  std::string allow;  // For 405.
  // Set for a body that is not JSON: sent as is with this type. The body is
  // raw_body when set (a console file: lives as long as the binary), else
  // text (an owned body, e.g. /metrics).
  std::string_view content_type = {};
  std::string_view raw_body = {};
  std::string text = {};
};

// What the server reads of one request; empty views for absent headers.
struct AdminRequest {
  std::string_view method;
  std::string_view target;  // Path and query.
  std::string_view authorization;
  std::string_view body;
  std::string_view peer;
  std::string_view content_type;
  std::string_view origin;
  std::string_view host;
};

class AdminServer {
 public:
  struct Options {
    std::string host =
        "127.0.0.1";            // Loopback by default: the API is not for the network at large.
    std::uint16_t port = 8081;  // 0: ephemeral (tests); read back with port().
    std::size_t max_body = 64 * 1024;
    std::chrono::seconds io_timeout{5};  // Per read/write; a stuck client cannot pin the thread.
  };

  // `audit` may be null (tests); then nothing is audited and the 503 rule is off.
  AdminServer(Options opts, std::vector<ApiToken> tokens, GatewayControl& gw, AuditLog* audit);
  ~AdminServer();  // stop().
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds and starts the control thread. Throws std::system_error naming the
  // address if the bind fails.
  void start();
  // Stops accepting, drops open connections, joins the control thread. Idempotent.
  void stop();

  [[nodiscard]] std::uint16_t port() const noexcept { return bound_port_; }
  // The control thread's io_context (for KillFileWatcher and other timers).
  [[nodiscard]] boost::asio::io_context& io_context() noexcept { return ioc_; }

  // The request logic without sockets (what the connection handler calls).
  // Control thread only once start() has been called.
  [[nodiscard]] HttpReply handle(const AdminRequest& req);
  // The same for a client that sends what riskgatectl sends: a JSON body
  // (Content-Type application/json) and no Origin.
  [[nodiscard]] HttpReply handle(std::string_view method, std::string_view target,
                                 std::string_view authorization, std::string_view body,
                                 std::string_view peer);

 private:
  class Connection;
  void do_accept();
  HttpReply refuse(unsigned status, std::string why, std::string_view actor,
                   std::string_view method, std::string_view path, std::string_view peer);
  const ApiToken* authenticate(std::string_view authorization) const noexcept;

  Options opts_;
  std::vector<ApiToken> tokens_;
  GatewayControl& gw_;
  AuditLog* audit_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  // After an accept error (out of descriptors: the waiting connection stays
  // in the backlog, so retrying at once spins this thread), accepting pauses
  // for accept_wait_: 10 ms, doubling to 1 s, back to 10 ms after a success,
  // as the engines' listener does (gateway/net/listener.hpp).
  boost::asio::steady_timer accept_pause_{ioc_};
  std::chrono::milliseconds accept_wait_{10};
  std::uint16_t bound_port_ = 0;
  std::thread thread_;
  bool started_ = false;
};

}  // namespace riskgate::control
