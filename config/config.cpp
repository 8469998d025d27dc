#include "config/config.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <span>
#include <sstream>
#include <utility>

#include "config/toml_reader.hpp"
#include "config/value_names.hpp"
#include "risk/flow.hpp"

namespace riskgate::config {

using detail::Reader;
using detail::Table;

namespace {

constexpr std::int64_t kI64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kU32Max = std::numeric_limits<std::uint32_t>::max();

std::string join_lines(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& l : v) {
    if (!s.empty()) s += '\n';
    s += l;
  }
  return s;
}

std::string dq(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

// Names appear in admin API scopes, kill records and the audit.
bool is_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

// FIX field values here are printable ASCII without spaces (no SOH, no '=').
bool is_fix_token(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7F && c != '='; });
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError({path.string() + ": cannot read: " + std::strerror(errno)});
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw ConfigError({path.string() + ": read error"});
  return std::move(ss).str();
}

// ---------------------------------------------------------------------------
// Schedules: QuickFIX's StartTime / EndTime / StartDay / EndDay / TimeZone,
// parsed by common/trading_schedule (one parser for the format).

std::optional<std::int32_t> time_key(Table& t, std::string_view key) {
  auto v = t.str(key);
  if (!v) return std::nullopt;
  try {
    return schedule::parse_time_of_day(*v);
  } catch (const std::invalid_argument& e) {
    t.error(key, e.what());
  }
  return std::nullopt;
}

std::optional<int> day_key(Table& t, std::string_view key) {
  auto v = t.str(key);
  if (!v) return std::nullopt;
  try {
    return schedule::parse_weekday(*v);
  } catch (const std::invalid_argument& e) {
    t.error(key, e.what());
  }
  return std::nullopt;
}

std::optional<schedule::Zone> zone_key(Table& t) {
  auto v = t.str("TimeZone");
  if (!v) return std::nullopt;
  try {
    return schedule::parse_zone(*v);
  } catch (const std::invalid_argument& e) {
    t.error("TimeZone", e.what());
  }
  return std::nullopt;
}

// [gateway]: one daily boundary for the whole gateway.
void parse_trading_day(Table& t, schedule::Spec& day) {
  if (auto v = time_key(t, "StartTime")) day.start_s = day.end_s = *v;
  if (auto z = zone_key(t)) day.zone = std::move(*z);
  for (auto k : {"EndTime", "StartDay", "EndDay"}) {
    if (t.has(k)) {
      t.error(k,
              "the gateway's trading day is a daily boundary (StartTime, TimeZone); trading "
              "hours and weekly schedules belong to a [[session]]");
    }
  }
}

// [[session]]: absent keys (or NonStopSession = true) = no schedule.
void parse_session_schedule(Table& t, const GatewayDef& g, SessionDef& s) {
  const bool non_stop = t.boolean("NonStopSession").value_or(false);
  const bool any = t.has("StartTime") || t.has("EndTime") || t.has("StartDay") || t.has("EndDay") ||
                   t.has("TimeZone");
  if (non_stop) {
    if (any) {
      t.error("NonStopSession",
              "true, but the session also sets schedule keys (StartTime, EndTime, StartDay, "
              "EndDay, TimeZone): use one or the other");
    }
    return;
  }
  if (!any) return;
  const auto start = time_key(t, "StartTime");
  const auto end = time_key(t, "EndTime");
  const auto start_day = day_key(t, "StartDay");
  const auto end_day = day_key(t, "EndDay");
  auto zone = zone_key(t);
  bool ok = start && end;
  if (t.has("StartTime") != t.has("EndTime")) {
    t.error(t.has("StartTime") ? "StartTime" : "EndTime",
            "set StartTime and EndTime together (or neither: a non-stop session)");
    ok = false;
  } else if (!t.has("StartTime")) {
    t.error(t.has("TimeZone") ? "TimeZone" : (t.has("StartDay") ? "StartDay" : "EndDay"),
            "needs StartTime and EndTime");
    ok = false;
  }
  if (t.has("StartDay") != t.has("EndDay")) {
    t.error(t.has("StartDay") ? "StartDay" : "EndDay",
            "set StartDay and EndDay together (a weekly session), or neither (a daily one)");
    ok = false;
  }
  if (!ok || (t.has("StartDay") && !(start_day && end_day)) || (t.has("TimeZone") && !zone)) return;
  schedule::Spec spec;
  spec.start_s = *start;
  spec.end_s = *end;
  spec.start_day = start_day.value_or(-1);
  spec.end_day = end_day.value_or(-1);
  spec.zone = zone ? std::move(*zone) : g.trading_day.zone;
  s.schedule = std::move(spec);
}

// ---------------------------------------------------------------------------
// [gateway]

