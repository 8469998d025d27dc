#include "gateway/app/gateway.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "common/thread_placement.hpp"
#include "gateway/app/console.hpp"
#include "gateway/app/gateway_slot.hpp"
#include "gateway/app/session_config.hpp"
#include "gateway/codec/tags.hpp"
#include "gateway/control/build_info.hpp"
#include "gateway/control/private_file.hpp"
#include "gateway/control/published_identity.hpp"
#include "gateway/control/types.hpp"
#include "gateway/net/tcp_connection.hpp"
#include "gateway/session/memory_store.hpp"
#include "risk/snapshot.hpp"

namespace riskgate::app {

namespace asio = boost::asio;
using control::Scope;
using detail::kCancelWireBytes;
using detail::kExchangeTxCapacity;
using detail::kLatencySampleEvery;
using detail::kTick;
using detail::rx_capacity_for;

namespace {

class SystemClock final : public session::Clock {
 public:
  std::int64_t steady_ns() const noexcept override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  std::int64_t utc_ns() const noexcept override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

risk::KillScope to_risk(Scope s) noexcept {
  switch (s) {
    case Scope::kGlobal:
      return risk::KillScope::kGlobal;
    case Scope::kExchangeSession:
      return risk::KillScope::kExchangeSession;
    case Scope::kClientSession:
      return risk::KillScope::kClientSession;
    case Scope::kAccount:
      return risk::KillScope::kAccount;
    case Scope::kSymbol:
      return risk::KillScope::kSymbol;
  }
  return risk::KillScope::kGlobal;
}

}  // namespace

// Audit records from the I/O thread go to the AuditLog's lock-free ring.
class Gateway::Sink final : public route::AuditSink {
 public:
  explicit Sink(audit::AuditProducer& p) : p_(p) {}
  bool try_record(const audit::AuditRecord& r) noexcept override { return p_.try_record(r); }

