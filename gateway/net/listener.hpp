// TCP accept and connect-with-backoff, on one I/O thread's io_context.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace riskgate::net {

// How long the listener stops accepting after an accept error. Out of
// descriptors (EMFILE, ENFILE) or kernel memory (ENOBUFS, ENOMEM), the waiting
// connection stays in the backlog and the socket stays readable, so retrying
// at once spins the I/O thread at 100 % and starves every session on it. The
// pause starts at `initial`, doubles up to `max`, and resets after an accept
// succeeds. `max` bounds how late a freed descriptor is used again.
struct AcceptBackoff {
  std::chrono::milliseconds initial{10};
  std::chrono::milliseconds max{1000};
};

// Accepts connections on host:port and hands each socket over, until close().
// Setup errors (address in use, bad host) throw from the constructor.
// Accept errors are counted and paused on (AcceptBackoff), never printed.
// Thread: the io_context's thread, except the *_errors() readers.
class Listener {
 public:
  using OnAccept = std::function<void(boost::asio::ip::tcp::socket)>;
  Listener(boost::asio::io_context& ctx, const std::string& host, std::uint16_t port,
           OnAccept on_accept, AcceptBackoff backoff = {});
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  void close();

  // Any thread (relaxed: counters for humans, no data hangs off them).
  [[nodiscard]] std::uint64_t accept_errors() const noexcept {
    return accept_errors_.load(std::memory_order_relaxed);
  }
  // errno of the last accept error (0: none yet).
  [[nodiscard]] int last_accept_error() const noexcept {
    return last_error_.load(std::memory_order_relaxed);
  }
  // I/O thread: the pause the next error will cause.
  [[nodiscard]] std::chrono::milliseconds current_backoff() const noexcept { return wait_; }

 private:
  void arm();
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer pause_;
  OnAccept on_accept_;
  AcceptBackoff backoff_;
  std::chrono::milliseconds wait_;
  std::uint16_t port_ = 0;
  bool closed_ = false;
  std::atomic<std::uint64_t> accept_errors_{0};
  std::atomic<int> last_error_{0};
};

// Connects to host:port; after a failure or a later disconnect (reconnect()),
// waits and tries again. The wait starts at `initial` and doubles up to `max`,
// and resets after a connection that stayed up (the session reached Active).
class Connector {
 public:
  using OnConnect = std::function<void(boost::asio::ip::tcp::socket)>;
  // Called on the I/O thread: count, do not print (a blocked stderr would
  // stall every session on the thread).
  using OnFailure =
      std::function<void(const boost::system::error_code& why, std::chrono::milliseconds retry_in)>;
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