void parse_gateway(Table& t, GatewayDef& g) {
  if (auto v = t.integer("IoThreads", 1, 64)) g.io_threads = static_cast<std::uint32_t>(*v);
  if (auto v = t.boolean("BusyPoll")) g.busy_poll = *v;
  if (auto v = t.str("StateDir")) {
    if (v->empty())
      t.error("StateDir", "must not be empty");
    else
      g.state_dir = *v;
  }
  g.audit_log = t.str("AuditLog").value_or(g.state_dir + "/audit.log");
  if (g.audit_log.empty()) t.error("AuditLog", "must not be empty");
  if (auto v = t.integer("AuditDiskLowMiB", 0, 1 << 24))
    g.audit_disk_low_mib = static_cast<std::uint32_t>(*v);
  if (auto v = t.integer("AuditDiskHardMiB", 0, 1 << 24))
    g.audit_disk_hard_mib = static_cast<std::uint32_t>(*v);
  if (g.audit_disk_low_mib != 0 && g.audit_disk_hard_mib > g.audit_disk_low_mib) {
    t.error(t.has("AuditDiskHardMiB") ? "AuditDiskHardMiB" : "AuditDiskLowMiB",
            "AuditDiskHardMiB (" + std::to_string(g.audit_disk_hard_mib) +
                ") must be <= AuditDiskLowMiB (" + std::to_string(g.audit_disk_low_mib) + ")");
  }
  if (auto v = t.str("AdminListen")) {
    const auto colon = v->rfind(':');
    const std::string host = colon == std::string::npos ? "" : v->substr(0, colon);
    const std::string port = colon == std::string::npos ? "" : v->substr(colon + 1);
    const bool digits =
        !port.empty() && port.size() <= 5 &&
        std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (host.empty() || !digits || std::stol(port) > 65535) {
      t.error("AdminListen", "expected \"host:port\" with port 0..65535, got " + dq(*v));
    } else {
      g.admin_host = host;
      g.admin_port = static_cast<std::uint16_t>(std::stol(port));
    }
  }
  if (auto v = t.str("AdminTokensFile")) g.admin_tokens_file = *v;
  if (auto v = t.str("Manifest")) g.manifest = *v;
  if (auto v = t.str("EngineSecretsFile")) {
    if (v->empty())
      t.error("EngineSecretsFile", "must not be empty (omit it for no engine passwords)");
    else
      g.engine_secrets_file = *v;
  }
  if (auto v = t.str("UnknownAppMessages")) {
    if (*v == "reject")
      g.unknown_app_messages = UnknownAppMessages::kReject;
    else if (*v == "forward")
      g.unknown_app_messages = UnknownAppMessages::kForward;
    else
      t.error("UnknownAppMessages", "must be \"reject\" or \"forward\", got " + dq(*v));
  }
  if (auto v = t.integer("BuildDigestTag", 1, 99999)) {
    // FIX reserves 5000-9999 for user-defined fields and 20000-39999 for
    // bilateral use; anything else could collide with a standard tag.
    if ((*v >= 5000 && *v <= 9999) || (*v >= 20000 && *v <= 39999)) {
      g.build_digest_tag = static_cast<std::uint32_t>(*v);
    } else {
      t.error("BuildDigestTag",
              "must be a user-defined tag (5000..9999 or 20000..39999), got " + std::to_string(*v));
    }
  }
  if (auto v = t.boolean("OnKillCancelWorking")) g.on_kill_cancel_working = *v;
  if (auto v = t.str_array("KillOnReportAnomaly")) {
    for (const std::string& k : *v) {
      if (auto bit = detail::value_named(detail::kReportAnomalyNames, k))
        g.kill_on_report_anomaly |= *bit;
      else
        t.error("KillOnReportAnomaly",
                "each entry must be \"overfill\", \"foreign\" or \"unknown\", got " + dq(k));
    }
  }
  g.kill_file = t.str("KillFile").value_or(g.state_dir + "/KILL");
  g.file_log_path = t.str("FileLogPath").value_or(g.state_dir + "/msglog");
  if (auto v = t.integer("MessageLogRingMiB", 1, 1024)) {
    if ((*v & (*v - 1)) != 0)
      t.error("MessageLogRingMiB", "must be a power of two, got " + std::to_string(*v));
    else
      g.message_log_ring_mib = static_cast<std::uint32_t>(*v);
  }
  if (auto v = t.integer("MessageLogRetentionDays", 0, 36600))
    g.message_log_retention_days = static_cast<std::uint32_t>(*v);
  if (auto v = t.integer("MessageLogDiskReserveMiB", 0, 1 << 24))
    g.message_log_disk_reserve_mib = static_cast<std::uint32_t>(*v);
  if (auto v = t.boolean("Journal")) g.journal = *v;
  g.journal_file = t.str("JournalFile").value_or(g.state_dir + "/journal.rgj");
  if (g.journal_file.empty()) t.error("JournalFile", "must not be empty");
  if (auto v = t.str("JournalRingDir")) {
    if (v->empty())
      t.error("JournalRingDir", "must not be empty");
    else
      g.journal_ring_dir = *v;
  }
  if (auto v = t.integer("JournalRingMiB", 1, 1024))
    g.journal_ring_mib = static_cast<std::uint32_t>(*v);
  if (auto v = t.str("JournalSync")) {
    if (auto m = detail::value_named(detail::kJournalSyncNames, *v))
      g.journal_sync = *m;
    else
      t.error("JournalSync", "must be \"none\", \"interval\" or \"every_message\", got " + dq(*v));
  }
  if (auto v = t.integer("JournalRetentionDays", 0, 36600))
    g.journal_retention_days = static_cast<std::uint32_t>(*v);
  if (auto v = t.integer("JournalSyncIntervalMs", 1, 10000))
    g.journal_sync_interval_ms = static_cast<std::uint32_t>(*v);
  if (auto v = t.integer("IoThreadCpu", -1, 1023)) g.io_thread_cpu = static_cast<int>(*v);
  if (auto v = t.integer("JournalCpu", -1, 1023)) g.journal_cpu = static_cast<int>(*v);
  if (auto v = t.integer("MessageLogCpu", -1, 1023)) g.message_log_cpu = static_cast<int>(*v);
  if (auto v = t.integer("MaxWorkingOrders", 1, 1 << 24)) {
    g.max_working_orders = static_cast<std::uint32_t>(*v);
  }
  if (auto v = t.integer("MaxEndedOrders", 0, 1 << 24)) {
    g.max_ended_orders = static_cast<std::uint32_t>(*v);
  }
  if (auto v = t.integer("MaxPendingConnections", 1, 65536)) {
    g.max_pending_connections = static_cast<std::uint32_t>(*v);
  }
  if (auto v = t.integer("MaxPendingPerAddress", 1, 65536)) {
    g.max_pending_per_address = static_cast<std::uint32_t>(*v);
  }
  if (g.max_pending_per_address > g.max_pending_connections) {
    t.error(t.has("MaxPendingPerAddress") ? "MaxPendingPerAddress" : "MaxPendingConnections",
            "MaxPendingPerAddress (" + std::to_string(g.max_pending_per_address) +
                ") must be <= MaxPendingConnections (" + std::to_string(g.max_pending_connections) +
                ")");
  }
  parse_trading_day(t, g.trading_day);
  t.finish();
}