 private:
  audit::AuditProducer& p_;
};

// config keeps KillOnReportAnomaly as the route's bits (it does not link it).
static_assert(route::kKillOnOverfill == 1 && route::kKillOnForeign == 2 &&
              route::kKillOnUnknown == 4);

namespace {

// What the constructor and --check-config both check before anything is
// opened: the config, the CPUs it names, and the files it points at.
struct CheckedConfig {
  config::Config cfg;
  std::optional<config::Manifest> manifest;
  std::vector<control::ApiToken> api_tokens;
};

CheckedConfig load_checked(const Options& opts) {
  CheckedConfig c;
  c.cfg = config::load_config(opts.config_path);
  if (c.cfg.gateway.io_threads != 1) {
    throw std::runtime_error(opts.config_path +
                             ": IoThreads: this release runs one I/O thread; set IoThreads = 1");
  }
  // Checked here, at setup, so a CPU this process may not use stops the
  // start with its key; the threads then pin themselves.
  for (const auto& [key, cpu] : {std::pair{"IoThreadCpu", c.cfg.gateway.io_thread_cpu},
                                 std::pair{"JournalCpu", c.cfg.gateway.journal_cpu},
                                 std::pair{"MessageLogCpu", c.cfg.gateway.message_log_cpu}}) {
    if (!cpu_allowed(cpu))
      throw std::runtime_error(opts.config_path + ": [gateway] " + key + " = " +
                               std::to_string(cpu) +
                               ": not a CPU this process may run on (see taskset -p, the "
                               "cpuset, or -1 to leave the thread unpinned)");
  }
  if (!c.cfg.gateway.manifest.empty()) c.manifest = config::load_manifest(c.cfg.gateway.manifest);
  // Secret files are checked here, not only where they are read, so that
  // --check-config reports them too.
  if (!c.cfg.gateway.admin_tokens_file.empty()) {
    control::require_private_file(c.cfg.gateway.admin_tokens_file, "AdminTokensFile");
    c.api_tokens = control::load_api_tokens(c.cfg.gateway.admin_tokens_file);
  }
  return c;
}

}  // namespace

void Gateway::check_config(const Options& opts) {
  const CheckedConfig c = load_checked(opts);
  // The limits the risk engine's constructor compiles first (a start runs
  // this in risk::Engine's constructor), and the manifest's retired values.
  (void)risk::detail::compile(c.cfg.risk, nullptr, 1);
  if (c.manifest) {
    route::RetiredValues retired;
    for (const auto& r : c.manifest->retired) retired.add(r.tag, r.value);
  }
  (void)EngineAuth(c.cfg);  // Reads and checks the engine secrets.
  DictionarySet dicts(config_read_tags(c.cfg, c.manifest ? &*c.manifest : nullptr));
  for (const auto& d : c.cfg.sessions) (void)dicts.for_session(d);
}

Gateway::Gateway(Options opts) : opts_(std::move(opts)) {
  CheckedConfig checked = load_checked(opts_);
  cfg_ = std::move(checked.cfg);
  manifest_ = std::move(checked.manifest);
  api_tokens_ = std::move(checked.api_tokens);
  if (manifest_)
    for (const auto& r : manifest_->retired) retired_.add(r.tag, r.value);
  engine_auth_ = std::make_unique<EngineAuth>(cfg_);
  for (const auto& w : engine_auth_->warnings()) warnings_.push_back(w);
  // With one I/O thread every mutation of the risk counters comes from it
  // (restore_orders() below runs before it starts): one writer, no
  // lock-prefixed RMWs. More I/O threads would need WriterThreads::kMany.
  engine_ = std::make_unique<risk::Engine>(cfg_.risk, cfg_.gateway.io_threads == 1
                                                          ? risk::WriterThreads::kOne
                                                          : risk::WriterThreads::kMany);
  clock_ = std::make_unique<SystemClock>();

  control::AuditLog::Options ao;
  ao.path = cfg_.gateway.audit_log;
  ao.disk_low_bytes = std::uint64_t{cfg_.gateway.audit_disk_low_mib} << 20;
  ao.disk_hard_bytes = std::uint64_t{cfg_.gateway.audit_disk_hard_mib} << 20;
  audit_log_ = std::make_unique<control::AuditLog>(ao);
  producer_ = &audit_log_->add_producer("io-0");
  sink_ = std::make_unique<Sink>(*producer_);

  io_ = std::make_unique<net::IoThread>(
      cfg_.gateway.busy_poll ? net::IdleMode::kBusyPoll : net::IdleMode::kSleep,
      [this] { drain_commands(); }, cfg_.gateway.io_thread_cpu);
  open_journal();
  open_message_log();
  build_sessions();
  verify_self();
  restore_kills();
  restore_orders();
}

void Gateway::open_journal() {
  if (!cfg_.gateway.journal) return;
  const schedule::Schedule day(cfg_.gateway.trading_day);
  const auto today = static_cast<std::uint32_t>(day.period_at(clock_->utc_ns()).number);
  durable_ = std::make_unique<DurableState>(cfg_.gateway, today, *clock_);
  const auto& rep = durable_->journal().open_report();
  if (rep.torn_tail)
    warnings_.push_back("journal " + durable_->file() + ": torn tail cut at offset " +
                        std::to_string(rep.torn_offset) + " (" + std::to_string(rep.dropped_bytes) +
                        " bytes dropped)");
  for (const auto& n : rep.ring_notes) warnings_.push_back("journal ring: " + n);
  if (!rep.archived_cut_error.empty())
    warnings_.push_back("journal " + durable_->file() +
                        ": the previous day's file keeps records after its roll (the live file "
                        "holds them too): " +
                        rep.archived_cut_error);
}

void Gateway::restore_orders() {
  if (!durable_) return;
  std::vector<DurableState::Target> targets;
  for (auto& s : slots_) {
    if (!s) continue;
    DurableState::Target t;
    t.name = s->def->name;
    if (s->connector) t.group = s->group;
    t.leg = s->leg;
    targets.push_back(std::move(t));
  }
  const schedule::Schedule day(cfg_.gateway.trading_day);
  const auto today = static_cast<std::uint32_t>(day.period_at(clock_->utc_ns()).number);
  restored_ = durable_->restore_orders(targets, *engine_, today);
  const auto& rec = durable_->recovered();
  if (rec.scan.records != 0) {
    warnings_.push_back(
        "journal " + durable_->file() + ": " + std::to_string(rec.scan.records) +
        " records read; " + std::to_string(restored_.working) + " working orders restored from " +
        std::to_string(restored_.events) + " order events" +
        (restored_.skipped != 0 ? " (" + std::to_string(restored_.skipped) + " events skipped)"
                                : std::string()) +
        (restored_.working != 0 ? "; new orders wait until the exchange has caught up (reconciling)"
                                : std::string()) +
        (restored_.day_rolled ? "; the trading day rolled while down" : ""));
  }
}

Gateway::~Gateway() {
  stop();
}

void Gateway::build_sessions() {
  const auto& sessions = cfg_.sessions;
  slots_.resize(sessions.size());
  // 16 MB of sent messages per session answer ResendRequests; with the
  // journal on they also hold what the previous process sent.
  auto make_store = [this](std::size_t i, const std::string& name, journal::Leg leg) {
    auto mem = std::make_unique<session::MemoryStore>(16 * 1024 * 1024);
    if (!durable_) return std::unique_ptr<session::MessageStore>(std::move(mem));
    // A scheduled session whose StartTime passed while riskgate was down
    // starts its new period at 1, as it would have live (route::TradingDay).
    std::int64_t period_start = std::numeric_limits<std::int64_t>::min();
    if (const auto& spec = cfg_.sessions[i].schedule)
      period_start = schedule::Schedule(*spec).period_at(clock_->utc_ns()).start_ns;
    // A session that never replays application messages keeps them only in
    // the journal ring (JournaledStore::Copies): one copy per order, not two.
    return durable_->make_store(static_cast<std::uint16_t>(i), name, leg, std::move(mem),
                                period_start,
                                JournaledStore::copies_for(cfg_.sessions[i].resend_application));
  };
  // Loaded (or taken from the binary) once per distinct dictionary; a bad
  // DataDictionary stops the start with the session's name and the reason.
  DictionarySet dicts(config_read_tags(cfg_, manifest_ ? &*manifest_ : nullptr));
  route::TranslateConfig tc;
  tc.parent_id_tag = cfg_.risk.parent_child.parent_id_tag;
  tc.parent_qty_tag = cfg_.risk.parent_child.parent_qty_tag;
  tc.retired = &retired_;

  // Exchange sessions first: each is a route group.
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    const auto& d = sessions[i];
    if (d.connection_type != config::ConnectionType::kInitiator) continue;
    auto slot = std::make_unique<Slot>();
    slot->gw = this;
    slot->index = i;
    slot->def = &d;
    route::GroupOptions go;
    go.exchange_name = d.name;
    go.exchange_idx = static_cast<std::uint32_t>(i);
    go.supports_mass_cancel = d.supports_mass_cancel;
    go.supports_order_status = d.supports_order_status;
    go.supports_order_mass_status = d.supports_order_mass_status;
    go.order_status_rate = d.order_status_requests_per_second;
    go.forward_unknown_app_messages =
        cfg_.gateway.unknown_app_messages == config::UnknownAppMessages::kForward;
    go.cancel_on_kill = cfg_.gateway.on_kill_cancel_working;
    go.kill_on_anomaly = cfg_.gateway.kill_on_report_anomaly;
    go.fix42 = d.begin_string == config::BeginString::kFix42;
    go.max_working_orders = cfg_.gateway.max_working_orders;
    go.max_ended_orders = cfg_.gateway.max_ended_orders;
    go.latency_sample_every = kLatencySampleEvery;
    go.translate = tc;
    groups_.push_back(std::make_unique<route::RouteGroup>(go, *engine_, *clock_, *sink_));
    slot->group = groups_.back().get();
    slot->store = make_store(i, d.name, journal::Leg::kExchange);
    if (durable_)
      slot->group->set_journal(
          &durable_->order_journal(static_cast<std::uint16_t>(i), *slot->group));
    slot->session = std::make_unique<session::Session>(session_config_for(d, dicts.for_session(d)),
                                                       *clock_, *slot, *slot->store, *slot->group);
    slot->group->attach_exchange(*slot->session);
    if (msglog_taps_[i]) slot->session->set_wire_tap(msglog_taps_[i].get());
    Slot* raw = slot.get();
    slot->connector = std::make_unique<net::Connector>(
        io_->context(), d.socket_connect_host, d.socket_connect_port,
        std::chrono::seconds(d.reconnect_interval_s),
        std::chrono::seconds(d.max_reconnect_interval_s),
        [this, raw](asio::ip::tcp::socket s) {
          // Room for a kill to cancel every working order in one burst, so
          // the exchange leg is never dropped halfway through a kill.
          const std::size_t tx = std::max(
              kExchangeTxCapacity, cfg_.gateway.max_working_orders * kCancelWireBytes + (1u << 20));
          raw->attach(std::make_unique<net::TcpConnection>(
              std::move(s), rx_capacity_for(raw->def->max_message_size), tx));
          raw->conn->start(raw);
          raw->session->on_connected();
        },
        [raw](const boost::system::error_code& why, std::chrono::milliseconds retry) {
          // Counted, not printed: this is the I/O thread (report_io_events).
          raw->last_connect_error.store(why.value(), std::memory_order_relaxed);
          raw->retry_ms.store(retry.count(), std::memory_order_relaxed);
          raw->connect_failures.fetch_add(1, std::memory_order_relaxed);
        });
    slots_[i] = std::move(slot);
  }
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    const auto& d = sessions[i];
    if (d.connection_type != config::ConnectionType::kAcceptor) continue;
    route::RouteGroup* group = nullptr;
    for (auto& s : slots_)
      if (s && s->def->name == d.route) group = s->group;
    auto slot = std::make_unique<Slot>();
    slot->gw = this;
    slot->index = i;
    slot->def = &d;
    slot->group = group;
    route::ClientOptions co;
    co.name = d.name;
    co.cl_ord_id_prefix = d.cl_ord_id_prefix;
    co.cancel_on_disconnect = d.cancel_on_disconnect;
    co.logout_on_kill = d.logout_on_kill;
    co.fix42 = d.begin_string == config::BeginString::kFix42;
    slot->leg = &group->add_client(static_cast<risk::SessionIdx>(i), co);
    slot->leg->logon_check = [this](route::ClientLeg& leg, const codec::Message& m) {
      return check_logon(leg, m);
    };
    slot->store = make_store(i, d.name, journal::Leg::kEngine);
    slot->session = std::make_unique<session::Session>(
        session_config_for(d, dicts.for_session(d), cfg_.gateway.unknown_app_messages), *clock_,
        *slot, *slot->store, *slot->leg);
    slot->leg->attach(*slot->session);
    if (msglog_taps_[i]) slot->session->set_wire_tap(msglog_taps_[i].get());
    slots_[i] = std::move(slot);
  }
  // The trading day: [gateway] StartTime/TimeZone, and each session's own
  // window (none: non-stop). Stepped by io_tick on the I/O thread.
  auto sched = [](const config::SessionDef& d) -> std::optional<schedule::Schedule> {
    if (!d.schedule) return std::nullopt;
    return schedule::Schedule(*d.schedule);
  };
  trading_day_ = std::make_unique<route::TradingDay>(schedule::Schedule(cfg_.gateway.trading_day),
                                                     *engine_, *sink_);
  for (auto& s : slots_)
    if (s && s->connector) trading_day_->add_group(*s->group, sched(*s->def));
  for (auto& s : slots_)
    if (s && s->leg) trading_day_->add_client(*s->group, *s->leg, sched(*s->def));
  // The journal records each roll, so a restart replays the day's events
  // from the right boundary (one file: it is not split per day).
  if (durable_) {
    trading_day_->on_journal_rollover = [this](std::int64_t to) {
      durable_->on_day_roll(static_cast<std::uint32_t>(to));
    };
  }
}

