#include "tests/support/route_harness.hpp"

#include <optional>
#include <stdexcept>

#include "config/manifest.hpp"
#include "gateway/app/journaled_store.hpp"
#include "gateway/app/order_journal.hpp"
#include "gateway/app/session_config.hpp"
#include "gateway/journal/journal.hpp"
#include "gateway/session/memory_store.hpp"

namespace riskgate::testing {

namespace {

const config::SessionDef& find_session(const config::Config& cfg, std::string_view name) {
  for (const auto& d : cfg.sessions)
    if (d.name == name) return d;
  throw std::runtime_error("route harness: config has no session " + std::string(name));
}

std::size_t session_index(const config::Config& cfg, const config::SessionDef& d) {
  return static_cast<std::size_t>(&d - cfg.sessions.data());
}

}  // namespace

config::Config RouteHarness::default_config() {
  return config::load_config(std::string(RISKGATE_SOURCE_DIR) + "/config/riskgate.toml");
}

RouteHarness::RouteHarness(const config::Config& cfg, journal::JournalRing* journal_ring)
    : cfg_(cfg) {
  // Journal ids as the gateway gives them: the session's index in the
  // config, which is also the route's client index.
  // As the gateway: a session that never replays application messages
  // keeps them only in the journal ring.
  auto make_store = [&](std::size_t index) -> std::unique_ptr<session::MessageStore> {
    auto mem = std::make_unique<session::MemoryStore>(1 << 20);
    if (journal_ring == nullptr) return std::unique_ptr<session::MessageStore>(std::move(mem));
    auto store = std::make_unique<app::JournaledStore>(
        std::move(mem), *journal_ring, static_cast<std::uint16_t>(index), journal_failed_,
        app::JournaledStore::copies_for(cfg_.sessions[index].resend_application));
    if (journaled_stores_.size() <= index) journaled_stores_.resize(index + 1, nullptr);
    journaled_stores_[index] = store.get();
    // The journal id is the session index, as in a gateway's first run.
    if (journal_ids_.size() <= index) journal_ids_.resize(index + 1, journal::kNoSession);
    journal_ids_[index] = static_cast<std::uint16_t>(index);
    return store;
  };
  // One thread drives everything, as the gateway's one I/O thread does.
  engine_ = std::make_unique<risk::Engine>(cfg_.risk, risk::WriterThreads::kOne);

  const config::SessionDef& exch = find_session(cfg_, "EXCH");
  route::GroupOptions go;
  go.exchange_name = exch.name;
  go.exchange_idx = static_cast<std::uint32_t>(session_index(cfg_, exch));
  go.supports_mass_cancel = exch.supports_mass_cancel;
  go.supports_order_status = exch.supports_order_status;
  go.supports_order_mass_status = exch.supports_order_mass_status;
  go.order_status_rate = exch.order_status_requests_per_second;
  go.forward_unknown_app_messages =
      cfg_.gateway.unknown_app_messages == config::UnknownAppMessages::kForward;
  go.cancel_on_kill = cfg_.gateway.on_kill_cancel_working;
  go.kill_on_anomaly = cfg_.gateway.kill_on_report_anomaly;
  go.max_working_orders = cfg_.gateway.max_working_orders;
  go.max_ended_orders = cfg_.gateway.max_ended_orders;
  go.translate.parent_id_tag = cfg_.risk.parent_child.parent_id_tag;
  go.translate.parent_qty_tag = cfg_.risk.parent_child.parent_qty_tag;
  group_ = std::make_unique<route::RouteGroup>(go, *engine_, clock, audit);
  if (journal_ring != nullptr) {
    order_journal_ = std::make_unique<app::GroupOrderJournal>(
        *journal_ring, static_cast<std::uint16_t>(go.exchange_idx), journaled_stores_, journal_ids_,
        journal_failed_, journal_failures_);
    group_->set_journal(order_journal_.get());
  }

  // The same dictionaries as the gateway builds: validation is on the
  // measured order path exactly as in production.
  // The manifest's retired tags go into the dictionaries as the gateway puts
  // them there (relative paths are from the source tree, where the shipped
  // config is).
  std::optional<config::Manifest> manifest;
  if (!cfg_.gateway.manifest.empty()) {
    const std::string& m = cfg_.gateway.manifest;
    manifest =
        config::load_manifest(m.starts_with('/') ? m : std::string(RISKGATE_SOURCE_DIR) + "/" + m);
  }
  app::DictionarySet dicts(app::config_read_tags(cfg_, manifest ? &*manifest : nullptr));
  exchange_store_ = make_store(go.exchange_idx);
  exchange_session_ =
      std::make_unique<session::Session>(app::session_config_for(exch, dicts.for_session(exch)),
                                         clock, exchange_wire, *exchange_store_, *group_);
  group_->attach_exchange(*exchange_session_);

  const std::array<std::string_view, kClients> names{"ENGINE1", "ENGINE2"};
  for (int i = 0; i < kClients; ++i) {
    const config::SessionDef& d = find_session(cfg_, names[i]);
    route::ClientOptions co;
    co.name = d.name;
    co.cl_ord_id_prefix = d.cl_ord_id_prefix;
    co.cancel_on_disconnect = d.cancel_on_disconnect;
    co.logout_on_kill = d.logout_on_kill;
    legs_[i] = &group_->add_client(static_cast<risk::SessionIdx>(session_index(cfg_, d)), co);
    client_stores_[i] = make_store(session_index(cfg_, d));
    client_sessions_[i] = std::make_unique<session::Session>(
        app::session_config_for(d, dicts.for_session(d), cfg_.gateway.unknown_app_messages), clock,
        client_wire[i], *client_stores_[i], *legs_[i]);
    legs_[i]->attach(*client_sessions_[i]);
  }
}

RouteHarness::~RouteHarness() = default;

void RouteHarness::log_on_exchange() {
  exchange().on_connected();  // Sends our Logon.
  (void)from_exchange(exchange_peer.logon(30));
  if (exchange().state() != session::State::kActive)
    throw std::runtime_error("route harness: exchange leg did not log on");
  exchange_wire.sent.clear();
}

void RouteHarness::log_on_client(int i) {
  client(i).on_connected();
  (void)from_client(i, client_peer[i].logon(30));
  if (client(i).state() != session::State::kActive)
    throw std::runtime_error("route harness: client leg did not log on");
  client_wire[i].sent.clear();
}

void RouteHarness::log_on_all() {
  log_on_exchange();
  for (int i = 0; i < kClients; ++i) log_on_client(i);
}

std::string RouteHarness::order(int i, std::string_view cl_ord_id, std::int64_t qty,
                                std::string_view price, std::string_view extra,
                                std::string_view acct, std::string_view symbol, char side) {
  const std::string body = "11=" + std::string(cl_ord_id) +
                           "|1=" + std::string(acct.empty() ? account[i] : acct) +
                           "|55=" + std::string(symbol) + "|54=" + std::string(1, side) +
                           "|38=" + std::to_string(qty) + "|40=2|44=" + std::string(price) +
                           "|59=0|60=" + timestamp(clock.utc) + "|" + std::string(extra);
  return client_peer[i].make("D", body);
}

std::string RouteHarness::report(std::string_view exch_id, char exec_type, char ord_status,
                                 std::int64_t qty, std::int64_t cum_qty, std::int64_t last_qty,
                                 std::string_view last_px) {
  const std::uint64_t exec_seq = ++exec_seq_;
  std::string body = "37=O" + std::to_string(exec_seq) + "|17=X" + std::to_string(exec_seq) +
                     "|11=" + std::string(exch_id) + "|150=" + std::string(1, exec_type) +
                     "|39=" + std::string(1, ord_status) +
                     "|55=AAPL|54=1|38=" + std::to_string(qty) +
                     "|151=" + std::to_string(qty - cum_qty) + "|14=" + std::to_string(cum_qty) +
                     "|6=" + std::string(last_px) + "|";
  if (last_qty > 0) body += "32=" + std::to_string(last_qty) + "|31=" + std::string(last_px) + "|";
  return exchange_peer.make("8", body);
}

}  // namespace riskgate::testing
