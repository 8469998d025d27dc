// The riskgate process: wires config, the risk engine, the audit log, the
// kill store, the FIX sessions, their sockets and the admin API together.
//
// Threads (see README "Data path and threads"):
//   - one I/O thread owns every socket, session and route group (the order
//     path); its io_context runs lock-free (CONCURRENCY_HINT_UNSAFE);
//   - the admin API thread (AdminServer) and the main thread (signals, kill
//     file, audit health, persisting automatic trips) form the control plane.
//     They talk to the I/O thread only through the kill board's atomics, the
//     risk engine's atomically swapped snapshot, and a lock-free command
//     queue the I/O thread drains when woken through its eventfd.
#pragma once

#include <concurrentqueue/concurrentqueue.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/manifest.hpp"
#include "gateway/app/durable_state.hpp"
#include "gateway/app/engine_auth.hpp"
#include "gateway/app/risk_status.hpp"
#include "gateway/control/admin_server.hpp"
#include "gateway/control/audit_log.hpp"
#include "gateway/control/kill_file_watcher.hpp"
#include "gateway/control/kill_store.hpp"
#include "gateway/msglog/writer.hpp"
#include "gateway/net/io_thread.hpp"
#include "gateway/net/listener.hpp"
#include "gateway/net/pending_limit.hpp"
#include "gateway/net/tcp_connection.hpp"
#include "gateway/route/route_group.hpp"
#include "gateway/route/trading_day.hpp"
#include "risk/engine.hpp"

namespace riskgate::app {

struct Options {
  std::string config_path;
  std::string instance = "riskgate";
};

class Gateway final : public control::GatewayControl {
 public:
  explicit Gateway(Options opts);  // Loads and validates; throws on bad config.
  // --check-config: every check the constructor makes of the config and the
  // files it names (manifest, admin tokens, engine secrets, data
  // dictionaries), with none of its effects: no state directory, journal,
  // lock or socket is touched, so it runs beside a live gateway before a
  // reload or a restart. Throws what the constructor would.
  ~Gateway() override;

  static void check_config(const Options& opts);
  // What differs between the running config and a freshly read one outside
  // [risk] (which a reload applies): the first few keys, each with its
  // table; empty when nothing does. Pure.
  [[nodiscard]] static std::string restart_only_changes(const config::Config& running,
                                                        const config::Config& fresh);

  void start();         // Binds sockets, starts threads.
  void control_tick();  // Main thread, every ~50 ms.
  void stop();

  [[nodiscard]] std::uint16_t admin_port() const noexcept;
  [[nodiscard]] const std::vector<std::string>& startup_warnings() const noexcept {
    return warnings_;
  }

  // control::GatewayControl (control threads; serialised by control_mu_).
  nlohmann::json status() override;
  std::string metrics() override;  // gateway_metrics.cpp
  std::string running_config() override;
  control::ControlResult kill(const control::KillRequest& r) override;
  control::ControlResult release(const control::KillRequest& r) override;
  control::ControlResult reload(const std::string& actor, const std::string& reason) override;
  control::ControlResult reenable_flow(const control::FlowRequest& r) override;

 private:
  struct Slot;
  struct Command {
    // kStop: a stop() in progress (graceful_stop.cpp): no new connections,
    // every session of the phase (idx 0: engines, 1: exchange legs) sends
    // its Logout.
    enum Kind { kCancel, kLogout, kStop } kind = kCancel;
    risk::KillScope scope = risk::KillScope::kGlobal;
    std::uint32_t idx = risk::kNoIdx;
    std::string name;
    std::string why;
  };
  class Sink;

  // A connection that has not logged on yet (see net::PendingLimiter).
  struct PendingConn {
    std::unique_ptr<net::TcpConnection> conn;
    boost::asio::ip::address from;
    std::int64_t deadline_ns = 0;  // Steady clock: LogonTimeout from accept.
  };
  // What the I/O thread saw and must not print itself (a blocked stdout or
  // stderr would stall the order path). It counts (relaxed: counters for
  // humans); the main thread reports the increments at most once a second
  // per cause (report_io_events), on the console and in the audit.
  struct IoEvents {
    std::atomic<std::uint64_t> over_total{0};      // Closed unread: MaxPendingConnections.
    std::atomic<std::uint64_t> over_address{0};    // Closed unread: MaxPendingPerAddress.
    std::atomic<std::uint64_t> logon_timeouts{0};  // Pending, no Logon within LogonTimeout.
    std::atomic<std::uint64_t> not_a_logon{0};     // First message not a Logon for a free session.
  };
  struct ReportedEvents {  // Main thread: the counts already reported.
    std::uint64_t over_total = 0, over_address = 0, logon_timeouts = 0, not_a_logon = 0;
    std::vector<std::uint64_t> accept_errors;  // Per listener.
  };

