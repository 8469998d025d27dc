// riskgate's configuration as plain data, loaded from one TOML file.
//
// The file format is documented key by key in config/riskgate.toml, which is
// the reference operators read. This header only states the contract:
//
// - load_config() parses and validates the whole file before anything starts.
//   Every problem found is reported, each as one line
//       <file>:<line>: <where>: <Key>: <reason>
//   e.g. `config/riskgate.toml:42: session "ENGINE1": SocketAcceptPort: must be
//   1..65535, got 70000`, and the call throws ConfigError. A config that loads
//   is internally consistent (routes exist, CompIDs are unique, prefixes are
//   unambiguous, every account/symbol an override names exists).
// - Unknown keys are errors: a typo must never silently switch a limit off.
// - Prices and notionals are converted to micro-units exactly, from the
//   decimal text written in the file (190.1 -> 190'100'000, never
//   190'099'999): binary floating point never touches a limit. A value with
//   more precision than the target unit is an error, not rounded.
// - Relative paths (StateDir, AuditLog, ...) are kept as written; the process
//   resolves them against its working directory (the demo runs from the repo
//   root).
//
// Thread safety: load_config() is a pure function of its input; call it from
// any thread (the control plane calls it on SIGHUP to reload). It allocates
// and throws, so it never runs on the order path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/trading_schedule.hpp"
#include "config/address_range.hpp"
#include "risk/config.hpp"

namespace riskgate::config {

// Setup error: what() holds every problem found, one per line, each starting
// with "<file>:<line>:". errors() gives the same lines separately.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<std::string> errors);
  [[nodiscard]] const std::vector<std::string>& errors() const noexcept { return errors_; }

 private:
  std::vector<std::string> errors_;
};

enum class ConnectionType : std::uint8_t { kAcceptor, kInitiator };
enum class BeginString : std::uint8_t { kFix42, kFix44 };
enum class UnknownAppMessages : std::uint8_t { kReject, kForward };
// What an acceptor does with a Logon whose declared identity is missing or not
// approved by the manifest (issue 4).
enum class OnUnapprovedIdentity : std::uint8_t {
  kRefuse,  // Logout naming the reason; the session never becomes active.
  kKill,    // Accept the logon with the session's kill switch engaged: cancels only.
};

[[nodiscard]] std::string_view to_string(ConnectionType v) noexcept;
[[nodiscard]] std::string_view to_string(BeginString v) noexcept;  // "FIX.4.2" / "FIX.4.4"
[[nodiscard]] std::string_view to_string(UnknownAppMessages v) noexcept;
[[nodiscard]] std::string_view to_string(OnUnapprovedIdentity v) noexcept;