// ---------------------------------------------------------------------------
// [[session]]

constexpr std::string_view kAcceptorOnly[] = {
    "SocketAcceptHost", "SocketAcceptPort",     "Route",
    "ClOrdIDPrefix",    "CancelOnDisconnect",   "LogoutOnKill",
    "IdentityRequired", "OnUnapprovedIdentity", "AllowedRemoteAddresses"};
constexpr std::string_view kInitiatorOnly[] = {
    "SocketConnectHost",       "SocketConnectPort",           "ReconnectInterval",
    "MaxReconnectInterval",    "SupportsMassCancel",          "SupportsOrderStatus",
    "SupportsOrderMassStatus", "OrderStatusRequestsPerSecond"};

// Lines of the keys the cross-session checks talk about, so those errors
// point at the offending key rather than the [[session]] header.
using KeyLines = std::map<std::string, int, std::less<>>;

SessionDef parse_session(Table& t, const GatewayDef& g, KeyLines& lines) {
  SessionDef s;
  s.line = t.line();
  for (auto k : {"Name", "TargetCompID", "Route", "ClOrdIDPrefix"}) lines[k] = t.line_of(k);
  s.name = t.req_str("Name");
  if (!s.name.empty()) {
    t.set_where("session " + dq(s.name));
    if (!is_name(s.name)) t.error("Name", "use letters, digits, '_', '-' and '.' only");
  }
  bool role_known = false;
  if (!t.has("ConnectionType")) {
    t.error("ConnectionType", "required key missing");
  } else if (auto v = t.str("ConnectionType")) {
    role_known = true;
    if (*v == "acceptor") {
      s.connection_type = ConnectionType::kAcceptor;
    } else if (*v == "initiator") {
      s.connection_type = ConnectionType::kInitiator;
    } else {
      role_known = false;
      t.error("ConnectionType", "must be \"acceptor\" or \"initiator\", got " + dq(*v));
    }
  }
  const bool acceptor = s.connection_type == ConnectionType::kAcceptor;

  if (!t.has("BeginString")) {
    t.error("BeginString", "required key missing");
  } else if (auto v = t.str("BeginString")) {
    if (*v == "FIX.4.2")
      s.begin_string = BeginString::kFix42;
    else if (*v == "FIX.4.4")
      s.begin_string = BeginString::kFix44;
    else
      t.error("BeginString", "supported: \"FIX.4.2\", \"FIX.4.4\"; got " + dq(*v));
  }
  s.sender_comp_id = t.req_str("SenderCompID");
  if (!s.sender_comp_id.empty() && !is_fix_token(s.sender_comp_id)) {
    t.error("SenderCompID", "printable characters only, no spaces or '='");
  }
  s.target_comp_id = t.req_str("TargetCompID");
  if (!s.target_comp_id.empty() && !is_fix_token(s.target_comp_id)) {
    t.error("TargetCompID", "printable characters only, no spaces or '='");
  }
  if (auto v = t.integer("HeartBtInt", 1, 3600)) s.heart_bt_int = static_cast<std::int32_t>(*v);
  if (auto v = t.boolean("ResetOnLogon")) s.reset_on_logon = *v;
  if (auto v = t.integer("MaxLatency", 1, 86400)) s.max_latency_s = static_cast<std::int32_t>(*v);
  if (auto v = t.boolean("CheckLatency")) s.check_latency = *v;
  s.resend_application = acceptor;
  if (auto v = t.boolean("ResendApplication")) s.resend_application = *v;
  s.max_message_size = acceptor ? 8192 : 65536;
  if (auto v = t.integer("MaxMessageSize", 256, 1 << 20)) {
    s.max_message_size = static_cast<std::uint32_t>(*v);
  }
  if (auto v = t.integer("LogonTimeout", 1, 3600)) {
    s.logon_timeout_s = static_cast<std::int32_t>(*v);
  }
  if (auto v = t.integer("LogoutTimeout", 1, 600)) {
    s.logout_timeout_s = static_cast<std::int32_t>(*v);
  }
  if (auto v = t.integer("ResendRequestTimeout", 1, 3600)) {
    s.resend_request_timeout_s = static_cast<std::int32_t>(*v);
  }
  // The exchange leg (initiator) departs from QuickFIX's defaults on purpose:
  // a venue's report carrying a tag our dictionary lacks (FIX 5.0 tags such
  // as TradeID or AggressorIndicator on a 4.4 session, the venue's own) must
  // still reach its engine, since a refused report is a fill nobody sees.
  // Such tags still pass at most once, and groups are still counted.
  if (!acceptor) {
    s.allow_unknown_msg_fields = true;
    s.validate_user_defined_fields = false;
  }
  if (auto v = t.boolean("UseDataDictionary")) s.use_data_dictionary = *v;
  if (auto v = t.str("DataDictionary")) {
    if (v->empty()) {
      t.error("DataDictionary", "must not be empty (omit it for the built-in dictionary)");
    } else if (!s.use_data_dictionary) {
      t.error("DataDictionary", "set, but UseDataDictionary = false");
    } else {
      s.data_dictionary = *v;
    }
  }
  if (auto v = t.boolean("ValidateFieldsOutOfOrder")) s.validate_fields_out_of_order = *v;
  if (auto v = t.boolean("ValidateUserDefinedFields")) s.validate_user_defined_fields = *v;
  if (auto v = t.boolean("AllowUnknownMsgFields")) s.allow_unknown_msg_fields = *v;
  if (auto v = t.boolean("ValidateFieldsHaveValues"); v && !*v) {
    // QuickFIX's switch, but riskgate cannot honour "off": an empty field
    // cannot be checked or forwarded unambiguously, so the codec always
    // rejects it (373=4).
    t.error("ValidateFieldsHaveValues",
            "riskgate always rejects empty fields (SessionRejectReason 4); only true is accepted");
  }
  parse_session_schedule(t, g, s);
  if (auto v = t.str("FileLogPath")) s.file_log_path = *v;

  if (!role_known) {
    // Mark the role-specific keys as known so the only error is the role.
    for (auto k : kAcceptorOnly) (void)t.has(k);
    for (auto k : kInitiatorOnly) (void)t.has(k);
    t.finish();
    return s;
  }
  const std::span<const std::string_view> wrong_role =
      acceptor ? std::span<const std::string_view>(kInitiatorOnly)
               : std::span<const std::string_view>(kAcceptorOnly);
  for (auto k : wrong_role) {
    if (t.has(k)) {
      t.error(k, std::string("only valid for ") + (acceptor ? "initiator" : "acceptor") +
                     " sessions (this one is " + (acceptor ? "an acceptor" : "an initiator") + ")");
    }
  }

  if (acceptor) {
    if (auto v = t.str("SocketAcceptHost")) {
      if (v->empty())
        t.error("SocketAcceptHost", "must not be empty");
      else
        s.socket_accept_host = *v;
    }
    // 0 = an ephemeral port, printed at start (tests, side-by-side instances).
    if (auto v = t.req_integer("SocketAcceptPort", 0, 65535)) {
      s.socket_accept_port = static_cast<std::uint16_t>(*v);
    }
    s.route = t.req_str("Route");
    s.cl_ord_id_prefix = s.name + "-";
    if (auto v = t.str("ClOrdIDPrefix")) {
      if (!is_fix_token(*v)) {
        t.error("ClOrdIDPrefix", "must be non-empty printable characters, no spaces or '='");
      } else {
        s.cl_ord_id_prefix = *v;
      }
    }
    if (auto v = t.boolean("CancelOnDisconnect")) s.cancel_on_disconnect = *v;
    if (auto v = t.boolean("LogoutOnKill")) s.logout_on_kill = *v;
    s.identity_required = !g.manifest.empty();
    if (auto v = t.boolean("IdentityRequired")) {
      s.identity_required = *v;
      if (*v && g.manifest.empty()) {
        t.error("IdentityRequired", "needs a manifest ([gateway] Manifest) to verify against");
      }
    }
    if (auto v = t.str("OnUnapprovedIdentity")) {
      if (*v == "refuse")
        s.on_unapproved_identity = OnUnapprovedIdentity::kRefuse;
      else if (*v == "kill")
        s.on_unapproved_identity = OnUnapprovedIdentity::kKill;
      else
        t.error("OnUnapprovedIdentity", "must be \"refuse\" or \"kill\", got " + dq(*v));
    }
    if (auto v = t.str_array("AllowedRemoteAddresses")) {
      if (v->empty())
        t.error("AllowedRemoteAddresses", "must list at least one address (omit it for any)");
      for (const std::string& a : *v) {
        if (auto r = parse_address_range(a))
          s.allowed_remote_addresses.push_back(std::move(*r));
        else
          t.error("AllowedRemoteAddresses",
                  "expected an IP address or CIDR block (\"10.1.0.0/16\"), got " + dq(a));
      }
    }
  } else {
    s.socket_connect_host = t.req_str("SocketConnectHost");
    if (auto v = t.req_integer("SocketConnectPort", 1, 65535)) {
      s.socket_connect_port = static_cast<std::uint16_t>(*v);
    }
    if (auto v = t.integer("ReconnectInterval", 1, 3600)) {
      s.reconnect_interval_s = static_cast<std::int32_t>(*v);
    }
    if (auto v = t.integer("MaxReconnectInterval", 1, 3600)) {
      s.max_reconnect_interval_s = static_cast<std::int32_t>(*v);
    }
    if (s.max_reconnect_interval_s < s.reconnect_interval_s) {
      t.error(t.has("MaxReconnectInterval") ? "MaxReconnectInterval" : "ReconnectInterval",
              "MaxReconnectInterval (" + std::to_string(s.max_reconnect_interval_s) +
                  ") must be >= ReconnectInterval (" + std::to_string(s.reconnect_interval_s) +
                  ")");
    }
    if (auto v = t.boolean("SupportsMassCancel")) s.supports_mass_cancel = *v;
    if (auto v = t.boolean("SupportsOrderStatus")) s.supports_order_status = *v;
    if (auto v = t.boolean("SupportsOrderMassStatus")) s.supports_order_mass_status = *v;
    if (auto v = t.integer("OrderStatusRequestsPerSecond", 0, 1'000'000))
      s.order_status_requests_per_second = static_cast<std::uint32_t>(*v);
    if (s.order_status_requests_per_second > 0 && !s.supports_order_status) {
      t.error("OrderStatusRequestsPerSecond",
              "paces OrderStatusRequest (35=H), which this session does not send: set "
              "SupportsOrderStatus = true, or remove the key");
    }
    if (s.supports_order_mass_status && s.begin_string == BeginString::kFix42) {
      t.error("SupportsOrderMassStatus",
              "OrderMassStatusRequest (35=AF) is FIX 4.3 and later; a FIX.4.2 venue is asked "
              "order by order (SupportsOrderStatus)");
    }
  }
  t.finish();
  return s;
}

