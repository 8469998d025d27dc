#include "bench/e2e/fix_link.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <fstream>
#include <span>
#include <stdexcept>
#include <thread>

namespace riskgate::bench {

std::int64_t mono_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t wall_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

void set_nodelay(int fd) {
  int one = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
    throw std::runtime_error(std::string("setsockopt(TCP_NODELAY): ") + std::strerror(errno));
  }
}

void set_nonblocking(int fd, bool on) {
  const int flags = fcntl(fd, F_GETFL, 0);
  if (flags < 0 || fcntl(fd, F_SETFL, on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK)) < 0) {
    throw std::runtime_error(std::string("fcntl(O_NONBLOCK): ") + std::strerror(errno));
  }
}

namespace {
sockaddr_in resolve(const std::string& host, std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) == 1) return addr;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || res == nullptr) {
    throw std::runtime_error("cannot resolve host " + host);
  }
  addr.sin_addr = reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr;
  freeaddrinfo(res);
  return addr;
}
}  // namespace

int connect_tcp(const std::string& host, std::uint16_t port, int timeout_ms) {
  const sockaddr_in addr = resolve(host, port);
  const auto deadline = mono_ns() + std::int64_t{timeout_ms} * 1'000'000;
  std::string last_error;
  for (;;) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
      set_nodelay(fd);
      set_nonblocking(fd, true);
      return fd;
    }
    last_error = std::strerror(errno);
    close(fd);
    if (mono_ns() > deadline) {
      throw std::runtime_error("connect " + host + ":" + std::to_string(port) + ": " + last_error);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

int listen_tcp(const std::string& host, std::uint16_t port, std::uint16_t* bound_port) {
  const sockaddr_in addr = resolve(host, port);
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 16) != 0) {
    const std::string why = std::strerror(errno);
    close(fd);
    throw std::runtime_error("listen " + host + ":" + std::to_string(port) + ": " + why);
  }
  sockaddr_in got{};
  socklen_t len = sizeof got;
  getsockname(fd, reinterpret_cast<sockaddr*>(&got), &len);
  if (bound_port != nullptr) *bound_port = ntohs(got.sin_port);
  return fd;
}

std::string_view utc_now(char (&buf)[32]) noexcept {
  const std::size_t n = codec::format_utc_timestamp(std::span<char>(buf, sizeof buf), wall_ns());
  return {buf, n};
}

bool index_from_clordid(std::string_view id, std::uint64_t& idx) noexcept {
  std::size_t start = id.size();
  while (start > 0 && id[start - 1] >= '0' && id[start - 1] <= '9') --start;
  if (start == id.size()) return false;
  const auto r = std::from_chars(id.data() + start, id.data() + id.size(), idx);
  return r.ec == std::errc{};
}

std::string run_nonce() {
  static const char* letters = "abcdefghijklmnopqrstuvwxyz";
  auto v = static_cast<std::uint64_t>(wall_ns() / 1000);
  std::string s;
  for (int i = 0; i < 6; ++i) {
    s.push_back(letters[v % 26]);
    v /= 26;
  }
  return s + "-";
}

FixLink::FixLink(int fd, std::string begin_string, std::string sender, std::string target,
                 bool nonblocking_send, std::size_t rx_capacity, std::size_t tx_capacity)
    : fd_(fd),
      begin_string_(std::move(begin_string)),
      sender_(std::move(sender)),
      target_(std::move(target)),
      rx_(new char[rx_capacity]),
      rx_cap_(rx_capacity),
      tx_(new char[tx_capacity]),
      tx_cap_(tx_capacity),
      nonblocking_send_(nonblocking_send) {}

FixLink::~FixLink() {
  if (fd_ >= 0) close(fd_);
}

void FixLink::set_comp_ids(std::string sender, std::string target) {
  sender_ = std::move(sender);
  target_ = std::move(target);
}

