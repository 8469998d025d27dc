#include "gateway/net/tcp_connection.hpp"

#include <boost/asio/write.hpp>
#include <cstring>

namespace riskgate::net {

namespace asio = boost::asio;

TcpConnection::TcpConnection(asio::ip::tcp::socket socket, std::size_t rx_capacity,
                             std::size_t tx_capacity)
    : socket_(std::move(socket)),
      rx_(new char[rx_capacity]),
      rx_cap_(rx_capacity),
      tx_(new char[tx_capacity]),
      tx_cap_(tx_capacity),
      flush_timer_(socket_.get_executor()) {
  boost::system::error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  // Direct writes from the order path must never block the I/O thread.
  socket_.non_blocking(true, ec);
}

TcpConnection::~TcpConnection() {
  // Batch lists are only non-empty inside a Scope on the owning thread, and
  // connections are destroyed on that thread (graveyard), so current() is the
  // batch this connection may be on.
  if (in_batch_) {
    if (WriteBatch* b = WriteBatch::current()) b->remove(*this);
  }
  boost::system::error_code ec;
  socket_.close(ec);
}

void TcpConnection::start(ConnectionOwner* owner) {
  owner_ = owner;
  arm_read();
}

std::string TcpConnection::remote_endpoint() const {
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  if (ec) return "?";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

std::string TcpConnection::remote_address() const {
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  return ec ? std::string() : ep.address().to_string();
}

int TcpConnection::release_socket() {
  closing_ = true;
  close_reported_ = true;  // The new owner reports closes from now on.
  return socket_.release();
}

void TcpConnection::arm_read() {
  if (closing_ || read_pending_) return;
  if (rx_len_ == rx_cap_) {
    // The owner consumed nothing from a full buffer: no message fits. The
    // session's max message size is below rx capacity, so this is a bug or
    // an abusive peer; either way the stream cannot continue.
    close_now("receive buffer full");
    return;
  }
  read_pending_ = true;
  socket_.async_read_some(
      asio::buffer(rx_.get() + rx_len_, rx_cap_ - rx_len_),
      [this](const boost::system::error_code& ec, std::size_t n) {
        read_pending_ = false;
        if (ec || closing_) {
          close_now(ec ? (ec == asio::error::eof ? std::string_view("peer closed")
                                                 : std::string_view("read error"))
                       : std::string_view());
          return;
        }
        rx_len_ += n;
        stats_.bytes_in += n;
        // Everything the owner sends while handling these bytes leaves in one
        // write per connection when the scope closes.
        WriteBatch::Scope batch;
        std::size_t consumed = owner_ != nullptr ? owner_->on_bytes({rx_.get(), rx_len_}) : 0;
        if (consumed > rx_len_) consumed = rx_len_;
        if (consumed > 0) {
          rx_len_ -= consumed;
          if (rx_len_ > 0) std::memmove(rx_.get(), rx_.get() + consumed, rx_len_);
        }
        arm_read();
      });
}

bool TcpConnection::send(std::string_view bytes) noexcept {
  if (closing_ || close_after_flush_) return false;
  if (WriteBatch* b = WriteBatch::current(); b != nullptr && b->active()) {
    if (!append(bytes)) {
      // A burst bigger than the buffer (a kill cancelling many orders): hand
      // the kernel what it takes now and try once more. Nothing of this
      // message has been written, so failing here leaves the stream whole.
      (void)write_now();
      if (closing_ || !append(bytes)) return false;  // closing_: the write failed.
    }
    ++stats_.batched_sends;
    b->add(*this);
    return true;
  }
  std::size_t off = 0;
  if (tx_head_ == tx_tail_) {
    // Nothing queued: order is preserved by writing straight to the kernel.
    boost::system::error_code ec;
    off = socket_.write_some(asio::buffer(bytes.data(), bytes.size()), ec);
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
      close_now("write error");
      return false;
    }
    stats_.bytes_out += off;
    if (off == bytes.size()) {
      ++stats_.direct_writes;
      return true;
    }
  }
  if (!append(bytes.substr(off))) {
    // A partial message already reached the kernel, so the stream is broken:
    // the peer must not receive half a message followed by another.
    if (off > 0) close_now("send buffer full");
    return false;
  }
  ++stats_.deferred_writes;
  arm_write();
  return true;
}

bool TcpConnection::append(std::string_view bytes) noexcept {
  // Never move bytes an async_write is still reading from: compaction waits
  // until no write is pending (the write handler compacts too).
  if (tx_cap_ - tx_tail_ < bytes.size() && !write_pending_) compact();
  if (tx_cap_ - tx_tail_ < bytes.size()) return false;
  std::memcpy(tx_.get() + tx_tail_, bytes.data(), bytes.size());
  tx_tail_ += bytes.size();
  return true;
}

void TcpConnection::compact() noexcept {
  if (tx_head_ == 0) return;
  std::memmove(tx_.get(), tx_.get() + tx_head_, tx_tail_ - tx_head_);
  tx_tail_ -= tx_head_;
  tx_head_ = 0;
}

bool TcpConnection::write_now() noexcept {
  // An async_write in flight owns the queue: its handler writes the rest.
  if (closing_ || write_pending_ || tx_head_ == tx_tail_) return false;
  boost::system::error_code ec;
  const std::size_t n =
      socket_.write_some(asio::buffer(tx_.get() + tx_head_, tx_tail_ - tx_head_), ec);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
    close_now("write error");
    return false;
  }
  stats_.bytes_out += n;
  tx_head_ += n;
  if (tx_head_ == tx_tail_) tx_head_ = tx_tail_ = 0;
  return true;
}