void check_sessions(Reader& r, const std::vector<SessionDef>& ss,
                    const std::vector<KeyLines>& key_lines) {
  auto line = [&](const SessionDef& s, std::string_view key) {
    const auto& kl = key_lines[static_cast<std::size_t>(&s - ss.data())];
    auto it = kl.find(key);
    return it == kl.end() ? s.line : it->second;
  };
  std::map<std::string, const SessionDef*> by_name;
  std::map<std::pair<std::string, std::string>, const SessionDef*> acceptor_ids;
  std::set<std::tuple<std::string, std::string, std::string, int>> initiator_ids;
  std::size_t acceptors = 0, initiators = 0;
  for (const auto& s : ss) {
    if (s.name.empty()) continue;  // Already reported.
    const std::string where = "session " + dq(s.name);
    if (!by_name.emplace(s.name, &s).second) {
      r.error(
          line(s, "Name"), where, "Name",
          "duplicate session name (first at line " + std::to_string(by_name[s.name]->line) + ")");
    }
    if (s.connection_type == ConnectionType::kAcceptor) {
      ++acceptors;
      auto [it, fresh] = acceptor_ids.emplace(std::pair{s.sender_comp_id, s.target_comp_id}, &s);
      if (!fresh) {
        r.error(line(s, "TargetCompID"), where, "TargetCompID",
                "acceptor sessions " + dq(it->second->name) + " and " + dq(s.name) +
                    " have the same SenderCompID/TargetCompID " + s.sender_comp_id + "/" +
                    s.target_comp_id + ": a Logon could not tell them apart");
      }
    } else {
      ++initiators;
      if (!initiator_ids
               .emplace(s.sender_comp_id, s.target_comp_id, s.socket_connect_host,
                        s.socket_connect_port)
               .second) {
        r.error(line(s, "TargetCompID"), where, "TargetCompID",
                "another initiator session has the same CompIDs and SocketConnectHost/Port");
      }
    }
  }
  if (acceptors == 0 || initiators == 0) {
    r.error(0, "", "session",
            "need at least one acceptor (trading engine) and one initiator (exchange) "
            "[[session]]");
  }
  // Routes, and prefixes per route: the router strips the prefix from tag 11
  // on the way back to find the owning session, so within one exchange
  // session no prefix may be a prefix of another (or equal to it).
  std::map<std::string, std::vector<const SessionDef*>> by_route;
  for (const auto& s : ss) {
    if (s.connection_type != ConnectionType::kAcceptor || s.name.empty() || s.route.empty()) {
      continue;
    }
    const std::string where = "session " + dq(s.name);
    auto it = by_name.find(s.route);
    if (it == by_name.end()) {
      r.error(line(s, "Route"), where, "Route", "no session named " + dq(s.route));
      continue;
    }
    if (it->second->connection_type != ConnectionType::kInitiator) {
      r.error(line(s, "Route"), where, "Route",
              dq(s.route) + " is an acceptor; Route must name an initiator (exchange) session");
      continue;
    }
    for (const SessionDef* o : by_route[s.route]) {
      const auto& a = o->cl_ord_id_prefix;
      const auto& b = s.cl_ord_id_prefix;
      if (a.compare(0, std::min(a.size(), b.size()), b, 0, std::min(a.size(), b.size())) == 0) {
        r.error(line(s, "ClOrdIDPrefix"), where, "ClOrdIDPrefix",
                dq(b) + " and " + dq(a) + " (session " + dq(o->name) + ") share route " +
                    dq(s.route) +
                    " and one is a prefix of the other: exchange reports could not be routed back");
      }
    }
    by_route[s.route].push_back(&s);
  }
}