bool FixLink::send(std::string_view msg_type, std::string_view body, bool flush_now) {
  if (!tx_error_.empty()) return false;
  const std::int64_t now = wall_ns();
  if (now / 1'000'000 != time_cache_ms_) {
    time_cache_ms_ = now / 1'000'000;
    time_len_ = codec::format_utc_timestamp(std::span<char>(time_buf_, sizeof time_buf_), now);
  }
  // Keep the free space contiguous: move what is pending to the front first.
  if (tx_head_ > 0 && tx_cap_ - tx_len_ < body.size() + 256) {
    std::memmove(tx_.get(), tx_.get() + tx_head_, tx_len_ - tx_head_);
    tx_len_ -= tx_head_;
    tx_head_ = 0;
  }
  codec::Header h;
  h.begin_string = begin_string_;
  h.msg_type = msg_type;
  h.sender_comp_id = sender_;
  h.target_comp_id = target_;
  h.seq_num = next_seq_;
  h.sending_time = std::string_view(time_buf_, time_len_);
  const auto r = codec::encode(std::span<char>(tx_.get() + tx_len_, tx_cap_ - tx_len_), h, body);
  if (r.error != codec::EncodeError::kNone) return false;
  tx_len_ += r.size;
  ++next_seq_;
  if (flush_now) return flush();
  return true;
}

bool FixLink::flush() noexcept {
  while (tx_head_ < tx_len_) {
    const ssize_t n = ::send(fd_, tx_.get() + tx_head_, tx_len_ - tx_head_,
                             MSG_NOSIGNAL | (nonblocking_send_ ? MSG_DONTWAIT : 0));
    if (n > 0) {
      tx_head_ += static_cast<std::size_t>(n);
      last_send_mono_ = mono_ns();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    tx_error_ = n == 0 ? "send returned 0" : std::string("send: ") + std::strerror(errno);
    return false;
  }
  tx_head_ = tx_len_ = 0;
  return true;
}

void FixLink::enable_rx_timestamps() {
  int one = 1;
  if (setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) != 0) {
    throw std::runtime_error(std::string("setsockopt(SO_TIMESTAMPNS): ") + std::strerror(errno));
  }
  rx_timestamps_ = true;
}

bool FixLink::read_some() {
  if (rx_len_ == rx_cap_) {
    rx_error_ = "receive buffer full";
    return false;
  }
  for (;;) {
    iovec iov{rx_.get() + rx_len_, rx_cap_ - rx_len_};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (rx_timestamps_) {
      mh.msg_control = control;
      mh.msg_controllen = sizeof control;
    }
    const ssize_t n = ::recvmsg(fd_, &mh, 0);
    if (n > 0) {
      rx_len_ += static_cast<std::size_t>(n);
      last_recv_mono_ = mono_ns();
      if (rx_timestamps_) {
        for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c != nullptr; c = CMSG_NXTHDR(&mh, c)) {
          if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            timespec ts{};
            std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
            // Kernel stamp (CLOCK_REALTIME) -> CLOCK_MONOTONIC through the
            // offset between the two clocks right now; the stamp is at most
            // a few ms old, so clock slewing in between is negligible.
            const std::int64_t stamp = std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
            const std::int64_t age = wall_ns() - stamp;
            // A stamp that is not a recent wall-clock time is not used (on
            // some kernels a loopback skb can still carry the sender's
            // monotonic departure time): fall back to the read time.
            if (age >= 0 && age < 1'000'000'000) {
              last_recv_mono_ -= age;
              ++stamped_reads_;
            } else {
              ++bad_stamps_;
            }
          }
        }
      }
      return true;
    }
    if (n == 0) {
      rx_error_ = "peer closed the connection";
      return false;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
    rx_error_ = std::string("recv: ") + std::strerror(errno);
    return false;
  }
}

void FixLink::compact(std::size_t consumed) noexcept {
  if (consumed == 0) return;
  std::memmove(rx_.get(), rx_.get() + consumed, rx_len_ - consumed);
  rx_len_ -= consumed;
}

std::pair<std::uint64_t, std::uint64_t> steal_and_total_ticks() {
  std::ifstream f("/proc/stat");
  std::string cpu;
  std::uint64_t v[10] = {}, total = 0;
  f >> cpu;  // The first line sums every CPU: "cpu user nice system idle iowait ...".
  for (auto& x : v) {
    f >> x;
    total += x;
  }
  return {v[7], total};
}

}  // namespace riskgate::bench