  void build_sessions();
  void open_journal();  // Before build_sessions: the stores wrap it.
  // Before build_sessions: the message-log writer, its ring and one tap per
  // session that logs (gateway_msglog.cpp).
  void open_message_log();
  // Control thread: SIGUSR2 reopens the message logs too.
  void poll_message_log_reopen();
  void restore_orders();  // After: replays the journal into the groups.
  void on_accept(boost::asio::ip::tcp::socket s, std::int64_t logon_timeout_ns);
  void expire_pending();
  void report_io_events();
  void io_tick();
  void drain_commands();
  // stop()'s first step (graceful_stop.cpp): asks the I/O thread to log
  // every session out and waits, at most the longest LogoutTimeout and a
  // second, for each to end. I/O thread: logout_for_stop().
  void log_out_for_stop();
  // One phase of it: the engine sessions (and connections not yet logged
  // on), or the exchange legs (`exchange`).
  void logout_for_stop(std::string_view why, bool exchange);
  void verify_self();
  void restore_kills();
  void persist_new_trips();
  // Audits (and prints) each risk table that crossed its warning level since
  // the last tick: once per crossing (TableWatch). Control thread.
  void check_tables();
  std::optional<std::pair<risk::KillScope, std::uint32_t>> resolve(control::Scope s,
                                                                   const std::string& target,
                                                                   std::string& err) const;
  control::ControlResult engage_locked(const control::KillRequest& r, risk::KillReason why);
  // The Logon checks of an engine session (logon_check.cpp), I/O thread:
  // password, then (with a manifest [attestation]) the release attestation,
  // then the declared identity. Returns the Logout text of a refusal, or
  // empty to let the Logon through (possibly killed, per OnUnapprovedIdentity).
  std::string_view check_logon(route::ClientLeg& leg, const codec::Message& logon);
  std::string_view unapproved_logon(route::ClientLeg& leg, const config::DeclaredIdentity& id,
                                    std::string_view attestation, std::string_view rule,
                                    const std::string& reason);
  // An engine refused at its Logon: one audit record (I/O thread: through
  // the audit ring, no console) naming the session, the peer and why.
  [[nodiscard]] bool address_allowed(const Slot& slot,
                                     const boost::asio::ip::address& from) const noexcept;
  void audit_logon_refusal(std::string_view session, std::string_view peer, std::string_view rule,
                           std::string_view text) noexcept;

  Options opts_;
  config::Config cfg_;
  std::optional<config::Manifest> manifest_;
  // AdminTokensFile, read and checked at construction so that a bad one is
  // a config error (exit 78) like any other, not a failure at start.
  std::vector<control::ApiToken> api_tokens_;
  std::unique_ptr<EngineAuth> engine_auth_;  // Address and password checks of engine Logons.
  std::unique_ptr<risk::Engine> engine_;
  std::unique_ptr<control::AuditLog> audit_log_;
  audit::AuditProducer* producer_ = nullptr;
  std::unique_ptr<Sink> sink_;
  std::unique_ptr<control::KillStore> kill_store_;
  route::RetiredValues retired_;
  std::unique_ptr<net::IoThread> io_;
  bool io_started_ = false;  // Control thread: I/O thread started, not yet stopping.
  std::unique_ptr<session::Clock> clock_;
  // The journal (null when [gateway] Journal = false). Declared before the
  // sessions and groups that write to it, so it outlives them.
  std::unique_ptr<DurableState> durable_;
  DurableState::Restored restored_;
  // The FIX message logs (null when FileLogPath is "" for every session) and
  // each session's tap into the I/O thread's ring (index = session index;
  // null: that session is not logged). Before slots_, so they outlive the
  // sessions that write to them.
  std::unique_ptr<msglog::MessageLogWriter> msglog_;
  std::vector<std::unique_ptr<msglog::SessionTap>> msglog_taps_;
  std::uint64_t seen_reopen_signals_ = 0;  // Control thread.
  std::vector<std::unique_ptr<route::RouteGroup>> groups_;
  // The trading day and session schedules; stepped by io_tick (I/O thread).
  std::unique_ptr<route::TradingDay> trading_day_;
  std::vector<std::unique_ptr<Slot>> slots_;  // Index = session index in cfg_.sessions.
  std::vector<std::unique_ptr<net::Listener>> listeners_;
  std::vector<PendingConn> pending_;          // Awaiting a Logon; at most MaxPendingConnections.
  std::vector<net::TcpConnection*> expired_;  // io_tick scratch, reserved at start.
  std::unique_ptr<net::PendingLimiter> limiter_;
  std::size_t pending_max_message_ = 8192;  // Largest acceptor MaxMessageSize.
  std::size_t pending_rx_capacity_ = 0;
  IoEvents io_events_;
  ReportedEvents reported_;
  std::int64_t next_report_ns_ = 0;
  std::vector<std::unique_ptr<net::TcpConnection>> graveyard_;  // Closed; freed on the next tick.
  std::unique_ptr<boost::asio::steady_timer> tick_;
  moodycamel::ConcurrentQueue<Command> commands_;
  std::unique_ptr<control::AdminServer> admin_;
  std::unique_ptr<control::KillFileWatcher> kill_file_;
  boost::asio::io_context control_ioc_;
  std::mutex control_mu_;  // Control plane only: never taken on the I/O thread.
  std::string binary_sha256_, config_sha256_;
  bool self_ok_ = true;
  std::string self_reason_;
  std::string logon_reason_;  // Storage for the Logout text returned to a session.
  std::vector<std::string> warnings_;
  std::uint64_t seen_kill_generation_ = 0;
  TableWatch table_watch_;  // Control thread, under control_mu_.
};

}  // namespace riskgate::app