void Gateway::verify_self() {
  try {
    binary_sha256_ = control::sha256_file(control::self_executable_path());
  } catch (const std::exception& e) {
    binary_sha256_ = std::string("unavailable: ") + e.what();
  }
  config_sha256_ = control::sha256_hex(cfg_.source_bytes);
  if (!manifest_) return;
  const config::DeploymentVerdict v = manifest_->verify_deployment(binary_sha256_, config_sha256_);
  if (v.ok()) return;
  self_ok_ = false;
  self_reason_ = v.reason;
  engine_->kills().engage(risk::KillScope::kGlobal, 0, risk::KillReason::kVersionMismatch);
  warnings_.push_back("DEPLOYED VERSION MISMATCH: starting with the GLOBAL KILL SWITCH ENGAGED: " +
                      self_reason_);
}

void Gateway::restore_kills() {
  try {
    kill_store_ = std::make_unique<control::KillStore>(cfg_.gateway.state_dir);
  } catch (const std::exception& e) {
    // Fail closed: we cannot know what was killed, so everything is.
    auto moved = control::KillStore::quarantine(cfg_.gateway.state_dir);
    kill_store_ = std::make_unique<control::KillStore>(cfg_.gateway.state_dir);
    control::KillEntry k;
    k.scope = Scope::kGlobal;
    k.reason = std::string("kill state unreadable (") + e.what() + "), moved to " + moved.string();
    k.actor = "startup";
    (void)kill_store_->engage(k);
    warnings_.push_back("kill state unreadable: GLOBAL KILL engaged: " + std::string(e.what()));
  }
  for (const auto& k : kill_store_->entries()) {
    std::string err;
    auto r = resolve(k.scope, k.target, err);
    if (!r) {
      // Fail closed: what the kill meant to stop cannot be found, so
      // everything stops. On the kill board and in the kill state too, with
      // why, so that status shows what holds trading and a release of it
      // (after the stale entry's own release) is the operator's decision.
      engine_->kills().engage(risk::KillScope::kGlobal, 0, risk::KillReason::kOperator);
      const std::string why = "persisted " + std::string(control::to_string(k.scope)) +
                              " kill on '" + k.target +
                              "', which the config no longer has (release that, then this)";
      if (!kill_store_->engaged(Scope::kGlobal, "")) {
        control::KillEntry g;
        g.scope = Scope::kGlobal;
        g.reason = why;
        g.actor = "startup";
        try {
          (void)kill_store_->engage(g);
        } catch (const std::exception& e) {
          warnings_.push_back("cannot persist the global kill: " + std::string(e.what()));
        }
      }
      warnings_.push_back(why + ": GLOBAL KILL engaged instead");
      continue;
    }
    engine_->kills().engage(r->first, r->second, risk::KillReason::kOperator);
    warnings_.push_back("kill restored from " + kill_store_->file().string() + ": " +
                        std::string(control::to_string(k.scope)) +
                        (k.target.empty() ? "" : " " + k.target) + " (" + k.reason + ")");
  }
  seen_kill_generation_ = engine_->kills().generation();
}

