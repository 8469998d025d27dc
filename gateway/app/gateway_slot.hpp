// Internal to gateway/app: the per-session Slot and the buffer sizes shared
// by gateway.cpp (wiring, control plane) and admission.cpp (connections
// before their Logon). Not a public header.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "gateway/app/gateway.hpp"
#include "gateway/control/published_identity.hpp"
#include "gateway/net/listener.hpp"
#include "gateway/net/tcp_connection.hpp"
#include "gateway/session/session.hpp"

namespace riskgate::app::detail {

// Receive buffer: at least this, and room for two messages of the session's
// MaxMessageSize (one complete, the next one partial) so that a message the
// session accepts always fits.
inline constexpr std::size_t kRxCapacity = 64 * 1024;
inline std::size_t rx_capacity_for(std::size_t max_message_size) noexcept {
  return std::max(kRxCapacity, 2 * max_message_size);
}
// The exchange leg must absorb a kill's burst of cancels when the kernel's
// socket buffer is full: at least this much, more for a large
// MaxWorkingOrders (see the Connector callback). Clients get less.
inline constexpr std::size_t kExchangeTxCapacity = 8 * 1024 * 1024;
// Bytes one cancel of a working order takes on the wire, at most (header,
// ClOrdIDs of up to 63 bytes, symbol, side, quantity, times).
inline constexpr std::size_t kCancelWireBytes = 320;
inline constexpr std::size_t kClientTxCapacity = 1024 * 1024;
inline constexpr auto kTick = std::chrono::milliseconds(10);
// The order-step latency histogram (/metrics) times one order in this many:
// two clock reads on that order, a countdown on the others. Lower it for
// more samples at a higher cost (common/latency_histogram.hpp).
inline constexpr std::uint32_t kLatencySampleEvery = 32;
// How often the main thread reports what the I/O thread counted (per cause).
inline constexpr std::int64_t kReportIntervalNs = 1'000'000'000;

}  // namespace riskgate::app::detail

namespace riskgate::app {

// One FIX session with its socket, whichever role. Forwards the session's
// writes to the current connection (sessions outlive connections).
struct Gateway::Slot final : net::ConnectionOwner, session::Transport {
  Gateway* gw = nullptr;
  std::size_t index = 0;
  const config::SessionDef* def = nullptr;
  std::unique_ptr<session::MessageStore> store;
  std::unique_ptr<session::Session> session;
  std::unique_ptr<net::TcpConnection> conn;
  std::unique_ptr<net::Connector> connector;  // Initiators.
  route::ClientLeg* leg = nullptr;            // Acceptors.
  route::RouteGroup* group = nullptr;
  // Published by the I/O thread for status (relaxed: a snapshot for humans).
  std::atomic<std::uint8_t> state{0};
  session::State printed_state = session::State::kDisconnected;  // Control thread only.
  std::string remote;                                            // I/O thread only.
  // Acceptors: what the engine declared at its last Logon, and the verdict
  // (I/O thread writes, control thread reads; seqlock, no lock).
  control::PublishedIdentity identity;
  // Initiators: failed connection attempts (I/O thread writes, relaxed; the
  // main thread reports them, report_io_events).
  std::atomic<std::uint64_t> connect_failures{0};
  std::atomic<int> last_connect_error{0};
  std::atomic<std::int64_t> retry_ms{0};
  std::uint64_t reported_connect_failures = 0;  // Main thread only.

  bool send(std::string_view bytes) noexcept override { return conn && conn->send(bytes); }
  void disconnect(std::string_view reason) noexcept override {
    if (conn) conn->disconnect(reason);
  }
  void abort(std::string_view reason) noexcept override {
    if (conn) conn->abort(reason);
  }
  std::size_t on_bytes(std::string_view data) noexcept override { return session->on_data(data); }
  void on_closed(std::string_view) noexcept override {
    session->on_disconnected();
    if (conn) gw->graveyard_.push_back(std::move(conn));
    if (connector) connector->reconnect_later();
  }
  void attach(std::unique_ptr<net::TcpConnection> c) {
    conn = std::move(c);
    remote = conn->remote_address();
    conn->set_owner(this);
    // A Logout that cannot drain is cut after LogoutTimeout, not kept for ever.
    conn->set_close_flush_timeout(std::chrono::seconds(def->logout_timeout_s));
  }
};

}  // namespace riskgate::app