// One FIX session. Keys in the file use QuickFIX's setting names
// (SenderCompID, SocketAcceptPort, HeartBtInt, ...) so FIX operations staff
// recognise them. Fields marked (acceptor) or (initiator) are only accepted
// in the file for that role; for the other role they keep their defaults.
struct SessionDef {
  std::string name;  // Unique; how routes, kill scopes and the audit name the session.
  ConnectionType connection_type = ConnectionType::kAcceptor;
  BeginString begin_string = BeginString::kFix44;
  std::string sender_comp_id;                    // Ours.
  std::string target_comp_id;                    // The peer's.
  std::string socket_accept_host = "127.0.0.1";  // (acceptor) several sessions may share
  std::uint16_t socket_accept_port = 0;          // (acceptor) one host:port.
  std::string socket_connect_host;               // (initiator)
  std::uint16_t socket_connect_port = 0;         // (initiator)
  std::int32_t heart_bt_int = 30;                // Seconds.
  std::int32_t reconnect_interval_s = 1;         // (initiator) first retry delay; doubles...
  std::int32_t max_reconnect_interval_s = 30;    // (initiator) ...up to this.
  std::string route;                             // (acceptor) name of an initiator session.
  std::string cl_ord_id_prefix;  // (acceptor) default: name + "-". Unique per route, and no
                                 // prefix of the route is a prefix of another.
  bool reset_on_logon = false;
  std::int32_t max_latency_s = 120;  // SendingTime accuracy tolerance.
  bool check_latency = true;
  // Resend policy for application messages: true = resent with PossDupFlag=Y
  // (default for acceptors: reports to clients), false = gap-filled (default
  // for initiators: a stale order is never re-sent to the exchange).
  bool resend_application = true;
  bool supports_mass_cancel = false;  // (initiator) venue accepts OrderMassCancelRequest.
  // (initiator) venue answers OrderStatusRequest (35=H): after a restart,
  // each working order's status is asked for before new orders go.
  bool supports_order_status = false;
  // (initiator, FIX 4.4) venue answers OrderMassStatusRequest (35=AF): after
  // a restart one request asks for every working order at once, instead of
  // one OrderStatusRequest each (a burst a venue's message-rate limit may
  // refuse). Preferred over SupportsOrderStatus when both are set.
  bool supports_order_mass_status = false;
  // (initiator) OrderStatusRequests (35=H) sent per second while
  // reconciling; 0 sends them all at once. For a venue whose message-rate
  // limit would refuse (or log the session out for) the burst; new orders
  // wait until every answer is in, so 10,000 orders at 100 a second is 100 s.
  std::uint32_t order_status_requests_per_second = 0;
  bool cancel_on_disconnect = false;  // (acceptor) cancel working orders when it drops.
  bool logout_on_kill = false;        // (acceptor) log the client out when killed.
  // Bytes; a larger frame is garbled input. Default by role: 8192 for
  // acceptors (orders are small), 65536 for initiators (a venue's execution
  // report with its repeating groups can pass 8 KiB, and one oversized report
  // must not drop the exchange leg).
  std::uint32_t max_message_size = 8192;
  // Seconds (QuickFIX's LogonTimeout / LogoutTimeout): how long a connection
  // may take to complete the Logon exchange, and how long a Logout we sent
  // waits for the peer's answer (and for our bytes to drain) before the
  // connection is dropped.
  std::int32_t logon_timeout_s = 10;
  std::int32_t logout_timeout_s = 2;
  // Seconds a ResendRequest we sent may stay unsatisfied before it is sent
  // again or the session is logged out (riskgate's own key).
  std::int32_t resend_request_timeout_s = 10;
  // Data dictionary (QuickFIX's keys and defaults). UseDataDictionary on and
  // no DataDictionary: the FIX 4.2/4.4 dictionary shipped in config/dict/
  // (compiled into the binary). DataDictionary: a QuickFIX-format XML file,
  // e.g. the venue's own, read once at startup.
  bool use_data_dictionary = true;
  std::string data_dictionary;
  bool validate_fields_out_of_order = true;
  // QuickFIX's defaults for acceptors (engines); initiators (the exchange
  // leg) default to user-defined fields unchecked and unknown fields allowed
  // (config.cpp says why). Set either key to override.
  bool validate_user_defined_fields = true;
  bool allow_unknown_msg_fields = false;
  // (acceptor) Logon must declare an approved identity (tags 1603/1604/1605 +
  // the build digest tag). Default: true when the gateway has a manifest.
  bool identity_required = false;
  OnUnapprovedIdentity on_unapproved_identity = OnUnapprovedIdentity::kRefuse;  // (acceptor)
  // (acceptor) Peers this session may log on from (issue 12). Empty: any
  // address. A Logon for this session from elsewhere is refused before the
  // session sees it.
  std::vector<AddressRange> allowed_remote_addresses;
  // QuickFIX's session schedule (StartTime, EndTime, StartDay, EndDay,
  // TimeZone). Empty: the session never ends (QuickFIX's NonStopSession), the
  // default. Set: new orders are refused outside the window ("outside trading
  // hours"; cancels pass), and sequence numbers reset when a new period
  // starts at StartTime, as QuickFIX does.
  std::optional<schedule::Spec> schedule;
  // FileLogPath (QuickFIX's key) for this session only: its message log goes
  // to this directory instead of [gateway] FileLogPath; "" turns it off for
  // this session. Unset: the gateway's.
  std::optional<std::string> file_log_path;
  int line = 0;  // Line of the [[session]] header, for later error messages.
};

// JournalSync: when the journal thread calls fdatasync (gateway/journal/
// journal.hpp): never ("none"), every JournalSyncIntervalMs ("interval"), or
// after every batch it writes ("every_message").
enum class JournalSync : std::uint8_t { kNone, kInterval, kEveryMessage };