std::optional<std::pair<risk::KillScope, std::uint32_t>> Gateway::resolve(Scope s,
                                                                          const std::string& target,
                                                                          std::string& err) const {
  switch (s) {
    case Scope::kGlobal:
      return std::make_pair(risk::KillScope::kGlobal, 0u);
    case Scope::kExchangeSession:
    case Scope::kClientSession: {
      const auto want = s == Scope::kExchangeSession ? config::ConnectionType::kInitiator
                                                     : config::ConnectionType::kAcceptor;
      for (std::size_t i = 0; i < cfg_.sessions.size(); ++i)
        if (cfg_.sessions[i].name == target && cfg_.sessions[i].connection_type == want)
          return std::make_pair(to_risk(s), static_cast<std::uint32_t>(i));
      err = "no " + std::string(s == Scope::kExchangeSession ? "exchange" : "client") +
            " session named '" + target + "'";
      return std::nullopt;
    }
    case Scope::kAccount:
      if (auto a = engine_->account_index(target))
        return std::make_pair(risk::KillScope::kAccount, *a);
      err = "unknown account '" + target + "'";
      return std::nullopt;
    case Scope::kSymbol:
      if (auto y = engine_->symbol_index(target))
        return std::make_pair(risk::KillScope::kSymbol, *y);
      err = "unknown symbol '" + target + "'";
      return std::nullopt;
  }
  err = "bad scope";
  return std::nullopt;
}

