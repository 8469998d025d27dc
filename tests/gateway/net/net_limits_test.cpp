// Bounded waits in the transport (issue 10, item 4): a listener out of
// descriptors pauses with back-off instead of spinning on accept, and a
// connection whose peer never drains its Logout is cut at the close-flush
// deadline instead of being kept for ever.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <iostream>
#include <string>
#include <vector>

#include "gateway/net/listener.hpp"
#include "gateway/net/tcp_connection.hpp"

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// New descriptors take the lowest free number, so a soft limit equal to it
// leaves none to take.
int lowest_free_fd() {
  int fd = 0;
  while (::fcntl(fd, F_GETFD) != -1) ++fd;
  return fd;
}

// Lowers this process's soft RLIMIT_NOFILE so that no new descriptor can be
// created; restores it when destroyed (also when an assertion fails).
class NoFreeDescriptors {
 public:
  NoFreeDescriptors() {
    getrlimit(RLIMIT_NOFILE, &old_);
    rlimit low = old_;
    low.rlim_cur = static_cast<rlim_t>(lowest_free_fd());
    ok_ = setrlimit(RLIMIT_NOFILE, &low) == 0;
  }
  ~NoFreeDescriptors() { restore(); }
  void restore() {
    if (ok_) setrlimit(RLIMIT_NOFILE, &old_);
    ok_ = false;
  }
  [[nodiscard]] bool ok() const noexcept { return ok_; }

 private:
  rlimit old_{};
  bool ok_ = false;
};

TEST(ListenerBackoff, OutOfDescriptorsTheListenerPausesInsteadOfSpinningThenAcceptsOnceFreed) {
  constexpr std::size_t kClients = 8;
  asio::io_context ctx;
  std::vector<tcp::socket> accepted;
  riskgate::net::Listener listener(
      ctx, "127.0.0.1", 0, [&](tcp::socket s) { accepted.push_back(std::move(s)); },
      riskgate::net::AcceptBackoff{10ms, 80ms});
  // The kernel completes these handshakes into the backlog; accept would
  // need one descriptor each.
  std::vector<tcp::socket> clients;
  for (std::size_t i = 0; i < kClients; ++i) {
    clients.emplace_back(ctx);
    clients.back().connect({asio::ip::make_address("127.0.0.1"), listener.port()});
  }

  NoFreeDescriptors cut;
  ASSERT_TRUE(cut.ok());
  const double cpu0 = thread_cpu_ms();
  ctx.run_for(500ms);
  const double cpu_ms = thread_cpu_ms() - cpu0;
  cut.restore();

  const std::uint64_t errors = listener.accept_errors();
  std::cout << "[ measured ] 500 ms without descriptors: " << errors << " accept attempts, "
            << cpu_ms << " ms CPU\n";
  EXPECT_EQ(accepted.size(), 0u);
  EXPECT_EQ(listener.last_accept_error(), EMFILE);
  // 10+20+40+80+80+... ms: about 9 attempts in 500 ms. Spinning makes
  // hundreds of thousands and burns the whole 500 ms of CPU.
  EXPECT_GE(errors, 3u);
  EXPECT_LE(errors, 15u);
  EXPECT_LT(cpu_ms, 100.0);

  // Descriptors are back: every waiting connection is accepted within the
  // longest pause, and the pause starts again from the beginning.
  const auto t0 = Clock::now();
  while (accepted.size() < kClients && Clock::now() - t0 < 2s) ctx.run_for(5ms);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  std::cout << "[ measured ] all " << kClients << " accepted " << took.count()
            << " ms after descriptors were freed\n";
  EXPECT_EQ(accepted.size(), kClients);
  EXPECT_LE(took, 500ms);
  EXPECT_EQ(listener.current_backoff(), 10ms);
}

// The baseline in the same run: without a pause (each retry still goes
// through the event loop), the same 500 ms is a busy loop. Shows the test
// above would catch a listener that spins.
TEST(ListenerBackoff, BaselineWithoutAPauseTheSameOutageIsABusyLoop) {
  asio::io_context ctx;
  riskgate::net::Listener listener(
      ctx, "127.0.0.1", 0, [](tcp::socket) {}, riskgate::net::AcceptBackoff{0ms, 0ms});
  tcp::socket client(ctx);
  client.connect({asio::ip::make_address("127.0.0.1"), listener.port()});
  NoFreeDescriptors cut;
  ASSERT_TRUE(cut.ok());
  const double cpu0 = thread_cpu_ms();
  ctx.run_for(500ms);
  const double cpu_ms = thread_cpu_ms() - cpu0;
  cut.restore();
  std::cout << "[ measured ] baseline, no pause: " << listener.accept_errors()
            << " accept attempts in 500 ms, " << cpu_ms << " ms CPU\n";
  EXPECT_GT(listener.accept_errors(), 1000u);
}