struct GatewayDef {
  std::uint32_t io_threads = 1;
  bool busy_poll = false;         // Spin on the sockets instead of blocking: lower latency, one
                                  // core per I/O thread.
  std::string state_dir = "var";  // Kill state and other durable state.
  std::string audit_log = "var/audit.log";  // Default: <StateDir>/audit.log.
  std::string admin_host = "127.0.0.1";     // AdminListen = "host:port".
  std::uint16_t admin_port = 8081;          // 0: an ephemeral port (tests).
  std::string admin_tokens_file;            // Empty: admin API refuses every request.
  std::string manifest;                     // Empty: no deployed-version verification.
  // Salted password hashes of engine sessions (riskgatectl engine-secret). A
  // session with an entry must log on with its Username(553)/Password(554).
  // Empty: no passwords. Must not be readable by group or others.
  std::string engine_secrets_file;
  UnknownAppMessages unknown_app_messages = UnknownAppMessages::kReject;
  std::uint32_t build_digest_tag = 9001;  // Logon tag carrying the engine's build digest.
  bool on_kill_cancel_working = true;     // A kill cancels working orders in scope.
  // Exchange-report anomalies that engage a kill switch (KillOnReportAnomaly:
  // "overfill", "foreign", "unknown"): route::AnomalyKill bits. 0: audit only.
  std::uint8_t kill_on_report_anomaly = 0;
  // Local emergency kill: if this file exists, global kill. Default: <StateDir>/KILL.
  std::string kill_file = "var/KILL";
  std::uint32_t max_working_orders = 1 << 16;  // Order table capacity (per gateway).
  // Orders that ended with executions, remembered for the rest of the
  // trading day (the most recent this many, per exchange session) so that a
  // trade cancel or correct after the end still moves the position. 0: none.
  std::uint32_t max_ended_orders = 1 << 16;
  // Connections accepted but not yet logged on: at most this many in all, and
  // this many from one source address. Over either cap a new connection is
  // closed at once, unread.
  std::uint32_t max_pending_connections = 64;
  std::uint32_t max_pending_per_address = 8;
  // The gateway's trading day (StartTime, TimeZone in [gateway]): a daily
  // boundary at which per-day limits and ClOrdID tables reset. Default
  // 00:00:00 UTC; start_s == end_s, so the day has no closed hours.
  schedule::Spec trading_day;
  // The durable journal (issue 11): sequence numbers and sent messages of
  // every session, and the order table, so that a restart resumes both legs
  // without a sequence reset and knows what is working at the exchange.
  // On by default: a gateway that forgets its working orders on a restart
  // cannot cancel them on a kill.
  bool journal = true;
  std::string journal_file = "var/journal.rgj";  // Default: <StateDir>/journal.rgj.
  // Where the order path's rings live: tmpfs, so that a kill -9 loses
  // nothing that was sent (gateway/journal/ring.hpp).
  std::string journal_ring_dir = "/dev/shm";
  std::uint32_t journal_ring_mib = 16;
  JournalSync journal_sync = JournalSync::kInterval;
  std::uint32_t journal_sync_interval_ms = 10;
  // Day files (<journal_file>.<yyyymmdd>) dated more than this many days
  // before a new day are deleted at its roll. 0: kept.
  std::uint32_t journal_retention_days = 0;
  // Free space on the audit log's filesystem (issue 12): below the low
  // watermark an alert record and a status flag; below the hard one the
  // audit turns unhealthy and new orders are refused. 0 disables either.
  std::uint32_t audit_disk_low_mib = 1024;
  std::uint32_t audit_disk_hard_mib = 128;
  // Per-session FIX message logs (issue 13; gateway/msglog): every message in
  // and out of every session, one file per session per UTC day in this
  // directory (QuickFIX's FileLogPath). Default <StateDir>/msglog; "" turns
  // them off. MessageLogRingMiB: the ring each I/O thread copies messages
  // into (a power of two); when the writer falls a whole ring behind,
  // messages are dropped from the log and counted, never waited for.
  // MessageLogRetentionDays: compressed days older than this are deleted;
  // 0 keeps them.
  std::string file_log_path = "var/msglog";
  std::uint32_t message_log_ring_mib = 16;
  std::uint32_t message_log_retention_days = 0;
  // Free space the message logs leave on their filesystem: below it they
  // stop writing (lines counted as lost, a GAP line when space is back), so
  // that they never fill the disk under the audit log, which would refuse
  // every new order. Keep it above AuditDiskHardMiB. 0 turns it off.
  std::uint32_t message_log_disk_reserve_mib = 512;
  // Thread placement (common/thread_placement.hpp): the CPU each of these
  // threads is pinned to; -1 leaves it to the kernel. A CPU the process may
  // not run on stops the start with the key's name.
  int io_thread_cpu = -1;
  int journal_cpu = -1;
  int message_log_cpu = -1;
};

struct Config {
  GatewayDef gateway;
  std::vector<SessionDef> sessions;  // In file order.
  risk::RiskConfig risk;
  std::string source_path;  // As given to load_config().
  // The exact bytes that were parsed: digest these (issue 4) rather than
  // re-reading the file, which may have changed since.
  std::string source_bytes;

  [[nodiscard]] const SessionDef* find_session(std::string_view name) const noexcept;
};

// Reads and validates `path`. Throws ConfigError (bad content, or the file
// cannot be read).
[[nodiscard]] Config load_config(const std::filesystem::path& path);

// Same, from text already in memory; `source_name` is used in messages.
[[nodiscard]] Config parse_config(std::string text, std::string source_name);

// Parses like parse_config (and throws the same) and returns every key the
// loader looked up, as a dotted path with arrays of tables unindexed
// ("gateway.IoThreads", "session.Route", "risk.flow.rule.metric"), sorted.
// That includes keys it only looks up to refuse them, and the keys of a table
// or [[array]] only when the text has one. The loader's own key list, for the
// tests that keep print_config() and its full test file complete.
[[nodiscard]] std::vector<std::string> keys_read_by_loader(std::string text,
                                                           std::string source_name);

// Admin API tokens (config/tokens.toml; the path is GatewayDef::admin_tokens_file).
enum class AdminRole : std::uint8_t { kOperator, kAdmin };
[[nodiscard]] std::string_view to_string(AdminRole v) noexcept;

struct AdminToken {
  std::string name;  // Who: appears in the audit.
  AdminRole role = AdminRole::kOperator;
  std::string token;  // Bearer secret, >= 16 chars, unique.
};

[[nodiscard]] std::vector<AdminToken> load_tokens(const std::filesystem::path& path);
[[nodiscard]] std::vector<AdminToken> parse_tokens(std::string text, std::string source_name);

}  // namespace riskgate::config