// ---------------------------------------------------------------------------
// [risk]

// Tags the risk core already reads, and the header/trailer.
bool is_reserved_tag(std::int64_t t) {
  constexpr std::int64_t kReserved[] = {1,  8,  9,  10, 11, 34, 35, 38, 40,
                                        41, 43, 44, 49, 52, 54, 55, 56, 97};
  return std::find(std::begin(kReserved), std::end(kReserved), t) != std::end(kReserved);
}

void parse_limits(Table& t, risk::Limits& l) {
  l.max_order_qty = t.integer("max_order_qty", 0, kI64Max);
  l.max_order_notional = t.scaled("max_order_notional", 6, 0, "(micro-units)");
  const bool pct = t.has("price_collar_pct"), bps = t.has("price_collar_bps");
  if (pct && bps) t.error("price_collar_bps", "set price_collar_pct or price_collar_bps, not both");
  // 1% = 100 bps, so a percentage scaled by 10^2 is exactly its bps.
  if (pct) l.price_collar_bps = t.scaled("price_collar_pct", 2, 0, "(1 bp = 0.01%)");
  if (bps) l.price_collar_bps = t.integer("price_collar_bps", 0, kI64Max);
  l.typical_size_multiple = t.real("typical_size_multiple", 0.0);
  l.typical_size_seed = t.integer("typical_size_seed", 1, kI64Max);
  l.max_cum_qty_window = t.integer("max_cum_qty_window", 0, kI64Max);
  l.max_cum_qty_day = t.integer("max_cum_qty_day", 0, kI64Max);
  l.max_open_orders = t.integer("max_open_orders", 0, kI64Max);
  l.max_open_notional = t.scaled("max_open_notional", 6, 0, "(micro-units)");
  l.max_net_position = t.integer("max_net_position", 0, kI64Max);
  l.max_gross_notional_day = t.scaled("max_gross_notional_day", 6, 0, "(micro-units)");
  l.max_account_orders_per_sec = t.integer("max_account_orders_per_sec", 0, kI64Max);
}

