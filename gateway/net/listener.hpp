// TCP accept and connect-with-backoff, on one I/O thread's io_context.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace riskgate::net {

// Accepts connections forever on host:port and hands each socket over.
// Setup errors (address in use, bad host) throw from the constructor.
class Listener {
 public:
  using OnAccept = std::function<void(boost::asio::ip::tcp::socket)>;
  Listener(boost::asio::io_context& ctx, const std::string& host, std::uint16_t port,
           OnAccept on_accept);
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  void close();

 private:
  void arm();
  boost::asio::ip::tcp::acceptor acceptor_;
  OnAccept on_accept_;
  std::uint16_t port_ = 0;
  bool closed_ = false;
};

// Connects to host:port; after a failure or a later disconnect (reconnect()),
// waits and tries again. The wait starts at `initial` and doubles up to `max`,
// and resets after a connection that stayed up (the session reached Active).
class Connector {
 public:
  using OnConnect = std::function<void(boost::asio::ip::tcp::socket)>;
  using OnFailure = std::function<void(const std::string& why, std::chrono::milliseconds retry_in)>;
  Connector(boost::asio::io_context& ctx, std::string host, std::uint16_t port,
            std::chrono::milliseconds initial, std::chrono::milliseconds max, OnConnect on_connect,
            OnFailure on_failure);
  void connect_now();
  void reconnect_later();  // After a disconnect: wait the current backoff.
  void reset_backoff() noexcept { backoff_ = initial_; }
  void stop();
  void set_port(std::uint16_t port) noexcept { port_ = port; }

 private:
  void attempt();
  boost::asio::io_context& ctx_;
  std::string host_;
  std::uint16_t port_;
  std::chrono::milliseconds initial_, max_, backoff_;
  OnConnect on_connect_;
  OnFailure on_failure_;
  boost::asio::steady_timer timer_;
  boost::asio::ip::tcp::socket socket_;
  bool stopped_ = false;
  bool in_flight_ = false;
};

}  // namespace riskgate::net
