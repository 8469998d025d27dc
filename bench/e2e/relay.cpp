// rg-relay: a no-op TCP relay, the latency floor for any proxy in the path.
//
// Built on riskgate's own transport (riskgate::net): one IoThread (the same
// lock-free io_context and the same sleep / busy-poll loop), a Listener, and
// a TcpConnection per leg. Each read is handed to on_bytes(), which sends the
// bytes to the other leg with TcpConnection::send(): a direct non-blocking
// write(2) from the read handler, exactly what riskgate does with an order
// after its checks. So relay vs riskgate isolates the FIX + risk work, and
// direct vs relay the cost of one extra hop through this I/O code.
//
// A leg that cannot drain its overflow buffer makes send() fail; the relay
// then drops the pair (riskgate would disconnect the slow peer the same way).
//
// --busy-poll: IdleMode::kBusyPoll, as riskgate's BusyPoll = true.
#include <CLI/CLI.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>

#include "gateway/net/io_thread.hpp"
#include "gateway/net/listener.hpp"
#include "gateway/net/tcp_connection.hpp"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Buffer sizes per leg: the receive buffer bounds one read; the overflow
// buffer bounds what one slow peer may make us hold.
constexpr std::size_t kRxCapacity = 64 * 1024;
constexpr std::size_t kTxCapacity = 1024 * 1024;

class Pair;

class Leg final : public riskgate::net::ConnectionOwner {
 public:
  Leg(Pair& pair, riskgate::net::TcpConnection& self, riskgate::net::TcpConnection& peer)
      : pair_(pair), self_(self), peer_(peer) {}
  std::size_t on_bytes(std::string_view data) noexcept override;
  void on_closed(std::string_view reason) noexcept override;
  bool closed = false;

 private:
  Pair& pair_;
  riskgate::net::TcpConnection& self_;
  riskgate::net::TcpConnection& peer_;
};

class Pair {
 public:
  Pair(asio::io_context& ctx, tcp::socket client, tcp::socket upstream)
      : ctx_(ctx),
        client_(std::move(client), kRxCapacity, kTxCapacity),
        upstream_(std::move(upstream), kRxCapacity, kTxCapacity),
        from_client_(*this, client_, upstream_),
        from_upstream_(*this, upstream_, client_) {}
  void start() {
    client_.start(&from_client_);
    upstream_.start(&from_upstream_);
  }
  // Both legs closed: free the pair once the current handler has returned.
  void maybe_destroy() noexcept {
    // A close may report the other leg's close synchronously (nested), so
    // both legs can get here: post the delete once.
    if (from_client_.closed && from_upstream_.closed && !dying_) {
      dying_ = true;
      asio::post(ctx_, [this] { delete this; });
    }
  }

 private:
  asio::io_context& ctx_;
  riskgate::net::TcpConnection client_;
  riskgate::net::TcpConnection upstream_;
  Leg from_client_;
  Leg from_upstream_;
  bool dying_ = false;
};

std::size_t Leg::on_bytes(std::string_view data) noexcept {
  if (!peer_.send(data)) {
    self_.disconnect("peer cannot keep up");
    peer_.disconnect("cannot keep up");
  }
  return data.size();
}

void Leg::on_closed(std::string_view) noexcept {
  closed = true;
  peer_.disconnect("other leg closed");
  pair_.maybe_destroy();
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;
  std::string upstream_host = "127.0.0.1";
  std::uint16_t upstream_port = 0;
  bool busy_poll = false;
  CLI::App app{"rg-relay: no-op TCP relay on riskgate::net (the floor for any proxy)"};
  app.add_option("--listen-host", listen_host);
  app.add_option("--listen-port", listen_port)->required();
  app.add_option("--upstream-host", upstream_host);
  app.add_option("--upstream-port", upstream_port)->required();
  app.add_flag("--busy-poll", busy_poll, "spin in io_context::poll() instead of sleeping");
  CLI11_PARSE(app, argc, argv);
  std::signal(SIGPIPE, SIG_IGN);

  try {
    riskgate::net::IoThread io(
        busy_poll ? riskgate::net::IdleMode::kBusyPoll : riskgate::net::IdleMode::kSleep, [] {});
    auto& ctx = io.context();
    const tcp::endpoint upstream(asio::ip::make_address(upstream_host), upstream_port);
    riskgate::net::Listener listener(ctx, listen_host, listen_port, [&](tcp::socket client) {
      // Connecting upstream synchronously is fine here: once per client,
      // before any order flows.
      tcp::socket up(ctx);
      boost::system::error_code ec;
      up.connect(upstream, ec);
      if (ec) {
        std::cerr << "rg-relay: upstream " << upstream << ": " << ec.message() << std::endl;
        return;
      }
      (new Pair(ctx, std::move(client), std::move(up)))->start();
    });
    std::cout << "rg-relay listening on " << listen_host << ":" << listener.port() << " -> "
              << upstream << (busy_poll ? " (busy-poll)" : "") << std::endl;
    io.run();  // Until SIGTERM (default action) from the suite.
  } catch (const std::exception& e) {
    std::cerr << "rg-relay: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
