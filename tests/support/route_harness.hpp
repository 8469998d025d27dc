// The gateway's order path without sockets: one route group (exchange leg EXCH
// plus client legs ENGINE1 and ENGINE2) built from the default config's risk
// section, real Sessions and a real risk::Engine, wired to counting transports
// and a hand-driven FIX peer on each side.
//
// This is everything the I/O thread does for an order except the socket read
// and write syscalls: frame -> scan -> session checks -> translate -> risk
// check -> ClOrdID rewrite -> encode into the session's send buffer. Tests use
// it to pin routing and fail-closed behaviour; the micro-benchmark uses it to
// time the whole receive -> check -> rewrite step.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "gateway/audit/audit_record.hpp"
#include "gateway/journal/ring.hpp"
#include "gateway/route/route_group.hpp"
#include "gateway/session/session.hpp"
#include "risk/engine.hpp"
#include "tests/support/fix_peer.hpp"

namespace riskgate::app {
class JournaledStore;
}

namespace riskgate::testing {

// Order-path audit records, kept in memory. `accept = false` plays an audit
// log that cannot take the record (ring full, disk gone).
class RecordingAudit final : public route::AuditSink {
 public:
  bool accept = true;
  bool record = true;  // false: count only (allocation-free).
  std::uint64_t count = 0;
  std::vector<audit::AuditRecord> records;
  audit::AuditRecord last;  // Kept whatever `record` says: says why, when counting only.

  bool try_record(const audit::AuditRecord& r) noexcept override {
    if (!accept) return false;
    ++count;
    last = r;
    if (record) records.push_back(r);
    return true;
  }
};

class RouteHarness {
 public:
  static constexpr int kClients = 2;  // ENGINE1 (prefix "E1-"), ENGINE2 ("E2-").

  // config/riskgate.toml from the source tree, parsed (throws on error).
  [[nodiscard]] static config::Config default_config();

  // Builds the group from cfg.risk, cfg.gateway and the sessions named
  // ENGINE1, ENGINE2 and EXCH in cfg; nothing is connected yet.
  // With `journal_ring`, every session store is journaled and the group's
  // order events go to the ring too, as in the gateway with Journal = true.
  explicit RouteHarness(const config::Config& cfg, journal::JournalRing* journal_ring = nullptr);
  RouteHarness() : RouteHarness(default_config()) {}
  ~RouteHarness();
  RouteHarness(const RouteHarness&) = delete;
  RouteHarness& operator=(const RouteHarness&) = delete;

  // Connects and logs on the exchange leg and both clients; clears the wires.
  void log_on_all();
  void log_on_exchange();
  void log_on_client(int i);

  // Bytes arriving from a peer; returns the bytes consumed (whole messages).
  std::size_t from_client(int i, std::string_view bytes) { return client(i).on_data(bytes); }
  std::size_t from_exchange(std::string_view bytes) { return exchange().on_data(bytes); }

  // A NewOrderSingle from client i: `extra` ("tag=v|...") is appended to the body.
  [[nodiscard]] std::string order(int i, std::string_view cl_ord_id, std::int64_t qty = 100,
                                  std::string_view price = "190.50", std::string_view extra = {},
                                  std::string_view account = {}, std::string_view symbol = "AAPL",
                                  char side = '1');
  // An ExecutionReport from the exchange about exchange ClOrdID `exch_id`.
  [[nodiscard]] std::string report(std::string_view exch_id, char exec_type, char ord_status,
                                   std::int64_t qty, std::int64_t cum_qty, std::int64_t last_qty,
                                   std::string_view last_px = "190.50");

  [[nodiscard]] session::Session& exchange() { return *exchange_session_; }
  [[nodiscard]] session::Session& client(int i) { return *client_sessions_.at(i); }
  [[nodiscard]] route::RouteGroup& group() { return *group_; }
  [[nodiscard]] risk::Engine& engine() { return *engine_; }
  [[nodiscard]] route::ClientLeg& leg(int i) { return *legs_.at(i); }

  FakeClock clock;
  RecordingAudit audit;
  FakeTransport exchange_wire;                      // What riskgate sends the exchange.
  std::array<FakeTransport, kClients> client_wire;  // What riskgate sends each client.
  Peer exchange_peer{clock, "EXCHANGE", "RISKGATE"};
  std::array<Peer, kClients> client_peer{Peer{clock, "ENGINE1", "RISKGATE"},
                                         Peer{clock, "ENGINE2", "RISKGATE"}};
  std::array<std::string, kClients> account{"ACC1", "ACC2"};

  // The gateway's journal-failed flag (set: new orders refused until a
  // restart). Acquire pairs with the writers' release stores.
  [[nodiscard]] bool journal_failed() const noexcept {
    return journal_failed_.load(std::memory_order_acquire);
  }

 private:
  config::Config cfg_;
  std::unique_ptr<risk::Engine> engine_;
  std::unique_ptr<route::RouteGroup> group_;
  std::unique_ptr<session::MessageStore> exchange_store_;
  std::unique_ptr<session::Session> exchange_session_;
  std::array<std::unique_ptr<session::MessageStore>, kClients> client_stores_;
  std::array<std::unique_ptr<session::Session>, kClients> client_sessions_;
  std::array<route::ClientLeg*, kClients> legs_{};
  std::uint64_t exec_seq_ = 0;  // ExecID / OrderID numbering for report().
  std::atomic<bool> journal_failed_{false};
  std::atomic<std::uint64_t> journal_failures_{0};
  std::vector<app::JournaledStore*> journaled_stores_;  // By journal id (session index).
  std::vector<std::uint16_t> journal_ids_;              // Session index -> journal id (the same).
  std::unique_ptr<route::OrderJournal> order_journal_;
};

// The application messages among those a wire carried (session-level
// messages 0-5 and A left out), parsed, in order.
inline std::vector<Parsed> app_sent(const FakeTransport& w) {
  std::vector<Parsed> out;
  for (const auto& m : w.sent) {
    Parsed p(m);
    const std::string t = p.type();
    if (t != "0" && t != "1" && t != "2" && t != "3" && t != "4" && t != "5" && t != "A")
      out.push_back(std::move(p));
  }
  return out;
}

}  // namespace riskgate::testing