template <typename T>
void set_u32(Table& t, std::string_view key, T& out, std::int64_t min) {
  if (auto v = t.integer(key, min, kU32Max)) out = static_cast<T>(*v);
}
void set_i64(Table& t, std::string_view key, std::int64_t& out, std::int64_t min) {
  if (auto v = t.integer(key, min, kI64Max)) out = *v;
}

// A real number >= 0 (0 switches the setting off), with that in the error.
std::optional<double> non_negative_real(Table& t, std::string_view key) {
  const std::optional<double> v = t.real(key, -1e300);
  if (v && *v < 0) {
    t.error(key, "must be >= 0, got " + std::to_string(*v));
    return std::nullopt;
  }
  return v;
}

// [risk.flow] and its [[risk.flow.rule]]s: the flow envelope.
void parse_flow(Table& t, risk::FlowEnvelope& f) {
  set_i64(t, "warmup_ms", f.warmup_ms, 0);
  set_i64(t, "baseline_window_ms", f.baseline_window_ms, 1);
  set_i64(t, "throttle_orders_per_sec", f.throttle_orders_per_sec, 1);
  set_i64(t, "throttle_ms", f.throttle_ms, 1);
  int n = 0;
  for (auto& rt : t.table_array("rule", "risk.flow.rule")) {
    risk::FlowRule fr;
    fr.name = "risk.flow.rule[" + std::to_string(n++) + "]";
    rt.set_where(fr.name);
    const std::string metric = rt.req_str("metric");
    if (auto m = detail::value_named(detail::kFlowMetricNames, metric)) {
      fr.metric = *m;
    } else if (!metric.empty()) {
      rt.error("metric",
               "must be exec_qty, exec_notional, net_qty, symbol_net_qty, orders or "
               "fills, got " +
                   dq(metric));
    }
    const std::string action = rt.req_str("action");
    if (auto a = detail::value_named(detail::kFlowActionNames, action)) {
      fr.action = *a;
    } else if (!action.empty()) {
      rt.error("action", "must be refuse, throttle or kill, got " + dq(action));
    }
    if (auto v = rt.req_integer("window_ms", 100, 80'000)) fr.window_ms = *v;
    // Notional limits are in currency units like every other notional.
    if (fr.metric == risk::FlowMetric::kExecNotional) {
      if (auto v = rt.scaled("limit", 6, 0, "(micro-units)")) fr.limit = *v;
      if (auto v = rt.scaled("seed", 6, 0, "(micro-units)")) fr.seed = *v;
    } else {
      set_i64(rt, "limit", fr.limit, 0);
      set_i64(rt, "seed", fr.seed, 0);
    }
    if (auto v = non_negative_real(rt, "multiple")) fr.multiple = *v;
    if (auto v = non_negative_real(rt, "min_one_sided")) fr.min_one_sided = *v;
    rt.finish();
    f.rules.push_back(std::move(fr));
  }
  t.finish();
  // The compiler's own checks (ranges that depend on several keys) run here
  // too, so --check-config reports them with the file's name.
  try {
    (void)risk::flow::compile(f);
  } catch (const std::invalid_argument& e) {
    std::string what = e.what();
    const std::string prefix = "risk config: ";
    if (what.rfind(prefix, 0) == 0) what = what.substr(prefix.size());
    t.error("rule", what);
  }
}

void parse_risk(Reader& r, Table& t, risk::RiskConfig& rc, std::size_t session_count) {
  if (auto c = t.table("capacities")) {
    auto& k = rc.capacities;
    set_u32(*c, "max_accounts", k.max_accounts, 1);
    set_u32(*c, "max_symbols", k.max_symbols, 1);
    set_u32(*c, "max_sessions", k.max_sessions, 1);
    set_u32(*c, "max_parents", k.max_parents, 1);
    set_u32(*c, "max_open_orders", k.max_open_orders, 1);
    set_u32(*c, "max_cl_ord_ids", k.max_cl_ord_ids, 1);
    set_u32(*c, "max_account_symbols", k.max_account_symbols, 1);
    set_u32(*c, "max_session_symbols", k.max_session_symbols, 1);
    c->finish();
  }

  std::map<std::string, int> symbol_line;
  for (auto& s : t.table_array("symbol", "risk.symbol")) {
    risk::SymbolRef ref;
    ref.symbol = s.req_str("symbol");
    if (!ref.symbol.empty()) {
      s.set_where("risk.symbol " + dq(ref.symbol));
      if (!is_fix_token(ref.symbol)) s.error("symbol", "printable characters only, no spaces");
      auto [it, fresh] = symbol_line.emplace(ref.symbol, s.line());
      if (!fresh) {
        s.error("symbol", "duplicate symbol (first at line " + std::to_string(it->second) + ")");
      }
    }
    if (!s.has("reference_price"))
      s.error("reference_price", "required key missing");
    else if (auto p = s.scaled("reference_price", 6, 1, "(micro-units)"))
      ref.reference_price = *p;
    if (auto v = s.integer("lot_size", 1, kI64Max)) ref.lot_size = *v;
    if (auto v = s.boolean("restricted")) ref.restricted = *v;
    s.finish();
    rc.symbols.push_back(std::move(ref));
  }
  if (rc.symbols.empty()) {
    t.error("symbol",
            "at least one [[risk.symbol]] is required: orders for unknown symbols are "
            "refused");
  }

  std::map<std::string, int> account_line;
  for (auto& a : t.table_array("account", "risk.account")) {
    risk::AccountDef def;
    def.name = a.req_str("name");
    if (!def.name.empty()) {
      a.set_where("risk.account " + dq(def.name));
      if (!is_fix_token(def.name)) a.error("name", "printable characters only, no spaces");
      auto [it, fresh] = account_line.emplace(def.name, a.line());
      if (!fresh) {
        a.error("name", "duplicate account (first at line " + std::to_string(it->second) + ")");
      }
    }
    if (auto v = a.str_array("permitted_symbols")) {
      for (const auto& sym : *v) {
        if (!symbol_line.count(sym)) {
          a.error("permitted_symbols", dq(sym) + " is not a [[risk.symbol]]");
        }
      }
      def.permitted_symbols = std::move(*v);
    }
    a.finish();
    rc.accounts.push_back(std::move(def));
  }
  if (rc.accounts.empty()) {
    t.error("account",
            "at least one [[risk.account]] is required: orders for other accounts "
            "are refused");
  }

  // Both views of restriction stay consistent: the list and the per-symbol flag.
  if (auto v = t.str_array("restricted_symbols")) {
    for (const auto& sym : *v) {
      if (!symbol_line.count(sym)) {
        t.error("restricted_symbols", dq(sym) + " is not a [[risk.symbol]]");
      }
    }
    rc.restricted_symbols = std::move(*v);
  }
  for (auto& ref : rc.symbols) {
    const bool listed = std::find(rc.restricted_symbols.begin(), rc.restricted_symbols.end(),
                                  ref.symbol) != rc.restricted_symbols.end();
    if (ref.restricted && !listed) rc.restricted_symbols.push_back(ref.symbol);
    if (listed) ref.restricted = true;
  }

  if (auto d = t.table("defaults")) {
    parse_limits(*d, rc.defaults);
    d->finish();
  }

  std::set<std::pair<std::string, std::string>> seen_overrides;
  for (auto& o : t.table_array("override", "risk.override")) {
    risk::LimitOverride lo;
    if (auto v = o.str("account")) lo.account = *v;
    if (auto v = o.str("symbol")) lo.symbol = *v;
    if (lo.account.empty() && lo.symbol.empty()) {
      o.error("account", "an override needs an account, a symbol, or both");
    } else {
      std::string w = "risk.override";
      if (!lo.account.empty()) w += " account=" + dq(lo.account);
      if (!lo.symbol.empty()) w += " symbol=" + dq(lo.symbol);
      o.set_where(std::move(w));
    }
    if (!lo.account.empty() && !account_line.count(lo.account)) {
      o.error("account", dq(lo.account) + " is not a [[risk.account]]");
    }
    if (!lo.symbol.empty() && !symbol_line.count(lo.symbol)) {
      o.error("symbol", dq(lo.symbol) + " is not a [[risk.symbol]]");
    }
    if (!seen_overrides.emplace(lo.account, lo.symbol).second) {
      o.error(lo.account.empty() ? "symbol" : "account",
              "duplicate override for the same account and symbol");
    }
    parse_limits(o, lo.limits);
    o.finish();
    rc.overrides.push_back(std::move(lo));
  }

  if (auto s = t.table("session_rates")) {
    set_i64(*s, "max_orders_per_sec", rc.session_rates.max_orders_per_sec, 0);
    set_i64(*s, "max_messages_per_sec", rc.session_rates.max_messages_per_sec, 0);
    set_i64(*s, "max_cancels_per_sec", rc.session_rates.max_cancels_per_sec, 0);
    s->finish();
  }

  if (auto p = t.table("parent_child")) {
    auto& pc = rc.parent_child;
    for (auto key : {"parent_id_tag", "parent_qty_tag"}) {
      if (auto v = p->integer(key, 0, 99999)) {
        if (is_reserved_tag(*v)) {
          p->error(key, "tag " + std::to_string(*v) + " already has a meaning for riskgate");
        } else {
          (std::string_view(key) == "parent_id_tag" ? pc.parent_id_tag : pc.parent_qty_tag) =
              static_cast<std::uint32_t>(*v);
        }
      }
    }
    if ((pc.parent_id_tag == 0) != (pc.parent_qty_tag == 0)) {
      p->error(pc.parent_id_tag == 0 ? "parent_id_tag" : "parent_qty_tag",
               "set both parent_id_tag and parent_qty_tag, or neither (feature off)");
    } else if (pc.parent_id_tag != 0 && pc.parent_id_tag == pc.parent_qty_tag) {
      p->error("parent_qty_tag", "must differ from parent_id_tag");
    }
    if (auto v = p->real("max_sent_multiple", 0.0)) pc.max_sent_multiple = *v;
    p->finish();
  }

  if (auto th = t.table("throttles")) {
    auto& x = rc.throttles;
    set_i64(*th, "cum_qty_window_ms", x.cum_qty_window_ms, 1);
    set_i64(*th, "repeated_exec_max_fills", x.repeated_exec_max_fills, 0);
    set_i64(*th, "repeated_exec_window_ms", x.repeated_exec_window_ms, 1);
    set_i64(*th, "duplicate_max_identical", x.duplicate_max_identical, 0);
    set_i64(*th, "duplicate_window_ms", x.duplicate_window_ms, 1);
    set_i64(*th, "typical_size_min_history", x.typical_size_min_history, 0);
    th->finish();
  }

  if (auto ak = t.table("auto_kill")) {
    auto& x = rc.auto_kill;
    set_i64(*ak, "session_refusals", x.session_refusals, 0);
    set_i64(*ak, "session_refusals_window_ms", x.session_refusals_window_ms, 1);
    if (auto v = non_negative_real(*ak, "session_refusal_ratio")) {
      if (*v > 1.0) {
        ak->error("session_refusal_ratio", "must be 0..1 (a share of the session's orders)");
      } else {
        x.session_refusal_ratio = *v;
      }
    }
    if (auto v = non_negative_real(*ak, "account_breach_min_share")) {
      if (*v > 1.0) {
        ak->error("account_breach_min_share", "must be 0..1 (a share of the account's use)");
      } else {
        x.account_breach_min_share = *v;
      }
    }
    if (ak->has("on_quantity_multiplier_breach")) {
      ak->error("on_quantity_multiplier_breach",
                "was split: set on_parent_child_breach (children past their parent) and "
                "on_typical_size_breach (unit-error guard) instead");
    }
    if (auto v = ak->boolean("on_parent_child_breach")) x.on_parent_child_breach = *v;
    if (auto v = ak->boolean("on_typical_size_breach")) x.on_typical_size_breach = *v;
    if (auto v = ak->boolean("on_repeated_execution_throttle")) {
      x.on_repeated_execution_throttle = *v;
    }
    ak->finish();
  }

  if (auto fl = t.table("flow")) parse_flow(*fl, rc.flow);

  if (auto v = t.boolean("collar_follows_last_fill")) rc.collar_follows_last_fill = *v;
  t.finish();

  // The tables are sized once at start; config beyond them could never load.
  const auto& k = rc.capacities;
  if (rc.symbols.size() > k.max_symbols) {
    r.error(t.line(), "risk.capacities", "max_symbols",
            std::to_string(rc.symbols.size()) + " symbols configured, capacity " +
                std::to_string(k.max_symbols));
  }
  if (rc.accounts.size() > k.max_accounts) {
    r.error(t.line(), "risk.capacities", "max_accounts",
            std::to_string(rc.accounts.size()) + " accounts configured, capacity " +
                std::to_string(k.max_accounts));
  }
  if (session_count > k.max_sessions) {
    r.error(t.line(), "risk.capacities", "max_sessions",
            std::to_string(session_count) + " sessions configured, capacity " +
                std::to_string(k.max_sessions));
  }
}

}  // namespace

ConfigError::ConfigError(std::vector<std::string> errors)
    : std::runtime_error(join_lines(errors)), errors_(std::move(errors)) {}

std::string_view to_string(ConnectionType v) noexcept {
  return v == ConnectionType::kAcceptor ? "acceptor" : "initiator";
}
std::string_view to_string(BeginString v) noexcept {
  return v == BeginString::kFix42 ? "FIX.4.2" : "FIX.4.4";
}
std::string_view to_string(UnknownAppMessages v) noexcept {
  return v == UnknownAppMessages::kReject ? "reject" : "forward";
}
std::string_view to_string(OnUnapprovedIdentity v) noexcept {
  return v == OnUnapprovedIdentity::kRefuse ? "refuse" : "kill";
}
std::string_view to_string(AdminRole v) noexcept {
  return v == AdminRole::kOperator ? "operator" : "admin";
}

const SessionDef* Config::find_session(std::string_view name) const noexcept {
  for (const auto& s : sessions) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

namespace {

// parse_config's body; `keys_read`, when given, receives the loader's key list.
Config parse_document(std::string text, std::string source_name,
                      std::vector<std::string>* keys_read) {
  Config cfg;
  cfg.source_path = source_name;
  cfg.source_bytes = std::move(text);
  Reader r(std::move(source_name), cfg.source_bytes);
  const toml::table doc = r.parse();
  Table root(r, doc, "");

  if (auto g = root.table("gateway")) parse_gateway(*g, cfg.gateway);
  std::vector<KeyLines> key_lines;
  for (auto& s : root.table_array("session", "session")) {
    key_lines.emplace_back();
    cfg.sessions.push_back(parse_session(s, cfg.gateway, key_lines.back()));
  }
  check_sessions(r, cfg.sessions, key_lines);
  if (auto rk = root.table("risk")) {
    parse_risk(r, *rk, cfg.risk, cfg.sessions.size());
  } else {
    r.error(0, "", "risk", "required table [risk] missing (symbols, accounts and limits)");
  }
  root.finish();
  r.throw_if_errors();
  if (keys_read != nullptr) keys_read->assign(r.keys_read().begin(), r.keys_read().end());
  return cfg;
}

}  // namespace

Config parse_config(std::string text, std::string source_name) {
  return parse_document(std::move(text), std::move(source_name), nullptr);
}

std::vector<std::string> keys_read_by_loader(std::string text, std::string source_name) {
  std::vector<std::string> keys;
  (void)parse_document(std::move(text), std::move(source_name), &keys);
  return keys;
}

Config load_config(const std::filesystem::path& path) {
  return parse_config(read_file(path), path.string());
}

std::vector<AdminToken> parse_tokens(std::string text, std::string source_name) {
  Reader r(std::move(source_name), text);
  const toml::table doc = r.parse();
  Table root(r, doc, "");
  std::vector<AdminToken> out;
  std::map<std::string, std::string> by_secret;
  for (auto& t : root.table_array("token", "token")) {
    AdminToken tok;
    tok.name = t.req_str("name");
    if (!tok.name.empty()) t.set_where("token " + dq(tok.name));
    if (!t.has("role")) {
      t.error("role", "required key missing");
    } else if (auto v = t.str("role")) {
      if (*v == "operator")
        tok.role = AdminRole::kOperator;
      else if (*v == "admin")
        tok.role = AdminRole::kAdmin;
      else
        t.error("role", "must be \"operator\" or \"admin\", got " + dq(*v));
    }
    tok.token = t.req_str("token");
    if (!tok.token.empty() && tok.token.size() < 16) {
      t.error("token", "must be at least 16 characters");
    } else if (!tok.token.empty()) {
      auto [it, fresh] = by_secret.emplace(tok.token, tok.name);
      if (!fresh) t.error("token", "same secret as token " + dq(it->second));
    }
    t.finish();
    out.push_back(std::move(tok));
  }
  root.finish();
  r.throw_if_errors();
  return out;
}

std::vector<AdminToken> load_tokens(const std::filesystem::path& path) {
  return parse_tokens(read_file(path), path.string());
}

}  // namespace riskgate::config