void Gateway::start() {
  audit_log_->start();
  if (durable_) durable_->start();
  if (msglog_) msglog_->start();
  for (const auto& w : warnings_) log_warn("riskgate: WARNING: " + w);
  for (const auto& w : warnings_) audit_log_->record_control("startup_warning", {{"text", w}});

  // Acceptors: one listener per host:port, shared by the sessions on it.
  limiter_ = std::make_unique<net::PendingLimiter>(cfg_.gateway.max_pending_connections,
                                                   cfg_.gateway.max_pending_per_address);
  pending_.reserve(cfg_.gateway.max_pending_connections);
  expired_.reserve(cfg_.gateway.max_pending_connections);
  std::vector<std::pair<std::string, std::uint16_t>> bound;
  for (const auto& d : cfg_.sessions) {
    if (d.connection_type != config::ConnectionType::kAcceptor) continue;
    pending_max_message_ = std::max<std::size_t>(pending_max_message_, d.max_message_size);
    auto key = std::make_pair(d.socket_accept_host, d.socket_accept_port);
    if (std::find(bound.begin(), bound.end(), key) != bound.end()) continue;
    bound.push_back(key);
    // Before its Logon a connection's session is unknown: it gets the
    // longest LogonTimeout of the sessions sharing this host:port.
    std::int32_t logon_timeout_s = d.logon_timeout_s;
    for (const auto& o : cfg_.sessions) {
      if (o.connection_type == config::ConnectionType::kAcceptor &&
          o.socket_accept_host == d.socket_accept_host &&
          o.socket_accept_port == d.socket_accept_port)
        logon_timeout_s = std::max(logon_timeout_s, o.logon_timeout_s);
    }
    const std::int64_t timeout_ns = static_cast<std::int64_t>(logon_timeout_s) * 1'000'000'000;
    listeners_.push_back(std::make_unique<net::Listener>(
        io_->context(), d.socket_accept_host, d.socket_accept_port,
        [this, timeout_ns](asio::ip::tcp::socket s) { on_accept(std::move(s), timeout_ns); }));
    log_info("riskgate: accepting trading engines on " + d.socket_accept_host + ":" +
             std::to_string(listeners_.back()->port()));
  }
  pending_rx_capacity_ = rx_capacity_for(pending_max_message_);
  reported_.accept_errors.assign(listeners_.size(), 0);
  for (auto& s : slots_)
    if (s && s->connector) s->connector->connect_now();
  tick_ = std::make_unique<asio::steady_timer>(io_->context());
  io_tick();

  if (!cfg_.gateway.admin_tokens_file.empty()) {
    control::AdminServer::Options ao;
    ao.host = cfg_.gateway.admin_host;
    ao.port = cfg_.gateway.admin_port;
    admin_ =
        std::make_unique<control::AdminServer>(ao, std::move(api_tokens_), *this, audit_log_.get());
    admin_->start();
    log_info("riskgate: admin API on http://" + ao.host + ":" + std::to_string(admin_->port()));
  }
  kill_file_ = std::make_unique<control::KillFileWatcher>(
      cfg_.gateway.kill_file, [this](const std::string& reason, const std::string& actor) {
        control::KillRequest r;
        r.scope = Scope::kGlobal;
        r.reason = reason;
        r.actor = actor;
        std::lock_guard lock(control_mu_);
        const control::ControlResult res = engage_locked(r, risk::KillReason::kLocalEmergency);
        // On record and on the console like a kill through the admin API:
        // the emergency paths are the ones used when everything else fails.
        (void)audit_log_->record_control("kill", {{"actor", actor},
                                                  {"scope", control::to_string(r.scope)},
                                                  {"target", ""},
                                                  {"reason", reason},
                                                  {"ok", res.ok},
                                                  {"message", res.message},
                                                  {"affected", res.detail}});
        log_warn("riskgate: " + res.message + " by " + actor + ": " + reason);
      });
  kill_file_->start(control_ioc_);
  io_->start();
  io_started_ = true;
  log_info("riskgate: " + std::string(control::build_id()) + " started (" + opts_.instance + ")");
}

