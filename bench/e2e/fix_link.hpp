// A minimal FIX session endpoint for the benchmark peers (rg-loadgen,
// rg-responder), on riskgate's codec and plain POSIX sockets.
//
// It does just enough session layer for a short benchmark run: sequence
// numbers out, Logon/Logout, Heartbeat/TestRequest. It does not check inbound
// sequence numbers or resend: the peers must never be the bottleneck, and a
// lost message shows up as a timeout in the results anyway.
//
// Buffers are allocated once in the constructor; send() and poll_messages()
// do not allocate. Threads: the send side (send, flush, reset_seq,
// set_comp_ids) and the receive side (poll_messages) touch disjoint state, so
// one thread may send while another receives; each side has one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "gateway/codec/codec.hpp"

namespace riskgate::bench {

// CLOCK_MONOTONIC in ns: every latency the harness reports is a difference of these.
[[nodiscard]] std::int64_t mono_ns() noexcept;
// CLOCK_REALTIME in ns, for SendingTime/TransactTime only.
[[nodiscard]] std::int64_t wall_ns() noexcept;

// Setup helpers; they throw std::runtime_error with the reason.
// Connects to host:port, retrying until `timeout_ms` has passed (the peer may
// still be starting). The socket is non-blocking with TCP_NODELAY.
[[nodiscard]] int connect_tcp(const std::string& host, std::uint16_t port, int timeout_ms);
// Listening socket on host:port (port 0: ephemeral); *bound_port gets the port.
[[nodiscard]] int listen_tcp(const std::string& host, std::uint16_t port,
                             std::uint16_t* bound_port);
void set_nodelay(int fd);
void set_nonblocking(int fd, bool on);

class FixLink {
 public:
  // nonblocking_send: writes use MSG_DONTWAIT (what the kernel does not take
  // stays buffered for the next flush) even when the socket blocks, so a
  // receiver thread can sleep in recv() on the same socket.
  FixLink(int fd, std::string begin_string, std::string sender, std::string target,
          bool nonblocking_send = false, std::size_t rx_capacity = 1 << 20,
          std::size_t tx_capacity = 8 << 20);
  ~FixLink();
  FixLink(const FixLink&) = delete;
  FixLink& operator=(const FixLink&) = delete;

  // Appends one message to the outbound buffer (header built here, next
  // MsgSeqNum). With flush_now, also writes as much as the kernel takes.
  // Returns false when the outbound buffer is full (nothing appended) or the
  // connection failed.
  [[nodiscard]] bool send(std::string_view msg_type, std::string_view body, bool flush_now = true);
  // Writes buffered bytes; false when the connection failed.
  bool flush() noexcept;
  [[nodiscard]] std::size_t tx_pending() const noexcept { return tx_len_ - tx_head_; }
  [[nodiscard]] std::size_t tx_free() const noexcept { return tx_cap_ - tx_pending(); }

  // Reads what the socket has (non-blocking or blocking, as the fd is set)
  // and calls on_message(const codec::Message&) for every whole message.
  // Returns false on EOF or error (reason in error()).
  template <typename F>
  bool poll_messages(F&& on_message) {
    if (!read_some()) return false;
    std::size_t pos = 0;
    while (pos < rx_len_) {
      const auto r = codec::frame(std::string_view(rx_.get() + pos, rx_len_ - pos), rx_cap_ / 2);
      if (r.status == codec::FrameStatus::kNeedMore) break;
      pos += r.consumed;
      if (r.status == codec::FrameStatus::kGarbled) {
        ++garbled_;
        continue;
      }
      if (r.status == codec::FrameStatus::kTooLarge) {
        rx_error_ = "oversize message";
        return false;
      }
      if (msg_.scan(r.message) != codec::ScanError::kNone) {
        ++garbled_;
        continue;
      }
      on_message(msg_);
    }
    compact(pos);
    return true;
  }

  // Asks the kernel to timestamp received data (SO_TIMESTAMPNS): from then
  // on last_recv_mono() is when the bytes reached the socket, not when this
  // process got around to reading them, so the reader's own wake-up latency
  // is not charged to the path under test. Throws when unsupported.
  void enable_rx_timestamps();
  [[nodiscard]] std::uint64_t stamped_reads() const noexcept { return stamped_reads_; }
  [[nodiscard]] std::uint64_t bad_stamps() const noexcept { return bad_stamps_; }

  // Sets a new outbound sequence (after a Logon with ResetSeqNumFlag=Y).
  void reset_seq(std::uint64_t next) noexcept { next_seq_ = next; }
  void set_comp_ids(std::string sender, std::string target);
  [[nodiscard]] int fd() const noexcept { return fd_; }
  [[nodiscard]] const std::string& rx_error() const noexcept { return rx_error_; }
  [[nodiscard]] const std::string& tx_error() const noexcept { return tx_error_; }
  [[nodiscard]] std::string error() const { return rx_error_.empty() ? tx_error_ : rx_error_; }
  [[nodiscard]] std::uint64_t garbled() const noexcept { return garbled_; }
  [[nodiscard]] std::int64_t last_send_mono() const noexcept { return last_send_mono_; }
  [[nodiscard]] std::int64_t last_recv_mono() const noexcept { return last_recv_mono_; }
  [[nodiscard]] std::uint64_t messages_sent() const noexcept { return next_seq_ - 1; }

 private:
  bool read_some();
  void compact(std::size_t consumed) noexcept;

  int fd_;
  std::string begin_string_, sender_, target_;
  std::unique_ptr<char[]> rx_;
  std::size_t rx_cap_, rx_len_ = 0;
  std::unique_ptr<char[]> tx_;
  std::size_t tx_cap_, tx_head_ = 0, tx_len_ = 0;
  std::uint64_t next_seq_ = 1;
  std::uint64_t garbled_ = 0;
  std::int64_t last_send_mono_ = 0;
  std::int64_t last_recv_mono_ = 0;
  // SendingTime is formatted at most once per millisecond (its resolution).
  std::int64_t time_cache_ms_ = -1;
  char time_buf_[32] = {};
  std::size_t time_len_ = 0;
  codec::Message msg_;
  std::string rx_error_;  // receive side
  std::string tx_error_;  // send side
  bool nonblocking_send_;
  bool rx_timestamps_ = false;
  std::uint64_t stamped_reads_ = 0;
  std::uint64_t bad_stamps_ = 0;
};

// "20240101-12:00:00.000" for now, cached per ms; for TransactTime fields.
std::string_view utc_now(char (&buf)[32]) noexcept;

// ClOrdIDs of the generators are <run nonce><order index>. The index is the
// trailing digits, so a proxy's prefix ("E1-") in front still parses.
[[nodiscard]] bool index_from_clordid(std::string_view id, std::uint64_t& idx) noexcept;
// Unique per run (from the wall clock) so a gateway that remembers ClOrdIDs
// (duplicate check) never sees a reuse across runs; ends in '-' so the index
// after it parses.
[[nodiscard]] std::string run_nonce();

// CPU time the hypervisor gave to other guests ("steal", /proc/stat) and the
// total, in ticks summed over CPUs. On a shared VM a run with high steal has
// stalls that are nobody's fault on the path; the reports show it per run.
[[nodiscard]] std::pair<std::uint64_t, std::uint64_t> steal_and_total_ticks();

}  // namespace riskgate::bench
