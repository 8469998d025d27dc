// One line per key, in the loader's order (config.cpp). A key the loader
// gains gets its line here: w.<type>("Key", field). Unset optionals go
// through w.off() or the optional overloads, which print "# Key: off".
#include "config/print_config.hpp"

#include "config/toml_writer.hpp"
#include "config/value_names.hpp"

namespace riskgate::config {

using detail::TomlWriter;

namespace {

// A string (mostly a file path) whose absence switches a feature off or widens a
// scope: the loader refuses an empty string for some of these, so unset is a comment.
void optional_str(TomlWriter& w, std::string_view key, const std::string& value,
                  std::string_view reason) {
  if (value.empty())
    w.off(key, reason);
  else
    w.str(key, value);
}

// An array of tables with no entry: "# [[name]]: none", where it would be.
void none(TomlWriter& w, std::string_view array_name) {
  w.blank();
  w.off("[[" + std::string(array_name) + "]]", "none");
}

std::vector<std::string> anomaly_names(std::uint8_t bits) {
  std::vector<std::string> out;
  for (const auto& [name, bit] : detail::kReportAnomalyNames) {
    if ((bits & bit) != 0) out.emplace_back(name);
  }
  return out;
}

// [gateway]'s trading day, and a [[session]]'s schedule (QuickFIX's keys).
void print_trading_day(TomlWriter& w, const schedule::Spec& day) {
  w.str("StartTime", schedule::format_time_of_day(day.start_s));
  w.str("TimeZone", day.zone.name());
}

void print_session_schedule(TomlWriter& w, const std::optional<schedule::Spec>& spec) {
  w.boolean("NonStopSession", !spec);
  if (!spec) {
    w.off("StartTime, EndTime, StartDay, EndDay, TimeZone", "off (NonStopSession)");
    return;
  }
  w.str("StartTime", schedule::format_time_of_day(spec->start_s));
  w.str("EndTime", schedule::format_time_of_day(spec->end_s));
  if (spec->start_day >= 0) {
    w.str("StartDay", schedule::weekday_name(spec->start_day));
    w.str("EndDay", schedule::weekday_name(spec->end_day));
  } else {
    w.off("StartDay, EndDay", "off (a daily schedule)");
  }
  w.str("TimeZone", spec->zone.name());
}

void print_gateway(TomlWriter& w, const GatewayDef& g) {
  w.table("gateway");
  w.integer("IoThreads", g.io_threads);
  w.boolean("BusyPoll", g.busy_poll);
  w.str("StateDir", g.state_dir);
  w.str("AuditLog", g.audit_log);
  w.integer("AuditDiskLowMiB", g.audit_disk_low_mib);
  w.integer("AuditDiskHardMiB", g.audit_disk_hard_mib);
  w.str("AdminListen", g.admin_host + ":" + std::to_string(g.admin_port));
  optional_str(w, "AdminTokensFile", g.admin_tokens_file,
               "off (the admin API refuses every request)");
  optional_str(w, "Manifest", g.manifest, "off (no deployed-version verification)");
  optional_str(w, "EngineSecretsFile", g.engine_secrets_file, "off (no engine passwords)");
  w.str("UnknownAppMessages", to_string(g.unknown_app_messages));
  w.integer("BuildDigestTag", g.build_digest_tag);
  w.boolean("OnKillCancelWorking", g.on_kill_cancel_working);
  w.strings("KillOnReportAnomaly", anomaly_names(g.kill_on_report_anomaly));
  w.str("KillFile", g.kill_file);
  w.boolean("Journal", g.journal);
  w.str("JournalFile", g.journal_file);
  w.str("JournalRingDir", g.journal_ring_dir);
  w.integer("JournalRingMiB", g.journal_ring_mib);
  w.str("JournalSync", detail::name_of(detail::kJournalSyncNames, g.journal_sync));
  w.integer("JournalSyncIntervalMs", g.journal_sync_interval_ms);
  w.integer("JournalRetentionDays", g.journal_retention_days);
  // Always a value: "" (off) and the default differ, and a reprint must load back the same.
  w.str("FileLogPath", g.file_log_path);
  w.integer("MessageLogRingMiB", g.message_log_ring_mib);
  w.integer("MessageLogRetentionDays", g.message_log_retention_days);
  w.integer("MessageLogDiskReserveMiB", g.message_log_disk_reserve_mib);
  w.integer("IoThreadCpu", g.io_thread_cpu);
  w.integer("JournalCpu", g.journal_cpu);
  w.integer("MessageLogCpu", g.message_log_cpu);
  w.integer("MaxWorkingOrders", g.max_working_orders);
  w.integer("MaxEndedOrders", g.max_ended_orders);
  w.integer("MaxPendingConnections", g.max_pending_connections);
  w.integer("MaxPendingPerAddress", g.max_pending_per_address);
  print_trading_day(w, g.trading_day);
}

void print_session(TomlWriter& w, const SessionDef& s) {
  w.array_table("session");
  w.str("Name", s.name);
  w.str("ConnectionType", to_string(s.connection_type));
  w.str("BeginString", to_string(s.begin_string));
  w.str("SenderCompID", s.sender_comp_id);
  w.str("TargetCompID", s.target_comp_id);
  w.integer("HeartBtInt", s.heart_bt_int);
  w.boolean("ResetOnLogon", s.reset_on_logon);
  w.integer("MaxLatency", s.max_latency_s);
  w.boolean("CheckLatency", s.check_latency);
  w.boolean("ResendApplication", s.resend_application);
  w.integer("MaxMessageSize", s.max_message_size);
  w.integer("LogonTimeout", s.logon_timeout_s);
  w.integer("LogoutTimeout", s.logout_timeout_s);
  w.integer("ResendRequestTimeout", s.resend_request_timeout_s);
  w.boolean("UseDataDictionary", s.use_data_dictionary);
  if (!s.use_data_dictionary)
    w.off("DataDictionary");
  else
    optional_str(w, "DataDictionary", s.data_dictionary, "built in (config/dict/)");
  w.boolean("ValidateFieldsOutOfOrder", s.validate_fields_out_of_order);
  w.boolean("ValidateUserDefinedFields", s.validate_user_defined_fields);
  w.boolean("AllowUnknownMsgFields", s.allow_unknown_msg_fields);
  w.boolean("ValidateFieldsHaveValues", true);  // The only value riskgate accepts.
  if (s.file_log_path)
    w.str("FileLogPath", *s.file_log_path);  // "" (off for this session) is a value too.
  else
    w.off("FileLogPath", "the [gateway] FileLogPath");
  print_session_schedule(w, s.schedule);
  if (s.connection_type == ConnectionType::kAcceptor) {
    w.str("SocketAcceptHost", s.socket_accept_host);
    w.integer("SocketAcceptPort", s.socket_accept_port);
    w.str("Route", s.route);
    w.str("ClOrdIDPrefix", s.cl_ord_id_prefix);
    w.boolean("CancelOnDisconnect", s.cancel_on_disconnect);
    w.boolean("LogoutOnKill", s.logout_on_kill);
    w.boolean("IdentityRequired", s.identity_required);
    w.str("OnUnapprovedIdentity", to_string(s.on_unapproved_identity));
    if (s.allowed_remote_addresses.empty()) {
      w.off("AllowedRemoteAddresses", "any address");
    } else {
      std::vector<std::string> texts;
      for (const auto& a : s.allowed_remote_addresses) texts.push_back(a.text);
      w.strings("AllowedRemoteAddresses", texts);
    }
  } else {
    w.str("SocketConnectHost", s.socket_connect_host);
    w.integer("SocketConnectPort", s.socket_connect_port);
    w.integer("ReconnectInterval", s.reconnect_interval_s);
    w.integer("MaxReconnectInterval", s.max_reconnect_interval_s);
    w.boolean("SupportsMassCancel", s.supports_mass_cancel);
    w.boolean("SupportsOrderStatus", s.supports_order_status);
    w.boolean("SupportsOrderMassStatus", s.supports_order_mass_status);
    w.integer("OrderStatusRequestsPerSecond", s.order_status_requests_per_second);
  }
}

// [risk.defaults] and each [[risk.override]]. Notionals are micro-units.
// Unset limits follow the writer's unset policy (off, or left out).
void print_limits(TomlWriter& w, const risk::Limits& l) {
  w.integer("max_order_qty", l.max_order_qty);
  w.decimal("max_order_notional", l.max_order_notional, 6);
  w.integer("price_collar_bps", l.price_collar_bps);
  w.real("typical_size_multiple", l.typical_size_multiple);
  w.integer("typical_size_seed", l.typical_size_seed);
  w.integer("max_cum_qty_window", l.max_cum_qty_window);
  w.integer("max_cum_qty_day", l.max_cum_qty_day);
  w.integer("max_open_orders", l.max_open_orders);
  w.decimal("max_open_notional", l.max_open_notional, 6);
  w.integer("max_net_position", l.max_net_position);
  w.decimal("max_gross_notional_day", l.max_gross_notional_day, 6);
  w.integer("max_account_orders_per_sec", l.max_account_orders_per_sec);
}

void print_flow(TomlWriter& w, const risk::FlowEnvelope& f) {
  w.table("risk.flow");
  w.integer("warmup_ms", f.warmup_ms);
  w.integer("baseline_window_ms", f.baseline_window_ms);
  w.integer("throttle_orders_per_sec", f.throttle_orders_per_sec);
  w.integer("throttle_ms", f.throttle_ms);
  if (f.rules.empty()) none(w, "risk.flow.rule");
  for (const auto& r : f.rules) {
    w.array_table("risk.flow.rule");
    w.str("metric", detail::name_of(detail::kFlowMetricNames, r.metric));
    w.str("action", detail::name_of(detail::kFlowActionNames, r.action));
    w.integer("window_ms", r.window_ms);
    // exec_notional's limit and seed are currency amounts, like every notional.
    if (r.metric == risk::FlowMetric::kExecNotional) {
      w.decimal("limit", r.limit, 6);
      w.decimal("seed", r.seed, 6);
    } else {
      w.integer("limit", r.limit);
      w.integer("seed", r.seed);
    }
    w.real("multiple", r.multiple);
    w.real("min_one_sided", r.min_one_sided);
  }
}

void print_risk(TomlWriter& w, const risk::RiskConfig& rc) {
  w.table("risk");
  w.boolean("collar_follows_last_fill", rc.collar_follows_last_fill);
  w.strings("restricted_symbols", rc.restricted_symbols);

  const auto& k = rc.capacities;
  w.table("risk.capacities");
  w.integer("max_accounts", k.max_accounts);
  w.integer("max_symbols", k.max_symbols);
  w.integer("max_sessions", k.max_sessions);
  w.integer("max_parents", k.max_parents);
  w.integer("max_open_orders", k.max_open_orders);
  w.integer("max_cl_ord_ids", k.max_cl_ord_ids);
  w.integer("max_account_symbols", k.max_account_symbols);
  w.integer("max_session_symbols", k.max_session_symbols);

  for (const auto& s : rc.symbols) {
    w.array_table("risk.symbol");
    w.str("symbol", s.symbol);
    w.decimal("reference_price", s.reference_price, 6);
    w.integer("lot_size", s.lot_size);
    w.boolean("restricted", s.restricted);
  }

  for (const auto& a : rc.accounts) {
    w.array_table("risk.account");
    w.str("name", a.name);
    if (a.permitted_symbols.empty())
      w.off("permitted_symbols", "every symbol");
    else
      w.strings("permitted_symbols", a.permitted_symbols);
  }

  w.table("risk.defaults");
  print_limits(w, rc.defaults);

  // An override sets what it names; the rest comes from the less specific
  // layers, so "off" would be wrong there.
  w.unset_policy(TomlWriter::Unset::kOmit);
  if (rc.overrides.empty()) none(w, "risk.override");
  for (const auto& o : rc.overrides) {
    w.array_table("risk.override");
    optional_str(w, "account", o.account, "any account");
    optional_str(w, "symbol", o.symbol, "any symbol");
    w.comment("limits not set here come from the less specific layers");
    print_limits(w, o.limits);
  }
  w.unset_policy(TomlWriter::Unset::kOff);

  w.table("risk.session_rates");
  w.integer("max_orders_per_sec", rc.session_rates.max_orders_per_sec);
  w.integer("max_messages_per_sec", rc.session_rates.max_messages_per_sec);
  w.integer("max_cancels_per_sec", rc.session_rates.max_cancels_per_sec);

  w.table("risk.parent_child");
  w.integer("parent_id_tag", rc.parent_child.parent_id_tag);
  w.integer("parent_qty_tag", rc.parent_child.parent_qty_tag);
  w.real("max_sent_multiple", rc.parent_child.max_sent_multiple);

  const auto& t = rc.throttles;
  w.table("risk.throttles");
  w.integer("cum_qty_window_ms", t.cum_qty_window_ms);
  w.integer("repeated_exec_max_fills", t.repeated_exec_max_fills);
  w.integer("repeated_exec_window_ms", t.repeated_exec_window_ms);
  w.integer("duplicate_max_identical", t.duplicate_max_identical);
  w.integer("duplicate_window_ms", t.duplicate_window_ms);
  w.integer("typical_size_min_history", t.typical_size_min_history);

  const auto& ak = rc.auto_kill;
  w.table("risk.auto_kill");
  w.integer("session_refusals", ak.session_refusals);
  w.integer("session_refusals_window_ms", ak.session_refusals_window_ms);
  w.real("session_refusal_ratio", ak.session_refusal_ratio);
  w.real("account_breach_min_share", ak.account_breach_min_share);
  w.boolean("on_parent_child_breach", ak.on_parent_child_breach);
  w.boolean("on_typical_size_breach", ak.on_typical_size_breach);
  w.boolean("on_repeated_execution_throttle", ak.on_repeated_execution_throttle);

  print_flow(w, rc.flow);
}

}  // namespace

std::string print_config(const Config& cfg, const PrintHeader& header) {
  TomlWriter w;
  w.comment("riskgate --print-config: the effective configuration, every default filled in.");
  w.comment("file:   " + header.source_path);
  w.comment("sha256: " + header.sha256);
  w.comment("build:  " + header.build_id);
  print_gateway(w, cfg.gateway);
  for (const auto& s : cfg.sessions) print_session(w, s);
  print_risk(w, cfg.risk);
  return w.text();
}

}  // namespace riskgate::config
