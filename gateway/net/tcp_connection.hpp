// A TCP connection owned by one I/O thread, and the session::Transport that
// the FIX session writes through.
//
// Receive: one async_read_some at a time into a fixed buffer; the owner is
// handed every byte not yet consumed and says how much it consumed; the rest
// moves to the front. The owner runs inside a WriteBatch::Scope, so what it
// sends during one read (on any connection of this thread) is flushed with
// one write(2) per connection when it returns (write_batch.hpp).
// Send outside a batch: a direct non-blocking write(2) from the caller's
// stack. Either way only what the kernel did not take stays in the fixed
// transmit buffer and is finished by async_write. A peer too slow to drain
// that buffer makes send() return false: the session then disconnects it
// rather than queue without bound. Both buffers are allocated once, at
// construction.
//
// Close: disconnect() lets bytes already queued (a Logout) reach the peer,
// but for at most the close-flush timeout; a peer that does not drain them
// by then is cut off. A second disconnect() while flushing closes at once:
// the caller (the session's logout timeout) has already waited.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "gateway/net/write_batch.hpp"
#include "gateway/session/session.hpp"

namespace riskgate::net {

class ConnectionOwner {
 public:
  virtual ~ConnectionOwner() = default;
  // Bytes received and not yet consumed; returns how many were consumed.
  [[nodiscard]] virtual std::size_t on_bytes(std::string_view data) noexcept = 0;
  // The connection is closed and no operation is pending: it may be destroyed
  // once this returns (not from inside this call).
  virtual void on_closed(std::string_view reason) noexcept = 0;
};

struct ConnectionStats {
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t direct_writes = 0;    // Writes the kernel took whole at once.
  std::uint64_t deferred_writes = 0;  // Writes that left bytes for async_write.
  std::uint64_t batched_sends = 0;    // Sends appended inside a WriteBatch.
};

class TcpConnection final : public session::Transport {
 public:
  TcpConnection(boost::asio::ip::tcp::socket socket, std::size_t rx_capacity,
                std::size_t tx_capacity);
  ~TcpConnection() override;
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  // Starts reading; `owner` must outlive the connection's open life.
  void start(ConnectionOwner* owner);
  void set_owner(ConnectionOwner* owner) noexcept { owner_ = owner; }
  // How long disconnect() waits for queued bytes to drain (default 2 s,
  // QuickFIX's LogoutTimeout default).
  void set_close_flush_timeout(std::chrono::milliseconds t) noexcept { flush_timeout_ = t; }

  // session::Transport
  [[nodiscard]] bool send(std::string_view bytes) noexcept override;
  void disconnect(std::string_view reason) noexcept override;
  // Closes now, dropping whatever is still queued (the session's
  // LogoutTimeout expired on a peer that does not drain).
  void abort(std::string_view reason) noexcept override { close_now(reason); }

  [[nodiscard]] bool open() const noexcept { return !closing_; }
  [[nodiscard]] const ConnectionStats& stats() const noexcept { return stats_; }
  [[nodiscard]] std::string remote_endpoint() const;
  [[nodiscard]] std::string remote_address() const;

  // Hands the socket over (e.g. to another I/O thread); the connection must
  // not have started reading yet. Returns the native descriptor, now owned by
  // the caller.
  int release_socket();
  // Bytes received before release_socket() that the new owner must process
  // first (the Logon that identified the session).
  [[nodiscard]] std::string_view pending_bytes() const noexcept { return {rx_.get(), rx_len_}; }

 private:
  friend class WriteBatch;
  // Moves the queued bytes to the front. Only while no write is pending: an
  // async_write reads from the old position until its handler runs.
  void compact() noexcept;
  // Appends to the transmit buffer; false if it does not fit.
  [[nodiscard]] bool append(std::string_view bytes) noexcept;
  // Writes what is queued now (the kernel takes what it can); false if it
  // could not try (a write is pending, nothing queued, or closed).
  bool write_now() noexcept;
  // WriteBatch: write_now(), then async_write for what the kernel left.
  void flush_batched() noexcept;
  void arm_read();
  void arm_write();
  void close_now(std::string_view reason) noexcept;
  void maybe_finish_close() noexcept;

  boost::asio::ip::tcp::socket socket_;
  ConnectionOwner* owner_ = nullptr;
  std::unique_ptr<char[]> rx_;
  std::size_t rx_cap_;
  std::size_t rx_len_ = 0;
  std::unique_ptr<char[]> tx_;
  std::size_t tx_cap_;
  std::size_t tx_head_ = 0;  // [tx_head_, tx_tail_) waits for the kernel.
  std::size_t tx_tail_ = 0;
  bool read_pending_ = false;
  bool write_pending_ = false;
  bool closing_ = false;
  bool close_reported_ = false;
  // Close after the overflow buffer drains (a Logout must reach the peer).
  bool close_after_flush_ = false;
  bool flush_timer_pending_ = false;
  std::chrono::milliseconds flush_timeout_{2000};
  boost::asio::steady_timer flush_timer_;
  std::string close_reason_;
  ConnectionStats stats_;
  bool in_batch_ = false;  // WriteBatch's list (owning thread only).
  TcpConnection* next_in_batch_ = nullptr;
};

}  // namespace riskgate::net
