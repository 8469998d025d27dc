#include "gateway/net/listener.hpp"

#include <algorithm>
#include <stdexcept>

namespace riskgate::net {

namespace asio = boost::asio;
using asio::ip::tcp;

Listener::Listener(asio::io_context& ctx, const std::string& host, std::uint16_t port,
                   OnAccept on_accept, AcceptBackoff backoff)
    : acceptor_(ctx),
      pause_(ctx),
      on_accept_(std::move(on_accept)),
      backoff_(backoff),
      wait_(backoff.initial) {
  if (backoff_.max < backoff_.initial) backoff_.max = backoff_.initial;
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) throw std::invalid_argument("listen address '" + host + "': " + ec.message());
  tcp::endpoint ep(addr, port);
  acceptor_.open(ep.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(ep, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                             ec.message());
  }
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  arm();
}

void Listener::arm() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (closed_ || ec == asio::error::operation_aborted) return;
    if (!ec) {
      wait_ = backoff_.initial;
      on_accept_(std::move(socket));
      arm();
      return;
    }
    accept_errors_.fetch_add(1, std::memory_order_relaxed);
    last_error_.store(ec.value(), std::memory_order_relaxed);
    if (ec == asio::error::connection_aborted) {
      arm();  // The peer gave up before we accepted: transient, not a resource problem.
      return;
    }
    pause_.expires_after(wait_);
    wait_ = std::min(wait_ * 2, backoff_.max);
    pause_.async_wait([this](const boost::system::error_code& tec) {
      if (tec || closed_) return;
      arm();
    });
  });
}

void Listener::close() {
  closed_ = true;
  pause_.cancel();
  boost::system::error_code ec;
  acceptor_.close(ec);
}

Connector::Connector(asio::io_context& ctx, std::string host, std::uint16_t port,
                     std::chrono::milliseconds initial, std::chrono::milliseconds max,
                     OnConnect on_connect, OnFailure on_failure)
    : ctx_(ctx),
      host_(std::move(host)),
      port_(port),
      initial_(initial),
      max_(max < initial ? initial : max),
      backoff_(initial),
      on_connect_(std::move(on_connect)),
      on_failure_(std::move(on_failure)),
      timer_(ctx),
      socket_(ctx) {}

void Connector::connect_now() {
  if (stopped_ || in_flight_) return;
  attempt();
}

void Connector::reconnect_later() {
  if (stopped_ || in_flight_) return;
  in_flight_ = true;
  timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, max_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    in_flight_ = false;
    if (ec || stopped_) return;
    attempt();
  });
}

void Connector::attempt() {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host_, ec);
  if (ec) {
    if (on_failure_) on_failure_(ec, backoff_);
    reconnect_later();
    return;
  }
  in_flight_ = true;
  socket_ = tcp::socket(ctx_);
  socket_.async_connect(tcp::endpoint(addr, port_), [this](const boost::system::error_code& cec) {
    in_flight_ = false;
    if (stopped_) return;
    if (cec) {
      if (on_failure_) on_failure_(cec, backoff_);
      reconnect_later();
      return;
    }
    on_connect_(std::move(socket_));
  });
}

void Connector::stop() {
  stopped_ = true;
  timer_.cancel();
  boost::system::error_code ec;
  socket_.close(ec);
}

}  // namespace riskgate::net