TEST(ListenerBackoff, AClosedListenerStopsRetryingDuringAPause) {
  asio::io_context ctx;
  int accepts = 0;
  riskgate::net::Listener listener(
      ctx, "127.0.0.1", 0, [&](tcp::socket) { ++accepts; },
      riskgate::net::AcceptBackoff{50ms, 50ms});
  tcp::socket client(ctx);
  client.connect({asio::ip::make_address("127.0.0.1"), listener.port()});
  {
    NoFreeDescriptors cut;
    ASSERT_TRUE(cut.ok());
    ctx.run_for(20ms);  // One failed accept; now pausing.
  }
  EXPECT_GE(listener.accept_errors(), 1u);
  listener.close();
  ctx.run_for(150ms);  // The pause ends, but nothing is retried.
  EXPECT_EQ(accepts, 0);
}

// ---------------------------------------------------------------------------

struct Owner final : riskgate::net::ConnectionOwner {
  bool closed = false;
  std::string reason;
  Clock::time_point at;
  std::size_t on_bytes(std::string_view data) noexcept override { return data.size(); }
  void on_closed(std::string_view why) noexcept override {
    closed = true;
    reason = std::string(why);
    at = Clock::now();
  }
};

// `ours` has queued bytes the kernel would not take: `peer` never reads.
struct StalledPair {
  asio::io_context ctx;
  tcp::socket peer{ctx};
  std::unique_ptr<riskgate::net::TcpConnection> ours;
  Owner owner;

  StalledPair() {
    tcp::acceptor acc(ctx, {asio::ip::make_address("127.0.0.1"), 0});
    tcp::socket client(ctx);
    client.connect(acc.local_endpoint());
    acc.accept(peer);
    ours = std::make_unique<riskgate::net::TcpConnection>(std::move(client), 1 << 16, 64 << 20);
    ours->start(&owner);
    const std::string chunk(64 * 1024, 'x');
    for (int i = 0; i < 4096 && ours->stats().deferred_writes == 0; ++i) {
      if (!ours->send(chunk)) break;
    }
  }
  void run_until_closed(std::chrono::milliseconds limit) {
    const auto t0 = Clock::now();
    while (!owner.closed && Clock::now() - t0 < limit) ctx.run_for(5ms);
  }
};

TEST(TcpConnectionClose, ALogoutThePeerNeverDrainsIsCutAtTheCloseFlushTimeout) {
  StalledPair p;
  ASSERT_GT(p.ours->stats().deferred_writes, 0u) << "the kernel took everything";
  p.ours->set_close_flush_timeout(200ms);
  const auto t0 = Clock::now();
  ASSERT_TRUE(p.ours->send("8=FIX.4.4|35=5|"));  // The Logout, queued behind the rest.
  p.ours->disconnect("Logout sent");
  p.ctx.run_for(50ms);
  EXPECT_FALSE(p.owner.closed) << "closed before the flush deadline";
  p.run_until_closed(3s);
  ASSERT_TRUE(p.owner.closed);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(p.owner.at - t0);
  std::cout << "[ measured ] non-draining peer cut " << took.count()
            << " ms after disconnect (flush timeout 200 ms)\n";
  EXPECT_GE(took, 190ms);
  EXPECT_LE(took, 1000ms);
  EXPECT_EQ(p.owner.reason, "Logout sent");
  EXPECT_FALSE(p.ours->open());
}

TEST(TcpConnectionClose, ASecondDisconnectWhileFlushingClosesAtOnce) {
  StalledPair p;
  ASSERT_GT(p.ours->stats().deferred_writes, 0u) << "the kernel took everything";
  p.ours->set_close_flush_timeout(30s);
  p.ours->disconnect("Logout sent");
  p.ctx.run_for(30ms);
  EXPECT_FALSE(p.owner.closed);
  const auto t0 = Clock::now();
  p.ours->disconnect("Logout timeout");  // The session's LogoutTimeout expired.
  p.run_until_closed(2s);
  ASSERT_TRUE(p.owner.closed);
  EXPECT_LE(p.owner.at - t0, 200ms);
}

TEST(TcpConnectionClose, AbortDropsWhatIsQueuedAndClosesAtOnce) {
  StalledPair p;
  ASSERT_GT(p.ours->stats().deferred_writes, 0u) << "the kernel took everything";
  p.ours->set_close_flush_timeout(30s);
  p.ours->disconnect("Logout sent");
  const auto t0 = Clock::now();
  p.ours->abort("Logout timeout");  // Transport::abort from the session.
  p.run_until_closed(2s);
  ASSERT_TRUE(p.owner.closed);
  EXPECT_LE(p.owner.at - t0, 200ms);
}

}  // namespace