void Gateway::io_tick() {
  net::WriteBatch::Scope batch;  // Heartbeats and timeouts of every session: one flush.
  // Before the sessions' timers, so a Logout for a sequence reset goes out
  // in this tick's batch.
  trading_day_->on_tick(clock_->utc_ns());
  for (auto& s : slots_) {
    if (!s) continue;
    s->session->on_timer();
    const auto st = s->session->state();
    s->state.store(static_cast<std::uint8_t>(st), std::memory_order_relaxed);
    if (st == session::State::kActive && s->connector) s->connector->reset_backoff();
  }
  for (auto& g : groups_) g->on_tick();
  expire_pending();
  graveyard_.clear();
  tick_->expires_after(kTick);
  tick_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) io_tick();
  });
}

void Gateway::drain_commands() {
  Command c;
  while (commands_.try_dequeue(c)) {
    route::Scope sc{c.scope, c.idx, c.name};
    for (auto& g : groups_) {
      if (c.scope == risk::KillScope::kExchangeSession && g->options().exchange_idx != c.idx)
        continue;
      if (c.kind == Command::kCancel)
        g->cancel_working(sc, c.why);
      else if (c.kind == Command::kLogout)
        g->logout_clients(sc, c.why);
    }
    if (c.kind == Command::kStop) logout_for_stop(c.why, c.idx != 0);
  }
}

std::uint16_t Gateway::admin_port() const noexcept {
  return admin_ ? admin_->port() : 0;
}

void Gateway::stop() {
  if (kill_file_) kill_file_->stop();
  if (admin_) admin_->stop();
  log_out_for_stop();
  if (io_) {
    io_->request_stop();
    io_->join();
  }
  if (durable_) durable_->stop();  // After the I/O thread: the last records are in.
  if (msglog_) msglog_->stop();    // The same: the last messages are in its ring.
  if (audit_log_) audit_log_->stop();
}

}  // namespace riskgate::app
