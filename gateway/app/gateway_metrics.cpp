// GET /metrics (issue 13): the Gateway's state in the Prometheus text format.
// Control thread only (the admin API's); it allocates and takes control_mu_,
// a control-plane lock the I/O thread never takes. Everything it reads from
// the order path is a counter or flag the I/O thread already publishes with
// a relaxed store (route and session counters, the risk engine's atomics,
// the latency histograms); the memory order and its pair are named where
// each is declared. Nothing here writes to order-path state.
//
// Naming: riskgate_<what>[_<unit>][_total]; counters end in _total; time is
// in seconds; notional in the config's currency units (as [risk] writes
// limits); quantities in shares/contracts. Every family is written with its
// HELP and TYPE even when it has no series yet, so a rule that names it
// always refers to something the endpoint exports (README "Metrics").
#include <array>
#include <atomic>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/app/gateway.hpp"
#include "gateway/app/gateway_slot.hpp"
#include "gateway/app/risk_status.hpp"
#include "gateway/control/build_info.hpp"
#include "gateway/control/metrics_text.hpp"

namespace riskgate::app {

using control::MetricsText;
using control::MetricType;

namespace {

constexpr MetricType kCounter = MetricType::kCounter;
constexpr MetricType kGauge = MetricType::kGauge;
constexpr double kMicros = 1e-6;  // risk::Micros -> currency units.

// The most specific value of a limit for (account, symbol), layered as the
// risk engine layers them: defaults < symbol < account < account+symbol.
// An empty symbol asks for the account-wide value (defaults < account),
// which the account counters (open orders, open notional, gross) are shown
// against.
template <typename T>
std::optional<T> limit_for(const risk::RiskConfig& c, std::string_view account,
                           std::string_view symbol, std::optional<T> risk::Limits::*field) {
  std::optional<T> v = c.defaults.*field;
  int best = -1;  // Specificity of the override that set v: 0 symbol, 1 account, 2 both.
  for (const risk::LimitOverride& o : c.overrides) {
    const bool acc = !o.account.empty(), sym = !o.symbol.empty();
    if ((acc && o.account != account) || (sym && (symbol.empty() || o.symbol != symbol))) continue;
    if (!acc && !sym) continue;
    const int rank = acc && sym ? 2 : acc ? 1 : 0;
    if ((o.limits.*field).has_value() && rank > best) {
      v = o.limits.*field;
      best = rank;
    }
  }
  return v;
}

std::string_view leg_name(const config::SessionDef& d) {
  return d.connection_type == config::ConnectionType::kInitiator ? "exchange" : "engine";
}

std::uint64_t load(const std::atomic<std::uint64_t>& c) {
  // Relaxed: pairs with the I/O thread's relaxed store of the counter (a
  // single writer); nothing else is read through it.
  return c.load(std::memory_order_relaxed);
}

}  // namespace

std::string Gateway::metrics() {
  std::lock_guard lock(control_mu_);  // cfg_.risk, config_sha256_ (reload writes them).
  MetricsText m;

  // --- Deployment: what runs, and whether the manifest approves it. -------
  m.family("riskgate_build_info", kGauge,
           "Always 1; the labels say what runs: version, build, binary and config digests. "
           "Instances of one fleet with different config_sha256 have drifted.");
  const std::string version = manifest_ ? manifest_->gateway.version : std::string("unmanaged");
  m.sample({{"instance", opts_.instance},
            {"version", version},
            {"build_id", control::build_id()},
            {"binary_sha256", binary_sha256_},
            {"config_sha256", config_sha256_}},
           std::uint64_t{1});
  m.family("riskgate_deployment_approved", kGauge,
           "1 when the manifest approves the running binary and config (or no manifest is "
           "configured: manifest=\"absent\"), 0 when it does not (the global kill holds).");
  // No reason label: free text would make a new series each time it changed
  // (resetting the alert's `for:` timer). The reason is in /status.
  m.sample({{"manifest", manifest_ ? "present" : "absent"}}, std::uint64_t{self_ok_ ? 1u : 0u});
  m.family("riskgate_engine_approved", kGauge,
           "Per engine session while logged on: 1 when the engine's declared identity is "
           "approved by the manifest, 0 when it is not (let in with its kill engaged).");
  for (auto& s : slots_) {
    if (!s || s->leg == nullptr) continue;
    control::EngineIdentityView id;
    const auto st = static_cast<session::State>(s->state.load(std::memory_order_relaxed));
    if (st == session::State::kActive && s->identity.read(id)) {
      m.sample({{"session", s->def->name}, {"app_name", id.app_name}, {"version", id.version}},
               std::uint64_t{id.approved ? 1u : 0u});
    }
  }

  // --- Sessions, both legs. ------------------------------------------------
  static constexpr session::State kStates[] = {
      session::State::kDisconnected, session::State::kAwaitingLogon, session::State::kLogonSent,
      session::State::kActive, session::State::kLogoutSent};
  m.family("riskgate_session_up", kGauge, "1 while the FIX session is logged on, else 0.");
  for (auto& s : slots_) {
    if (!s) continue;
    const auto st = static_cast<session::State>(s->state.load(std::memory_order_relaxed));
    m.sample({{"session", s->def->name}, {"leg", leg_name(*s->def)}},
             std::uint64_t{st == session::State::kActive ? 1u : 0u});
  }
  m.family("riskgate_session_state", kGauge,
           "1 for the session's current state (disconnected, awaiting-logon, logon-sent, "
           "active, logout-sent), 0 for the others.");
  for (auto& s : slots_) {
    if (!s) continue;
    const auto st = static_cast<session::State>(s->state.load(std::memory_order_relaxed));
    for (const session::State k : kStates) {
      m.sample(
          {{"session", s->def->name}, {"leg", leg_name(*s->def)}, {"state", session::to_string(k)}},
          std::uint64_t{st == k ? 1u : 0u});
    }
  }
  struct StatFamily {
    const char* name;
    const char* help;
    const RelaxedCounter session::Stats::*field;
  };
  static constexpr StatFamily kStats[] = {
      {"riskgate_session_messages_received_total",
       "FIX messages received on the session (admin and application).",
       &session::Stats::messages_in},
      {"riskgate_session_messages_sent_total",
       "FIX messages sent on the session (admin and application).", &session::Stats::messages_out},
      {"riskgate_session_rejects_sent_total", "Session-level Rejects (35=3) sent to the peer.",
       &session::Stats::rejects_sent},
      {"riskgate_session_rejects_received_total",
       "Session-level Rejects (35=3) received from the peer.", &session::Stats::rejects_received},
      {"riskgate_session_resend_requests_sent_total",
       "ResendRequests sent: gaps in what the peer sent.", &session::Stats::resend_requests_sent},
      {"riskgate_session_resend_requests_served_total",
       "ResendRequests from the peer that were answered.", &session::Stats::resend_requests_served},
      {"riskgate_session_heartbeats_missed_total",
       "TestRequests sent because the peer was silent past its heartbeat interval.",
       &session::Stats::test_requests_sent},
      {"riskgate_session_garbled_messages_total",
       "Garbled input dropped (bad BodyLength/CheckSum, out-of-order header fields).",
       &session::Stats::garbled},
  };
  for (const StatFamily& f : kStats) {
    m.family(f.name, kCounter, f.help);
    for (auto& s : slots_) {
      if (!s || !s->session) continue;
      // RelaxedCounter::get: relaxed, pairs with the session's relaxed store.
      m.sample({{"session", s->def->name}, {"leg", leg_name(*s->def)}},
               (s->session->stats().*(f.field)).get());
    }
  }

  // --- Orders on the engine legs, refusals by rule. -------------------------
  struct LegFamily {
    const char* name;
    const char* help;
    std::atomic<std::uint64_t> route::ClientLeg::Counters::*field;
  };
  static constexpr LegFamily kLeg[] = {
      {"riskgate_orders_received_total",
       "New, replace and cancel requests received from the engine.",
       &route::ClientLeg::Counters::orders_in},
      {"riskgate_orders_forwarded_total",
       "New orders and replaces that passed every check and went to the exchange.",
       &route::ClientLeg::Counters::forwarded},
      {"riskgate_cancel_requests_received_total",
       "Cancel requests received from the engine (also in riskgate_orders_received_total).",
       &route::ClientLeg::Counters::cancels},
      {"riskgate_execution_reports_sent_total",
       "Exchange reports relayed to the engine (riskgate's own rejects are "
       "counted in riskgate_orders_refused_total instead).",
       &route::ClientLeg::Counters::reports_out},
      {"riskgate_requests_refused_total",
       "Requests refused, by any rule or by data-dictionary validation.",
       &route::ClientLeg::Counters::refused},
  };
  for (const LegFamily& f : kLeg) {
    m.family(f.name, kCounter, f.help);
    for (auto& s : slots_) {
      if (s && s->leg != nullptr)
        m.sample({{"session", s->def->name}}, load(s->leg->counters.*(f.field)));
    }
  }
  m.family("riskgate_orders_refused_total", kCounter,
           "Requests refused by riskgate's rules (risk checks, kill switch, schedule, restart), "
           "by rule id as in the reject text.");
  for (auto& s : slots_) {
    if (!s || s->leg == nullptr) continue;
    const auto& by_rule = s->leg->counters.refused_by_rule;
    for (std::size_t r = 1; r < by_rule.size(); ++r) {
      m.sample({{"session", s->def->name}, {"rule", risk::rule_name(static_cast<risk::RuleId>(r))}},
               by_rule[r].get());
    }
  }

  // --- The exchange legs. ----------------------------------------------------
  struct GroupFamily {
    const char* name;
    const char* help;
    std::atomic<std::uint64_t> route::RouteGroup::Counters::*field;
  };
  static constexpr GroupFamily kGroup[] = {
      {"riskgate_exchange_reports_received_total", "Execution reports received from the exchange.",
       &route::RouteGroup::Counters::reports_in},
      {"riskgate_exchange_fills_total", "Execution reports that added traded quantity to an order.",
       &route::RouteGroup::Counters::fills},
      {"riskgate_exchange_filled_shares_total", "Quantity traded, summed over those reports.",
       &route::RouteGroup::Counters::filled_qty},
      {"riskgate_exchange_reports_rejected_total",
       "Exchange messages refused by validation (not acted on).",
       &route::RouteGroup::Counters::reports_rejected},
      {"riskgate_exchange_rejects_total",
       "Exchange Rejects (35=3 / 35=j) relayed to the engine that owned the order.",
       &route::RouteGroup::Counters::exchange_rejects},
      {"riskgate_exchange_unroutable_reports_total",
       "Exchange reports that could not be routed to an engine.",
       &route::RouteGroup::Counters::unroutable},
      {"riskgate_kill_cancels_sent_total", "Cancels sent by kill switches.",
       &route::RouteGroup::Counters::kill_cancels},
      {"riskgate_exchange_overfills_total",
       "Executions beyond the order quantity (a report anomaly).",
       &route::RouteGroup::Counters::overfills},
      {"riskgate_exchange_unknown_order_reports_total",
       "Reports for no order riskgate knows (a report anomaly).",
       &route::RouteGroup::Counters::unknown_orders},
      {"riskgate_exchange_foreign_reports_total",
       "Reports naming another session's order, not forwarded (a report anomaly).",
       &route::RouteGroup::Counters::foreign_reports},
  };
  for (const GroupFamily& f : kGroup) {
    m.family(f.name, kCounter, f.help);
    for (auto& s : slots_) {
      if (s && s->leg == nullptr && s->group != nullptr)
        m.sample({{"session", s->def->name}}, load(s->group->counters.*(f.field)));
    }
  }
  m.family("riskgate_exchange_reconciling", kGauge,
           "1 while new orders on this exchange leg wait for the exchange to resend what it "
           "sent during a restart (refused with rule reconciling).");
  for (auto& s : slots_) {
    if (s && s->leg == nullptr && s->group != nullptr)
      m.sample({{"session", s->def->name}}, std::uint64_t{s->group->reconciling() ? 1u : 0u});
  }
  m.family("riskgate_order_step_duration_seconds", MetricType::kHistogram,
           "One order step (an engine's New, Replace or Cancel from its receipt by the route to "
           "its forward or refusal), sampled every Nth order on the I/O thread.");
  {
    std::array<double, LatencyHistogram::kBoundsNs.size()> bounds{};
    for (std::size_t i = 0; i < bounds.size(); ++i)
      // Divided, not multiplied by 1e-9: the quotient is the double nearest
      // the bound, so le reads "1e-07", not "1.0000000000000001e-07".
      bounds[i] = static_cast<double>(LatencyHistogram::kBoundsNs[i]) / 1e9;
    for (auto& s : slots_) {
      if (!s || s->leg != nullptr || s->group == nullptr) continue;
      // One histogram per route group, each written by its group's I/O thread.
      const LatencyHistogram::Snapshot h = s->group->latency.read();
      m.histogram({{"exchange", s->def->name}}, bounds, h.buckets,
                  static_cast<double>(h.sum_ns) / 1e9);
    }
  }

  // --- Accounts against their limits. ----------------------------------------
  // Each usage beside the limit it is held to, so an alert can take the
  // ratio. `scale` turns the engine's units into the metric's.
  struct AccountFamily {
    const char* name;
    const char* help;
    const char* limit_help;
    std::int64_t risk::AccountUsage::*usage;
    std::optional<std::int64_t> risk::Limits::*limit;
    double scale;
  };
  static constexpr AccountFamily kAccount[] = {
      {"riskgate_account_open_orders", "Orders working for the account.",
       "max_open_orders for the account (account override, else default); absent: no limit.",
       &risk::AccountUsage::open_orders, &risk::Limits::max_open_orders, 1.0},
      {"riskgate_account_open_notional",
       "Notional of the account's working orders, in currency units.",
       "max_open_notional for the account, in currency units; absent: no limit.",
       &risk::AccountUsage::open_notional, &risk::Limits::max_open_notional, kMicros},
      {"riskgate_account_gross_traded_notional",
       "The trading day's gross notional for the account (working plus traded), in currency "
       "units.",
       "max_gross_notional_day for the account, in currency units; absent: no limit.",
       &risk::AccountUsage::gross_notional_day, &risk::Limits::max_gross_notional_day, kMicros},
  };
  std::vector<risk::AccountUsage> usage;
  usage.reserve(cfg_.risk.accounts.size());
  for (const auto& a : cfg_.risk.accounts) usage.push_back(engine_->account_usage(a.name));
  for (const AccountFamily& f : kAccount) {
    m.family(f.name, kGauge, f.help);
    for (std::size_t i = 0; i < usage.size(); ++i) {
      m.sample({{"account", cfg_.risk.accounts[i].name}},
               static_cast<double>(usage[i].*(f.usage)) * f.scale);
    }
    m.family(std::string(f.name) + "_limit", kGauge, f.limit_help);
    for (const auto& a : cfg_.risk.accounts) {
      if (auto v = limit_for(cfg_.risk, a.name, {}, f.limit))
        m.sample({{"account", a.name}}, static_cast<double>(*v) * f.scale);
    }
  }
  const std::vector<risk::PositionRow> positions = engine_->positions();
  m.family("riskgate_account_position", kGauge,
           "Net position per account and symbol in shares (buy > 0), for every pair that traded.");
  for (const auto& p : positions)
    m.sample({{"account", p.account}, {"symbol", p.symbol}}, p.usage.position);
  m.family("riskgate_account_position_limit", kGauge,
           "max_net_position (|net|) per account and symbol in shares; absent: no limit.");
  for (const auto& p : positions) {
    if (auto v = limit_for(cfg_.risk, p.account, p.symbol, &risk::Limits::max_net_position))
      m.sample({{"account", p.account}, {"symbol", p.symbol}}, *v);
  }

  // --- Kill switches. ----------------------------------------------------------
  m.family("riskgate_kill_engaged", kGauge,
           "1 while a kill switch is engaged: global, per exchange session, per engine session "
           "and per account always shown; per symbol only while engaged.");
  const risk::KillSwitchBoard& kills = engine_->kills();
  m.sample({{"scope", "global"}, {"target", ""}},
           std::uint64_t{kills.engaged(risk::KillScope::kGlobal, 0) ? 1u : 0u});
  for (auto& s : slots_) {
    if (!s) continue;
    const bool engine = s->leg != nullptr;
    const bool on =
        kills.engaged(engine ? risk::KillScope::kClientSession : risk::KillScope::kExchangeSession,
                      static_cast<std::uint32_t>(s->index));
    m.sample({{"scope", control::to_string(engine ? control::Scope::kClientSession
                                                  : control::Scope::kExchangeSession)},
              {"target", s->def->name}},
             std::uint64_t{on ? 1u : 0u});
  }
  for (const auto& a : cfg_.risk.accounts) {
    const auto idx = engine_->account_index(a.name);
    const bool on = idx && kills.engaged(risk::KillScope::kAccount, *idx);
    m.sample({{"scope", "account"}, {"target", a.name}}, std::uint64_t{on ? 1u : 0u});
  }
  for (const auto& y : cfg_.risk.symbols) {
    const auto idx = engine_->symbol_index(y.symbol);
    if (idx && kills.engaged(risk::KillScope::kSymbol, *idx))
      m.sample({{"scope", "symbol"}, {"target", y.symbol}}, std::uint64_t{1});
  }

  // --- Audit and journal health. -----------------------------------------------
  m.family("riskgate_audit_healthy", kGauge,
           "1 while the audit log accepts records; 0 fails closed (new orders refused).");
  m.sample({}, std::uint64_t{audit_log_->healthy() ? 1u : 0u});
  m.family("riskgate_audit_disk_low", kGauge,
           "1 while free space under the audit log is below AuditDiskLowMiB (the warning "
           "watermark; below AuditDiskHardMiB the log turns unhealthy).");
  m.sample({}, std::uint64_t{audit_log_->disk_low() ? 1u : 0u});
  m.family("riskgate_audit_records_refused_total", kCounter,
           "Audit records the order path could not queue (ring full or log unhealthy).");
  m.sample({}, producer_->refused());
  m.family("riskgate_journal_enabled", kGauge,
           "1 when the durable journal is on ([gateway] Journal).");
  m.sample({}, std::uint64_t{durable_ ? 1u : 0u});
  m.family("riskgate_journal_healthy", kGauge,
           "1 while the journal takes records; 0 fails closed. Absent when the journal is off.");
  if (durable_) m.sample({}, std::uint64_t{durable_->healthy() ? 1u : 0u});
  m.family("riskgate_journal_append_failures_total", kCounter,
           "Records the journal could not take (an order step refused for a full ring "
           "counts here).");
  if (durable_) m.sample({}, durable_->append_failures());
  m.family("riskgate_journal_day_files_total", kCounter,
           "Trading days the journal has split into a file of their own (<file>.<day>).");
  if (durable_) m.sample({}, durable_->journal().files_rolled());
  m.family("riskgate_journal_day_roll_failures_total", kCounter,
           "Day rolls that could not start a new file (the old one went on, nothing lost): "
           "the day's carry did not fit the ring, or the new file could not be written.");
  if (durable_) m.sample({}, durable_->journal().roll_failures() + durable_->carry_failures());
  m.family("riskgate_journal_day_files_removed_total", kCounter,
           "Day files deleted by day rolls for being older than [gateway] JournalRetentionDays.");
  if (durable_) m.sample({}, durable_->journal().day_files_removed());
  // The FIX message logs are records a regulator may ask for (MiFID II RTS
  // 6 art. 17): a gap or a failed write is an alert, never a stall.
  m.family("riskgate_message_log_enabled", kGauge,
           "1 when the FIX message logs are on ([gateway] FileLogPath not empty).");
  m.sample({}, std::uint64_t{msglog_ ? 1u : 0u});
  m.family("riskgate_message_log_lines_total", kCounter,
           "Lines the message-log writer has written. Absent when the logs are off.");
  if (msglog_) m.sample({}, msglog_->lines_written());
  m.family("riskgate_message_log_dropped_total", kCounter,
           "Messages left out of the logs because the writer fell a whole ring behind (each "
           "gap is marked in the file).");
  if (msglog_) m.sample({}, msglog_->dropped());
  m.family("riskgate_message_log_write_errors_total", kCounter,
           "Failed writes of the message-log files (disk full, I/O error).");
  if (msglog_) m.sample({}, msglog_->write_errors());
  m.family("riskgate_message_log_lines_lost_total", kCounter,
           "Lines drained from the ring but not written: failed writes, and lines held back "
           "while free space was below MessageLogDiskReserveMiB.");
  if (msglog_) m.sample({}, msglog_->lines_lost());
  m.family("riskgate_message_log_below_disk_reserve", kGauge,
           "1 while the logs' filesystem is below MessageLogDiskReserveMiB (the logs pause so "
           "the audit log keeps its space).");
  if (msglog_) m.sample({}, std::uint64_t{msglog_->below_disk_reserve() ? 1u : 0u});

  // --- Risk tables. --------------------------------------------------------------
  const risk::TableUsage tables = engine_->table_usage();
  m.family("riskgate_risk_table_entries", kGauge, "Rows used in the risk engine's fixed tables.");
  for (const TableLevel& t : table_levels(tables))
    m.sample({{"table", t.table}}, std::uint64_t{t.used});
  m.family("riskgate_risk_table_capacity", kGauge,
           "Capacity of each fixed table ([risk.capacities]); a full table refuses new orders.");
  for (const TableLevel& t : table_levels(tables))
    m.sample({{"table", t.table}}, std::uint64_t{t.capacity});

  return m.take();
}

}  // namespace riskgate::app