void TcpConnection::flush_batched() noexcept {
  if (!write_now()) return;
  if (tx_head_ == tx_tail_) {
    ++stats_.direct_writes;
    if (close_after_flush_) close_now(close_reason_);
    return;
  }
  ++stats_.deferred_writes;
  arm_write();
}

void TcpConnection::arm_write() {
  if (write_pending_ || tx_head_ == tx_tail_) return;
  write_pending_ = true;
  socket_.async_write_some(asio::buffer(tx_.get() + tx_head_, tx_tail_ - tx_head_),
                           [this](const boost::system::error_code& ec, std::size_t n) {
                             write_pending_ = false;
                             if (ec) {
                               close_now("write error");
                               return;
                             }
                             stats_.bytes_out += n;
                             tx_head_ += n;
                             if (tx_head_ == tx_tail_) {
                               tx_head_ = tx_tail_ = 0;
                             } else if (tx_head_ > tx_cap_ / 2) {
                               compact();  // No write is pending here.
                             }
                             if (tx_head_ != tx_tail_) {
                               arm_write();
                             } else if (close_after_flush_) {
                               close_now(close_reason_);
                             } else {
                               maybe_finish_close();
                             }
                           });
}

void TcpConnection::disconnect(std::string_view reason) noexcept {
  if (closing_) return;
  if (close_after_flush_) {
    // Asked again while flushing: the caller has waited long enough.
    close_now(std::string_view());
    return;
  }
  if (tx_head_ != tx_tail_) {
    close_after_flush_ = true;
    close_reason_.assign(reason);
    flush_timer_pending_ = true;
    flush_timer_.expires_after(flush_timeout_);
    flush_timer_.async_wait([this](const boost::system::error_code&) {
      flush_timer_pending_ = false;
      // Not drained in time (or already closed): close; reports the close
      // if this was the last pending operation.
      close_now(std::string_view());
    });
    return;
  }
  close_now(reason);
}

void TcpConnection::close_now(std::string_view reason) noexcept {
  if (!closing_) {
    closing_ = true;
    if (!reason.empty() || close_reason_.empty()) close_reason_.assign(reason);
    boost::system::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);  // Cancels pending operations; their handlers see closing_.
    if (flush_timer_pending_) flush_timer_.cancel();
  }
  maybe_finish_close();
}

void TcpConnection::maybe_finish_close() noexcept {
  if (!closing_ || read_pending_ || write_pending_ || flush_timer_pending_ || close_reported_)
    return;
  close_reported_ = true;
  if (owner_ != nullptr) owner_->on_closed(close_reason_);
}

}  // namespace riskgate::net
